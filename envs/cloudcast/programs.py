"""Cloudcast policy programs as module source text: the evolve seed and the heuristic library.

Each program is self-contained (numpy / networkx only; candidates may not import ``adrs``), defines
``plan(instance)`` inside one EVOLVE-BLOCK and returns form (b): one edge list per partition with
region indices. ``tests/test_cloudcast_evolve.py`` checks that each reproduces the built-in baseline.
"""

from __future__ import annotations

HEADER = '''"""{title}

`instance` fields: names, provider, source, dests (instance order), data_vol_gb, num_partitions,
num_vms, usd_per_vm_hour, cost [N, N] $/GB, throughput [N, N] Gbps (num_vms applied), edge_mask,
ingress_gbps, egress_gbps, n, graph() (a fresh networkx DiGraph with cost / throughput attributes).
Return one list of (u, v) index edges per partition (or an int array parents[P, N]).
Cost = egress ($/GB x GB per partition per edge) + VMs in every used region x makespan.
"""

import math

import networkx as nx
import numpy as np


'''

HELPERS = '''def paths_to_edges(instance, paths):
    """Per-partition edge lists from {dest: node path}; first parent wins, dead branches pruned."""
    s = instance.source
    parent = {}
    for d in instance.dests:
        path = paths[d]
        for a, b in zip(path[:-1], path[1:]):
            if b != s and b not in parent:
                parent[b] = a
    keep = set()
    for d in instance.dests:
        v = d
        while v != s and v not in keep:
            keep.add(v)
            v = parent[v]
    edges = [(int(parent[v]), int(v)) for v in sorted(keep)]
    return [list(edges) for _ in range(instance.num_partitions)]


def index_graph(instance, weight):
    """DiGraph on region indices without edges into the source; edge attribute ``w`` = weight[u, v]."""
    g = nx.DiGraph()
    g.add_nodes_from(range(instance.n))
    us, vs = np.nonzero(instance.edge_mask)
    for u, v in zip(us.tolist(), vs.tolist()):
        if v != instance.source:
            g.add_edge(u, v, w=float(weight[u, v]))
    return g


'''

BODIES: dict[str, str] = {
    "direct": '''def plan(instance):
    """Every destination gets the direct edge from the source, in every partition."""
    edges = [(int(instance.source), int(d)) for d in instance.dests]
    return [list(edges) for _ in range(instance.num_partitions)]
''',
    "cheapest-path": '''def plan(instance):
    """One Dijkstra tree on price from the source, shared by all partitions."""
    g = index_graph(instance, instance.cost)
    paths = nx.single_source_dijkstra_path(g, instance.source, weight="w")
    return paths_to_edges(instance, {d: paths[d] for d in instance.dests})
''',
    "min-arborescence": '''def plan(instance):
    """Edmonds' min arborescence on the source and destinations only (no relays)."""
    order = [instance.source] + list(instance.dests)
    h = nx.DiGraph()
    h.add_nodes_from(order)
    for u in order:
        for v in order:
            if u != v and v != instance.source and instance.edge_mask[u, v]:
                h.add_edge(u, v, w=float(instance.cost[u, v]))
    tree = nx.minimum_spanning_arborescence(h, attr="w")
    paths = {d: nx.shortest_path(tree, instance.source, d) for d in instance.dests}
    return paths_to_edges(instance, paths)
''',
    "closure-arborescence": '''def plan(instance):
    """Metric closure over the terminals on price + 1e-5/throughput, min arborescence, expanded."""
    thr = np.where(instance.edge_mask, instance.throughput, 1.0)
    g = index_graph(instance, instance.cost + 1e-5 / thr)
    terminals = sorted([instance.source] + list(instance.dests), key=lambda i: instance.names[i])
    closure = nx.DiGraph()
    closure.add_nodes_from(terminals)
    expand = {}
    for a in terminals:
        dist, paths = nx.single_source_dijkstra(g, a, weight="w")
        for b in terminals:
            if b != a and b != instance.source and b in paths:
                closure.add_edge(a, b, weight=dist[b])
                expand[(a, b)] = paths[b]
    tree = nx.minimum_spanning_arborescence(closure, attr="weight")
    full = {}
    for d in instance.dests:
        chain = nx.shortest_path(tree, instance.source, d)
        path = [instance.source]
        for a, b in zip(chain[:-1], chain[1:]):
            path.extend(expand[(a, b)][1:])
        full[d] = path
    return paths_to_edges(instance, full)
''',
}
"""Program bodies by baseline name (each defines ``plan``)."""


def program_source(name: str) -> str:
    """A standalone module for baseline ``name`` with its helpers inside one EVOLVE-BLOCK."""
    title = f"Baseline `{name}` for cloudcast (multi-cloud broadcast)."
    return (HEADER.format(title=title) + "# EVOLVE-BLOCK-START\n" + HELPERS + BODIES[name]
            + "# EVOLVE-BLOCK-END\n")


def programs() -> dict[str, str]:
    """The heuristic library: baseline name -> module source."""
    return {name: program_source(name) for name in BODIES}
