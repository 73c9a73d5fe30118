"""Omniscient offline optimum for single-region ``cant-be-late`` (spec §6.5): an exact forward DP.

The whole availability trace is known. Ticks follow spec §2.2 steps 1-10 with no guard: bill the
interval just run, observe, preempt, credit, complete, then decide NONE, ON_DEMAND, or SPOT (only if
spot is available at that tick). After the decision at tick k a state is (type alive in [k, k+1),
pending overhead r), with a Pareto front of (progress P, cost) pairs, where higher P and lower cost
are better. Pruning drops states that cannot finish by K = floor(R/g), and states that cost at least
the best completion found so far. Both prunings are exact. Pareto dominance is also exact in
float64: the same action suffix adds the same per-tick terms in the same order, and rounding is
monotone. Costs are therefore bit-identical to a tick simulator replaying the optimal plan.

``avail`` uses 1 = spot AVAILABLE, the inverse of the raw trace bits, where 0 = available. Ticks
beyond the end of ``avail`` count as unavailable.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

NONE, SPOT, ON_DEMAND = 0, 1, 2
_DONE_TOL = 1e-8  # step 5: complete when C - P <= 1e-8
_R_TOL = 1e-3  # step 4: pending overhead below this is zeroed
_SLACK = 2e-3  # keeps the feasibility prune conservative against the two tolerances above


@njit(cache=True)
def _overhead_chain(g, d):
    """Overhead values after a launch (rs[0] = d, then each credited tick, ending at 0) and the
    uncapped credit p = max(g - r, 0) of a tick that starts with rs[i]."""
    n, r = 1, d
    while r > 0.0:
        r = r - (g - max(g - r, 0.0))
        if r < _R_TOL:
            r = 0.0
        n += 1
    rs, pc = np.empty(n), np.empty(n)
    r = d
    for i in range(n):
        rs[i] = r
        pc[i] = max(g - r, 0.0)
        r = r - (g - pc[i])
        if r < _R_TOL:
            r = 0.0
    return rs, pc


@njit(cache=True)
def _grow(a, n):
    b = np.empty(n, a.dtype)
    b[: a.size] = a
    return b


@njit(cache=True, nogil=True)
def _solve(avail, g, C, K, d, ps_h, po_h, keep):
    """DP core. Returns (min cost or inf, finish tick or -1, optimal actions if ``keep``)."""
    rs, pc = _overhead_chain(g, d)
    nr = rs.size
    S = 1 + 2 * nr  # state 0 = NONE; 1 + (type - 1) * nr + i = (SPOT | ON_DEMAND, rs[i])
    tick_cost = np.array([0.0, ps_h * g / 3600.0, po_h * g / 3600.0])
    low = min(tick_cost[1], tick_cost[2])
    stype = np.zeros(S, np.int64)
    sidx = np.zeros(S, np.int64)
    for s in range(1, S):
        stype[s] = 1 + (s - 1) // nr
        sidx[s] = (s - 1) % nr
    n_av = np.zeros(K + 2, np.int64)  # n_av[j] = number of available ticks in [j, K)
    for j in range(min(K, avail.size) - 1, -1, -1):
        n_av[j] = n_av[j + 1] + (avail[j] != 0)
    cap = 64
    curP, curC, newP, newC = np.zeros(cap), np.zeros(cap), np.empty(cap), np.empty(cap)
    gP, gC = np.empty(cap), np.empty(cap)
    newPar, gSrc = np.empty(cap, np.int64), np.empty(cap, np.int64)
    newAct = np.empty(cap, np.int8)
    hPar = np.full(cap if keep else 0, -1, np.int64)
    hAct = np.full(cap if keep else 0, -1, np.int8)
    rlo, rhi = np.empty(S, np.int64), np.empty(S, np.int64)
    curOff = np.zeros(S + 1, np.int64)
    curOff[1:] = 1  # before tick 0: one NONE entry (P = 0, cost = 0); tick 0 bills/credits nothing
    newOff = np.zeros(S + 1, np.int64)
    best, best_src, best_tick = np.inf, -1, -1
    m, base, hn = 1, 0, 1  # entries now; global index of curP[0]; history length

    for kk in range(K + 1):
        if m == 0:
            break
        a = kk < avail.size and avail[kk] != 0
        if 3 * m + 3 > cap:
            cap = 2 * (3 * m + 3)
            curP, curC = _grow(curP, cap), _grow(curC, cap)
            newP, newC, gP, gC = np.empty(cap), np.empty(cap), np.empty(cap), np.empty(cap)
            newPar, gSrc, newAct = np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.int8)
        # Steps 1-5 in place: bill, credit, complete (preemption acts on the type, below).
        for s in range(S):
            e = stype[s]
            for x in range(curOff[s], curOff[s + 1]):
                c = curC[x] + tick_cost[e]
                P = curP[x]
                if e != NONE:
                    p = pc[sidx[s]]
                    if C - P < p:
                        p = C - P
                    P = P + p
                if C - P <= _DONE_TOL:
                    if c < best:
                        best, best_src, best_tick = c, base + x, kk
                    P = -1.0  # finished: no further decisions
                curP[x], curC[x] = P, c
        if kk == K:
            break
        # Steps 6-9: route each surviving entry to its post-decision state; merge the Pareto fronts.
        nm = 0
        for t in range(S):
            newOff[t] = nm
            e = stype[t]
            if e == SPOT and not a:
                continue
            lag = 1 if e == NONE else 0
            need_r = d if e == NONE else rs[sidx[t]]
            first = tick_cost[e]
            nrun, ng = 0, 0
            for s in range(S):
                cur = stype[s]
                if cur == SPOT and not a:
                    cur = NONE
                if e == NONE:
                    ts = 0
                elif cur == e:
                    ts = 1 + (e - 1) * nr + min(sidx[s] + 1, nr - 1)
                else:
                    ts = 1 + (e - 1) * nr
                if ts != t:
                    continue
                rlo[nrun] = ng
                for x in range(curOff[s], curOff[s + 1]):
                    P, c = curP[x], curC[x]
                    if P < 0.0 or c >= best:
                        continue
                    n = max(math.ceil((C - P + need_r - _SLACK) / g), 1)
                    if kk + lag + n > K:
                        continue
                    rest = n - 1 + lag
                    av = n_av[kk + 1]
                    lb = first + min(rest, av) * low + max(rest - av, 0) * tick_cost[ON_DEMAND]
                    if c + lb >= best * (1.0 + 1e-9):
                        continue
                    gP[ng], gC[ng], gSrc[ng] = P, c, x
                    ng += 1
                if ng > rlo[nrun]:
                    rhi[nrun] = ng - 1  # runs are sorted by P ascending; merge from their tops
                    nrun += 1
            lo, runmin = nm, np.inf
            while True:  # k-way merge by descending P; keep strictly decreasing cost
                bu, bP, bC = -1, -1.0, np.inf
                for u in range(nrun):
                    h = rhi[u]
                    if h >= rlo[u] and (gP[h] > bP or (gP[h] == bP and gC[h] < bC)):
                        bu, bP, bC = u, gP[h], gC[h]
                if bu < 0:
                    break
                y = rhi[bu]
                rhi[bu] -= 1
                if bC < runmin:
                    if nm > lo and newP[nm - 1] == bP:
                        nm -= 1  # same P, cheaper: replace
                    newP[nm], newC[nm], newPar[nm], newAct[nm] = bP, bC, base + gSrc[y], e
                    nm += 1
                    runmin = bC
            i, j = lo, nm - 1
            while i < j:  # back to ascending P
                newP[i], newP[j] = newP[j], newP[i]
                newC[i], newC[j] = newC[j], newC[i]
                newPar[i], newPar[j] = newPar[j], newPar[i]
                newAct[i], newAct[j] = newAct[j], newAct[i]
                i, j = i + 1, j - 1
        newOff[S] = nm
        if keep:
            if hn + nm > hPar.size:
                hPar, hAct = _grow(hPar, 2 * (hn + nm)), _grow(hAct, 2 * (hn + nm))
            hPar[hn : hn + nm] = newPar[:nm]
            hAct[hn : hn + nm] = newAct[:nm]
            hn += nm
        base += m
        curP, newP = newP, curP
        curC, newC = newC, curC
        curOff, newOff = newOff, curOff
        m = nm

    actions = np.empty(max(best_tick, 0) if keep else 0, np.int8)
    x = best_src
    for t in range(actions.size - 1, -1, -1):
        actions[t] = hAct[x]
        x = hPar[x]
    return best, best_tick, actions


@njit(cache=True, parallel=True)
def _solve_batch(avail, g, C, K, d, ps_h, po_h):
    out = np.empty(avail.shape[0])
    for i in prange(avail.shape[0]):
        out[i] = _solve(avail[i], g, C[i], K[i], d[i], ps_h[i], po_h, False)[0]
    return out


def _check(gap_s: float, job_s: float, deadline_s: float, overhead_s: float) -> int:
    if not (gap_s > 0 and job_s > 0 and overhead_s >= 0 and deadline_s >= 0):
        raise ValueError(f"bad parameters: g={gap_s}, C={job_s}, R={deadline_s}, d={overhead_s}")
    return math.floor(deadline_s / gap_s)


def omniscient_cost(avail: np.ndarray, gap_s: float, job_s: float, deadline_s: float, overhead_s: float,
                    price_spot_per_h: float, price_od_per_h: float) -> float:
    """Minimum $ cost of finishing the job by tick K = floor(R/g), given the whole trace.

    ``avail`` is uint8/bool [n_ticks] with 1 = spot AVAILABLE at tick k (the inverse of the raw file
    bits, where 0 = available). Returns ``inf`` if no schedule finishes by K.
    """
    return omniscient_plan(avail, gap_s, job_s, deadline_s, overhead_s, price_spot_per_h,
                           price_od_per_h, _with_actions=False)[0]


def omniscient_plan(avail: np.ndarray, gap_s: float, job_s: float, deadline_s: float, overhead_s: float,
                    price_spot_per_h: float, price_od_per_h: float,
                    _with_actions: bool = True) -> tuple[float, np.ndarray]:
    """Like :func:`omniscient_cost`, and also return one optimal plan.

    The plan is an int8 array with one executed action per tick 0 .. k_f - 1 (0 NONE, 1 SPOT,
    2 ON_DEMAND; SPOT only where available). Replaying it in a §2.2 tick simulator finishes at
    tick k_f = len(actions) <= K at exactly the returned cost. The array is empty if infeasible.
    """
    K = _check(gap_s, job_s, deadline_s, overhead_s)
    av = np.ascontiguousarray(np.asarray(avail).reshape(-1), dtype=np.uint8)
    cost, _, actions = _solve(av, float(gap_s), float(job_s), K, float(overhead_s),
                              float(price_spot_per_h), float(price_od_per_h), _with_actions)
    return float(cost), actions


def omniscient_costs(avail_batch: np.ndarray, gap_s: float, job_s: np.ndarray | float,
                     deadline_s: np.ndarray | float, overhead_s: np.ndarray | float,
                     price_spot: np.ndarray | float, price_od: float) -> np.ndarray:
    """:func:`omniscient_cost` for every row of ``avail_batch`` [n_runs, n_ticks] (1 = available).

    Per-run parameters broadcast to ``n_runs``. Runs are solved in parallel (numba ``prange``). Each
    run is independent, so the result is deterministic and equals the single-run function.
    """
    av = np.ascontiguousarray(avail_batch, dtype=np.uint8)
    if av.ndim != 2:
        raise ValueError(f"avail_batch must be 2-d [n_runs, n_ticks], got shape {av.shape}")
    n = av.shape[0]
    C, R, d, ps = (np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
                   for v in (job_s, deadline_s, overhead_s, price_spot))
    K = np.array([_check(gap_s, C[i], R[i], d[i]) for i in range(n)], dtype=np.int64)
    return _solve_batch(av, float(gap_s), C, K, d, ps, float(price_od))
