"""The spot-scheduling tick model (spec: spot-scheduling.md §2), one source for Python and numba.

The whole episode state lives in one float64 array ``S`` (indices below) owned by the caller, so the
same functions drive the batch runner (compiled or plain Python) and the step-wise gymnasium env.
All quantities are float64 seconds or dollars; integer-valued fields are exact in float64.

Tick ``k`` is split in two halves around the policy's decision:

* :func:`tick_begin` — steps 1–5: bill ``[k-1, k)``, observe, preempt, credit progress, complete.
* :func:`tick_end` — steps 7–10: guard, availability, overhead, advance to ``k + 1``.
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

# Instance types (the action's first component).
NONE = 0
SPOT = 1
ON_DEMAND = 2

# Deadline guards (§3.3).
GUARD_STRICT = 0
GUARD_REFERENCE = 1
GUARD_OFF = 2
GUARDS = {"strict": GUARD_STRICT, "reference": GUARD_REFERENCE, "off": GUARD_OFF}

# Indices into the state array S.
S_TICK = 0  # k: the tick being decided
S_PREV = 1  # type that ran during [k-1, k)
S_RHO = 2  # region it ran in
S_R = 3  # pending overhead r (s)
S_P = 4  # progress P (s)
S_COST = 5  # $ billed so far
S_CUR = 6  # type alive after preemption at k
S_PREEMPTED = 7  # 1 if the spot instance was preempted at k
S_AVAIL = 8  # observed availability bit at k in region rho (1 = available)
S_DONE = 9  # 1 once complete
S_FINISH = 10  # finish tick k_f (or -1)
S_LAST_BILL = 11  # $ billed at the start of this tick (the previous interval)
S_N_PREEMPT = 12
S_N_SPOT = 13  # ticks executed on spot
S_N_OD = 14  # ticks executed on on-demand
S_N_IDLE = 15
S_OVERHEAD = 16  # overhead seconds paid (s), counted when credited
S_N_DENIED = 17  # SPOT requests executed as NONE (no spot in the target region)
S_N_MOVES = 18
S_N_GUARD = 19  # decisions replaced by the guard
S_EXEC_TYPE = 20  # type executed for [k, k+1) after tick_end
S_EXEC_REGION = 21
STATE_SIZE = 24

EPS_DONE = 1e-8
EPS_OVERHEAD = 1e-3


def new_state() -> np.ndarray:
    """A fresh episode state (k = 0, nothing ran, region 0)."""
    s = np.zeros(STATE_SIZE, dtype=np.float64)
    s[S_FINISH] = -1.0
    return s


@register_jitable
def deadline_tick(deadline_s: float, gap_s: float) -> int:
    """K = floor(R / g): the last tick at which completion meets the deadline."""
    return int(math.floor(deadline_s / gap_s))


@register_jitable
def feasible(job_s: float, deadline_s: float, overhead_s: float, gap_s: float) -> bool:
    """Reset accepts a run only if on-demand from t = 0 finishes by K (§2.1)."""
    return math.ceil((job_s + overhead_s) / gap_s) <= deadline_tick(deadline_s, gap_s)


@register_jitable(inline='always')
def tick_begin(s: np.ndarray, avail_k: np.ndarray, spot_price: np.ndarray, price_od: float,
               gap_s: float, job_s: float) -> bool:
    """Steps 1–5 of tick ``s[S_TICK]``; ``avail_k[j]`` is 1 if region j has spot at k. Returns done."""
    prev = int(s[S_PREV])
    rho = int(s[S_RHO])
    # 1. bill [k-1, k) at the price of the type and region that ran
    bill = 0.0
    if prev == SPOT:
        bill = spot_price[rho] * gap_s / 3600.0
    elif prev == ON_DEMAND:
        bill = price_od * gap_s / 3600.0
    s[S_COST] += bill
    s[S_LAST_BILL] = bill
    # 2. observe in the region where the instance ran
    a = avail_k[rho] == 1
    s[S_AVAIL] = 1.0 if a else 0.0
    # 3. preempt
    cur = prev
    s[S_PREEMPTED] = 0.0
    if prev == SPOT and not a:
        cur = NONE
        s[S_PREEMPTED] = 1.0
        s[S_N_PREEMPT] += 1.0
    s[S_CUR] = cur
    # 4. credit the interval that ran
    if prev != NONE:
        r = s[S_R]
        p = max(gap_s - r, 0.0)
        s[S_OVERHEAD] += gap_s - p
        r = r - (gap_s - p)
        if r < EPS_OVERHEAD:
            r = 0.0
        s[S_R] = r
        p = min(p, job_s - s[S_P])
        s[S_P] += p
    # 5. complete
    if job_s - s[S_P] <= EPS_DONE:
        s[S_DONE] = 1.0
        s[S_FINISH] = s[S_TICK]
        return True
    return False


@register_jitable(inline='always')
def tick_end(s: np.ndarray, req_type: int, req_region: int, avail_k: np.ndarray, gap_s: float,
             job_s: float, deadline_s: float, overhead_s: float, guard: int) -> None:
    """Steps 7–10: guard the requested action, apply availability and overhead, advance the clock."""
    k = s[S_TICK]
    cur = int(s[S_CUR])
    rho = int(s[S_RHO])
    r = s[S_R]
    e = req_type
    region = req_region
    # 7. guard (env-owned)
    if guard != GUARD_OFF:
        w = job_s - s[S_P]
        left = math.floor((deadline_s - k * gap_s) / gap_s)
        need1 = math.ceil((w + overhead_s) / gap_s)
        if w > EPS_OVERHEAD and need1 >= left:
            if guard == GUARD_STRICT:
                keep = cur == SPOT and r < EPS_OVERHEAD and req_type == SPOT and req_region == rho
                if not keep:
                    e = ON_DEMAND
                    if cur != NONE:
                        region = rho
            else:  # reference: ride the previous spot instance if it finished its overhead
                if int(s[S_PREV]) == SPOT and r < EPS_OVERHEAD:
                    e = SPOT
                else:
                    e = ON_DEMAND
            if e != req_type or region != req_region:
                s[S_N_GUARD] += 1.0
    # 8. a SPOT request in a region without spot executes as NONE
    if e == SPOT and avail_k[region] != 1:
        e = NONE
        s[S_N_DENIED] += 1.0
    # 9. overhead: a (re)launch or a live move pays d (guard="reference" keeps the reference's rule:
    #    a move that keeps the type is free, spec §2.3)
    if e != NONE and (e != cur or (region != rho and cur != NONE and guard != GUARD_REFERENCE)):
        s[S_R] = overhead_s
    if region != rho:
        s[S_N_MOVES] += 1.0
    if e == SPOT:
        s[S_N_SPOT] += 1.0
    elif e == ON_DEMAND:
        s[S_N_OD] += 1.0
    else:
        s[S_N_IDLE] += 1.0
    # 10. advance
    s[S_EXEC_TYPE] = e
    s[S_EXEC_REGION] = region
    s[S_PREV] = e
    s[S_RHO] = region
    s[S_TICK] = k + 1.0


@register_jitable
def pending_overhead(s: np.ndarray) -> float:
    """r as the policy sees it: the pending overhead of the live instance, 0 while idle."""
    return s[S_R] if int(s[S_CUR]) != NONE else 0.0
