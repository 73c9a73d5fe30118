"""Topology, paths, the real snapshots and the demand -> counter simulator (spec §2, §3).

A *snapshot* is plain data: ``{"counters": {iface: {"rx": float, "tx": float, "status": "up"|"down"}},
"external": {router: {"origination": float, "termination": float}}, "demand": {src: {dst: float}}}``
(simulated snapshots also carry ``"routing"``, the path lists used).
Interface ``A_to_B`` has tx = bytes A sends to B and rx = bytes A receives from B.
"""

from __future__ import annotations

import ast
import csv
import functools
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

from adrs.paths import shared_file

PROBLEM = "telemetry-repair"
"""The folder under ``../shared/data`` holding the real data."""


def iface(a: str, b: str) -> str:
    """The id of the interface of router ``a`` that faces router ``b``."""
    return f"{a}_to_{b}"


ROUTINGS: tuple[str, ...] = ("default", "dist", "hops", "ksp")
"""Routing modes: ``default`` = the given paths (paths.json) where present, else shortest by ``dist``;
``dist`` / ``hops`` = shortest paths by distance / hop count; ``ksp`` = the ``k_paths`` shortest simple
paths by ``dist`` (``nx.shortest_simple_paths``) with split weights."""
PATH_SPLITS: tuple[str, ...] = ("inverse", "equal")
"""How ``ksp`` splits a pair's demand over its paths: weight ∝ 1 / path length (km), or equally."""


@dataclass(frozen=True)
class Network:
    """A WAN: an undirected graph with ``dist`` (km) and one routing path list per ordered pair."""

    graph: nx.Graph
    paths: dict = field(default_factory=dict)
    """``{src: {dst: [(path_nodes, weight), ...]}}``; empty means shortest paths by ``dist``."""
    routing_mode: str = "default"
    """One of :data:`ROUTINGS`."""
    k_paths: int = 3
    """Paths per ordered pair under ``ksp`` (fewer if the graph has fewer simple paths)."""
    path_split: str = "inverse"
    """One of :data:`PATH_SPLITS` (``ksp`` only)."""

    def __post_init__(self) -> None:
        if self.routing_mode not in ROUTINGS:
            raise ValueError(f"routing_mode must be one of {ROUTINGS}, got {self.routing_mode!r}")
        if self.path_split not in PATH_SPLITS:
            raise ValueError(f"path_split must be one of {PATH_SPLITS}, got {self.path_split!r}")
        if self.k_paths < 1:
            raise ValueError("k_paths must be >= 1")

    def with_routing(self, mode: str = "default", k_paths: int = 3, path_split: str = "inverse") -> Network:
        """The same topology and given paths under another routing (``self`` if unchanged; cached, so
        the routing of each variant is computed once)."""
        key = (mode, k_paths, path_split)
        if key == (self.routing_mode, self.k_paths, self.path_split):
            return self
        if key not in self._variants:
            self._variants[key] = Network(self.graph, self.paths, mode, k_paths, path_split)
        return self._variants[key]

    @functools.cached_property
    def _variants(self) -> dict:
        return {}

    @functools.cached_property
    def routers(self) -> tuple[str, ...]:
        return tuple(sorted(self.graph.nodes))

    @functools.cached_property
    def interfaces(self) -> tuple[str, ...]:
        """Every directed interface in reference order: ASCII by local router, then remote router."""
        return tuple(iface(a, b) for a in self.routers for b in sorted(self.graph.neighbors(a)))

    @functools.cached_property
    def ends(self) -> dict[str, tuple[str, str]]:
        """``iface -> (local_router, remote_router)``."""
        return {iface(a, b): (a, b) for a in self.routers for b in self.graph.neighbors(a)}

    def topology(self) -> dict[str, list[str]]:
        """``{router: sorted local interface ids}`` (the policy's ``obs["topology"]``)."""
        return {r: sorted(iface(r, b) for b in self.graph.neighbors(r)) for r in self.routers}

    @functools.cached_property
    def base_routing(self) -> dict:
        """The routing of the intact network (cached)."""
        return self._route(self.graph, use_given=True)

    @functools.cached_property
    def _failure_routing(self) -> dict:
        return {}

    def routing(self, graph: nx.Graph | None = None) -> dict:
        """Path lists for every connected ordered pair of ``graph`` (default: this network, using
        ``self.paths`` where given, else shortest paths by ``dist``)."""
        return self.base_routing if graph is None else self._route(graph, use_given=False)

    def routing_after(self, failed: tuple[str, str] | None) -> dict:
        """The routing with link ``failed`` removed (cached per link; the intact routing for None).

        ``default``/``dist``/``hops`` recompute every pair's shortest path on the reduced graph;
        ``ksp`` keeps the pairs none of whose paths crosses the link and recomputes the others."""
        if failed is None:
            return self.base_routing
        key = tuple(sorted(failed))
        cache = self._failure_routing
        if key not in cache:
            g = self.graph.copy()
            g.remove_edge(*key)
            cache[key] = self._route(g, use_given=False)
        return cache[key]

    def _route(self, g: nx.Graph, use_given: bool) -> dict:
        if self.routing_mode == "ksp":
            return self._route_ksp(g)
        if self.routing_mode == "hops":
            sp = dict(nx.all_pairs_shortest_path(g))
        else:
            sp = dict(nx.all_pairs_dijkstra_path(g, weight="dist"))
        use_given = use_given and self.routing_mode == "default"
        out: dict = {}
        for s in sorted(g.nodes):
            out[s] = {}
            for d in sorted(g.nodes):
                if s == d:
                    continue
                given = self.paths.get(s, {}).get(d) if use_given else None
                if given:
                    out[s][d] = [(tuple(p), float(w)) for p, w in given]
                elif d in sp[s]:
                    out[s][d] = [(tuple(sp[s][d]), 1.0)]
        return out

    def _route_ksp(self, g: nx.Graph) -> dict:
        intact = g.number_of_edges() == self.graph.number_of_edges()
        base = None if intact else self.base_routing
        comp = {v: i for i, c in enumerate(nx.connected_components(g)) for v in c}
        out: dict = {}
        for s in sorted(g.nodes):
            out[s] = {}
            for d in sorted(g.nodes):
                if s == d or comp[s] != comp[d]:
                    continue
                if base is not None and all(g.has_edge(u, v) for p, _ in base[s][d]
                                            for u, v in zip(p[:-1], p[1:], strict=False)):
                    out[s][d] = base[s][d]
                    continue
                out[s][d] = k_shortest(g, s, d, self.k_paths, self.path_split)
        return out


