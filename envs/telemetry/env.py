"""``adrs/TelemetryRepair-v0``: one faulted snapshot per episode; the action is the repair (spec §1)."""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from adrs.config import build_config
from adrs.simulators.telemetry.metrics import ece
from adrs.simulators.telemetry.scenarios import obs_keys

from .config import TelemetryConfig
from .evaluate import reward_of, score_action
from .sources import load_scenarios


class JSONDict(spaces.Space):
    """A space of plain JSON-like dicts (the telemetry snapshot / the repair), validated by content.

    Topologies differ in size and interface names, so no fixed-shape space fits; the verifier, not the
    space, decides what a valid repair is. ``keys``, if given, is the exact top-level key set (the
    observation's whitelist schema, which depends on ``observe_demand`` / ``history``).
    """

    def __init__(self, keys: frozenset[str] | set[str] | None = None) -> None:
        super().__init__(shape=None, dtype=None)
        self.keys = None if keys is None else frozenset(keys)

    def contains(self, x: Any) -> bool:
        if not (isinstance(x, dict) and all(isinstance(k, str) for k in x)):
            return False
        return self.keys is None or set(x) == self.keys

    def sample(self, mask: Any = None, probability: Any = None) -> dict:
        return {}

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "JSONDict()" if self.keys is None else f"JSONDict(keys={sorted(self.keys)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JSONDict) and other.keys == self.keys


class TelemetryRepairEnv(gym.Env):
    """Repair faulty WAN telemetry with calibrated confidence; ``terminated`` after one step.

    Observations and actions are plain nested dicts (spec §5) in :class:`JSONDict` spaces; the
    observation space pins the top-level keys (``telemetry``, ``topology``, ``external`` in the default
    variant, plus ``demand``/``paths`` with ``observe_demand`` and ``history`` with ``history`` > 0).
    """

    metadata = {"render_modes": []}

    def __init__(self, **config: Any) -> None:
        self.config = build_config(TelemetryConfig, config)
        self.scenarios = load_scenarios(self.config)
        cfg = self.config
        self.observation_space = JSONDict(obs_keys(external=cfg.variant != "reference",
                                                   observe_demand=cfg.observe_demand, history=cfg.history))
        self.action_space = JSONDict()
        self._current: dict | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        super().reset(seed=seed)
        if self.config.scenario_index is not None:
            idx = self.config.scenario_index % len(self.scenarios)
        else:
            idx = int(self.np_random.integers(len(self.scenarios)))
        self._current = self.scenarios[idx]
        return copy.deepcopy(self._current["obs"]), {"n_scenarios": len(self.scenarios)}

    def step(self, action: Any) -> tuple[dict, float, bool, bool, dict]:
        if self._current is None:
            raise RuntimeError("call reset() before step()")
        m = score_action(self._current, action, self.config.tau)
        reward = reward_of(m, self.config.variant, self.config.reward_weights)
        info = {k: v for k, v in m.items() if not isinstance(v, np.ndarray)}  # per-counter arrays stay private
        info["ece"] = ece(m["conf"], m["event"])
        obs = copy.deepcopy(self._current["obs"])
        self._current = None
        return obs, float(reward), True, False, info
