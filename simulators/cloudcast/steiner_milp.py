"""The exact min-egress Steiner arborescence as a MILP solved by HiGHS (``scipy.optimize.milp``; spec §6.5).

Multi-commodity flow formulation: a binary ``x_e`` for every edge not entering the source, and for every
destination k a continuous flow ``f_e^k`` in [0, 1]; per k, flow conservation (s emits 1, k absorbs 1,
every other node balances) and linking ``f_e^k <= x_e``; minimise ``sum_e c_e x_e`` ($/GB).

scipy is an optional dependency, imported lazily: :func:`scipy_available` says whether the MILP can run,
and :func:`steiner_milp_parents` (the ``steiner-milp`` policy) falls back to the Dreyfus-Wagner DP of
:mod:`.steiner` (the same optimum) with a warning when it cannot. If the time limit is hit, the result
carries HiGHS's dual bound (still a valid lower bound) and ``optimal=False``.
"""

from __future__ import annotations

import importlib.util
import time
import warnings
from dataclasses import dataclass

import networkx as nx
import numpy as np

from adrs.simulators.cloudcast.baselines import paths_to_parents
from adrs.simulators.cloudcast.instance import Instance
from adrs.simulators.cloudcast.steiner import steiner_parents

TIME_LIMIT_S = 60.0
"""Per-solve HiGHS time limit (spec §6)."""
MIP_REL_GAP = 1e-9
"""Relative optimality gap asked of HiGHS (its default 1e-4 could accept a slightly worse tree)."""


class MilpUnavailable(RuntimeError):
    """scipy (>= 1.11, for ``scipy.optimize.milp``) is not installed."""


def scipy_available() -> bool:
    """True when ``scipy.optimize.milp`` can be imported."""
    if importlib.util.find_spec("scipy") is None:
        return False
    try:
        from scipy.optimize import milp  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class MilpResult:
    """One HiGHS solve: the objective and dual bound ($/GB), one optimal tree, status and wall time."""

    opt_per_gb: float
    bound_per_gb: float
    parents_row: np.ndarray
    optimal: bool
    status: str
    n_vars: int
    n_rows: int
    wall_s: float


def _edges(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    mask = inst.edge_mask.copy()
    mask[:, inst.source] = False
    us, vs = np.nonzero(mask)
    return us.astype(np.int64), vs.astype(np.int64)


def steiner_milp(inst: Instance, time_limit_s: float = TIME_LIMIT_S) -> MilpResult:
    """Solve the min-egress Steiner arborescence MILP; raises :class:`MilpUnavailable` without scipy."""
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_array
    except ImportError as exc:
        raise MilpUnavailable(f"scipy.optimize.milp is unavailable ({exc}); pip install 'scipy>=1.11'") from exc
    start = time.perf_counter()
    n, s, dests = inst.n, inst.source, list(inst.dests)
    us, vs = _edges(inst)
    m, K = len(us), len(dests)
    n_vars = m * (K + 1)  # [x (m) | f^0 (m) | ... | f^{K-1} (m)]
    e_idx = np.arange(m)
    rows, cols, vals = [], [], []
    # flow conservation, rows k*n + v: in-flow - out-flow = b_v^k
    for k in range(K):
        off = m * (k + 1)
        rows += [k * n + vs, k * n + us]
        cols += [off + e_idx, off + e_idx]
        vals += [np.ones(m), -np.ones(m)]
    b = np.zeros(K * n)
    for k, d in enumerate(dests):
        b[k * n + s] = -1.0
        b[k * n + d] = 1.0
    # linking, rows K*n + k*m + e: f_e^k - x_e <= 0
    base = K * n
    for k in range(K):
        r = base + k * m + e_idx
        rows += [r, r]
        cols += [m * (k + 1) + e_idx, e_idx]
        vals += [np.ones(m), -np.ones(m)]
    n_rows = K * n + K * m
    A = coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                  shape=(n_rows, n_vars)).tocsr()
    lo = np.concatenate([b, np.full(K * m, -np.inf)])
    hi = np.concatenate([b, np.zeros(K * m)])
    c = np.concatenate([inst.cost[us, vs], np.zeros(K * m)])
    integrality = np.concatenate([np.ones(m), np.zeros(K * m)])
    res = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=integrality, bounds=Bounds(0.0, 1.0),
               options={"time_limit": float(time_limit_s), "mip_rel_gap": MIP_REL_GAP, "disp": False})
    if res.x is None:
        raise RuntimeError(f"HiGHS found no Steiner tree for {inst.instance_id or 'instance'}: {res.message}")
    chosen = res.x[:m] > 0.5
    row = _tree_from_edges(inst, us[chosen], vs[chosen])
    bound = float(getattr(res, "mip_dual_bound", None) or res.fun)
    return MilpResult(opt_per_gb=float(inst.cost[us[chosen], vs[chosen]].sum()), bound_per_gb=bound,
                      parents_row=row, optimal=res.status == 0, status=str(res.message), n_vars=n_vars,
                      n_rows=n_rows, wall_s=time.perf_counter() - start)


def _tree_from_edges(inst: Instance, us: np.ndarray, vs: np.ndarray) -> np.ndarray:
    """One arborescence inside the chosen edges: cheapest paths from s, first-parent-plus-prune."""
    g = nx.DiGraph()
    g.add_nodes_from(range(inst.n))
    g.add_weighted_edges_from((int(u), int(v), float(inst.cost[u, v])) for u, v in zip(us, vs, strict=True))
    paths = nx.single_source_dijkstra_path(g, inst.source)
    missing = [d for d in inst.dests if d not in paths]
    if missing:
        raise RuntimeError(f"MILP edge set does not reach destinations {missing}")
    return paths_to_parents(inst.with_changes(num_partitions=1), {d: paths[d] for d in inst.dests})[0]


_warned = False


def steiner_milp_parents(inst: Instance) -> np.ndarray:
    """``parents[P, N]``: the MILP's optimal tree for every partition (the ``steiner-milp`` policy).

    Without scipy this warns once and returns the Dreyfus-Wagner DP's tree (the same min egress)."""
    global _warned
    if not scipy_available():
        if not _warned:
            warnings.warn("steiner-milp: scipy is not installed; using the exact Dreyfus-Wagner DP instead "
                          "(same min egress). pip install 'scipy>=1.11' for the HiGHS MILP.",
                          RuntimeWarning, stacklevel=2)
            _warned = True
        return steiner_parents(inst)
    row = steiner_milp(inst).parents_row
    return np.repeat(row[None, :], inst.num_partitions, axis=0)
