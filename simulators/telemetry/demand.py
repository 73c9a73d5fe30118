"""Demand matrices: gravity models, AR(1) drift sequences and the demand x paths link prediction
(spec §3 snapshot sources, §1 alternative signal R3).

A demand matrix is ``{src: {dst: Mbps}}`` with a zero (or absent) diagonal. Nothing here draws from a
global RNG: the drift functions take the caller's private ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def gravity_demand(origination: Mapping[str, float], termination: Mapping[str, float],
                   iterations: int = 200, tol: float = 1e-10) -> dict[str, dict[str, float]]:
    """The gravity-model matrix with (approximately) the given per-router totals and a zero diagonal.

    Starts from D[s][d] ∝ origination_s · termination_d and fits both marginals by iterative
    proportional fitting (the diagonal stays 0). Termination totals are rescaled to the origination
    total first, so inconsistent inputs (e.g. skewed external counters) are accepted. Routers with a
    zero total send / receive nothing. Deterministic (no draws).
    """
    routers = sorted(set(origination) | set(termination))
    o = np.array([max(float(origination.get(r, 0.0)), 0.0) for r in routers])
    t = np.array([max(float(termination.get(r, 0.0)), 0.0) for r in routers])
    if o.sum() <= 0 or t.sum() <= 0:
        return {s: {d: 0.0 for d in routers if d != s} for s in routers}
    t = t * (o.sum() / t.sum())
    m = np.outer(o, t)
    np.fill_diagonal(m, 0.0)
    for _ in range(iterations):
        rs = m.sum(axis=1)
        m *= np.divide(o, rs, out=np.zeros_like(o), where=rs > 0)[:, None]
        cs = m.sum(axis=0)
        m *= np.divide(t, cs, out=np.zeros_like(t), where=cs > 0)[None, :]
        if np.abs(m.sum(axis=1) - o).max() <= tol * max(o.max(), 1.0):
            break
    return {s: {d: float(m[i, j]) for j, d in enumerate(routers) if d != s} for i, s in enumerate(routers)}


def totals(demand: Mapping[str, Mapping[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """``(origination, termination)``: the row and column sums of ``demand``."""
    routers = sorted(set(demand) | {d for row in demand.values() for d in row})
    orig = {r: float(sum(v for d, v in demand.get(r, {}).items() if d != r)) for r in routers}
    term = {r: float(sum(demand.get(s, {}).get(r, 0.0) for s in routers if s != r)) for r in routers}
    return orig, term


def ar1_steps(demand: Mapping[str, Mapping[str, float]], steps: int, rng: np.random.Generator,
              sigma: float, phi: float = 0.5) -> list[dict[str, dict[str, float]]]:
    """``steps`` successive matrices after ``demand`` under per-cell multiplicative AR(1) drift.

    Each cell's log step g_t = phi · g_(t-1) + sigma · N(0, 1) (g_0 = 0) multiplies the previous value
    by exp(g_t), so consecutive matrices differ by about ``sigma`` (5-30 % in spec §3) per cell and
    the changes are positively correlated over time (trends). Element ``j`` is step ``j + 1``; the
    diagonal stays 0. Draw order: one ``normal`` block of ``n x n`` per step, rows/columns sorted.
    """
    routers = sorted(set(demand) | {d for row in demand.values() for d in row})
    n = len(routers)
    cur = np.array([[float(demand.get(s, {}).get(d, 0.0)) if s != d else 0.0 for d in routers] for s in routers])
    g = np.zeros((n, n))
    out = []
    for _ in range(steps):
        g = phi * g + sigma * rng.normal(0.0, 1.0, (n, n))
        cur = cur * np.exp(g)
        out.append({s: {d: float(cur[i, j]) for j, d in enumerate(routers) if d != s} for i, s in enumerate(routers)})
    return out


def demand_prediction(obs: Mapping) -> dict[tuple[str, str], float]:
    """``{(a, b): Mbps}``: the load each directed link ``a -> b`` should carry, Σ demand × path weight
    over the pairs whose paths use it (spec §2 "link load", signal R3).

    Needs an observation with ``demand`` and ``paths`` (``observe_demand=True``); links of the
    topology that no path uses predict 0. Missing (None) demand cells count as 0.
    """
    demand = obs.get("demand") or {}
    paths = obs.get("paths") or {}
    loads: dict[tuple[str, str], float] = {}
    for t in (obs.get("telemetry") or {}).values():
        loads[(t["local_router"], t["remote_router"])] = 0.0
    for s, row in paths.items():
        for d, plist in row.items():
            vol = (demand.get(s) or {}).get(d)
            if not vol:
                continue
            for p, w in plist:
                for a, b in zip(p[:-1], p[1:], strict=False):
                    loads[(a, b)] = loads.get((a, b), 0.0) + float(vol) * float(w)
    return loads


def predicted_counters(obs: Mapping) -> dict[str, dict[str, float]]:
    """``{iface: {"tx": Mbps, "rx": Mbps}}`` from :func:`demand_prediction` (tx of ``A_to_B`` is the
    load of A -> B, rx the load of B -> A)."""
    loads = demand_prediction(obs)
    out = {}
    for f, t in (obs.get("telemetry") or {}).items():
        a, b = t["local_router"], t["remote_router"]
        out[f] = {"tx": loads.get((a, b), 0.0), "rx": loads.get((b, a), 0.0)}
    return out
