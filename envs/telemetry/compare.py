"""``adrs compare telemetry-repair --policies A,B,C [--split S] [--json]``: every policy on the same scenarios.

Each policy runs as in ``adrs run telemetry-repair`` (isolated worker, the config's ``timeout_s``) and is
scored by the env's :func:`.evaluate.evaluate`; ``score`` is that summary's. The per-scenario score is
what :func:`.evaluate.summarize` reports for the scenario alone (the default variant's reward, or the
reference's ``combined``), so its mean over scenarios is ``score``. CIs are bootstrap CIs over scenarios;
differences are paired by scenario against the first policy. Pooled metrics (Brier, ECE) are shown as the
env reports them, without CIs.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from adrs.compare_table import ci_text, evaluate_distinct, paired_rows, print_table, split_policies

from .config import TelemetryConfig
from .evaluate import evaluate
from .replay import config_from_args, policy_ref, scenario_ids, scenario_score, tau_kwargs
from .sources import load_scenarios

REPORTED = ("counter_repair_accuracy", "counter_accuracy", "status_repair_accuracy", "brier", "ece",
            "leaderboard_score", "failed_runs", "invalid_items")
"""Summary fields copied into each row (``counter_accuracy`` is the proper one of spec §6.2)."""


def compare(policies: list[str], config: TelemetryConfig, n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Evaluate every policy on the split's scenarios; CIs are over scenarios (bootstrap, seeded)."""
    scenarios = load_scenarios(config)

    def run(spec: str) -> tuple[str, dict, list]:
        name, ref = policy_ref(spec)
        summary, per = evaluate(ref, scenarios, config.variant, isolate=True, timeout_s=config.timeout_s,
                                **tau_kwargs(config))
        return name, summary, per

    results = evaluate_distinct(policies, run)
    scores = [[scenario_score(m, config.variant) for m in per] for _, _, per in results]
    counter = [[float(m["counter_accuracy"]) for m in per] for _, _, per in results]
    rows = paired_rows([name for name, _, _ in results], scores, n_boot=n_boot, seed=seed,
                       extra={"counter_accuracy": counter})
    for row, (_, summary, _), per_unit in zip(rows, results, scores, strict=True):
        row.update(score=summary["score"], **{k: summary[k] for k in REPORTED if k in summary}, per_unit=per_unit)
    return {"env": "telemetry-repair", "split": config.split, "variant": config.variant, "unit": "scenario",
            "n_units": len(scenarios), "units": scenario_ids(config.split, len(scenarios)), "n_boot": n_boot,
            "bootstrap_seed": seed, "policies": rows}


def compare_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs compare telemetry-repair``."""
    config = config_from_args(args)
    result = compare(split_policies(args.policies), config, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    what = "combined (reference)" if result["variant"] == "reference" else "reward"
    print_table(f"telemetry-repair on {result['split']} ({result['variant']} variant): {result['n_units']} scenarios, "
                f"score = per-scenario {what}, 95 % bootstrap CIs over scenarios", result["policies"],
                [("counter acc", lambda r: f"{r['counter_accuracy_mean']:.4f}"),
                 ("counter acc CI", lambda r: ci_text(r["counter_accuracy_ci"])),
                 ("brier", lambda r: f"{r['brier']:.4f}"), ("ece", lambda r: f"{r['ece']:.4f}"),
                 ("failed", lambda r: str(r.get("failed_runs", 0)))])
    return 0
