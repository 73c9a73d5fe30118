"""One spot episode, written once and run either as plain Python or compiled by numba.

:func:`run_episode` drives :mod:`.kernel` tick by tick, builds the read-only
:class:`~.observation.SpotObservation` and asks ``policy(obs, state)`` for an action. The compiled
twin :data:`run_episode_jit` is the same source under ``numba.njit``; both give identical results.
Compiled, the observation leaves out the array fields the policy never reads (:mod:`.specialise`)
and the loop works on borrowed, refcount-free views of its arrays (:func:`borrowed`).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload, register_jitable

from .kernel import (
    GUARD_OFF,
    S_COST,
    S_CUR,
    S_EXEC_REGION,
    S_EXEC_TYPE,
    S_LAST_BILL,
    S_P,
    S_PREEMPTED,
    S_PREV,
    S_R,
    S_RHO,
    S_TICK,
    deadline_tick,
    tick_begin,
    tick_end,
)
from .specialise import build_observation

ERR_OK = 0
ERR_ACTION_TYPE = 1  # not an int or an (int, int) pair
ERR_ACTION_RANGE = 2  # type not in {0, 1, 2} or region not in [0, N)
ERR_INFEASIBLE = 3  # on-demand from t = 0 cannot meet the deadline
ERR_SHORT_TRACE = 4  # fewer than K + 1 ticks
ERROR_REASONS = {
    ERR_ACTION_TYPE: "action must be an int type (0 NONE, 1 SPOT, 2 ON_DEMAND) or a (type, region) pair",
    ERR_ACTION_RANGE: "action out of range: type must be 0, 1 or 2 and region in [0, n_regions)",
    ERR_INFEASIBLE: "infeasible run: ceil((job + overhead) / gap) exceeds the deadline tick",
    ERR_SHORT_TRACE: "trace shorter than the deadline tick + 1",
}


def _is_int(x: object) -> bool:
    return type(x) is int or (isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)))


def as_action(a: object, rho: int) -> tuple[int, int, int]:
    """Normalise a policy's return value to (type, region, error code)."""
    if type(a) is int:
        return a, rho, ERR_OK
    if isinstance(a, (tuple, list)) and len(a) == 2:
        t, r = a[0], a[1]
    else:
        t, r = a, rho
    if not (_is_int(t) and _is_int(r)):
        return -1, -1, ERR_ACTION_TYPE
    return int(t), int(r), ERR_OK


@overload(as_action)
def _as_action_overload(a, rho):  # pragma: no cover - compiled
    def is_int(t):
        return isinstance(t, types.Integer) and not isinstance(t, types.Boolean)

    if is_int(a):
        return lambda a, rho: (np.int64(a), np.int64(rho), ERR_OK)
    if isinstance(a, types.BaseTuple) and len(a) == 2 and is_int(a[0]) and is_int(a[1]):
        return lambda a, rho: (np.int64(a[0]), np.int64(a[1]), ERR_OK)
    return lambda a, rho: (np.int64(-1), np.int64(-1), ERR_ACTION_TYPE)


def borrowed(a):
    """``a`` itself; compiled, ``a`` without its reference count (see :func:`_borrow`)."""
    return a


@intrinsic
def _borrow(typingctx, arr):  # pragma: no cover - compiled
    """A view of ``arr`` with a null meminfo: numba skips reference counting on it.

    Every array handed to (or made inside) the tick loop would otherwise be incref'd and decref'd
    (atomic operations) several times per tick. Only valid while the caller keeps ``arr`` alive:
    :func:`run_episode` borrows its own arguments, which outlive the call.
    """
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, signature, args):
        view = cgutils.create_struct_proxy(arr)(context, builder, value=args[0])
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        return view._getvalue()

    return arr(arr), codegen


@overload(borrowed)
def _borrowed_overload(a):  # pragma: no cover - compiled
    if isinstance(a, types.Array):
        return lambda a: _borrow(a)
    return lambda a: a


