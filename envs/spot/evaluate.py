"""Evaluate a spot policy over a whole trace source × (deadline, overhead) grid.

>>> from adrs.envs.spot.config import SpotConfig
>>> from adrs.envs.spot.policies import greedy
>>> ev = evaluate(greedy, SpotConfig(traces="train"))
>>> ev.score.deadline_misses
0
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adrs.config import config_to_dict
from adrs.simulators.spot.batch import BatchResult, PolicyError, Runs, compile_policy, run_batch
from adrs.simulators.spot.kernel import GUARDS
from adrs.traces.spot.format import TraceSet

from .config import MultiSpotConfig, SpotConfig
from .scoring import Score, scenario_key, score_runs
from .sources import load_sources

H = 3600.0


@dataclass(frozen=True)
class RunTable:
    """Per-run metadata and outcomes as aligned columns; :meth:`rows` builds dicts only when asked."""

    trace_id: list[str]
    family: list[str]
    scenario: list[str]
    deadline_hours: np.ndarray
    overhead_hours: np.ndarray
    cost_usd: np.ndarray
    """$ billed, plus the guard="off" penalty for unfinished runs."""
    penalty_usd: np.ndarray
    od_cost_usd: np.ndarray
    finish_tick: np.ndarray
    deadline_tick: np.ndarray
    missed: np.ndarray
    late_ticks: np.ndarray
    counters: dict[str, np.ndarray] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per run (the ``--per-run`` JSON rows)."""
        cols = [self.cost_usd.tolist(), self.penalty_usd.tolist(), self.od_cost_usd.tolist(),
                self.finish_tick.tolist(), self.deadline_tick.tolist(), self.missed.tolist(),
                self.late_ticks.tolist(), self.deadline_hours.tolist(), self.overhead_hours.tolist()]
        counters = {k: v.tolist() for k, v in self.counters.items()}
        out = []
        for i, (cost, pen, od, fin, dl, miss, late, r_h, d_h) in enumerate(zip(*cols, strict=True)):
            row = {"trace_id": self.trace_id[i], "family": self.family[i], "deadline_hours": r_h,
                   "overhead_hours": d_h, "scenario": self.scenario[i], "cost_usd": cost, "penalty_usd": pen,
                   "od_cost_usd": od, "finish_tick": fin, "deadline_tick": dl, "missed": miss, "late_ticks": late}
            for name, values in counters.items():
                row[name] = float(values[i])
            out.append(row)
        return out


@dataclass
class Evaluation:
    """The outcome of one policy over one trace source: per-run columns plus the :class:`Score`."""

    env_id: str
    policy: str
    config: dict[str, Any]
    score: Score
    table: RunTable
    compiled: bool = False

    @functools.cached_property
    def runs(self) -> list[dict[str, Any]]:
        """Per-run rows (built on first access)."""
        return self.table.rows()

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


def _grid(ts: TraceSet, config: SpotConfig | MultiSpotConfig) -> Runs:
    return Runs.grid(to_avail(ts), ts.spot_price, config.price_od_per_hour, ts.gap_seconds,
                     config.job_hours * H, [r * H for r in config.deadlines], [d * H for d in config.overheads])


def _meta_columns(ts: TraceSet, runs: Runs) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    """Per run: trace id, family, scenario key, deadline and overhead hours."""
    idx = runs.trace_index.tolist()
    r_h = runs.deadline_s / H
    d_h = runs.overhead_s / H
    ids = [ts.meta[i]["id"] for i in idx]
    fams = [ts.meta[i]["family"] for i in idx]
    keys: dict[tuple[str, float, float], str] = {}
    scen = []
    for fam, r, d in zip(fams, r_h.tolist(), d_h.tolist(), strict=True):
        key = keys.get((fam, r, d))
        if key is None:
            key = keys[(fam, r, d)] = scenario_key(fam, r, d)
        scen.append(key)
    return ids, fams, scen, r_h, d_h


_GRIDS: dict[tuple, tuple[TraceSet, Runs, tuple]] = {}
_GRIDS_KEPT = 8


def _grid_and_meta(ts: TraceSet, config: SpotConfig | MultiSpotConfig) -> tuple[Runs, tuple]:
    """The run grid and its metadata columns, cached for the last few (trace set, grid) pairs: they do
    not depend on the policy, and an evolve run evaluates many policies on the same traces. Trace sets
    are treated as immutable (the cache holds the object and checks identity)."""
    key = (id(ts), tuple(config.deadlines), tuple(config.overheads), config.job_hours, config.price_od_per_hour)
    hit = _GRIDS.get(key)
    if hit is not None and hit[0] is ts:
        return hit[1], hit[2]
    runs = _grid(ts, config)
    meta = _meta_columns(ts, runs)
    _GRIDS[key] = (ts, runs, meta)
    while len(_GRIDS) > _GRIDS_KEPT:
        del _GRIDS[next(iter(_GRIDS))]
    return runs, meta


