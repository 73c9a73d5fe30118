"""Gymnasium env ``txn-scheduling`` (spec §5.1–§5.2): one-step permutation or sequential appends.

The env owns the instance and recomputes every makespan with its own kernel. ``one_step``: the action
is a full order in :class:`Permutation` (exact permutations only), reward −M/LB. ``sequential``: the
action appends one transaction (``Discrete(n)`` with ``action_mask``), reward −ΔM, so the return is −M.
``env.unwrapped.oracle`` is a fresh metered :class:`~adrs.simulators.txn.oracle.CostOracle` per episode
(budget from the config) for agents that want to query the model; its calls are reported in ``info``
(``cpu_s`` is measured by the function-policy evaluator, not here: info stays deterministic).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from adrs.config import build_config
from adrs.simulators.txn import kernel as K
from adrs.simulators.txn.oracle import CostOracle, WorkloadView

from .config import TxnConfig, budget_calls
from .evaluate import InvalidSchedule, true_makespan, validate_order
from .sources import Instance, load_instances


class InvalidAction(ValueError):
    """A sequential-form action names a transaction that is already placed (or is not an id)."""


class Permutation(spaces.Space):
    """The permutations of 0..n-1; ``contains`` accepts exactly those, ``sample`` is ``np_random.permutation``."""

    def __init__(self, n: int, seed: int | None = None) -> None:
        super().__init__(shape=(n,), dtype=np.int64, seed=seed)
        self.n = int(n)

    def sample(self, mask: Any = None, probability: Any = None) -> np.ndarray:
        return self.np_random.permutation(self.n)

    def contains(self, x: Any) -> bool:
        try:
            validate_order(x, self.n)
        except InvalidSchedule:
            return False
        return True

    def __repr__(self) -> str:
        return f"Permutation({self.n})"


def observation_arrays(arrays: K.TxnArrays, lmax: int | None = None) -> dict[str, np.ndarray]:
    """``ops_type`` int8[n, Lmax] (0 pad/``*``, 1 read, 2 write), ``ops_key`` int32[n, Lmax] (−1 pad), ``length``.

    ``lmax`` pads to a common width (the longest transaction over every instance the env may draw).
    """
    n, lmax = arrays.n, max(int(arrays.length.max()), lmax or 0)
    typ = np.zeros((n, lmax), dtype=np.int8)
    key = np.full((n, lmax), -1, dtype=np.int32)
    t_of_op = np.repeat(np.arange(n), np.diff(arrays.op_ptr))
    typ[t_of_op, arrays.op_pos - 1] = np.where(arrays.op_write == 1, 2, 1)
    key[t_of_op, arrays.op_pos - 1] = arrays.op_key
    return {"ops_type": typ, "ops_key": key, "length": arrays.length.astype(np.int32)}


class TxnSchedulingEnv(gym.Env):
    """Offline transaction scheduling (see the module docstring)."""

    metadata = {"render_modes": []}

    def __init__(self, **config: Any) -> None:
        self.config: TxnConfig = build_config(TxnConfig, config)
        self.instances: list[Instance] = load_instances(self.config.workload, self.config.relabel, self.config.cc)
        self._code = K.cc_code(self.config.cc)
        K.warm_up()
        n_max = max(i.workload.n for i in self.instances)
        # spaces must hold every instance reset() may draw: widest transaction, most keys
        self._lmax = max(int(i.workload.arrays.length.max()) for i in self.instances)
        self._kmax = max(max(1, i.workload.arrays.num_keys) for i in self.instances)
        self._select(self.instances[self.config.instance_index or 0])
        self.action_space = Permutation(self.n) if self.config.mode == "one_step" else spaces.Discrete(self.n)
        self.observation_space = self._obs_space()
        self._n_max = n_max

    def _select(self, inst: Instance) -> None:
        self.instance = inst
        self.arrays = inst.workload.arrays
        self.n = self.arrays.n
        self._static = observation_arrays(self.arrays, self._lmax)

    def _obs_space(self) -> spaces.Dict:
        n, lmax, k = self.n, self._lmax, self._kmax
        big = np.iinfo(np.int32).max
        d: dict[str, spaces.Space] = {
            "ops_type": spaces.Box(0, 2, shape=(n, lmax), dtype=np.int8),
            "ops_key": spaces.Box(-1, k - 1, shape=(n, lmax), dtype=np.int32),
            "length": spaces.Box(1, big, shape=(n,), dtype=np.int32)}
        if self.config.mode == "sequential":
            d.update(placed=spaces.MultiBinary(n), action_mask=spaces.Box(0, 1, shape=(n,), dtype=np.int8),
                     makespan=spaces.Box(0, big, shape=(1,), dtype=np.int64),
                     last_write=spaces.Box(0, big, shape=(k,), dtype=np.int32),
                     last_any=spaces.Box(0, big, shape=(k,), dtype=np.int32))
        return spaces.Dict(d)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if self.config.instance_index is None and len(self.instances) > 1:
            inst = self.instances[int(self.np_random.integers(len(self.instances)))]
            if inst.workload.n != self.n:
                raise ValueError("a multi-instance env needs equal n; pick one with instance_index")
            self._select(inst)
        self.oracle = CostOracle(self.arrays, budget_calls(self.config.budget, self.n), self.config.cc)
        self.view = WorkloadView(self.arrays)
        self._st = self.arrays.new_cc_state()
        self._m = 0
        self._placed = np.zeros(self.n, dtype=np.int8)
        self._seq: list[int] = []
        return self._obs(), self._info(None)

    def step(self, action: Any):
        if self.config.mode == "one_step":
            order = validate_order(action, self.n)
            m = true_makespan(self.arrays, order, self.config.cc)
            self._seq = order.tolist()
            return self._obs(), -m / self.instance.bounds.lb, True, False, self._info(m)
        if len(self._seq) >= self.n:
            raise RuntimeError("episode is over: call reset()")
        ok = isinstance(action, (int, np.integer)) and not isinstance(action, (bool, np.bool_)) \
            and 0 <= int(action) < self.n
        if not ok or self._placed[int(action)]:
            if self.config.invalid_action == "raise" or not ok:
                raise InvalidAction(f"action {action!r} is not an unplaced transaction id")
            return self._obs(), -float(self.arrays.length.sum()), False, True, self._info(None)
        t = int(action)
        s, e = K.peek_state(self.arrays, t, self._st, self._code)
        K.commit_state(self.arrays, t, s, self._st, self._code)
        old, self._m = self._m, max(self._m, int(e))
        self._placed[t] = 1
        self._seq.append(t)
        done = len(self._seq) == self.n
        return self._obs(), -float(self._m - old), done, False, self._info(self._m if done else None)

    def _padded(self, per_key: np.ndarray) -> np.ndarray:
        out = np.zeros(self._kmax, dtype=np.int32)
        out[: per_key.shape[0]] = per_key
        return out

    def _obs(self) -> dict[str, np.ndarray]:
        obs = {k: v.copy() for k, v in self._static.items()}
        if self.config.mode == "sequential":
            obs.update(placed=self._placed.copy(), action_mask=(1 - self._placed).astype(np.int8),
                       makespan=np.array([self._m], dtype=np.int64), last_write=self._padded(self._st[0]),
                       last_any=self._padded(self._st[1]))
        return obs

    def _info(self, makespan: int | None) -> dict[str, Any]:
        inst = self.instance
        info: dict[str, Any] = {"instance": inst.id, **inst.bounds.as_dict(), "fifo": inst.fifo, "smf": inst.smf,
                                "cost_calls": self.oracle.calls}
        if makespan is not None:
            info.update(makespan=makespan, ratio_smf=makespan / inst.smf, ratio_lb=makespan / inst.bounds.lb,
                        order=list(self._seq))
        return info