def k_shortest(g: nx.Graph, s: str, d: str, k: int, split: str = "inverse") -> list[tuple[tuple, float]]:
    """Up to ``k`` shortest simple paths ``s -> d`` by ``dist`` with split weights summing to 1."""
    paths = [tuple(p) for p in itertools.islice(nx.shortest_simple_paths(g, s, d, weight="dist"), k)]
    if split == "equal":
        raw = [1.0] * len(paths)
    else:
        raw = [1.0 / max(nx.path_weight(g, list(p), "dist"), 1e-9) for p in paths]
    tot = sum(raw)
    return [(p, w / tot) for p, w in zip(paths, raw, strict=True)]


@functools.lru_cache(maxsize=8)
def load_abilene(routing_mode: str = "default", k_paths: int = 3, path_split: str = "inverse") -> Network:
    """Abilene from ``topology.json`` and ``paths.json`` (relabelled by router name), routed by
    ``routing_mode`` (default: the paths of paths.json)."""
    topo = json.loads(shared_file(PROBLEM, "topology.json").read_text())
    g = nx.node_link_graph(topo, edges="links")
    g = nx.relabel_nodes(g, {n: d["name"] for n, d in g.nodes(data=True)})
    raw = json.loads(shared_file(PROBLEM, "paths.json").read_text())["paths"]
    paths = {s: {d: [(tuple(e["path"]), float(e["weight"])) for e in lst] for d, lst in row.items()}
             for s, row in raw.items()}
    return Network(nx.Graph(g), paths, routing_mode, k_paths, path_split)


def _cell(text: str) -> dict:
    return ast.literal_eval(text)


