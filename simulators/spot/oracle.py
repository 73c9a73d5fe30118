"""Omniscient offline optimum for single-region ``cant-be-late`` (spec §6.5): an exact forward DP.

The whole availability trace is known. Ticks follow spec §2.2 steps 1-10 with no guard: bill the
interval just run, observe, preempt, credit, complete, then decide NONE, ON_DEMAND, or SPOT (only if
spot is available at that tick). After the decision at tick k a state is (type alive in [k, k+1),
pending overhead r), with a Pareto front of (progress P, cost) pairs, where higher P and lower cost
are better. The answer is the cheapest completion at a tick <= K = floor(R/g).

Every prune is exact:
- dominance inside a front: float rounding is monotone, and the same action suffix adds the same
  per-tick terms in the same order;
- states that cannot finish by K, even with all remaining overhead drained and no preemption;
- states whose cost plus a lower bound on the cost to go (the cheapest remaining ticks, counting
  spot only where the trace has it) reaches the best completion so far, with a 1e-9 relative margin;
- voluntary abandonment of a launch that has made no progress yet, since never launching is cheaper
  and reaches the same state.
A run is solved under a rising cost cap (see :func:`_optimum`). Costs are sums of the per-tick
terms (price * g) / 3600, added in tick order. They are bit-identical to a tick simulator replaying
the plan.

``avail`` uses 1 = spot AVAILABLE, the inverse of the raw trace bits, where 0 = available. Ticks
beyond the end of ``avail`` count as unavailable.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

NONE, SPOT, ON_DEMAND = 0, 1, 2
_DONE_TOL = 1e-8  # step 5: complete when C - P <= 1e-8
_R_TOL = 1e-3  # step 4: pending overhead below this is zeroed
_SLACK = 2e-3  # s; keeps the tick-count prunes conservative against both tolerances and rounding


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


@njit(cache=True, nogil=True, error_model="numpy")
def _solve(avail, g, C, K, d, ps_h, po_h, keep, ub):
    """DP core: the cheapest completion costing less than ``ub``, as (cost, finish tick, actions if
    ``keep``), or (``ub``, -1, []) if there is none."""
    rs, pc = _overhead_chain(g, d)
    nr = rs.size
    S = 1 + 2 * nr  # state 0 = NONE; 1 + (type - 1) * nr + i = (SPOT | ON_DEMAND, rs[i])
    price = np.zeros(3)  # $ per tick of NONE, SPOT, ON_DEMAND, as the simulator bills it
    price[SPOT], price[ON_DEMAND] = ps_h * g / 3600.0, po_h * g / 3600.0
    low, inv_g = min(price[SPOT], price[ON_DEMAND]), 1.0 / g
    stype, sidx = np.zeros(S, np.int64), np.zeros(S, np.int64)
    for s in range(1, S):
        stype[s], sidx[s] = 1 + (s - 1) // nr, (s - 1) % nr
    n_av = np.zeros(K + 2, np.int64)  # n_av[j] = number of available ticks in [j, K)
    for j in range(min(K, avail.size) - 1, -1, -1):
        n_av[j] = n_av[j + 1] + (avail[j] != 0)
    # Rows of F: P and cost of the current tick (cp, cc), of the next (np_, nc) and two merge buffers
    # (x*, y*). Rows of I: parent (global entry index) of next / x / y entries, and the next actions.
    cap = 256
    F, I = np.zeros((8, cap)), np.zeros((4, cap), np.int64)
    cp, cc, np_, nc, xp, xc, yp, yc = 0, 1, 2, 3, 4, 5, 6, 7
    npar, xpar, ypar, nact = 0, 1, 2, 3
    hist = np.full((2, cap if keep else 1), -1, np.int64)  # parent, action per global entry index
    off, noff = np.zeros(S + 1, np.int64), np.zeros(S + 1, np.int64)
    off[1:] = 1  # before tick 0: one NONE entry (P = 0, cost = 0); tick 0 bills/credits nothing
    best, best_src, best_tick = ub, -1, -1
    m, base, hn = 1, 0, 1  # entries now; global index of the first one; history length

    for kk in range(K + 1):
        if m == 0:
            break
        a = kk < avail.size and avail[kk] != 0
        if 3 * m + 3 > cap:
            cap = 2 * (3 * m + 3)
            F2, I = np.zeros((8, cap)), np.zeros((4, cap), np.int64)
            for x in range(m):
                F2[cp, x], F2[cc, x] = F[cp, x], F[cc, x]
            F = F2
        # Steps 1-5 in place: bill, credit, complete (preemption acts on the type, below).
        for s in range(S):
            e = stype[s]
            for x in range(off[s], off[s + 1]):
                c, P = F[cc, x] + price[e], F[cp, x]
                if e != NONE:
                    p = pc[sidx[s]]
                    if C - P < p:
                        p = C - P
                    P = P + p
                if C - P <= _DONE_TOL:
                    if c < best:
                        best, best_src, best_tick = c, base + x, kk
                    P = -1.0  # finished: no further decisions
                F[cp, x], F[cc, x] = P, c
        if kk == K:
            break
        # Steps 6-9: route each surviving entry to its post-decision state; merge the Pareto fronts.
        av = n_av[kk + 1]
        nm = 0
        for t in range(S):
            noff[t] = nm
            e = stype[t]
            if e == SPOT and not a:
                continue
            lag = 1 if e == NONE else 0
            need = (d if e == NONE else rs[sidx[t]]) - _SLACK
            xlo = xhi = cap  # the merged front so far: row x, [xlo, xhi), ascending P
            for s in range(S):
                cur = stype[s]
                if cur == SPOT and not a:
                    cur = NONE
                nxt = min(sidx[s] + 1, nr - 1)
                ts = 0 if e == NONE else 1 + (e - 1) * nr + (nxt if cur == e else 0)
                if ts != t or off[s] == off[s + 1]:
                    continue
                if cur != NONE and cur != e and rs[nxt] > 0.0:
                    continue  # abandoning a launch before any progress: dominated by never launching
                # Merge x with this source's admissible entries, both by descending P, into y (from the top).
                i, j, jlo, lo, runmin = xhi - 1, off[s + 1], off[s], cap, np.inf
                while True:
                    if j >= jlo:  # advance to the next admissible source entry (descending P)
                        j -= 1
                        while j >= jlo:
                            P, c = F[cp, j], F[cc, j]
                            if P >= 0.0 and c < best:
                                n = max(math.ceil((C - P + need) * inv_g), 1)
                                if kk + lag + n > K:
                                    j = jlo - 1  # lower P cannot finish in time either
                                    break
                                rest = n - 1 + lag
                                lb = price[e] + min(rest, av) * low + max(rest - av, 0) * price[ON_DEMAND]
                                if c + lb < best * (1.0 + 1e-9):
                                    break
                            j -= 1
                    while i >= xlo and (j < jlo or F[xp, i] > F[cp, j]
                                        or (F[xp, i] == F[cp, j] and F[xc, i] <= F[cc, j])):
                        if F[xc, i] < runmin:  # emit x entries down to the source entry's P
                            if lo == cap or F[yp, lo] != F[xp, i]:
                                lo -= 1
                            F[yp, lo], F[yc, lo], I[ypar, lo] = F[xp, i], F[xc, i], I[xpar, i]
                            runmin = F[xc, i]
                        i -= 1
                    if j < jlo:
                        break
                    if F[cc, j] < runmin:  # then the source entry
                        if lo == cap or F[yp, lo] != F[cp, j]:
                            lo -= 1
                        F[yp, lo], F[yc, lo], I[ypar, lo] = F[cp, j], F[cc, j], base + j
                        runmin = F[cc, j]
                xp, yp, xc, yc, xpar, ypar = yp, xp, yc, xc, ypar, xpar
                xlo, xhi = lo, cap
            for i in range(xlo, xhi):
                F[np_, nm], F[nc, nm], I[npar, nm], I[nact, nm] = F[xp, i], F[xc, i], I[xpar, i], e
                nm += 1
        noff[S] = nm
        if keep:
            if hn + nm > hist.shape[1]:
                h2 = np.full((2, 2 * (hn + nm)), -1, np.int64)
                for x in range(hn):
                    h2[0, x], h2[1, x] = hist[0, x], hist[1, x]
                hist = h2
            for x in range(nm):
                hist[0, hn + x], hist[1, hn + x] = I[npar, x], I[nact, x]
            hn += nm
        base += m
        cp, np_, cc, nc = np_, cp, nc, cc
        off, noff = noff, off
        m = nm

    actions = np.zeros(max(best_tick, 0) if keep else 0, np.int8)
    x = best_src
    for t in range(actions.size - 1, -1, -1):
        actions[t] = hist[1, x]
        x = hist[0, x]
    return best, best_tick, actions


def _optimum(avail, g, C, K, d, ps_h, po_h, keep):
    """Exact optimum via :func:`_solve` under a rising cost cap. A cap just above the optimum prunes
    most states, and a completion found below the cap is the optimum. The caps are the bound
    ``lb0`` (the cheapest ceil((C + d) / g) ticks before K) times 1.02, 1.1 and 1.3, then inf."""
    n = max(math.ceil((C + d - _SLACK) / g), 1)
    n_av = int(np.count_nonzero(avail[:K]))
    lb0 = min(n, n_av) * (min(ps_h, po_h) * g / 3600.0) + max(n - n_av, 0) * (po_h * g / 3600.0)
    for f in (1.02, 1.1, 1.3, math.inf):
        res = _solve(avail, g, C, K, d, ps_h, po_h, keep, lb0 * f if f < math.inf else math.inf)
        if res[1] >= 0:
            break
    return res


def _check(gap_s: float, job_s: float, deadline_s: float, overhead_s: float, *prices: float) -> int:
    """Validate one run's parameters and return its deadline tick K = floor(R / g)."""
    if not (gap_s > 0 and job_s > 0 and overhead_s >= 0 and deadline_s >= 0):
        raise ValueError(f"bad parameters: g={gap_s}, C={job_s}, R={deadline_s}, d={overhead_s}")
    if not all(0 <= p < math.inf for p in prices):
        raise ValueError(f"prices must be finite and >= 0, got {prices}")
    return math.floor(deadline_s / gap_s)


