"""What a spot policy sees each tick (spec §3.1): causal, read-only, allowlisted fields only.

The same :class:`SpotObservation` named tuple is passed to plain-Python and numba-compiled policies,
so one ``decide(obs, state)`` source runs on both paths. Vectors are read-only NumPy views.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

OBS_FIELDS: dict[str, str] = {
    "tick": "k, the tick being decided (int)",
    "elapsed_s": "t = k * gap_s, seconds since the job was submitted",
    "gap_s": "g, the tick length in seconds",
    "job_s": "C, total compute the job needs, seconds",
    "deadline_s": "R, deadline measured from t = 0, seconds",
    "overhead_s": "d, restart overhead paid on every (re)launch or live move, seconds",
    "spot_available": "a_k: spot is available for [k, k+1) in the instance's current region (bool)",
    "last_type": "type that ran during [k-1, k): 0 NONE, 1 SPOT, 2 ON_DEMAND",
    "cur_type": "type alive now, after preemption at k",
    "preempted": "True if the spot instance was just preempted",
    "progress_s": "P, useful compute done so far, seconds",
    "remaining_work_s": "C - P, seconds",
    "remaining_time_s": "R - t, seconds",
    "pending_overhead_s": "r, overhead still to pay before progress resumes (0 while idle)",
    "price_od": "on-demand price, $/h",
    "price_spot": "spot price of the current region, $/h",
    "price_ratio": "on-demand / spot price in the current region",
    "cost_so_far": "$ billed so far",
    "region": "index of the current region (0 in single-region)",
    "n_regions": "number of regions N (1 in single-region)",
    "spot_prices": "static spot price per region, $/h (float64[N])",
    "spot_available_by_region": "int8[N]: 1/0 availability at k; under the local observation only "
    "the current region is known and the others are -1",
    "last_seen_avail": "int8[N]: last observed bit per region (1/0), -1 if never observed",
    "last_seen_tick": "int64[N]: tick of that observation, -1 if never observed",
    "history_avail": "int8[k+1]: the availability bits this policy observed, ticks 0..k",
    "history_type": "int8[k]: the types executed in ticks 0..k-1 (after the guard)",
    "history_region": "int16[k]: the regions executed in ticks 0..k-1",
}

SpotObservation = namedtuple("SpotObservation", list(OBS_FIELDS))  # type: ignore[misc]
SpotObservation.__doc__ = "One tick's observation; fields: " + ", ".join(OBS_FIELDS)

STATE_SLOTS = 32
"""Size of the fixed float64 array a compiled policy gets as its per-episode ``state``."""


class Memory:
    """A policy's per-episode memory in the Python path.

    It is both a record (``state.streak = 3``) and a fixed-size float64 array (``state[0] += 1``),
    so a policy written for the compiled path (array ``state``) runs unchanged in the Python path.
    A fresh ``Memory`` is made at every reset and dropped at the end of the episode.
    """

    def __init__(self, slots: int = STATE_SLOTS) -> None:
        object.__setattr__(self, "_slots", np.zeros(slots, dtype=np.float64))

    def __getitem__(self, index: Any) -> Any:
        return self._slots[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        self._slots[index] = value

    def __len__(self) -> int:
        return len(self._slots)

    def __repr__(self) -> str:
        attrs = {k: v for k, v in vars(self).items() if k != "_slots"}
        return f"Memory({attrs})"


def readonly(arr: np.ndarray) -> np.ndarray:
    """A read-only view of ``arr`` (the env keeps the writable original)."""
    view = arr.view()
    view.flags.writeable = False
    return view