@register_jitable
def run_episode(avail, spot_price, spot_price_ro, price_od, gap_s, job_s, deadline_s, overhead_s,
                guard, global_obs, policy, state, s, hist_avail, hist_avail_ro, hist_type, hist_type_ro,
                hist_region, hist_region_ro, seen_avail, seen_avail_ro, seen_tick, seen_tick_ro,
                local_vec, local_vec_ro, ledger_type, ledger_region, ledger_cost, obs_spec):
    """Run one episode; returns (error code, tick of the error or -1). Results are left in ``s``.

    ``avail`` is int8 ``[T, N]`` with 1 = spot available and is never shown to the policy; ``*_ro``
    are read-only views of the buffer before them, which only the policy sees. ``s`` must be a fresh
    :func:`.kernel.new_state`.
    The Python path passes ``avail``, ``spot_price`` and ``s`` as plain lists (faster scalar access);
    the policy still only sees the read-only arrays.
    ``obs_spec`` (:func:`.specialise.observation_spec`) says which observation the compiled path
    builds: the full one, or one specialised to the fields the policy reads. Python builds the full one.
    """
    # Compiled, the loop works on borrowed views (no per-tick refcounting); in Python these are no-ops.
    avail, spot_price, spot_price_ro, state, s = (borrowed(avail), borrowed(spot_price), borrowed(spot_price_ro),
                                                   borrowed(state), borrowed(s))
    hist_avail, hist_avail_ro, hist_type, hist_type_ro = (borrowed(hist_avail), borrowed(hist_avail_ro),
                                                          borrowed(hist_type), borrowed(hist_type_ro))
    hist_region, hist_region_ro, seen_avail, seen_avail_ro = (borrowed(hist_region), borrowed(hist_region_ro),
                                                              borrowed(seen_avail), borrowed(seen_avail_ro))
    seen_tick, seen_tick_ro, local_vec, local_vec_ro = (borrowed(seen_tick), borrowed(seen_tick_ro),
                                                        borrowed(local_vec), borrowed(local_vec_ro))
    ledger_type, ledger_region, ledger_cost = borrowed(ledger_type), borrowed(ledger_region), borrowed(ledger_cost)
    n_ticks = len(avail)
    n_regions = len(avail[0])
    k_deadline = deadline_tick(deadline_s, gap_s)
    if math.ceil((job_s + overhead_s) / gap_s) > k_deadline:
        return ERR_INFEASIBLE, -1
    if n_ticks < k_deadline + 1:
        return ERR_SHORT_TRACE, -1
    stop = k_deadline if guard == GUARD_OFF else n_ticks - 1
    seen_avail[:] = -1
    seen_tick[:] = -1
    local_vec[:] = -1
    while True:
        k = int(s[S_TICK])
        done = tick_begin(s, avail[k], spot_price, price_od, gap_s, job_s)
        if k > 0:
            ledger_cost[k - 1] = s[S_LAST_BILL]
        rho = int(s[S_RHO])
        bit = avail[k][rho]
        hist_avail[k] = bit
        if global_obs:
            for j in range(n_regions):
                seen_avail[j] = avail[k][j]
                seen_tick[j] = k
                local_vec[j] = avail[k][j]  # a copy: the policy never holds a view of the trace
        else:
            seen_avail[rho] = bit
            seen_tick[rho] = k
            if k > 0:
                local_vec[hist_region[k - 1]] = -1  # forget the region left at k - 1
            local_vec[rho] = bit
        if done or k >= stop:
            return ERR_OK, -1
        cur = int(s[S_CUR])
        r_vis = s[S_R] if cur != 0 else 0.0
        t = k * gap_s
        p = s[S_P]
        obs = build_observation(
            obs_spec, k, t, gap_s, job_s, deadline_s, overhead_s, bit == 1, int(s[S_PREV]), cur,
            s[S_PREEMPTED] == 1.0, p, job_s - p, deadline_s - t, r_vis, price_od, spot_price[rho],
            price_od / spot_price[rho], s[S_COST], rho, n_regions, spot_price_ro,
            local_vec_ro, seen_avail_ro, seen_tick_ro, hist_avail_ro, hist_type_ro, hist_region_ro,
        )
        req_type, req_region, err = as_action(policy(obs, state), rho)
        if err != ERR_OK:
            return err, k
        if req_type < 0 or req_type > 2 or req_region < 0 or req_region >= n_regions:
            return ERR_ACTION_RANGE, k
        tick_end(s, req_type, req_region, avail[k], gap_s, job_s, deadline_s, overhead_s, guard)
        e = int(s[S_EXEC_TYPE])
        region = int(s[S_EXEC_REGION])
        hist_type[k] = e
        ledger_type[k] = e
        hist_region[k] = region
        ledger_region[k] = region


run_episode_jit = numba.njit(run_episode)
"""The compiled twin of :func:`run_episode` (same source)."""
