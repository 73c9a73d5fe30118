"""Generated WANs for ``telemetry-repair`` (spec §3 topologies, §10 splits), committed as small JSON.

=====================================  =========================================================
file                                   content
=====================================  =========================================================
``traces/telemetry/train.json``        12 Waxman / random-geometric WANs, 8-30 routers, 240 scenarios
``holdout/telemetry/holdout.json``     8 Barabasi-Albert WANs with stub leaves, 30-60 routers, 240 scenarios
=====================================  =========================================================

A manifest stores each topology (router names, positions, links with ``dist`` in km), its gravity
demand model, the master seed and the scenario list ``(topology, index, seed_group)``; every scenario
is then a pure function of them (:func:`adrs.simulators.telemetry.scenarios.default_scenario`, private
generator with spawn key ``(split, index)``). Seed groups (spec §10) are contiguous spawn-key blocks
within each topology, so every group covers every topology (``labels["seed_group"]``; report mean ± std
over groups). Regenerate with ``python -m adrs.traces.telemetry.embedded``
(deterministic; a test checks the committed bytes).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import string
import sys
from pathlib import Path

import networkx as nx
import numpy as np

from adrs.simulators.telemetry.network import Network
from adrs.simulators.telemetry.scenarios import (
    DEFAULT_OPTIONS,
    SEED_GROUPS,
    ScenarioOptions,
    default_scenario,
    seed_group_of,
)

VERSION = 2
SPLIT_KEY = {"train": 0, "holdout": 1}
MASTER = {"train": 20260101, "holdout": 77031}
_PACKAGE = {"train": ("adrs.traces.telemetry", "train.json"), "holdout": ("adrs.holdout.telemetry", "holdout.json")}
FOLDERS = {"train": Path("traces") / "telemetry" / "train.json",
           "holdout": Path("holdout") / "telemetry" / "holdout.json"}
"""Checkout-relative paths of the committed manifests."""
KM = 4000.0
"""Positions live in the unit square; distances are Euclidean x KM."""


def _names(rng: np.random.Generator, n: int) -> list[str]:
    alphabet = np.array(list(string.ascii_uppercase + string.digits))
    out: set[str] = set()
    while len(out) < n:
        out.add("R" + "".join(rng.choice(alphabet, 5)))
    return sorted(out)


def _connect(g: nx.Graph, pos: dict) -> None:
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: c[0])
    for a, b in zip(comps[:-1], comps[1:], strict=False):
        u, v = min(((u, v) for u in a for v in b),
                   key=lambda e: (np.hypot(*(np.subtract(pos[e[0]], pos[e[1]]))), e))
        g.add_edge(u, v)


def _topology(kind: str, n: int, rng: np.random.Generator) -> nx.Graph:
    seed = int(rng.integers(2**31))
    if kind == "waxman":
        g = nx.waxman_graph(n, beta=0.6, alpha=0.25, seed=seed)
        pos = {v: g.nodes[v]["pos"] for v in g}
    elif kind == "geometric":
        g = nx.random_geometric_graph(n, 0.35, seed=seed)
        pos = {v: g.nodes[v]["pos"] for v in g}
    else:  # ba-stubs: a BA core plus degree-1 stub leaves
        stubs = max(2, n // 8)
        g = nx.barabasi_albert_graph(n - stubs, 2, seed=seed)
        for i in range(stubs):
            g.add_edge(n - stubs + i, int(rng.integers(n - stubs)))
        pos = {v: tuple(float(x) for x in rng.random(2)) for v in sorted(g)}
    h = nx.Graph()
    h.add_nodes_from(sorted(g))
    h.add_edges_from(sorted(tuple(sorted(e)) for e in g.edges))
    _connect(h, pos)
    names = _names(rng, n)
    return nx.relabel_nodes(h, dict(enumerate(names))), {names[v]: pos[v] for v in pos}


def _spec(name: str, kind: str, n: int, rng: np.random.Generator) -> dict:
    g, pos = _topology(kind, n, rng)
    nodes = sorted(g.nodes)
    links = []
    for a, b in sorted(tuple(sorted(e)) for e in g.edges):
        d = max(50.0, float(np.hypot(pos[a][0] - pos[b][0], pos[a][1] - pos[b][1])) * KM)
        links.append([a, b, round(d, 1)])
    out_w = [round(float(x), 4) for x in rng.lognormal(0.0, 0.8, n)]
    in_w = [round(float(x), 4) for x in rng.lognormal(0.0, 0.8, n)]
    return {"name": name, "kind": kind, "routers": nodes,
            "pos": {v: [round(float(pos[v][0]), 4), round(float(pos[v][1]), 4)] for v in nodes},
            "links": links, "gravity": {"total_mbps": round(150.0 * n, 1), "out": out_w, "in": in_w}}


def generate_manifest(split: str) -> dict:
    """The manifest of ``train`` (Waxman / random geometric, 8-30) or ``holdout`` (BA + stubs, 30-60)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(4242, spawn_key=(SPLIT_KEY[split],))))
    if split == "train":
        plan = [("waxman" if i % 2 == 0 else "geometric", int(rng.integers(8, 31))) for i in range(12)]
        per = 20
    else:
        plan = [("ba-stubs", int(rng.integers(30, 61))) for _ in range(8)]
        per = 30
    topos = [_spec(f"{split}-wan-{i:02d}", kind, n, rng) for i, (kind, n) in enumerate(plan)]
    scen = [{"topology": t["name"], "index": i * per + j, "seed_group": seed_group_of(j, per)}
            for i, t in enumerate(topos) for j in range(per)]
    return {"version": VERSION, "split": split, "master": MASTER[split], "fault_mix": split, "topologies": topos,
            "seed_groups": SEED_GROUPS, "scenarios": scen}


