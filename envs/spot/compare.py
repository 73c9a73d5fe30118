"""``adrs compare cant-be-late[-multi] --policies A,B,C``: one table, bootstrap CIs, paired differences."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from adrs.config import build_config, parse_assignments
from adrs.stats import bootstrap_means, paired_differences

from .config import MultiSpotConfig, SpotConfig
from .evaluate import evaluate
from .loading import resolve_policy
from .sources import load_sources


def compare(policies: list[str], config: SpotConfig | MultiSpotConfig, n_boot: int = 2000, seed: int = 0
            ) -> dict[str, Any]:
    """Evaluate every policy on the same runs; CIs are over scenarios (bootstrap, seeded)."""
    sets = load_sources(config.traces, config.multi)
    names, per_scenario, summaries = [], [], []
    scenarios: list[str] | None = None
    for spec in policies:
        name, fn = resolve_policy(spec, config.multi, getattr(config, "observation", "local"))
        ev = evaluate(fn, config, sets, policy_name=name)
        keys = list(ev.score.per_scenario)
        if scenarios is None:
            scenarios = keys
        per_scenario.append([ev.score.per_scenario[k]["savings"] for k in scenarios])
        names.append(name)
        summaries.append(ev.score)
    table = np.array(per_scenario)
    ci = bootstrap_means(table, n_boot=n_boot, seed=seed)
    diffs = paired_differences(table, reference=0, n_boot=n_boot, seed=seed)
    rows = []
    for i, name in enumerate(names):
        s = summaries[i]
        rows.append({"policy": name, "score": s.score, "savings_mean": ci[i, 0], "savings_ci": [ci[i, 1], ci[i, 2]],
                     "mean_cost_usd": s.mean_cost_usd, "deadline_misses": s.deadline_misses,
                     "diff_vs_first": diffs[i, 0], "diff_ci": [diffs[i, 1], diffs[i, 2]],
                     "scenarios_won_vs_first": diffs[i, 3]})
    return {"env": "cant-be-late-multi" if config.multi else "cant-be-late", "traces": config.traces,
            "n_scenarios": len(scenarios or []), "n_boot": n_boot, "bootstrap_seed": seed, "policies": rows}


def compare_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs compare`` for the spot envs."""
    cls = MultiSpotConfig if args.env.endswith("multi") or "Multi" in args.env else SpotConfig
    overrides = parse_assignments(cls, args.assignments)
    overrides["traces"] = args.split if args.split else overrides.get("traces", "train")
    config = build_config(cls, overrides)
    result = compare([p.strip() for p in args.policies.split(",") if p.strip()], config, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    table = Table(title=f"{result['env']} on {result['traces']}: {result['n_scenarios']} scenarios, "
                        f"95 % bootstrap CIs over scenarios")
    for col in ("policy", "score S", "S 95 % CI", "mean $", "misses", "Δ vs first", "Δ 95 % CI", "wins"):
        table.add_column(col, justify="left" if col == "policy" else "right", no_wrap=col == "policy")
    for r in result["policies"]:
        table.add_row(r["policy"], f"{r['score']:.4f}", f"[{r['savings_ci'][0]:.4f}, {r['savings_ci'][1]:.4f}]",
                      f"{r['mean_cost_usd']:.2f}", str(r["deadline_misses"]), f"{r['diff_vs_first']:+.4f}",
                      f"[{r['diff_ci'][0]:+.4f}, {r['diff_ci'][1]:+.4f}]", f"{r['scenarios_won_vs_first']:.0%}")
    Console().print(table)
    return 0