def omniscient_plan(avail: np.ndarray, gap_s: float, job_s: float, deadline_s: float, overhead_s: float,
                    price_spot_per_h: float, price_od_per_h: float) -> tuple[float, np.ndarray]:
    """Like :func:`omniscient_cost`, and also return one optimal plan.

    The plan is an int8 array with one executed action per tick 0 .. k_f - 1 (0 NONE, 1 SPOT,
    2 ON_DEMAND; SPOT only where available). Replaying it in a §2.2 tick simulator finishes at
    tick k_f = len(actions) <= K, at exactly the returned cost. The array is empty if infeasible.
    """
    return _run(avail, gap_s, job_s, deadline_s, overhead_s, price_spot_per_h, price_od_per_h, True)


def omniscient_cost(avail: np.ndarray, gap_s: float, job_s: float, deadline_s: float, overhead_s: float,
                    price_spot_per_h: float, price_od_per_h: float) -> float:
    """Minimum $ cost of finishing the job by tick K = floor(R/g), given the whole trace.

    ``avail`` is uint8/bool [n_ticks] with 1 = spot AVAILABLE at tick k (the inverse of the raw file
    bits, where 0 = available). Returns ``inf`` if no schedule finishes by K.
    """
    return _run(avail, gap_s, job_s, deadline_s, overhead_s, price_spot_per_h, price_od_per_h, False)[0]


