"""Baseline spot policies (spec §6), written as plain ``decide(obs, state)`` functions.

Every baseline here compiles under ``numba.njit``, so the batch runner evaluates it in the compiled
loop; the same functions also run unchanged in the Python path and the gymnasium env.
Actions: single region returns 0 NONE / 1 SPOT / 2 ON_DEMAND; multi-region returns (type, region).
"""

from __future__ import annotations

import math

from numba.extending import register_jitable

NONE = 0
SPOT = 1
ON_DEMAND = 2


@register_jitable
def on_demand(obs, state):
    """§6.1: on-demand every tick until done."""
    if obs.remaining_work_s <= 1e-9:
        return NONE
    return ON_DEMAND


@register_jitable
def greedy(obs, state):
    """§6.2: greedy with the paper's safety net (the reference seed ``initial_greedy.py``)."""
    w = obs.remaining_work_s
    if w <= 1e-9:
        return NONE
    g = obs.gap_s
    d = obs.overhead_s
    left = math.floor(obs.remaining_time_s / g)
    if math.ceil((w + d) / g) >= left:
        return ON_DEMAND
    if math.ceil((w + 2 * d) / g) >= left:
        if obs.cur_type == SPOT and obs.spot_available:
            return SPOT
        return ON_DEMAND
    return SPOT if obs.spot_available else NONE


@register_jitable
def uniform_progress(obs, state):
    """§6.3: the authors' Uniform Progress (``rc_cr_threshold``): hysteresis and the 2d line."""
    w = obs.remaining_work_s
    if w <= 1e-3:
        return NONE
    g = obs.gap_s
    d = obs.overhead_s
    t = obs.elapsed_s
    c = obs.job_s
    r_total = obs.deadline_s
    p = obs.progress_s
    avail = obs.spot_available
    cur = obs.cur_type
    left = math.floor(obs.remaining_time_s / g)
    action = SPOT if avail else NONE
    if p - c * t / r_total < 0:
        action = SPOT if avail else ON_DEMAND
    if cur == ON_DEMAND and ((not avail) or (t + 2 * d) * c / r_total - p >= 0):
        action = ON_DEMAND
    if math.ceil((w + 2 * d) / g) >= left and (cur == NONE or cur == ON_DEMAND):
        action = ON_DEMAND
    if math.ceil((w + d) / g) >= left:
        if cur == SPOT and obs.pending_overhead_s < 1e-3:
            action = SPOT
        else:
            action = ON_DEMAND
        if d == 0 and avail:
            action = SPOT
    return action


@register_jitable
def uniform_progress_paper(obs, state):
    """UP with the paper's loose-deadline switch: use spot freely until C(t)/R(t) reaches 0.7."""
    if obs.job_s / obs.deadline_s <= 0.6 and state[0] == 0.0:
        if obs.remaining_time_s > 0 and obs.remaining_work_s / obs.remaining_time_s < 0.7:
            return greedy(obs, state)
        state[0] = 1.0
    return uniform_progress(obs, state)


@register_jitable
def multi_region_up(obs, state):
    """§6.4: multi-region UP over the global observation (needs ``observation="global"``)."""
    vec = obs.spot_available_by_region
    best = -1
    for j in range(vec.shape[0]):
        if vec[j] == 1:
            best = j
            break
    any_spot = best >= 0
    w = obs.remaining_work_s
    if w <= 1e-3:
        return (NONE, obs.region)
    g = obs.gap_s
    d = obs.overhead_s
    t = obs.elapsed_s
    c = obs.job_s
    r_total = obs.deadline_s
    p = obs.progress_s
    action = SPOT if any_spot else NONE
    if p - c * t / r_total < 0:
        action = SPOT if any_spot else ON_DEMAND
    if obs.last_type == ON_DEMAND and ((not any_spot) or (t + 2 * d) * c / r_total - p >= 0):
        action = ON_DEMAND
    if math.ceil((w + d) / g) >= math.floor(obs.remaining_time_s / g):
        if obs.last_type == SPOT and obs.pending_overhead_s < 1e-3:
            action = SPOT
        else:
            action = ON_DEMAND
        if d == 0 and any_spot:
            action = SPOT
    region = obs.region
    if action == SPOT and vec[region] != 1 and best >= 0:
        region = best
    return (action, region)


@register_jitable
def multi_reference_seed(obs, state):
    """The reference multi-region seed (local view; kept for parity): round-robin when spot is gone."""
    t = obs.elapsed_s
    behind = t >= obs.deadline_s or (t > 0 and obs.progress_s < t * obs.job_s / obs.deadline_s)
    if behind:
        return (SPOT if obs.spot_available else ON_DEMAND, obs.region)
    if obs.spot_available:
        return (SPOT, obs.region)
    return (NONE, (obs.region + 1) % obs.n_regions)


@register_jitable
def round_robin_up(obs, state):
    """Local-view multi-region UP: UP in the current region; when UP would wait because spot is
    unavailable here, move (idle, so for free) to the next region round-robin."""
    action = uniform_progress(obs, state)
    if action == NONE and not obs.spot_available and obs.remaining_work_s > 1e-3:
        return (NONE, (obs.region + 1) % obs.n_regions)
    return (action, obs.region)


SINGLE_BASELINES = {
    "on-demand": on_demand,
    "greedy": greedy,
    "uniform-progress": uniform_progress,
    "uniform-progress-paper": uniform_progress_paper,
}
"""Online single-region baselines by CLI name (``omniscient`` is the DP bound, not a policy)."""

MULTI_BASELINES = {
    "on-demand": on_demand,
    "round-robin-up": round_robin_up,
    "reference-seed": multi_reference_seed,
    "uniform-progress": multi_region_up,
}
"""Multi-region baselines by CLI name; ``uniform-progress`` needs ``observation="global"``."""

GLOBAL_ONLY = {"uniform-progress"}
ALIASES = {"od": "on-demand", "up": "uniform-progress", "up-paper": "uniform-progress-paper",
           "strawman": "greedy", "multi-region-up": "uniform-progress"}
