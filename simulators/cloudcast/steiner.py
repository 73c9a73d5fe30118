"""Exact min-egress Steiner arborescence and the per-instance lower bound (spec §6.5).

The spec's oracle is a MILP solved by HiGHS (:mod:`.steiner_milp`, needs scipy); the same optimum is
computed here exactly with the Dreyfus-Wagner dynamic program for directed Steiner trees
(O(3^k N + 2^k N^2) for k destinations; milliseconds for k <= 12), which needs no scipy and backs the
cached bounds of the generated manifests. Edge weights are the $/GB prices,
edges into the source are removed. ``OPT`` is in $/GB; the instance's min egress is ``V * OPT``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from adrs.simulators.cloudcast.instance import Instance

MAX_DESTS = 16
"""Largest destination count the exact DP accepts (memory is 2^k x N)."""


@numba.njit(cache=True)
def _floyd(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = w.shape[0]
    dist = w.copy()
    nxt = np.full((n, n), -1, dtype=np.int64)
    for i in range(n):
        dist[i, i] = 0.0
        nxt[i, i] = i
        for j in range(n):
            if i != j and np.isfinite(w[i, j]):
                nxt[i, j] = j
    for k in range(n):
        for i in range(n):
            dik = dist[i, k]
            if not np.isfinite(dik):
                continue
            for j in range(n):
                cand = dik + dist[k, j]
                if cand < dist[i, j] - 1e-12:
                    dist[i, j] = cand
                    nxt[i, j] = nxt[i, k]
    return dist, nxt


@numba.njit(cache=True)
def _dreyfus_wagner(dist: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, k = dist.shape[0], terms.shape[0]
    full = (1 << k) - 1
    dp = np.full((full + 1, n), np.inf)
    move = np.full((full + 1, n), -1, dtype=np.int64)
    split = np.zeros((full + 1, n), dtype=np.int64)
    g = np.empty(n)
    for S in range(1, full + 1):
        if S & (S - 1) == 0:
            t = terms[int(np.log2(S) + 0.5)]
            for v in range(n):
                dp[S, v] = dist[v, t]
                move[S, v] = t
            continue
        low = S & -S
        g[:] = np.inf
        sub = (S - 1) & S
        while sub > 0:
            if sub & low:
                rest = S ^ sub
                for v in range(n):
                    c = dp[sub, v] + dp[rest, v]
                    if c < g[v]:
                        g[v] = c
                        split[S, v] = sub
            sub = (sub - 1) & S
        for v in range(n):
            best, arg = np.inf, -1
            for u in range(n):
                c = dist[v, u] + g[u]
                if c < best:
                    best, arg = c, u
            dp[S, v] = best
            move[S, v] = arg
    return dp, move, split


@dataclass(frozen=True)
class SteinerResult:
    """The optimum: ``opt_per_gb`` ($/GB over one copy of the data) and one optimal tree."""

    opt_per_gb: float
    parents_row: np.ndarray


def _weights(inst: Instance) -> np.ndarray:
    w = np.where(inst.edge_mask, inst.cost, np.inf)
    w[:, inst.source] = np.inf
    return w


def steiner_tree(inst: Instance) -> SteinerResult:
    """Exact min-cost arborescence from the source spanning all destinations (relays allowed)."""
    k = len(inst.dests)
    if k > MAX_DESTS:
        raise ValueError(f"exact Steiner DP supports at most {MAX_DESTS} destinations, got {k}")
    dist, nxt = _floyd(_weights(inst))
    terms = np.asarray(inst.dests, dtype=np.int64)
    dp, move, split = _dreyfus_wagner(dist, terms)
    full = (1 << k) - 1
    row = np.full(inst.n, -1, dtype=np.int64)
    stack = [(full, inst.source)]
    while stack:
        S, v = stack.pop()
        u = int(move[S, v])
        a = v
        while a != u:  # walk the shortest path v -> u
            b = int(nxt[a, u])
            row[b] = a
            a = b
        if S & (S - 1):
            sub = int(split[S, u])
            stack.append((sub, u))
            stack.append((S ^ sub, u))
    return SteinerResult(float(dp[full, inst.source]), row)


def steiner_parents(inst: Instance) -> np.ndarray:
    """``parents[P, N]``: the DP's exact min-egress tree for every partition (the ``steiner-dp`` policy, and
    the ``steiner-milp`` fallback without scipy)."""
    row = steiner_tree(inst).parents_row
    return np.repeat(row[None, :], inst.num_partitions, axis=0)


def time_lower_bound_s(inst: Instance) -> float:
    """T_lb = V 8 / min(E(s), min_d I(d)): no plan moves the data out of s or into a d faster."""
    cap = min(float(inst.egress_gbps[inst.source]), float(inst.ingress_gbps[list(inst.dests)].min()))
    return inst.data_vol_gb * 8 / cap


def lower_bound(inst: Instance, opt_per_gb: float | None = None) -> float:
    """LB = V OPT + (1 + |D|) num_vms (price/3600) max(0, T_lb - 0.005) (spec §6)."""
    if opt_per_gb is None:
        opt_per_gb = steiner_tree(inst).opt_per_gb
    t = max(0.0, time_lower_bound_s(inst) - 0.005)
    return inst.data_vol_gb * opt_per_gb + (1 + len(inst.dests)) * inst.num_vms * (inst.usd_per_vm_hour / 3600) * t