def _run(avail, g, C, R, d, ps, po, keep):
    K = _check(g, C, R, d, ps, po)
    av = np.ascontiguousarray(np.asarray(avail).reshape(-1), dtype=np.uint8)
    cost, _, actions = _optimum(av, float(g), float(C), K, float(d), float(ps), float(po), keep)
    return float(cost), actions


def omniscient_costs(avail_batch: np.ndarray, gap_s: float, job_s: np.ndarray | float,
                     deadline_s: np.ndarray | float, overhead_s: np.ndarray | float,
                     price_spot: np.ndarray | float, price_od: float, n_threads: int | None = None) -> np.ndarray:
    """:func:`omniscient_cost` for every row of ``avail_batch`` [n_runs, n_ticks] (1 = available).

    Per-run parameters broadcast to ``n_runs``. Runs are spread over ``n_threads`` threads (default:
    one per CPU). The compiled solver releases the GIL. Each run is solved independently, so the
    result is deterministic and bit-identical to :func:`omniscient_cost` run by run.
    """
    av = np.ascontiguousarray(avail_batch, dtype=np.uint8)
    if av.ndim != 2:
        raise ValueError(f"avail_batch must be 2-d [n_runs, n_ticks], got shape {av.shape}")
    n = av.shape[0]
    C, R, d, ps = (np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).tolist()
                   for v in (job_s, deadline_s, overhead_s, price_spot))
    K = [_check(gap_s, C[i], R[i], d[i], ps[i], price_od) for i in range(n)]
    g, po = float(gap_s), float(price_od)
    out = np.empty(n)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    n_threads = max(1, min(n, n_threads or cpus or 1))

    def work(lane: int) -> None:
        for i in range(lane, n, n_threads):
            out[i] = _optimum(av[i], g, C[i], K[i], d[i], ps[i], po, False)[0]

    if n_threads == 1:
        work(0)
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(work, range(n_threads)))
    return out
