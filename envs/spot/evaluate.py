"""Evaluate a spot policy over a whole trace source × (deadline, overhead) grid.

>>> from adrs.envs.spot.config import SpotConfig
>>> from adrs.envs.spot.policies import greedy
>>> ev = evaluate(greedy, SpotConfig(traces="train"))
>>> ev.score.deadline_misses
0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adrs.config import config_to_dict
from adrs.simulators.spot.batch import BatchResult, PolicyError, Runs, compile_policy, on_demand_cost, run_batch
from adrs.simulators.spot.kernel import GUARDS
from adrs.traces.spot.format import TraceSet

from .config import MultiSpotConfig, SpotConfig
from .scoring import Score, scenario_key, score_runs
from .sources import load_sources

H = 3600.0


@dataclass
class Evaluation:
    """The outcome of one policy over one trace source: per-run rows plus the :class:`Score`."""

    env_id: str
    policy: str
    config: dict[str, Any]
    score: Score
    runs: list[dict[str, Any]] = field(default_factory=list)
    compiled: bool = False

    def to_json(self, per_run: bool = False) -> dict[str, Any]:
        """The ``adrs run --json`` object."""
        out: dict[str, Any] = {
            "env": self.env_id,
            "policy": self.policy,
            "config": self.config,
            "n_runs": self.score.n_runs,
            "mean_cost_usd": self.score.mean_cost_usd,
            "deadline_misses": self.score.deadline_misses,
            "score": self.score.score,
            "std_cost_usd": self.score.std_cost_usd,
            "combined_score": self.score.combined_score,
            "leaderboard_score": self.score.leaderboard_score,
            "compiled": self.compiled,
            "scenarios": self.score.per_scenario,
        }
        if per_run:
            out["runs"] = self.runs
        return out


def to_avail(ts: TraceSet) -> np.ndarray:
    """int8 ``[n_traces, T, N]`` with 1 = spot available, from the file convention (0 = available)."""
    return np.ascontiguousarray((1 - ts.bits).transpose(0, 2, 1), dtype=np.int8)


def build_runs(ts: TraceSet, config: SpotConfig | MultiSpotConfig) -> tuple[Runs, list[dict[str, Any]]]:
    """All runs of ``ts`` under the config's deadline × overhead grid, with per-run metadata rows."""
    runs = Runs.grid(to_avail(ts), ts.spot_price, config.price_od_per_hour, ts.gap_seconds,
                     config.job_hours * H, [r * H for r in config.deadlines],
                     [d * H for d in config.overheads])
    rows = []
    for i in range(runs.n_runs):
        m = ts.meta[int(runs.trace_index[i])]
        r_h, d_h = runs.deadline_s[i] / H, runs.overhead_s[i] / H
        rows.append({"trace_id": m["id"], "family": m["family"], "deadline_hours": r_h, "overhead_hours": d_h,
                     "scenario": scenario_key(m["family"], r_h, d_h)})
    return runs, rows


def _omniscient(runs: Runs) -> BatchResult:
    from adrs.simulators.spot.oracle import omniscient_costs

    if runs.avail.shape[2] != 1:
        raise ValueError("the omniscient bound is defined for single-region runs only")
    avail = runs.avail[runs.trace_index, :, 0]
    cost = omniscient_costs(avail, runs.gap_s, runs.job_s, runs.deadline_s, runs.overhead_s,
                            runs.spot_price[runs.trace_index, 0], runs.price_od)
    k = np.floor(runs.deadline_s / runs.gap_s).astype(np.int64)
    cost = np.asarray(cost, dtype=np.float64)
    # the DP reports the optimal cost only: finish ticks are unknown (-1); it completes by K or is infeasible
    return BatchResult(cost_usd=cost, finish_tick=np.full(k.shape, -1, dtype=np.int64), deadline_tick=k,
                       counters={}, compiled=True, known_misses=~np.isfinite(cost))


