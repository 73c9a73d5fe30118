"""``adrs/Cloudcast-v0``: a one-step gymnasium env (contextual bandit, spec §3.1).

``reset`` draws an instance of the configured split (or pins ``options={"instance_id": ...}``); the
observation is the instance as arrays; the action is an int64 ``(P_MAX, N)`` parent array of which the
instance's first P rows are read; ``step`` validates, simulates and terminates.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from adrs.config import build_config
from adrs.simulators.cloudcast.instance import Instance
from adrs.traces.cloudcast.embedded import Case, load_split

from .config import CloudcastConfig
from .scoring import score_output


def observation_of(inst: Instance) -> dict[str, Any]:
    """The observation dict of one instance (fresh arrays; cost 0 and throughput 0 off the edge mask)."""
    dest_mask = np.zeros(inst.n, dtype=bool)
    dest_mask[list(inst.dests)] = True
    return {
        "cost": np.where(inst.edge_mask, inst.cost, 0.0), "edge_mask": inst.edge_mask.copy(),
        "throughput": inst.throughput.copy(), "provider": inst.provider.copy(),
        "source": inst.source, "dest_mask": dest_mask,
        "data_vol_gb": np.array([inst.data_vol_gb]), "num_partitions": inst.num_partitions,
        "num_vms": inst.num_vms, "usd_per_vm_hour": np.array([inst.usd_per_vm_hour]),
        "ingress_gbps": inst.ingress_gbps.copy(), "egress_gbps": inst.egress_gbps.copy(),
    }


class CloudcastEnv(gym.Env):
    """Broadcast one dataset from a source region to all destinations at least cost, in one step."""

    metadata = {"render_modes": []}

    def __init__(self, **config: Any) -> None:
        self.config = build_config(CloudcastConfig, config)
        self.cases: tuple[Case, ...] = load_split(self.config.split)
        self._ids = {c.instance.instance_id: i for i, c in enumerate(self.cases)}
        n = self.cases[0].instance.n
        big = np.finfo(np.float64).max
        self.observation_space = spaces.Dict({
            "cost": spaces.Box(0.0, big, (n, n), np.float64), "edge_mask": spaces.MultiBinary((n, n)),
            "throughput": spaces.Box(0.0, big, (n, n), np.float64), "provider": spaces.MultiDiscrete([3] * n),
            "source": spaces.Discrete(n), "dest_mask": spaces.MultiBinary(n),
            "data_vol_gb": spaces.Box(0.0, big, (1,), np.float64), "num_partitions": spaces.Discrete(1 << 16),
            "num_vms": spaces.Discrete(1 << 10), "usd_per_vm_hour": spaces.Box(0.0, big, (1,), np.float64),
            "ingress_gbps": spaces.Box(0.0, big, (n,), np.float64),
            "egress_gbps": spaces.Box(0.0, big, (n,), np.float64),
        })
        self.action_space = spaces.Box(-1, n - 1, (self.config.p_max, n), np.int64)
        self._case: Case | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        super().reset(seed=seed)
        iid = (options or {}).get("instance_id", self.config.instance_id)
        if iid is not None:
            if iid not in self._ids:
                raise KeyError(f"unknown instance_id {iid!r} in split {self.config.split!r}")
            self._case = self.cases[self._ids[iid]]
        else:
            self._case = self.cases[int(self.np_random.integers(len(self.cases)))]
        inst = self._case.instance
        info = {"instance_id": inst.instance_id, "region_names": list(inst.names),
                "dest_order": list(inst.dests), "split": self.config.split}
        return observation_of(inst), info

    def step(self, action: Any) -> tuple[dict, float, bool, bool, dict]:
        if self._case is None:
            raise RuntimeError("call reset() before step()")
        case, self._case = self._case, None
        row = score_output(case, action)
        if self.config.reward == "score":
            reward = float(row["score"])
        else:
            reward = -row["total_cost_usd"] if row["valid"] else -2.0 * row["direct_cost"]
        info = {**row, "reasons": [row["reason"]] if row["reason"] else [], "total_cost": row["total_cost_usd"],
                "egress_cost": row["egress_cost_usd"], "instance_cost": row["instance_cost_usd"]}
        return observation_of(case.instance), float(reward), True, False, info
