"""The heuristic library (spec §6): direct, cheapest path, terminal MDST and metric closure.

Every baseline returns the canonical ``parents[P, N]`` int64 array, the same tree for every
partition. Tie rules follow the spec so that the §5 parity numbers reproduce exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

from adrs.simulators.cloudcast.instance import Instance

PathSpec = Sequence[int] | Sequence[Sequence[int]]


def _is_nested(seq: PathSpec) -> bool:
    return len(seq) > 0 and isinstance(seq[0], (list, tuple, np.ndarray))


def paths_to_parents(inst: Instance, paths: Mapping[int, PathSpec]) -> np.ndarray:
    """Turn s -> d node paths into ``parents[P, N]``.

    ``paths[d]`` is one node path (used for every partition) or a list of P paths. Within a partition
    the first parent seen in destination order wins and branches that reach no destination are pruned,
    so simple paths that start at s and end at their destination always give an arborescence.
    """
    P, n, s = inst.num_partitions, inst.n, inst.source
    parents = np.full((P, n), -1, dtype=np.int64)
    for p in range(P):
        row = parents[p]
        for d in inst.dests:
            spec = paths[d]
            path = [int(x) for x in (spec[p] if _is_nested(spec) else spec)]
            for a, b in zip(path[:-1], path[1:], strict=True):
                if b != s and row[b] < 0:
                    row[b] = a
        keep = np.zeros(n, dtype=bool)
        for d in inst.dests:
            v, steps = d, 0
            while v >= 0 and v != s and not keep[v] and steps <= n:
                keep[v] = True
                v, steps = int(row[v]), steps + 1
        row[~keep] = -1
    return parents


def tree_to_parents(inst: Instance, tree: nx.DiGraph) -> np.ndarray:
    """``parents[P, N]`` from one networkx arborescence on region names, for every partition."""
    row = np.full(inst.n, -1, dtype=np.int64)
    for u, v in tree.edges():
        row[inst.index(v)] = inst.index(u)
    return np.repeat(row[None, :], inst.num_partitions, axis=0)


def direct(inst: Instance) -> np.ndarray:
    """Every destination gets the edge (s, d) in every partition."""
    return paths_to_parents(inst, {d: [inst.source, d] for d in inst.dests})


def cheapest_path(inst: Instance) -> np.ndarray:
    """One Dijkstra tree on cost from s (edges into s removed), shared by all partitions."""
    g = inst.graph(exclude_source_in=True)
    paths = nx.single_source_dijkstra_path(g, inst.names[inst.source], weight="cost")
    return paths_to_parents(inst, {d: [inst.index(x) for x in paths[inst.names[d]]] for d in inst.dests})


def min_arborescence(inst: Instance) -> np.ndarray:
    """Edmonds' min arborescence on the complete subgraph of {s} + D (no relays), weight = cost."""
    order = [inst.source, *inst.dests]
    h = nx.DiGraph()
    h.add_nodes_from(inst.names[i] for i in order)
    for u in order:
        for v in order:
            if u != v and v != inst.source and inst.edge_mask[u, v]:
                h.add_edge(inst.names[u], inst.names[v], cost=float(inst.cost[u, v]))
    return tree_to_parents(inst, nx.minimum_spanning_arborescence(h, attr="cost"))


def closure_arborescence(inst: Instance) -> np.ndarray:
    """Metric closure on w = c + 1e-5/thr over the sorted terminals, min arborescence, expanded paths."""
    g = nx.DiGraph()
    g.add_nodes_from(inst.names)
    us, vs = np.nonzero(inst.edge_mask)
    for u, v in zip(us.tolist(), vs.tolist(), strict=True):
        if v != inst.source:
            g.add_edge(u, v, w=float(inst.cost[u, v]) + 1e-5 / float(inst.throughput[u, v]))
    terminals = sorted([inst.source, *inst.dests], key=lambda i: inst.names[i])
    closure = nx.DiGraph()
    closure.add_nodes_from(terminals)
    expand: dict[tuple[int, int], list[int]] = {}
    for a in terminals:
        dist, paths = nx.single_source_dijkstra(g, a, weight="w")
        for b in terminals:
            if b != a and b != inst.source and b in paths:
                closure.add_edge(a, b, weight=dist[b])
                expand[a, b] = paths[b]
    tree = nx.minimum_spanning_arborescence(closure, attr="weight")
    full: dict[int, list[int]] = {}
    for d in inst.dests:
        chain = nx.shortest_path(tree, inst.source, d)
        path = [inst.source]
        for a, b in zip(chain[:-1], chain[1:], strict=True):
            path.extend(expand[a, b][1:])
        full[d] = path
    return paths_to_parents(inst, full)


BASELINES = {"direct": direct, "cheapest-path": cheapest_path, "min-arborescence": min_arborescence,
             "closure-arborescence": closure_arborescence}
"""Baseline policies by CLI name (the exact Steiner tree is in :mod:`.steiner`)."""