def _chunks(runs: Runs, size: int) -> list[Runs]:
    out = []
    for lo in range(0, runs.n_runs, size):
        sl = slice(lo, lo + size)
        out.append(Runs(runs.avail, runs.spot_price, runs.price_od, runs.gap_s, runs.trace_index[sl],
                        runs.job_s[sl], runs.deadline_s[sl], runs.overhead_s[sl]))
    return out


def evaluate(policy: Callable | str, config: SpotConfig | MultiSpotConfig,
             trace_sets: list[TraceSet] | None = None, mode: str = "auto", policy_name: str | None = None,
             env_id: str | None = None, progress: Callable[[int, int], None] | None = None,
             chunk_runs: int = 120) -> Evaluation:
    """Run ``policy`` (a ``decide`` function, or ``"omniscient"``) on every run of the config's traces.

    Raises :class:`~adrs.simulators.spot.batch.PolicyError` if any run fails: a failed run is never
    dropped from the denominator (§9 R5).
    """
    multi = config.multi
    env_id = env_id or ("cant-be-late-multi" if multi else "cant-be-late")
    if trace_sets is None:
        trace_sets = load_sources(config.traces, multi)
    global_obs = bool(multi and getattr(config, "observation", "local") == "global")
    guard = GUARDS[config.guard]
    rows: list[dict[str, Any]] = []
    compiled = True
    if policy != "omniscient" and mode != "python":
        jitted = compile_policy(policy)
        if jitted is None and mode == "compiled":
            raise PolicyError("policy does not compile under numba.njit")
        if jitted is not None:
            policy, mode = jitted, "compiled"
        else:
            mode = "python"
    built = [build_runs(ts, config) for ts in trace_sets]
    total = sum(r.n_runs for r, _ in built)
    done = 0
    for runs, meta in built:
        offset = 0
        for chunk in _chunks(runs, chunk_runs):
            if policy == "omniscient":
                res = _omniscient(chunk)
            else:
                res = run_batch(policy, chunk, guard=guard, global_obs=global_obs, mode=mode,
                                max_decision_s=config.max_decision_ms / 1e3,
                                max_mean_decision_s=config.max_mean_decision_ms / 1e3)
            compiled = compiled and res.compiled
            _append_rows(rows, meta[offset: offset + chunk.n_runs], chunk, res)
            offset += chunk.n_runs
            done += chunk.n_runs
            if progress is not None:
                progress(done, total)
    score = score_runs(
        np.array([r["cost_usd"] for r in rows]), np.array([r["od_cost_usd"] for r in rows]),
        np.array([r["missed"] for r in rows]), [r["scenario"] for r in rows],
        [r["family"] for r in rows], multi)
    name = policy_name or (policy if isinstance(policy, str) else getattr(policy, "__name__", "policy"))
    return Evaluation(env_id=env_id, policy=name, config=config_to_dict(config), score=score, runs=rows,
                      compiled=compiled)


def _append_rows(rows: list[dict[str, Any]], meta: list[dict[str, Any]], runs: Runs, res: BatchResult) -> None:
    missed = res.missed
    for i, base in enumerate(meta):
        row = dict(base)
        finish = int(res.finish_tick[i])
        row["cost_usd"] = float(res.cost_usd[i])
        row["penalty_usd"] = 0.0
        if finish < 0 and "progress_s" in res.counters:
            # unfinished at the stop (guard="off"): charge the remaining work at 10x on-demand (§3.4)
            left_s = runs.job_s[i] - res.counters["progress_s"][i] + runs.overhead_s[i]
            row["penalty_usd"] = 10.0 * runs.price_od * left_s / 3600.0
            row["cost_usd"] += row["penalty_usd"]
        row["od_cost_usd"] = on_demand_cost(runs.job_s[i], runs.overhead_s[i], runs.gap_s, runs.price_od)
        row["finish_tick"] = finish
        row["deadline_tick"] = int(res.deadline_tick[i])
        row["missed"] = bool(missed[i])
        row["late_ticks"] = max(0, finish - int(res.deadline_tick[i])) if finish >= 0 else (-1 if missed[i] else 0)
        for name, values in res.counters.items():
            row[name] = float(values[i])
        rows.append(row)
