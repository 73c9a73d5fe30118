"""Scoring of spot evaluations (spec §7): the primary score S and the reference metrics beside it.

S = mean over scenarios σ of mean over runs in σ of (c_OD − c) / c_OD, where c_OD is the on-demand-only
cost of the same run. Any deadline miss makes S = −1 − missed/runs, below every miss-free result.
Higher is better. A scenario is (trace family, deadline, overhead).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEADERBOARD_HI = 146.88  # 48 h at on-demand
LEADERBOARD_LO = 46.7088  # 48 h at the spot price


def scenario_key(family: str, deadline_h: float, overhead_h: float) -> str:
    """The scenario id of a run: ``"<family>|R=<h>h|d=<h>h"``."""
    return f"{family}|R={deadline_h:g}h|d={overhead_h:g}h"


@dataclass(frozen=True)
class Score:
    """Primary score and the metrics reported beside it."""

    score: float
    """Primary S (higher is better; < −1 iff any deadline was missed)."""
    mean_cost_usd: float
    """The reference aggregate: flat mean (single) or mean of per-family means (multi)."""
    deadline_misses: int
    n_runs: int
    std_cost_usd: float
    combined_score: float
    """Reference ``combined_score`` = −mean − 0.25·std (population std)."""
    leaderboard_score: float
    """100·clip((146.88 − mean) / (146.88 − 46.7088), 0, 1) (single-region leaderboard scale)."""
    per_scenario: dict[str, dict[str, float]] = field(default_factory=dict)


def score_runs(cost_usd: np.ndarray, od_cost_usd: np.ndarray, missed: np.ndarray, scenarios: list[str],
               families: list[str], multi: bool) -> Score:
    """Aggregate per-run costs into a :class:`Score`; all arrays are aligned per run."""
    cost = np.asarray(cost_usd, dtype=np.float64)
    od = np.asarray(od_cost_usd, dtype=np.float64)
    missed = np.asarray(missed, dtype=bool)
    n = int(cost.shape[0])
    if n == 0:
        raise ValueError("no runs to score")
    savings = (od - cost) / od
    order = list(dict.fromkeys(scenarios))  # scenarios in first-appearance order
    code = {k: i for i, k in enumerate(order)}
    inv = np.fromiter((code[k] for k in scenarios), dtype=np.intp, count=n)
    runs = np.bincount(inv, minlength=len(order))
    cost_mean = np.bincount(inv, weights=cost, minlength=len(order)) / runs
    save_mean = np.bincount(inv, weights=savings, minlength=len(order)) / runs
    miss = np.bincount(inv, weights=missed, minlength=len(order))
    per = {key: {"runs": int(runs[i]), "mean_cost_usd": float(cost_mean[i]), "savings": float(save_mean[i]),
                 "misses": int(miss[i])} for i, key in enumerate(order)}
    n_miss = int(missed.sum())
    s = float(np.mean(save_mean))
    if n_miss:
        s = -1.0 - n_miss / n
    if multi:
        fam_order = list(dict.fromkeys(families))
        fam_code = {k: i for i, k in enumerate(fam_order)}
        fam_inv = np.fromiter((fam_code[k] for k in families), dtype=np.intp, count=n)
        fam_mean = (np.bincount(fam_inv, weights=cost, minlength=len(fam_order))
                    / np.bincount(fam_inv, minlength=len(fam_order)))
        mean = float(np.mean(fam_mean))
    else:
        mean = float(cost.mean())
    std = float(cost.std())
    lb = 100.0 * float(np.clip((LEADERBOARD_HI - mean) / (LEADERBOARD_HI - LEADERBOARD_LO), 0.0, 1.0))
    return Score(score=s, mean_cost_usd=mean, deadline_misses=n_miss, n_runs=n, std_cost_usd=std,
                 combined_score=-mean - 0.25 * std, leaderboard_score=lb, per_scenario=per)
