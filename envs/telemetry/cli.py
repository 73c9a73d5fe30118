"""``adrs run telemetry-repair``: evaluate one policy (isolated worker) on a scenario set.

JSON fields: ``env``, ``policy``, ``variant``, ``split``, ``n_runs``, ``counter_accuracy`` (= the reference's
``counter_repair_accuracy``, as the contract asks), ``counter_accuracy_proper`` (spec §6.2, used by the
default reward), ``counter_repair_accuracy``, ``status_accuracy``, ``calibration``, ``combined``, ``brier``, ``ece``,
``leaderboard_score``, ``reward``, ``score`` (= ``combined`` in the reference variant, else the reward),
``status_brier`` (spec §6.2: Brier of the status confidence against "repaired status = true status"),
``detection_auroc`` (AUROC of 1 - confidence against the env's private fault labels, pooled over every
counter; null when no counter or every counter is labelled), ``invalid_items``, ``extra_items``,
``failed_runs``, ``eval_wall_s``, ``by_fault`` (per fault label: counters, mean error, hit rate) and its pooled
``train_faults`` / ``held_out_faults`` (spec §10: labels that occur in train vs only in holdout). When
every scenario carries ``labels["seed_group"]`` (spec §10), also ``score_by_seed_group`` (mean score per
group, keys are the group as a string), ``score_group_mean`` / ``score_group_std`` (mean and sample std of
the group means) and ``n_seed_groups``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from adrs.config import ConfigError, config_from_run_args
from adrs.paths import DataNotFoundError
from adrs.policy_files import PolicyLoadError
from adrs.simulators.telemetry.scenarios import HELD_OUT_FAULTS

from .config import PRESETS, TelemetryConfig
from .evaluate import evaluate
from .runner import resolve
from .sources import load_scenarios

ALIASES = {"passthrough-1.0": "passthrough", "lsq": "least-squares", "lsq-conservation": "least-squares",
           "hodor-dtp": "hodor"}


def config_from_args(args: argparse.Namespace) -> TelemetryConfig:
    """The config implied by ``--preset`` / ``--split`` and ``--set`` overrides."""
    return config_from_run_args(TelemetryConfig, PRESETS, args, "telemetry-repair")


def run_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs run telemetry-repair``."""
    try:
        config = config_from_args(args)
        ref = ALIASES.get(args.policy, args.policy)
        resolve(ref)  # fail early on unknown names / broken files
        if ref.endswith(".py"):
            ref = str(Path(ref).resolve())
        scenarios = load_scenarios(config)
    except (ConfigError, PolicyLoadError, DataNotFoundError) as exc:
        return _fail(args, str(exc))
    start = time.perf_counter()
    summary, _ = evaluate(ref, scenarios, config.variant, isolate=True, timeout_s=config.timeout_s, breakdown=True,
                          tau=config.tau)
    name = Path(ref).stem if ref.endswith(".py") else ref
    out = {"env": "telemetry-repair", "policy": name, "variant": config.variant, "split": config.split,
           **summary, "eval_wall_s": time.perf_counter() - start}
    # the contract's JSON counter_accuracy is the reference's; the proper one (1 Mbps floor, every counter)
    out["counter_accuracy_proper"] = summary["counter_accuracy"]
    out["counter_accuracy"] = summary["counter_repair_accuracy"]
    out.update(fault_groups(summary.get("by_fault", {})))
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"telemetry-repair · {name} · variant={config.variant} split={config.split} · {out['n_runs']} runs")
    for k in ("counter_accuracy", "counter_accuracy_proper", "status_accuracy", "calibration", "combined",
              "brier", "ece", "status_brier", "detection_auroc", "leaderboard_score", "score"):
        v = out[k]
        print(f"  {k:24s} {'n/a' if v is None else f'{v:.4f}'}")
    for key in ("train_faults", "held_out_faults"):
        if key in out:
            g = out[key]
            print(f"  {key:24s} {g['n']} counters: error {g['error']:.4f}, within tau {g['hit_rate']:.4f}")
    if "score_by_seed_group" in out:
        groups = "  ".join(f"{g}: {v:.4f}" for g, v in out["score_by_seed_group"].items())
        print(f"  score over {out['n_seed_groups']} seed groups: {out['score_group_mean']:.4f} "
              f"± {out['score_group_std']:.4f}  ({groups})")
    return 0


def fault_groups(by_fault: dict) -> dict:
    """Spec §10 "report holdout as a whole and restricted to the held-out types": the ``by_fault`` rows
    pooled into ``held_out_faults`` (labels only holdout has) and ``train_faults`` (every other fault
    label), each ``{n, error, hit_rate}`` over counters; a group with no counters is left out."""
    out = {}
    for key, labels in (("held_out_faults", [k for k in by_fault if k in HELD_OUT_FAULTS]),
                        ("train_faults", [k for k in by_fault if k not in HELD_OUT_FAULTS and k != "clean"])):
        n = sum(by_fault[k]["n"] for k in labels)
        if n:
            out[key] = {"n": n, "error": sum(by_fault[k]["error"] * by_fault[k]["n"] for k in labels) / n,
                        "hit_rate": sum(by_fault[k]["hit_rate"] * by_fault[k]["n"] for k in labels) / n}
    return out


def _fail(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    print(f"adrs: error: {message}", file=sys.stderr)
    return 2
