"""Function policies for ``txn-scheduling-online``: ``choose(obs, oracle, rng) -> window index``.

:func:`evaluate_online` runs R seeded episodes per instance, enforces the per-decision peek budget and
the decision-time caps (a hard cap per decision and a cap on the mean), and under ``strict`` marks the
whole evaluation invalid on any violation, even one the policy caught. The primary online metric is the
makespan for ``batch`` arrivals and the mean latency for ``poisson``/``trace``; both are reported.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .config import TxnOnlineConfig
from .online import TxnSchedulingOnlineEnv
from .sources import Instance


def window_fifo(obs: dict, oracle: Any, rng: Any) -> int:
    """Always the oldest pending transaction (window slot 0)."""
    return 0


def window_smf(obs: dict, oracle: Any, rng: Any) -> int:
    """Argmin of ``peek`` over the window (within the budget); the oldest wins ties."""
    n = min(int(obs["action_mask"].sum()), oracle.calls_left())
    best, best_m = 0, None
    for i in range(n):
        m = oracle.peek(i)[2]
        if best_m is None or m < best_m:
            best, best_m = i, m
    return best


ONLINE_BASELINES: dict[str, Callable[..., int]] = {"window-fifo": window_fifo, "window-smf": window_smf}
"""Online policy names → ``choose`` functions."""


def run_episode(policy: Callable[..., int], env: TxnSchedulingOnlineEnv, seed: int) -> dict[str, Any]:
    """One seeded episode; returns makespan, latency, violations and decision times (ms)."""
    random.seed(seed)
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    times, done, violations = [], False, 0
    while not done:
        oracle = env.oracle
        t0 = time.perf_counter()
        try:
            action = policy(obs, oracle, rng)
        except Exception:
            if not env.epoch_violation:
                raise
            action = 0  # the budget violation is recorded; the env falls back to the window head
        times.append((time.perf_counter() - t0) * 1e3)
        violations += oracle.violations
        obs, _, done, _, info = env.step(action)
    return {"makespan": info["makespan"], "latency_mean": info["latency_mean"], "latency_p95": info["latency_p95"],
            "budget_violations": violations, "fallbacks": info["fallbacks"], "decision_ms": times}


def evaluate_online(policy: Callable[..., int], instances: Sequence[Instance], config: TxnOnlineConfig,
                    policy_name: str = "policy") -> dict[str, Any]:
    """Summary dict with per-workload rows; ``valid`` False (and ``reason``) on any strict violation."""
    from adrs.config import config_to_dict

    rows, valid, reason = [], True, ""
    for k, inst in enumerate(instances):
        env = TxnSchedulingOnlineEnv(**{**config_to_dict(config), "workload": config.workload, "instance_index": k,
                                        "arrival_times": tuple(config.arrival_times)})
        try:
            runs = [run_episode(policy, env, s) for s in range(config.eval_seeds)]
        except Exception as exc:  # the policy's own failure or an invalid action
            return {"env": "txn-scheduling-online", "policy": policy_name, "valid": False, "score": None,
                    "reason": f"{inst.id}: {type(exc).__name__}: {exc}", "workloads": rows}
        ms = [r["makespan"] for r in runs]
        dec = [d for r in runs for d in r["decision_ms"]]
        viol = sum(r["budget_violations"] for r in runs)
        if config.strict and valid:
            if viol:
                valid, reason = False, f"{inst.id}: {viol} peek-budget violation(s)"
            elif dec and max(dec) > config.max_decision_ms:
                valid, reason = False, f"{inst.id}: a decision took {max(dec):.1f} ms > {config.max_decision_ms} ms"
            elif dec and float(np.mean(dec)) > config.max_mean_decision_ms:
                valid, reason = False, f"{inst.id}: mean decision {np.mean(dec):.2f} ms > {config.max_mean_decision_ms}"
        m = float(np.mean(ms))
        rows.append({"id": inst.id, "n": inst.workload.n, "makespan": m, "makespans": ms, "lb": inst.bounds.lb,
                     "fifo": inst.fifo, "smf": inst.smf, "gap_to_bound": m / inst.bounds.lb - 1,
                     "gain_vs_smf": 1 - m / inst.smf,
                     "latency_mean": float(np.mean([r["latency_mean"] for r in runs])),
                     "latency_p95": float(np.mean([r["latency_p95"] for r in runs])),
                     "budget_violations": viol, "fallbacks": sum(r["fallbacks"] for r in runs),
                     "mean_decision_ms": float(np.mean(dec)) if dec else 0.0})
    return {"env": "txn-scheduling-online", "policy": policy_name, "valid": valid, "reason": reason,
            "n_runs": len(rows) * config.eval_seeds, "total_makespan": float(sum(r["makespan"] for r in rows)),
            "gap_to_bound": float(np.mean([r["gap_to_bound"] for r in rows])),
            "score": float(np.mean([r["gain_vs_smf"] for r in rows])) if valid else None,
            "latency_mean": float(np.mean([r["latency_mean"] for r in rows])),
            "oracle_calls": None, "workloads": rows, "config": config_to_dict(config)}
