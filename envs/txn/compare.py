"""``adrs compare txn-scheduling[-online] --policies A,B,C [--split S] [--json]``: same workloads, one table.

Each policy is evaluated exactly as ``adrs run`` does (offline :func:`.evaluate.evaluate`, online
:func:`.online_eval.evaluate_online`; R = ``eval_seeds`` seeds per workload, averaged). The per-workload
score is the env's ``gain_vs_smf`` = 1 - M / M_SMF, so ``score`` is ``adrs run``'s; beside it the mean
makespan M and the paired makespan difference vs the first policy (negative = shorter), with bootstrap
CIs over workloads. A policy whose evaluation is invalid (budget or time-cap violation under ``strict``)
keeps its per-workload numbers, ``valid`` false and ``score`` None, as ``adrs run`` reports it; one that
failed outright (no numbers for some workload) is an error.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from adrs.compare_table import ci_text, evaluate_distinct, paired_rows, print_table, split_policies

from .config import TxnConfig, TxnOnlineConfig
from .replay import config_from_args, resolve_online
from .sources import load_instances


def _evaluate(spec: str, config: TxnConfig | TxnOnlineConfig, instances: list) -> dict[str, Any]:
    """``adrs run``'s summary dict of one policy."""
    if isinstance(config, TxnOnlineConfig):
        from .online_eval import evaluate_online

        name, choose = resolve_online(spec)
        return evaluate_online(choose, instances, config, name)
    from .evaluate import evaluate
    from .loading import resolve_policy

    name, policy = resolve_policy(spec)
    return evaluate(policy, instances, config, policy_name=name, env_id="txn-scheduling").summary()


def compare(policies: list[str], config: TxnConfig | TxnOnlineConfig, n_boot: int = 2000, seed: int = 0
            ) -> dict[str, Any]:
    """Evaluate every policy on the same workloads; CIs are over workloads (bootstrap, seeded)."""
    online = isinstance(config, TxnOnlineConfig)
    instances = load_instances(config.workload, config.relabel, config.cc)
    units = [inst.id for inst in instances]
    summaries = evaluate_distinct(policies, lambda spec: _evaluate(spec, config, instances))
    for s in summaries:
        if [r["id"] for r in s["workloads"]] != units:
            raise ValueError(f"policy {s['policy']} failed: {s['reason']}")
    gains = [[r["gain_vs_smf"] for r in s["workloads"]] for s in summaries]
    makespans = np.array([[r["makespan"] for r in s["workloads"]] for s in summaries])
    extra = {"makespan": makespans, "makespan_diff": makespans - makespans[0]}
    if online:
        extra["latency"] = [[r["latency_mean"] for r in s["workloads"]] for s in summaries]
    rows = paired_rows([s["policy"] for s in summaries], gains, n_boot=n_boot, seed=seed, extra=extra)
    for i, (row, s) in enumerate(zip(rows, summaries, strict=True)):
        row.update(score=s["score"], valid=s["valid"], reason=s["reason"], total_makespan=s["total_makespan"],
                   gap_to_bound=s["gap_to_bound"], oracle_calls=s["oracle_calls"],
                   per_unit=[r["gain_vs_smf"] for r in s["workloads"]],
                   makespan_wins_vs_first=float(np.mean(makespans[i] < makespans[0])))
    env = "txn-scheduling-online" if online else "txn-scheduling"
    return {"env": env, "split": config.workload, "unit": "workload", "n_units": len(units), "units": units,
            "eval_seeds": config.eval_seeds, "n_boot": n_boot, "bootstrap_seed": seed, "policies": rows}


def compare_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs compare txn-scheduling`` and ``adrs compare txn-scheduling-online``."""
    config = config_from_args(args)
    result = compare(split_policies(args.policies), config, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    columns = [("mean M", lambda r: f"{r['makespan_mean']:.1f}"),
               ("M 95 % CI", lambda r: ci_text(r["makespan_ci"], ".1f")),
               ("ΔM vs first", lambda r: f"{r['makespan_diff_mean']:+.1f}"),
               ("ΔM 95 % CI", lambda r: ci_text(r["makespan_diff_ci"], "+.1f"))]
    if result["env"].endswith("online"):
        columns.append(("latency", lambda r: f"{r['latency_mean']:.1f}"))
    columns.append(("valid", lambda r: "yes" if r["valid"] else "NO"))
    print_table(f"{result['env']} on {result['split']}: {result['n_units']} workloads x {result['eval_seeds']} seeds, "
                "score = gain vs SMF (1 - M / M_SMF), 95 % bootstrap CIs over workloads", result["policies"], columns)
    for r in result["policies"]:
        if not r["valid"]:
            print(f"{r['policy']}: INVALID ({r['reason']}); its numbers are shown but adrs run scores it None")
    return 0
