"""Scoring (spec §7): per-instance score s, gap to the lower bound, and the batch summary.

s_i = (C_direct - C_i) / (C_direct - LB_i) clipped to [-1, 1] (direct 0, the bound 1, invalid -1);
the primary metric ``score`` is the mean of s_i. ``gap_to_bound`` is the mean over valid instances of
C_i / LB_i - 1 (lower is better). On the paper split the public leaderboard's 0-100 score is reported
beside it, never instead of it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adrs.simulators.cloudcast.model import simulate
from adrs.traces.cloudcast.embedded import Case

from .plan import validate

LEADERBOARD_HI, LEADERBOARD_LO = 1199.00, 626.24
"""Public ADRS leaderboard normalisation constants (paper split totals)."""


def instance_score(total: float, direct: float, lb: float) -> float:
    """s = (C_direct - C) / (C_direct - LB), clipped to [-1, 1]."""
    if direct - lb <= 1e-12:
        return 1.0 if total <= direct + 1e-9 else -1.0
    return float(min(1.0, max(-1.0, (direct - total) / (direct - lb))))


def leaderboard_score(total_cost: float) -> float:
    """100 x (1199 - clamp(total, 626.24, 1199)) / (1199 - 626.24); paper split only."""
    clamped = min(LEADERBOARD_HI, max(LEADERBOARD_LO, total_cost))
    return 100.0 * (LEADERBOARD_HI - clamped) / (LEADERBOARD_HI - LEADERBOARD_LO)


def score_output(case: Case, output: Any, wall_s: float = 0.0, plans: list | None = None) -> dict:
    """One per-instance row for any policy output (validated on the case's trusted instance); when
    ``plans`` is a list, the validated ``parents[P, N]`` (or None if invalid) is appended to it."""
    inst, cached = case.instance, case.cached
    row: dict[str, Any] = {"instance_id": inst.instance_id, "direct_cost": cached["direct_cost"],
                           "lower_bound": cached["lower_bound"], "wall_s": wall_s}
    ok, reason, parents = validate(inst, output)
    if plans is not None:
        plans.append(parents if ok else None)
    if not ok or parents is None:
        row.update(valid=False, reason=reason, total_cost_usd=None, egress_cost_usd=None,
                   instance_cost_usd=None, makespan_s=None, gap=None, score=-1.0)
        return row
    res = simulate(inst, parents)
    row.update(valid=True, reason="", total_cost_usd=res.total_cost, egress_cost_usd=res.egress_cost,
               instance_cost_usd=res.instance_cost, makespan_s=res.makespan_s,
               overlay_nodes=len(res.overlay_nodes), gap=res.total_cost / cached["lower_bound"] - 1,
               score=instance_score(res.total_cost, cached["direct_cost"], cached["lower_bound"]))
    return row


def run_policy(policy: Callable[[Any], Any], case: Case, plans: list | None = None) -> dict:
    """Call ``policy`` on a private, id-less copy of the instance and score it; exceptions make the row
    invalid (that instance only)."""
    start = time.perf_counter()
    try:
        output = policy(case.instance.with_changes(instance_id=""))
    except Exception as exc:  # noqa: BLE001 - a policy failure invalidates this instance only
        row = score_output(case, None, time.perf_counter() - start, plans)
        row["reason"] = f"policy_error: {type(exc).__name__}: {exc}"[:300]
        return row
    return score_output(case, output, time.perf_counter() - start, plans)


def summarize(rows: Sequence[dict], paper: bool = False) -> dict:
    """Batch metrics: sums, means, gap statistics, ``invalid_rate``, ``score`` (+ leaderboard on paper)."""
    valid = [r for r in rows if r["valid"]]
    gaps = np.array([r["gap"] for r in valid]) if valid else np.array([math.nan])
    out = {
        "n_runs": len(rows),
        "total_cost_usd": float(sum(r["total_cost_usd"] for r in valid)),
        "egress_cost_usd": float(sum(r["egress_cost_usd"] for r in valid)),
        "instance_cost_usd": float(sum(r["instance_cost_usd"] for r in valid)),
        "mean_makespan_s": float(np.mean([r["makespan_s"] for r in valid])) if valid else None,
        "gap_to_bound": float(gaps.mean()) if valid else None,
        "gap_median": float(np.median(gaps)) if valid else None,
        "gap_max": float(gaps.max()) if valid else None,
        "score": float(np.mean([r["score"] for r in rows])) if rows else -1.0,
        "invalid_rate": 1.0 - len(valid) / len(rows) if rows else 0.0,
        "lower_bound_usd": float(sum(r["lower_bound"] for r in rows)),
        "policy_wall_s": float(sum(r["wall_s"] for r in rows)),
    }
    if paper:
        out["leaderboard_score"] = leaderboard_score(out["total_cost_usd"]) if not out["invalid_rate"] else 0.0
    return out


def evaluate_cases(policy: Callable[[Any], Any], cases: Sequence[Case], paper: bool = False,
                   plans: list | None = None) -> tuple[dict, list]:
    """(summary, per-instance rows) of ``policy`` on ``cases``; ``plans`` (a list) collects the validated
    plans, one per case (None where invalid)."""
    rows = [run_policy(policy, c, plans) for c in cases]
    return summarize(rows, paper), rows
