"""Batch evaluation of a function policy over many (trace, deadline, overhead) runs.

:func:`run_batch` runs every run through :func:`.episode.run_episode`: in one numba-compiled loop when
the policy compiles under ``numba.njit`` (``mode="auto"`` tries it), else in the equivalent Python
loop. Both paths give bit-identical results.

>>> import numpy as np
>>> from adrs.simulators.spot.batch import Runs, run_batch
>>> avail = np.ones((1, 10, 1), dtype=np.int8)  # one trace, 10 ticks, spot always available
>>> runs = Runs.grid(avail, np.array([[1.0]]), 3.06, 600.0, 1800.0, [5400.0], [0.0])
>>> run_batch(lambda obs, state: 1, runs).cost_usd.round(3).tolist()
[0.5]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numba.extending import register_jitable

from .episode import ERR_OK, ERROR_REASONS, run_episode, run_episode_jit
from .kernel import (
    GUARD_STRICT,
    S_COST,
    S_FINISH,
    S_N_DENIED,
    S_N_GUARD,
    S_N_IDLE,
    S_N_MOVES,
    S_N_OD,
    S_N_PREEMPT,
    S_N_SPOT,
    S_OVERHEAD,
    S_P,
    STATE_SIZE,
)
from .observation import STATE_SLOTS, Memory, readonly
from .specialise import fields_read, observation_spec


class PolicyError(RuntimeError):
    """A policy broke the contract (bad action, exception, over budget); the evaluation fails."""


@dataclass(frozen=True)
class Runs:
    """A batch of runs: trace ``trace_index[i]`` with job/deadline/overhead ``[i]`` (seconds)."""

    avail: np.ndarray  # int8 [n_traces, T, N], 1 = spot available
    spot_price: np.ndarray  # float64 [n_traces, N], $/h
    price_od: float  # $/h
    gap_s: float
    trace_index: np.ndarray  # int64 [n_runs]
    job_s: np.ndarray  # float64 [n_runs]
    deadline_s: np.ndarray
    overhead_s: np.ndarray

    @property
    def n_runs(self) -> int:
        return int(self.trace_index.shape[0])

    @staticmethod
    def grid(avail: np.ndarray, spot_price: np.ndarray, price_od: float, gap_s: float, job_s: float,
             deadlines_s: Sequence[float], overheads_s: Sequence[float]) -> Runs:
        """Every trace × deadline × overhead, trace-major (trace, then deadline, then overhead)."""
        n = avail.shape[0]
        combos = [(i, r, d) for i in range(n) for r in deadlines_s for d in overheads_s]
        return Runs(
            avail=np.ascontiguousarray(avail, dtype=np.int8),
            spot_price=np.ascontiguousarray(spot_price, dtype=np.float64),
            price_od=float(price_od),
            gap_s=float(gap_s),
            trace_index=np.array([c[0] for c in combos], dtype=np.int64),
            job_s=np.full(len(combos), float(job_s)),
            deadline_s=np.array([c[1] for c in combos], dtype=np.float64),
            overhead_s=np.array([c[2] for c in combos], dtype=np.float64),
        )


@dataclass(frozen=True)
class BatchResult:
    """Per-run outcomes, aligned with the runs."""

    cost_usd: np.ndarray
    finish_tick: np.ndarray  # -1 if unfinished
    deadline_tick: np.ndarray
    counters: dict[str, np.ndarray]
    compiled: bool
    decide_calls: int = 0
    decide_max_s: float = 0.0

    known_misses: np.ndarray | None = None
    """Set when finish ticks are unknown (the omniscient bound): the miss flags themselves."""

    @property
    def missed(self) -> np.ndarray:
        if self.known_misses is not None:
            return self.known_misses
        return (self.finish_tick < 0) | (self.finish_tick > self.deadline_tick)


_COUNTERS = {
    "preemptions": S_N_PREEMPT,
    "spot_ticks": S_N_SPOT,
    "od_ticks": S_N_OD,
    "idle_ticks": S_N_IDLE,
    "overhead_s": S_OVERHEAD,
    "denied_spot": S_N_DENIED,
    "moves": S_N_MOVES,
    "guard_overrides": S_N_GUARD,
    "progress_s": S_P,
}


class _Buffers:
    """Per-batch scratch arrays and the read-only views handed to the policy.

    One row per chunk of runs, so parallel chunks never share a buffer; rows are padded by
    :data:`_PAD` elements so two chunks never write to the same cache line.
    """

    def __init__(self, n_ticks: int, n_regions: int, n_chunks: int = 1) -> None:
        c, t, n = n_chunks, n_ticks + _PAD, n_regions + _PAD
        self.n_ticks, self.n_regions = n_ticks, n_regions
        self.hist_avail = np.zeros((c, t), dtype=np.int8)
        self.hist_type = np.zeros((c, t), dtype=np.int8)
        self.hist_region = np.zeros((c, t), dtype=np.int16)
        self.seen_avail = np.full((c, n), -1, dtype=np.int8)
        self.seen_tick = np.full((c, n), -1, dtype=np.int64)
        self.local_vec = np.full((c, n), -1, dtype=np.int8)
        self.ledger_type = np.zeros((c, t), dtype=np.int8)
        self.ledger_region = np.zeros((c, t), dtype=np.int16)
        self.ledger_cost = np.zeros((c, t), dtype=np.float64)

    def tail_args(self, chunk: int | None = 0) -> tuple[Any, ...]:
        """The buffers of one chunk (``[n_ticks]`` or ``[n_regions]``) or, with ``chunk=None``, the
        padded 2-D arrays of all chunks; each writable buffer is followed by its read-only view where
        the policy sees it."""
        ro = readonly
        t, n = self.n_ticks, self.n_regions

        def pick(a: np.ndarray, size: int) -> np.ndarray:
            return a if chunk is None else a[chunk, :size]

        hist_avail, hist_type = pick(self.hist_avail, t), pick(self.hist_type, t)
        hist_region = pick(self.hist_region, t)
        seen_avail, seen_tick, local_vec = pick(self.seen_avail, n), pick(self.seen_tick, n), pick(self.local_vec, n)
        return (hist_avail, ro(hist_avail), hist_type, ro(hist_type), hist_region, ro(hist_region),
                seen_avail, ro(seen_avail), seen_tick, ro(seen_tick), local_vec, ro(local_vec),
                pick(self.ledger_type, t), pick(self.ledger_region, t), pick(self.ledger_cost, t))


_PAD = 64


def _fresh_state() -> np.ndarray:
    s = np.zeros(STATE_SIZE, dtype=np.float64)
    s[S_FINISH] = -1.0
    return s


@register_jitable
def _run_range(lo, hi, avail_all, spot_all, spot_all_ro, price_od, gap_s, trace_index, job_s,
               deadline_s, overhead_s, guard, global_obs, policy, out_state, out_err, out_err_tick,
               hist_avail, hist_avail_ro, hist_type, hist_type_ro, hist_region, hist_region_ro,
               seen_avail, seen_avail_ro, seen_tick, seen_tick_ro, local_vec, local_vec_ro,
               ledger_type, ledger_region, ledger_cost, obs_spec):  # pragma: no cover - compiled
    """Runs ``lo..hi-1`` in order, stopping at the first failed run."""
    state = np.zeros(STATE_SLOTS, dtype=np.float64)
    for i in range(lo, hi):
        j = trace_index[i]
        s = out_state[i]
        s[:] = 0.0
        s[S_FINISH] = -1.0
        state[:] = 0.0
        err, err_tick = run_episode_jit(
            avail_all[j], spot_all[j], spot_all_ro[j], price_od, gap_s, job_s[i],
            deadline_s[i], overhead_s[i], guard, global_obs, policy, state, s, hist_avail, hist_avail_ro,
            hist_type, hist_type_ro, hist_region, hist_region_ro, seen_avail, seen_avail_ro, seen_tick,
            seen_tick_ro, local_vec, local_vec_ro, ledger_type, ledger_region, ledger_cost, obs_spec)
        out_err[i] = err
        out_err_tick[i] = err_tick
        if err != 0:
            return


@numba.njit
def _batch_jit(avail_all, spot_all, spot_all_ro, price_od, gap_s, trace_index, job_s,
               deadline_s, overhead_s, guard, global_obs, policy, out_state, out_err, out_err_tick,
               hist_avail, hist_avail_ro, hist_type, hist_type_ro, hist_region, hist_region_ro,
               seen_avail, seen_avail_ro, seen_tick, seen_tick_ro, local_vec, local_vec_ro,
               ledger_type, ledger_region, ledger_cost, obs_spec):  # pragma: no cover - compiled
    _run_range(0, trace_index.shape[0], avail_all, spot_all, spot_all_ro, price_od, gap_s, trace_index,
               job_s, deadline_s, overhead_s, guard, global_obs, policy, out_state, out_err, out_err_tick,
               hist_avail, hist_avail_ro, hist_type, hist_type_ro, hist_region, hist_region_ro,
               seen_avail, seen_avail_ro, seen_tick, seen_tick_ro, local_vec, local_vec_ro,
               ledger_type, ledger_region, ledger_cost, obs_spec)


@numba.njit(parallel=True)
def _batch_jit_parallel(bounds, avail_all, spot_all, spot_all_ro, price_od, gap_s, trace_index, job_s,
                        deadline_s, overhead_s, guard, global_obs, policy, out_state, out_err, out_err_tick,
                        hist_avail, hist_avail_ro, hist_type, hist_type_ro, hist_region, hist_region_ro,
                        seen_avail, seen_avail_ro, seen_tick, seen_tick_ro, local_vec, local_vec_ro,
                        ledger_type, ledger_region, ledger_cost, obs_spec):  # pragma: no cover - compiled
    """Chunk ``c`` runs ``bounds[c]..bounds[c+1]-1`` serially with its own row of every buffer."""
    t = avail_all.shape[1]
    n = avail_all.shape[2]
    for c in numba.prange(bounds.shape[0] - 1):
        _run_range(bounds[c], bounds[c + 1], avail_all, spot_all, spot_all_ro, price_od, gap_s, trace_index,
                   job_s, deadline_s, overhead_s, guard, global_obs, policy, out_state, out_err, out_err_tick,
                   hist_avail[c, :t], hist_avail_ro[c, :t], hist_type[c, :t], hist_type_ro[c, :t],
                   hist_region[c, :t], hist_region_ro[c, :t], seen_avail[c, :n], seen_avail_ro[c, :n],
                   seen_tick[c, :n], seen_tick_ro[c, :n], local_vec[c, :n], local_vec_ro[c, :n],
                   ledger_type[c, :t], ledger_region[c, :t], ledger_cost[c, :t], obs_spec)


class _Timed:
    """Wraps a Python policy: times each decision against the per-decision budget."""

    def __init__(self, policy: Callable, max_decision_s: float) -> None:
        self.policy = policy
        self.max_decision_s = max_decision_s
        self.calls = 0
        self.max_s = 0.0
        self.total_s = 0.0
        self.last: Any = None

    def __call__(self, obs: Any, state: Any) -> Any:
        t0 = time.perf_counter()
        action = self.policy(obs, state)
        dt = time.perf_counter() - t0
        self.calls += 1
        self.total_s += dt
        self.last = action
        if dt > self.max_s:
            self.max_s = dt
            if dt > self.max_decision_s:
                raise PolicyError(f"tick {obs.tick}: decision took {dt * 1e3:.0f} ms, over the "
                                  f"{self.max_decision_s * 1e3:.0f} ms per-decision budget")
        return action


_COMPILED: dict[Callable, Callable | None] = {}
_OBS_SPEC: dict[Callable, Any] = {}
"""The observation chosen for each compiled policy (:func:`.specialise.observation_spec`)."""

_TYPING_ERRORS = (numba.core.errors.TypingError, numba.core.errors.UnsupportedError,
                  numba.core.errors.NumbaError, NotImplementedError)


def compile_policy(policy: Callable) -> Callable | None:
    """``numba.njit(policy)`` if it compiles inside the batch loop, else None (use the Python path).

    Results are memoised per function object, so a policy is compiled once per process. The compiled
    loop hands the policy an observation specialised to the fields it reads (:mod:`.specialise`).
    """
    try:
        return _COMPILED[policy]
    except (KeyError, TypeError):
        pass
    jitted = _compile_policy(policy)
    try:
        _COMPILED[policy] = jitted
    except TypeError:  # unhashable callable
        pass
    return jitted


def _compile_policy(policy: Callable) -> Callable | None:
    if isinstance(policy, numba.core.registry.CPUDispatcher):
        jitted = policy
    else:
        try:
            jitted = numba.njit(boundscheck=True)(policy)
        except Exception:
            return None
    avail = np.ones((1, 8, 1), dtype=np.int8)
    probe = Runs.grid(avail, np.ones((1, 1)), 3.0, 600.0, 600.0, [4200.0], [0.0])
    full = observation_spec(None)
    spec = observation_spec(fields_read(policy))
    candidates = [spec] if spec is full else [spec, full]
    for i, obs_spec in enumerate(candidates):
        try:
            _run_compiled(jitted, probe, GUARD_STRICT, False, obs_spec)
        except _TYPING_ERRORS:
            if i + 1 < len(candidates):
                continue  # the analysis was wrong: the full observation is always valid
            return None
        except Exception:
            pass  # it compiled but raised on the probe run: let the real run report the error
        _OBS_SPEC[jitted] = obs_spec
        return jitted
    return None


def _run_compiled(jitted: Callable, runs: Runs, guard: int, global_obs: bool, obs_spec: Any = None,
                  threads: int = 1):
    if obs_spec is None:
        obs_spec = _OBS_SPEC.get(jitted) or observation_spec(None)
    n = runs.n_runs
    out_state = np.zeros((n, STATE_SIZE), dtype=np.float64)
    out_err = np.zeros(n, dtype=np.int64)
    out_err_tick = np.full(n, -1, dtype=np.int64)
    n_ticks, n_regions = runs.avail.shape[1], runs.avail.shape[2]
    # The kernel only reads its inputs: read-only C arrays always, so one compilation serves every caller.
    def ro(a: np.ndarray, dtype: type) -> np.ndarray:
        return readonly(np.ascontiguousarray(a, dtype=dtype))

    # Billing reads a private copy; the policy's ``obs.spot_prices`` views a second one, so no write
    # through ``.flat`` (numba does not enforce read-only there) can touch a bill or the caller's traces.
    bill = ro(np.array(runs.spot_price, dtype=np.float64), np.float64)
    shown = ro(np.array(runs.spot_price, dtype=np.float64), np.float64)
    head = (ro(runs.avail, np.int8), bill, shown, float(runs.price_od), float(runs.gap_s),
            ro(runs.trace_index, np.int64), ro(runs.job_s, np.float64), ro(runs.deadline_s, np.float64),
            ro(runs.overhead_s, np.float64), int(guard), bool(global_obs), jitted, out_state, out_err, out_err_tick)
    n_chunks = min(threads, n)
    if n_chunks <= 1:
        _batch_jit(*head, *_Buffers(n_ticks, n_regions).tail_args(0), obs_spec)
        return out_state, out_err, out_err_tick
    bounds = np.linspace(0, n, n_chunks + 1).round().astype(np.int64)
    try:
        _batch_jit_parallel(bounds, *head, *_Buffers(n_ticks, n_regions, n_chunks).tail_args(None), obs_spec)
    except Exception:
        # A policy raised in some chunk: rerun serially so the error reported is deterministic
        # (the first failing run's, as in the serial path).
        return _run_compiled(jitted, runs, guard, global_obs, obs_spec, threads=1)
    return out_state, out_err, out_err_tick


def _run_python(policy: Callable, runs: Runs, guard: int, global_obs: bool, max_decision_s: float):
    n = runs.n_runs
    out_state = np.zeros((n, STATE_SIZE), dtype=np.float64)
    out_err = np.zeros(n, dtype=np.int64)
    out_err_tick = np.full(n, -1, dtype=np.int64)
    tail = _Buffers(runs.avail.shape[1], runs.avail.shape[2]).tail_args(0)
    timed = _Timed(policy, max_decision_s)
    # Billing reads lists made from a private copy; the policy sees read-only views of a second copy.
    bill = np.array(runs.spot_price, dtype=np.float64)
    spot_ro = readonly(np.array(runs.spot_price, dtype=np.float64))
    lists: dict[int, tuple[list, list]] = {}
    for i in range(n):
        j = int(runs.trace_index[i])
        if j not in lists:
            lists[j] = (runs.avail[j].tolist(), bill[j].tolist())
        avail_list, price_list = lists[j]
        s = _fresh_state().tolist()
        err, tick = run_episode(
            avail_list, price_list, spot_ro[j], runs.price_od, runs.gap_s,
            float(runs.job_s[i]), float(runs.deadline_s[i]), float(runs.overhead_s[i]), guard, global_obs,
            timed, Memory(), s, *tail, observation_spec(None))
        out_state[i] = s
        out_err[i] = err
        out_err_tick[i] = tick
        if err != ERR_OK:
            break
    return out_state, out_err, out_err_tick, timed


def run_batch(policy: Callable, runs: Runs, guard: int = GUARD_STRICT, global_obs: bool = False,
              mode: str = "auto", max_decision_s: float = 0.1, max_mean_decision_s: float = 0.005,
              threads: int | None = 1) -> BatchResult:
    """Evaluate ``policy`` on every run; raises :class:`PolicyError` if any run fails.

    ``mode`` is ``"auto"`` (compiled if the policy compiles under numba), ``"compiled"`` or ``"python"``.
    In the Python path each decision is timed: one over ``max_decision_s`` or a mean over
    ``max_mean_decision_s`` fails the evaluation (§7 budgets).
    ``threads`` > 1 (None: all of numba's threads) splits the compiled path's runs into that many
    chunks run in parallel (``numba.prange``; compiled once more per policy). Runs are independent,
    so the results are identical to the serial default; the Python path is always serial.
    """
    if mode not in ("auto", "compiled", "python"):
        raise ValueError(f"mode must be auto, compiled or python, got {mode!r}")
    jitted = compile_policy(policy) if mode != "python" else None
    if mode == "compiled" and jitted is None:
        raise PolicyError("policy does not compile under numba.njit")
    timed = None
    try:
        if jitted is not None:
            n_threads = numba.get_num_threads() if threads is None else min(threads, numba.get_num_threads())
            out_state, out_err, out_err_tick = _run_compiled(jitted, runs, guard, global_obs, threads=n_threads)
        else:
            out_state, out_err, out_err_tick, timed = _run_python(policy, runs, guard, global_obs,
                                                                  max_decision_s)
    except PolicyError:
        raise
    except Exception as exc:
        if jitted is not None:  # the args of a compiled policy's exception may hold borrowed views of
            raise PolicyError(f"policy raised {type(exc).__name__}: {exc}") from None  # freed buffers
        raise PolicyError(f"policy raised {type(exc).__name__}: {exc}") from exc
    bad = np.flatnonzero(out_err != ERR_OK)
    if bad.size:
        i = int(bad[0])
        got = f"; got {timed.last!r}" if timed is not None and int(out_err[i]) in (1, 2) else ""
        raise PolicyError(f"run {i} (trace {int(runs.trace_index[i])}) tick {int(out_err_tick[i])}: "
                          f"{ERROR_REASONS.get(int(out_err[i]), 'error')}{got}")
    if timed is not None and timed.calls and timed.total_s / timed.calls > max_mean_decision_s:
        raise PolicyError(f"mean decision time {timed.total_s / timed.calls * 1e3:.2f} ms is over the "
                          f"{max_mean_decision_s * 1e3:.1f} ms budget")
    k_dead = np.floor(np.asarray(runs.deadline_s, dtype=np.float64) / runs.gap_s).astype(np.int64)  # deadline_tick
    return BatchResult(
        cost_usd=out_state[:, S_COST].copy(),
        finish_tick=out_state[:, S_FINISH].astype(np.int64),
        deadline_tick=k_dead,
        counters={name: out_state[:, idx].copy() for name, idx in _COUNTERS.items()},
        compiled=jitted is not None,
        decide_calls=timed.calls if timed else 0,
        decide_max_s=timed.max_s if timed else 0.0,
    )


def on_demand_cost(job_s: float, overhead_s: float, gap_s: float, price_od: float) -> float:
    """c_OD = ceil((C + d) / g) * g / 3600 * p_od: the cost of running on-demand from t = 0."""
    return math.ceil((job_s + overhead_s) / gap_s) * gap_s / 3600.0 * price_od
