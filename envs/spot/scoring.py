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
    order: list[str] = []
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(scenarios):
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(i)
    per = {}
    for key in order:
        idx = np.array(groups[key])
        per[key] = {
            "runs": int(idx.size),
            "mean_cost_usd": float(cost[idx].mean()),
            "savings": float(savings[idx].mean()),
            "misses": int(missed[idx].sum()),
        }
    n_miss = int(missed.sum())
    s = float(np.mean([per[k]["savings"] for k in order]))
    if n_miss:
        s = -1.0 - n_miss / n
    if multi:
        fam_means: dict[str, list[float]] = {}
        for i, fam in enumerate(families):
            fam_means.setdefault(fam, []).append(float(cost[i]))
        mean = float(np.mean([np.mean(v) for v in fam_means.values()]))
    else:
        mean = float(cost.mean())
    std = float(cost.std())
    lb = 100.0 * float(np.clip((LEADERBOARD_HI - mean) / (LEADERBOARD_HI - LEADERBOARD_LO), 0.0, 1.0))
    return Score(score=s, mean_cost_usd=mean, deadline_misses=n_miss, n_runs=n, std_cost_usd=std,
                 combined_score=-mean - 0.25 * std, leaderboard_score=lb, per_scenario=per)