def parse_rows(path: Path) -> list[dict]:
    """Parse ``evaluation_data.csv``: per row the clean link counters, externals and demand (Mbps)."""
    rows = []
    with open(path, newline="") as fh:
        for rec in csv.DictReader(fh):
            links: dict[str, dict[str, float]] = {}
            ext: dict[str, dict[str, float]] = {}
            demand: dict[str, dict[str, float]] = {}
            for key, text in rec.items():
                if key.startswith("low_"):
                    body = key[4:]
                    val = float(_cell(text)["ground_truth"])
                    if "_egress_to_" in body:
                        a, b = body.split("_egress_to_")
                        links.setdefault(iface(a, b), {})["tx"] = val
                    elif "_ingress_from_" in body:
                        a, b = body.split("_ingress_from_")
                        links.setdefault(iface(a, b), {})["rx"] = val
                    else:
                        r, kind = body.rsplit("_", 1)
                        ext.setdefault(r, {})[kind] = val
                elif key.startswith("high_"):
                    s, d = key[5:].split("_")
                    demand.setdefault(s, {})[d] = float(_cell(text)["ground_truth"])
            counters = {k: {"rx": v["rx"], "tx": v["tx"], "status": "up"} for k, v in links.items()}
            rows.append({"timestamp": rec["timestamp"], "counters": counters, "external": ext, "demand": demand})
    return rows


@functools.lru_cache(maxsize=1)
def load_rows() -> tuple[dict, ...]:
    """The 40 real Abilene snapshots (clean; every fault comes from the environment)."""
    return tuple(parse_rows(shared_file(PROBLEM, "evaluation_data.csv")))


@dataclass(frozen=True)
class Skew:
    """Measurement skew: triangular on ±half_width, egress/ingress correlation rho (spec §3)."""

    half_width: float = 0.033
    rho: float = 0.2

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Two length-``n`` deviation vectors with triangular marginals and correlation ``rho``."""
        h = self.half_width
        if h == 0:
            return np.zeros(n), np.zeros(n)
        e1 = rng.triangular(-h, 0.0, h, n)
        e2 = rng.triangular(-h, 0.0, h, n)
        same = rng.random(n) < self.rho
        return e1, np.where(same, e1, e2)


def link_loads(net: Network, demand: Mapping[str, Mapping[str, float]], graph: nx.Graph | None = None,
               routing: dict | None = None) -> dict:
    """``{(u, v): Mbps}`` for every directed link of ``graph`` with the demand routed over its paths
    (``routing`` if given, else ``net.routing(graph)``)."""
    g = net.graph if graph is None else graph
    loads = {(u, v): 0.0 for a, b in g.edges for u, v in ((a, b), (b, a))}
    for s, row in (net.routing(graph) if routing is None else routing).items():
        for d, plist in row.items():
            vol = float(demand.get(s, {}).get(d, 0.0))
            if vol == 0:
                continue
            for p, w in plist:
                for u, v in zip(p[:-1], p[1:], strict=False):
                    loads[(u, v)] += vol * w
    return loads


def simulate(net: Network, demand: Mapping[str, Mapping[str, float]], rng: np.random.Generator,
             skew: Skew = Skew(), failed: tuple[str, str] | None = None) -> dict:
    """One healthy snapshot: route ``demand`` (over ``net``'s routing, recomputed after ``failed`` is
    removed: :meth:`Network.routing_after`), add skew, zero a failed link with status "down" and drop
    unreachable demand. The snapshot's ``demand`` is the routed (reachable) matrix, unskewed."""
    g = net.graph
    if failed is not None:
        g = net.graph.copy()
        g.remove_edge(*failed)
    routing = net.routing_after(failed)
    dem = {s: {d: (float(demand.get(s, {}).get(d, 0.0)) if d in routing.get(s, {}) else 0.0)
               for d in net.routers if d != s} for s in net.routers}
    loads = link_loads(net, dem, g, routing)
    ifs = net.interfaces
    e_tx, e_rx = skew.draw(rng, len(ifs))
    tx = {f: e for f, e in zip(ifs, e_tx, strict=True)}
    rx_peer = {f: e for f, e in zip(ifs, e_rx, strict=True)}  # deviation of the peer's rx of this direction
    counters = {}
    for f in ifs:
        a, b = net.ends[f]
        down = failed is not None and {a, b} == set(failed)
        out_load = 0.0 if down else loads[(a, b)]
        in_load = 0.0 if down else loads[(b, a)]
        counters[f] = {"tx": out_load * (1 + tx[f]), "rx": in_load * (1 + rx_peer[iface(b, a)]),
                       "status": "down" if down else "up"}
    e3, e4 = skew.draw(rng, len(net.routers))
    external = {}
    for i, r in enumerate(net.routers):
        orig = sum(dem[r].values())
        term = sum(dem[s][r] for s in net.routers if s != r)
        external[r] = {"origination": orig * (1 + e3[i]), "termination": term * (1 + e4[i])}
    return {"counters": counters, "external": external, "demand": dem, "routing": routing}
