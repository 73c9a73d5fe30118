"""Gymnasium environments ``cant-be-late`` and ``cant-be-late-multi`` (spec §2–§3).

The env owns clock, trace, preemption, overhead, progress, billing, region and the deadline guard;
``step`` only takes an action. Observations are a ``Dict`` of named arrays carrying the same numbers as
the function-policy :class:`~adrs.simulators.spot.observation.SpotObservation`, which is also available
as ``env.unwrapped.policy_observation`` (read-only) for ``decide(obs, state)`` policies.
The reward is minus the dollars billed for the interval just executed, so the return is −cost.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from adrs.config import build_config, config_to_dict
from adrs.simulators.spot import kernel as K
from adrs.simulators.spot.observation import SpotObservation, readonly
from adrs.traces.spot.format import TraceSet

from .config import MultiSpotConfig, SpotConfig
from .evaluate import H, to_avail
from .sources import load_sources

SCALAR_FIELDS = (
    "tick", "elapsed_s", "gap_s", "job_s", "deadline_s", "overhead_s", "spot_available", "last_type",
    "cur_type", "preempted", "progress_s", "remaining_work_s", "remaining_time_s", "pending_overhead_s",
    "price_od", "price_spot", "price_ratio", "cost_so_far", "region",
)
VECTOR_FIELDS = ("spot_prices", "spot_available_by_region", "last_seen_avail")


class CantBeLateEnv(gym.Env):
    """Single-region spot scheduling: actions 0 NONE, 1 SPOT, 2 ON_DEMAND (``Discrete(3)``)."""

    metadata = {"render_modes": []}
    config_class: type = SpotConfig

    def __init__(self, **config: Any) -> None:
        self.config = build_config(self.config_class, config)
        sets = load_sources(self.config.traces, self.config.multi)
        self._set: TraceSet = sets[0]
        self._avail = to_avail(self._set)
        n_regions = self._avail.shape[2]
        self.n_regions = n_regions
        self._global = getattr(self.config, "observation", "local") == "global"
        self._guard = K.GUARDS[self.config.guard]
        self.action_space = self._make_action_space(n_regions)
        box = spaces.Box(-np.inf, np.inf, shape=(1,), dtype=np.float64)
        obs_spaces: dict[str, spaces.Space] = {f: box for f in SCALAR_FIELDS}
        obs_spaces["spot_prices"] = spaces.Box(0.0, np.inf, shape=(n_regions,), dtype=np.float64)
        obs_spaces["spot_available_by_region"] = spaces.Box(-1, 1, shape=(n_regions,), dtype=np.int8)
        obs_spaces["last_seen_avail"] = spaces.Box(-1, 1, shape=(n_regions,), dtype=np.int8)
        self.observation_space = spaces.Dict(obs_spaces)
        self._s = K.new_state()
        self.policy_observation: SpotObservation | None = None

    def _make_action_space(self, n_regions: int) -> spaces.Space:
        return spaces.Discrete(3)

    def _parse_action(self, action: Any) -> tuple[int, int]:
        if not self.action_space.contains(np.asarray(action) if not np.isscalar(action) else action):
            raise ValueError(f"invalid action {action!r} for {self.action_space}")
        return int(action), int(self._s[K.S_RHO])

    # -- gymnasium API -------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        rng = self.np_random
        idx = self.config.trace_index
        if idx is None:
            idx = int(rng.integers(self._set.n_traces))
        if not 0 <= idx < self._set.n_traces:
            raise ValueError(f"trace_index {idx} out of range [0, {self._set.n_traces})")
        self.trace_index = idx
        self.trace_id = self._set.meta[idx]["id"]
        deadlines, overheads = self.config.deadlines, self.config.overheads
        self.deadline_s = deadlines[int(rng.integers(len(deadlines)))] * H
        self.overhead_s = overheads[int(rng.integers(len(overheads)))] * H
        self.job_s = self.config.job_hours * H
        self.gap_s = float(self._set.gap_seconds)
        self.price_od = float(self.config.price_od_per_hour)
        self._trace = self._avail[idx]
        self._prices = self._set.spot_price[idx].astype(np.float64)
        if not K.feasible(self.job_s, self.deadline_s, self.overhead_s, self.gap_s):
            raise ValueError("infeasible run: on-demand from t = 0 cannot meet the deadline")
        self.deadline_tick = K.deadline_tick(self.deadline_s, self.gap_s)
        if self._trace.shape[0] < self.deadline_tick + 1:
            raise ValueError("trace shorter than the deadline tick + 1")
        self._stop = self.deadline_tick if self._guard == K.GUARD_OFF else self._trace.shape[0] - 1
        n = self.n_regions
        self._s = K.new_state()
        self._seen_avail = np.full(n, -1, dtype=np.int8)
        self._seen_tick = np.full(n, -1, dtype=np.int64)
        self._hist_avail: list[int] = []
        self._ledger: list[tuple[int, int, float]] = []
        self._begin()
        return self._obs(), self._info()

    def step(self, action: Any):
        if self._s[K.S_DONE] or self._stopped:
            raise RuntimeError("episode is over: call reset()")
        req_type, req_region = self._parse_action(action)
        k = int(self._s[K.S_TICK])
        K.tick_end(self._s, req_type, req_region, self._trace[k], self.gap_s, self.job_s, self.deadline_s,
                   self.overhead_s, self._guard)
        done = self._begin()
        bill = float(self._s[K.S_LAST_BILL])
        self._ledger.append((int(self._s[K.S_EXEC_TYPE]), int(self._s[K.S_EXEC_REGION]), bill))
        truncated = bool(self._stopped and not done)
        return self._obs(), -bill, bool(done), truncated, self._info()

    # -- internals ------------------------------------------------------------------------------
    def _begin(self) -> bool:
        s = self._s
        k = int(s[K.S_TICK])
        done = K.tick_begin(s, self._trace[k], self._prices, self.price_od, self.gap_s, self.job_s)
        rho = int(s[K.S_RHO])
        bit = int(self._trace[k, rho])
        self._hist_avail.append(bit)
        if self._global:
            self._seen_avail[:] = self._trace[k]
            self._seen_tick[:] = k
        else:
            self._seen_avail[rho] = bit
            self._seen_tick[rho] = k
        self._stopped = bool(not done and k >= self._stop)
        self._build_policy_observation(k, rho, bit)
        return done

    def _build_policy_observation(self, k: int, rho: int, bit: int) -> None:
        s = self._s
        cur = int(s[K.S_CUR])
        t = k * self.gap_s
        p = float(s[K.S_P])
        if self._global:
            vec = self._trace[k].copy()
        else:
            vec = np.full(self.n_regions, -1, dtype=np.int8)
            vec[rho] = bit
        types = np.array([e for e, _, _ in self._ledger], dtype=np.int8)
        regions = np.array([r for _, r, _ in self._ledger], dtype=np.int16)
        self.policy_observation = SpotObservation(
            k, t, self.gap_s, self.job_s, self.deadline_s, self.overhead_s, bit == 1, int(s[K.S_PREV]), cur,
            bool(s[K.S_PREEMPTED] == 1.0), p, self.job_s - p, self.deadline_s - t,
            float(s[K.S_R]) if cur != K.NONE else 0.0, self.price_od, float(self._prices[rho]),
            self.price_od / float(self._prices[rho]), float(s[K.S_COST]), rho, self.n_regions,
            readonly(self._prices.copy()), readonly(vec), readonly(self._seen_avail.copy()),
            readonly(self._seen_tick.copy()), readonly(np.array(self._hist_avail, dtype=np.int8)),
            readonly(types), readonly(regions))

    def _obs(self) -> dict[str, np.ndarray]:
        o = self.policy_observation
        out = {f: np.array([float(getattr(o, f))], dtype=np.float64) for f in SCALAR_FIELDS}
        out["spot_prices"] = np.array(o.spot_prices, dtype=np.float64)
        out["spot_available_by_region"] = np.array(o.spot_available_by_region, dtype=np.int8)
        out["last_seen_avail"] = np.array(o.last_seen_avail, dtype=np.int8)
        return out

    def _info(self) -> dict[str, Any]:
        s = self._s
        finish = int(s[K.S_FINISH])
        over = bool(s[K.S_DONE]) or self._stopped
        missed = over and (finish < 0 or finish > self.deadline_tick)
        return {
            "trace_id": self.trace_id,
            "cost_usd": float(s[K.S_COST]),
            "finish_tick": finish,
            "deadline_tick": self.deadline_tick,
            "missed": missed,
            "late_ticks": max(0, finish - self.deadline_tick) if finish >= 0 else (-1 if over else 0),
            "penalty_usd": 10 * self.price_od * (self.job_s - s[K.S_P] + self.overhead_s) / H
            if over and finish < 0 else 0.0,
            "preemptions": int(s[K.S_N_PREEMPT]),
            "spot_ticks": int(s[K.S_N_SPOT]),
            "od_ticks": int(s[K.S_N_OD]),
            "idle_ticks": int(s[K.S_N_IDLE]),
            "overhead_s": float(s[K.S_OVERHEAD]),
            "denied_spot": int(s[K.S_N_DENIED]),
            "moves": int(s[K.S_N_MOVES]),
            "guard_overrides": int(s[K.S_N_GUARD]),
            "ledger": list(self._ledger),
            "config": config_to_dict(self.config),
        }


class CantBeLateMultiEnv(CantBeLateEnv):
    """Multi-region: action ``(type, region)`` in ``MultiDiscrete([3, N])``; see §2.3 and §3.5."""

    config_class = MultiSpotConfig

    def _make_action_space(self, n_regions: int) -> spaces.Space:
        return spaces.MultiDiscrete([3, n_regions])

    def _parse_action(self, action: Any) -> tuple[int, int]:
        arr = np.asarray(action)
        if arr.shape != (2,) or not np.issubdtype(arr.dtype, np.integer) or not self.action_space.contains(
                arr.astype(np.int64)):
            raise ValueError(f"invalid action {action!r}: expected (type, region) in {self.action_space}")
        return int(arr[0]), int(arr[1])

