"""Gymnasium env ``txn-scheduling-online`` (spec §5.3): SimPy arrivals, a visible window, irrevocable picks.

An arrival process releases transactions (``batch`` at t = 0, ``poisson`` or a ``trace``); a dispatcher
opens a decision epoch when the window is full, when the oldest pending transaction has waited
``max_wait``, or when the stream is exhausted with work pending. ``reset`` runs the simulation to the
first epoch and ``step(i)`` appends window slot ``i`` to the committed schedule (start
``max(⌊τ⌋ + 1, §2 constraints)``), then runs to the next epoch. There is no API to move committed work.
``env.unwrapped.oracle.peek(i)`` returns (start, end, makespan after) for window slot ``i`` from its
*visible* ops against the true committed state, at most ``budget`` times per epoch; one more raises
:class:`BudgetExceeded`, is recorded even if caught, and the epoch's pick falls back to the window head.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import simpy
from gymnasium import spaces

from adrs.config import build_config
from adrs.simulators.txn import kernel as K
from adrs.simulators.txn.oracle import BudgetExceeded

from .config import TxnOnlineConfig
from .offline import observation_arrays
from .sources import Instance, load_instances


def visible_arrays(arrays: K.TxnArrays, mode: str, hot: int, reveal_p: float, seed: int
                   ) -> tuple[K.TxnArrays, np.ndarray]:
    """(arrays holding only the visible ops, per-op visibility code: 1 shown, 0 shown as ``*``, 3 unknown)."""
    m = int(arrays.op_ptr[-1])
    code = np.ones(m, dtype=np.int8)
    if mode == "hot":
        counts = np.bincount(arrays.op_key, minlength=arrays.num_keys)
        hot_set = np.argsort(-counts, kind="stable")[:hot]
        code[~np.isin(arrays.op_key, hot_set)] = 0
    elif mode == "partial":
        code[np.random.default_rng(seed).random(m) >= reveal_p] = 3
    keep = code == 1
    t_of_op = np.repeat(np.arange(arrays.n), np.diff(arrays.op_ptr))
    ops = [[] for _ in range(arrays.n)]
    for o in np.flatnonzero(keep).tolist():
        ops[int(t_of_op[o])].append((int(arrays.op_write[o]), int(arrays.op_key[o]), int(arrays.op_pos[o])))
    return K.TxnArrays.from_ops(ops, arrays.length.tolist(), arrays.num_keys), code


class OnlineOracle:
    """Per-epoch metered peeks at window slots (see the module docstring)."""

    def __init__(self, env: TxnSchedulingOnlineEnv) -> None:
        self._env = env
        self.used = 0
        self.violations = 0

    def calls_left(self) -> int:
        """Peeks left in this epoch."""
        return self._env.config.budget - self.used

    def peek(self, i: int) -> tuple[int, int, int]:
        """(start, end, makespan after) of window slot ``i`` under its visible ops."""
        e = self._env
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= int(i) < len(e.window):
            raise ValueError(f"window slot {i!r} is not in [0, {len(e.window)})")
        if self.used >= e.config.budget:
            self.violations += 1
            e.epoch_violation = True
            raise BudgetExceeded(f"peek budget of {e.config.budget} per decision exceeded")
        self.used += 1
        v = e.visible
        s, end = K.peek_state(v, e.window[int(i)], e.state, e.cc_code, e.release())
        return int(s), int(end), max(e.makespan, int(end))


class TxnSchedulingOnlineEnv(gym.Env):
    """Online transaction scheduling (see the module docstring)."""

    metadata = {"render_modes": []}

    def __init__(self, **config: Any) -> None:
        self.config: TxnOnlineConfig = build_config(TxnOnlineConfig, config)
        self.instances: list[Instance] = load_instances(self.config.workload, self.config.relabel, self.config.cc)
        self.cc_code = K.cc_code(self.config.cc)
        K.warm_up()
        self._select(self.instances[self.config.instance_index or 0])
        w, lmax = self.config.window, int(max(i.workload.arrays.length.max() for i in self.instances))
        self._lmax = lmax
        big = np.iinfo(np.int32).max
        d: dict[str, spaces.Space] = {
            "ops_type": spaces.Box(0, 3, shape=(w, lmax), dtype=np.int8),
            "ops_key": spaces.Box(-1, big, shape=(w, lmax), dtype=np.int32),
            "length": spaces.Box(0, big, shape=(w,), dtype=np.int32),
            "arrival": spaces.Box(-1.0, 1e12, shape=(w,), dtype=np.float64),
            "action_mask": spaces.Box(0, 1, shape=(w,), dtype=np.int8),
            "clock": spaces.Box(0.0, 1e12, shape=(1,), dtype=np.float64),
            "makespan": spaces.Box(0, big, shape=(1,), dtype=np.int64),
            "committed": spaces.Box(0, big, shape=(1,), dtype=np.int64)}
        if self.config.expose_key_state:
            k = max(1, max(i.workload.arrays.num_keys for i in self.instances))
            d.update(last_write=spaces.Box(0, big, shape=(k,), dtype=np.int32),
                     last_any=spaces.Box(0, big, shape=(k,), dtype=np.int32))
        self.observation_space = spaces.Dict(d)
        self.action_space = spaces.Discrete(w)

    def _select(self, inst: Instance) -> None:
        self.instance = inst
        self.arrays = inst.workload.arrays

    # -- simulation ------------------------------------------------------------------------------
    def _arrival_times(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n, c = self.arrays.n, self.config
        order = rng.permutation(n) if c.arrival_order == "shuffled" else np.arange(n)
        if c.arrival == "batch":
            times = np.zeros(n)
        elif c.arrival == "poisson":
            times = np.cumsum(rng.exponential(1.0 / c.rate, n))
        else:
            if len(c.arrival_times) != n:
                raise ValueError(f"arrival_times needs {n} entries, got {len(c.arrival_times)}")
            times = np.asarray(c.arrival_times, dtype=np.float64)[order]
            idx = np.argsort(times, kind="stable")
            order, times = order[idx], times[idx]
        return order, times

    def _arrivals(self, order: np.ndarray, times: np.ndarray):
        for t, at in zip(order.tolist(), times.tolist(), strict=True):
            if at > self.sim.now:
                yield self.sim.timeout(at - self.sim.now)
            self.pending.append(t)
            self.arrived_at[t] = self.sim.now
            if not self._arrival_evt.triggered:
                self._arrival_evt.succeed()
        self.exhausted = True
        if not self._arrival_evt.triggered:
            self._arrival_evt.succeed()

    def _epoch_due(self) -> bool:
        if not self.pending:
            return False
        if len(self.pending) >= self.config.window or self.exhausted:
            return True
        mw = self.config.max_wait
        return mw is not None and self.sim.now - self.arrived_at[self.pending[0]] >= mw - 1e-12

    def _dispatcher(self):
        while self.committed < self.arrays.n:
            while not self._epoch_due():
                waits = [self._arrival_evt]
                if self.pending and self.config.max_wait is not None:
                    due = self.arrived_at[self.pending[0]] + self.config.max_wait - self.sim.now
                    waits.append(self.sim.timeout(max(0.0, due)))
                yield self.sim.any_of(waits)
                if self._arrival_evt.triggered:
                    self._arrival_evt = self.sim.event()
            self.window = self.pending[: self.config.window]
            self.oracle = OnlineOracle(self)
            self.epoch_violation = False
            self._decision = self.sim.event()
            self._epoch_evt.succeed()
            slot = yield self._decision
            self._commit(self.window[slot])
            if self.config.decision_latency > 0:
                yield self.sim.timeout(self.config.decision_latency)
        self._epoch_evt.succeed()

    def release(self) -> int:
        """Earliest start slot for a transaction placed now: ⌊τ⌋ + 1."""
        return int(math.floor(self.sim.now)) + 1

    def _commit(self, t: int) -> None:
        s, e = K.peek_state(self.arrays, t, self.state, self.cc_code, self.release())
        K.commit_state(self.arrays, t, s, self.state, self.cc_code)
        self.makespan = max(self.makespan, int(e))
        self.pending.remove(t)
        self.committed += 1
        self.schedule.append(t)
        self.ends[t] = int(e)

    def _run_to_epoch(self) -> None:
        self._epoch_evt = self.sim.event()
        self.sim.run(until=self._epoch_evt)

    # -- gymnasium API ---------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if self.config.instance_index is None and len(self.instances) > 1:
            self._select(self.instances[int(self.np_random.integers(len(self.instances)))])
        c = self.config
        self.visible, self._vis_code = visible_arrays(self.arrays, c.visibility, c.hot_keys, c.reveal_p,
                                                      int(self.np_random.integers(2**31)))
        self._static = observation_arrays(self.arrays)
        self._static["ops_type"][self._static["ops_type"] > 0] = self._masked_types()
        self.sim = simpy.Environment()
        self.state = self.arrays.new_cc_state()  # rows 0/1 are last_write/last_any under cc="opt"
        self.lw, self.la = self.state[0], self.state[1]
        self.makespan, self.committed, self.schedule = 0, 0, []
        self.pending: list[int] = []
        self.window: list[int] = []
        self.arrived_at = np.full(self.arrays.n, -1.0)
        self.ends = np.zeros(self.arrays.n, dtype=np.int64)
        self.exhausted = False
        self.violations = 0
        self.fallbacks = 0
        self._arrival_evt = self.sim.event()
        order, times = self._arrival_times(self.np_random)
        self.sim.process(self._arrivals(order, times))
        self.sim.process(self._dispatcher())
        self._run_to_epoch()
        return self._obs(), self._info()

    def _masked_types(self) -> np.ndarray:
        code = self._vis_code
        t = np.where(self.arrays.op_write == 1, 2, 1).astype(np.int8)
        t[code == 0] = 0
        t[code == 3] = 3
        return t

    def step(self, action: Any):
        if self.committed >= self.arrays.n:
            raise RuntimeError("episode is over: call reset()")
        if self.epoch_violation:  # over the peek budget: the window head is committed instead
            self.violations += 1
            self.fallbacks += 1
            slot = 0
        else:
            ok = isinstance(action, (int, np.integer)) and not isinstance(action, (bool, np.bool_)) \
                and 0 <= int(action) < len(self.window)
            if not ok:
                raise ValueError(f"action {action!r} is not a window slot in [0, {len(self.window)})")
            slot = int(action)
        before = self.makespan
        self._decision.succeed(slot)
        self._run_to_epoch()
        done = self.committed >= self.arrays.n
        return self._obs(), -float(self.makespan - before), done, False, self._info()

    def _obs(self) -> dict[str, np.ndarray]:
        w, lmax = self.config.window, self._lmax
        typ = np.zeros((w, lmax), dtype=np.int8)
        key = np.full((w, lmax), -1, dtype=np.int32)
        length = np.zeros(w, dtype=np.int32)
        arrival = np.full(w, -1.0)
        win = self.window if self.committed < self.arrays.n else []
        for i, t in enumerate(win):
            lt = self._static["ops_type"][t]
            typ[i, : lt.shape[0]] = lt
            key[i, : lt.shape[0]] = np.where((lt == 1) | (lt == 2), self._static["ops_key"][t], -1)
            length[i] = self.arrays.length[t]
            arrival[i] = self.arrived_at[t]
        mask = np.zeros(w, dtype=np.int8)
        mask[: len(win)] = 1
        obs = {"ops_type": typ, "ops_key": key, "length": length, "arrival": arrival, "action_mask": mask,
               "clock": np.array([float(self.sim.now)]), "makespan": np.array([self.makespan], dtype=np.int64),
               "committed": np.array([self.committed], dtype=np.int64)}
        if self.config.expose_key_state:
            obs.update(last_write=self.lw.copy(), last_any=self.la.copy())
        return obs

    def _info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"instance": self.instance.id, "makespan": self.makespan, "committed": self.committed,
                                "violations": self.violations, "fallbacks": self.fallbacks,
                                "lb": self.instance.bounds.lb, "fifo": self.instance.fifo, "smf": self.instance.smf}
        if self.committed >= self.arrays.n:
            lat = self.ends - self.arrived_at
            info.update(schedule=list(self.schedule), latency_mean=float(lat.mean()),
                        latency_p95=float(np.percentile(lat, 95)))
        return info