def manifest_bytes(split: str) -> str:
    """Canonical text of a generated manifest (what is committed)."""
    return json.dumps(generate_manifest(split), indent=1, sort_keys=True) + "\n"


def manifest_text(split: str) -> str:
    """The committed manifest of ``train`` or ``holdout`` (read through importlib.resources)."""
    package, name = _PACKAGE[split]
    return importlib.resources.files(package).joinpath(name).read_text()


def network_of(spec: dict) -> Network:
    """The :class:`Network` of a manifest topology (shortest paths by ``dist``)."""
    g = nx.Graph()
    for v in spec["routers"]:
        g.add_node(v, pos=tuple(spec["pos"][v]))
    for a, b, d in spec["links"]:
        g.add_edge(a, b, dist=float(d))
    return Network(g)


def demand_of(spec: dict) -> dict:
    """The gravity demand matrix of a manifest topology (Mbps)."""
    r = spec["routers"]
    o = np.asarray(spec["gravity"]["out"])
    i = np.asarray(spec["gravity"]["in"])
    m = np.outer(o, i)
    np.fill_diagonal(m, 0.0)
    m *= spec["gravity"]["total_mbps"] / m.sum()
    return {s: {d: float(m[a, b]) for b, d in enumerate(r)} for a, s in enumerate(r)}


@functools.lru_cache(maxsize=8)
def load_split(split: str, master: int | None = None, limit: int | None = None,
               options: ScenarioOptions = DEFAULT_OPTIONS) -> tuple[dict, ...]:
    """The scenarios of ``train`` or ``holdout`` (``master`` draws a fresh campaign on the same WANs;
    ``limit`` keeps the first scenarios only; ``options`` adds observation keys / changes routing and
    demand source, see :class:`~adrs.simulators.telemetry.scenarios.ScenarioOptions`)."""
    if split not in _PACKAGE:
        raise ValueError(f"unknown split {split!r}; choose train or holdout")
    doc = json.loads(manifest_text(split))
    seed = doc["master"] if master is None else int(master)
    nets = {t["name"]: (network_of(t), demand_of(t)) for t in doc["topologies"]}
    out = []
    for s in doc["scenarios"][:limit]:
        net, dem = nets[s["topology"]]
        out.append(default_scenario(net, dem, seed, SPLIT_KEY[split], s["index"],
                                    holdout=doc["fault_mix"] == "holdout", options=options,
                                    seed_group=s["seed_group"]))
    return tuple(out)


def main(argv: list[str] | None = None) -> int:
    """Write both manifests under the checkout given as argv[0] (default: the cwd)."""
    root = Path((argv or sys.argv[1:] or ["."])[0])
    for split, rel in FOLDERS.items():
        (root / rel).write_text(manifest_bytes(split))
        print(f"wrote {root / rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
