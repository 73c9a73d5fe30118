"""``adrs compare cloudcast --policies A,B,C [--split S] [--json]``: every policy on the same instances.

Per instance the score is the env's own s_i (0 = direct plan, 1 = the lower bound, invalid -1, spec §7),
so ``score`` here is exactly ``adrs run cloudcast``'s; beside it the cost relative to the direct plan
(C_i / C_direct; an invalid plan counts as 2, as the env's ``neg_cost`` reward does). CIs are bootstrap
CIs over instances; differences are paired by instance against the first policy.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from adrs.compare_table import ci_text, evaluate_distinct, paired_rows, print_table, split_policies
from adrs.traces.cloudcast.embedded import SPLIT_ALIASES, load_split

from .config import CloudcastConfig
from .policies import resolve_policy
from .replay import config_from_args
from .scoring import evaluate_cases

INVALID_COST_RATIO = 2.0
"""C / C_direct charged for an invalid plan (the env's ``neg_cost`` reward charges 2 x the direct cost)."""


def cost_vs_direct(row: dict) -> float:
    """C_i / C_direct_i of one per-instance row (``INVALID_COST_RATIO`` when the plan is invalid)."""
    return row["total_cost_usd"] / row["direct_cost"] if row["valid"] else INVALID_COST_RATIO


def compare(policies: list[str], config: CloudcastConfig, n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Evaluate every policy on the split's instances; CIs are over instances (bootstrap, seeded)."""
    cases = load_split(config.split)
    paper = SPLIT_ALIASES[config.split] == "paper"

    def run(spec: str) -> tuple[str, dict, list]:
        name, fn = resolve_policy(spec)
        return (name, *evaluate_cases(fn, cases, paper=paper))

    results = evaluate_distinct(policies, run)
    scores = [[r["score"] for r in rows] for _, _, rows in results]
    ratios = [[cost_vs_direct(r) for r in rows] for _, _, rows in results]
    out_rows = paired_rows([name for name, _, _ in results], scores, n_boot=n_boot, seed=seed,
                           extra={"cost_vs_direct": ratios})
    for row, (_, summary, rows) in zip(out_rows, results, strict=True):
        row.update(score=summary["score"], total_cost_usd=summary["total_cost_usd"],
                   egress_cost_usd=summary["egress_cost_usd"], gap_to_bound=summary["gap_to_bound"],
                   invalid_rate=summary["invalid_rate"], per_unit=[r["score"] for r in rows])
        if paper:
            row["leaderboard_score"] = summary["leaderboard_score"]
    return {"env": "cloudcast", "split": config.split, "unit": "instance", "n_units": len(cases),
            "units": [c.instance.instance_id for c in cases], "n_boot": n_boot, "bootstrap_seed": seed,
            "policies": out_rows}


def compare_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs compare cloudcast``."""
    config = config_from_args(args)
    result = compare(split_policies(args.policies), config, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    print_table(f"cloudcast on {result['split']}: {result['n_units']} instances, score s_i (0 = direct, 1 = bound), "
                "95 % bootstrap CIs over instances", result["policies"],
                [("C / C_direct", lambda r: f"{r['cost_vs_direct_mean']:.4f}"),
                 ("C / C_direct CI", lambda r: ci_text(r["cost_vs_direct_ci"])),
                 ("total $", lambda r: f"{r['total_cost_usd']:.2f}"),
                 ("invalid", lambda r: f"{r['invalid_rate']:.0%}")])
    return 0