def build_runs(ts: TraceSet, config: SpotConfig | MultiSpotConfig) -> tuple[Runs, list[dict[str, Any]]]:
    """All runs of ``ts`` under the config's deadline × overhead grid, with per-run metadata rows."""
    runs = _grid(ts, config)
    ids, fams, scen, r_h, d_h = _meta_columns(ts, runs)
    rows = [{"trace_id": i, "family": f, "deadline_hours": r, "overhead_hours": d, "scenario": k}
            for i, f, k, r, d in zip(ids, fams, scen, r_h.tolist(), d_h.tolist(), strict=True)]
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
             chunk_runs: int = 120, threads: int | None = 1) -> Evaluation:
    """Run ``policy`` (a ``decide`` function, or ``"omniscient"``) on every run of the config's traces.

    Runs go to the batch loop in one call (in chunks of ``chunk_runs`` when ``progress`` is given);
    ``threads`` is passed to :func:`~adrs.simulators.spot.batch.run_batch` (compiled path only).

    Raises :class:`~adrs.simulators.spot.batch.PolicyError` if any run fails: a failed run is never
    dropped from the denominator (§9 R5).
    """
    multi = config.multi
    env_id = env_id or ("cant-be-late-multi" if multi else "cant-be-late")
    if trace_sets is None:
        trace_sets = load_sources(config.traces, multi)
    global_obs = bool(multi and getattr(config, "observation", "local") == "global")
    guard = GUARDS[config.guard]
    compiled = True
    if policy != "omniscient" and mode != "python":
        jitted = compile_policy(policy)
        if jitted is None and mode == "compiled":
            raise PolicyError("policy does not compile under numba.njit")
        if jitted is not None:
            policy, mode = jitted, "compiled"
        else:
            mode = "python"
    built = [_grid_and_meta(ts, config) for ts in trace_sets]
    total = sum(r.n_runs for r, _ in built)
    done = 0
    results: list[tuple[Runs, BatchResult]] = []
    meta = [m for _, m in built]
    for runs, _ in built:
        for chunk in _chunks(runs, chunk_runs) if progress is not None else [runs]:
            if policy == "omniscient":
                res = _omniscient(chunk)
            else:
                res = run_batch(policy, chunk, guard=guard, global_obs=global_obs, mode=mode,
                                max_decision_s=config.max_decision_ms / 1e3,
                                max_mean_decision_s=config.max_mean_decision_ms / 1e3, threads=threads)
            compiled = compiled and res.compiled
            results.append((chunk, res))
            done += chunk.n_runs
            if progress is not None:
                progress(done, total)
    table = _table(meta, results)
    score = score_runs(table.cost_usd, table.od_cost_usd, table.missed, table.scenario, table.family, multi)
    name = policy_name or (policy if isinstance(policy, str) else getattr(policy, "__name__", "policy"))
    return Evaluation(env_id=env_id, policy=name, config=config_to_dict(config), score=score, table=table,
                      compiled=compiled)


def _table(meta: list[tuple], results: list[tuple[Runs, BatchResult]]) -> RunTable:
    """Concatenate the chunks' outcomes into one :class:`RunTable` (vectorised)."""
    cat = np.concatenate
    job = cat([r.job_s for r, _ in results])
    over = cat([r.overhead_s for r, _ in results])
    gap = cat([np.full(r.n_runs, r.gap_s) for r, _ in results])
    p_od = cat([np.full(r.n_runs, r.price_od) for r, _ in results])
    cost = cat([b.cost_usd for _, b in results]).astype(np.float64)
    finish = cat([b.finish_tick for _, b in results]).astype(np.int64)
    deadline = cat([b.deadline_tick for _, b in results]).astype(np.int64)
    missed = cat([b.missed for _, b in results]).astype(bool)
    names = [set(b.counters) for _, b in results]
    common = sorted(set.intersection(*names)) if names else []
    counters = {k: cat([b.counters[k] for _, b in results]).astype(np.float64) for k in common}
    penalty = np.zeros_like(cost)
    if "progress_s" in counters:
        # unfinished at the stop (guard="off"): charge the remaining work at 10x on-demand (§3.4)
        open_ = finish < 0
        left_s = job - counters["progress_s"] + over
        penalty = np.where(open_, 10.0 * p_od * left_s / 3600.0, 0.0)
        cost = cost + penalty
    od = np.ceil((job + over) / gap) * gap / 3600.0 * p_od  # on_demand_cost, vectorised
    late = np.where(finish >= 0, np.maximum(0, finish - deadline), np.where(missed, -1, 0)).astype(np.int64)
    return RunTable(trace_id=[x for m in meta for x in m[0]], family=[x for m in meta for x in m[1]],
                    scenario=[x for m in meta for x in m[2]], deadline_hours=cat([m[3] for m in meta]),
                    overhead_hours=cat([m[4] for m in meta]), cost_usd=cost, penalty_usd=penalty, od_cost_usd=od,
                    finish_tick=finish, deadline_tick=deadline, missed=missed, late_ticks=late, counters=counters)
