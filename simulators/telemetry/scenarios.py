"""Scenarios: a faulted observation (plain data, whitelist schema) plus the private truth (spec §3-§5).

A scenario is ``{"obs": ..., "truth": {iface: {rx, tx, status}}, "labels": {...}, "fingerprint": str}``.
Only ``obs`` ever reaches a policy. :func:`default_scenario` draws every fault of the default variant
from the private generator :func:`~.faults.private_rng` before any policy runs.
"""

from __future__ import annotations

import copy
import hashlib
import json

import numpy as np

from .faults import REF_TYPES, fair_scenarios, private_rng, reference_scenarios
from .network import Network, Skew, iface, load_abilene, load_rows, simulate

OBS_KEYS = {"telemetry", "topology", "external"}
TELEMETRY_KEYS = {"interface_status", "rx_rate", "tx_rate", "connected_to", "local_router", "remote_router"}
DEFAULT_SKEW = Skew()
ENHANCED: dict[str, tuple[float, tuple[float, float] | None, bool]] = {
    "enh_zero_counters": (0.25, None, False),
    "enh_zero_nodes": (0.30, None, True),
    "enh_scale_down": (0.20, (0.5, 0.8), False),
    "enh_scale_up": (0.15, (1.2, 1.5), False),
    "enh_corr_scale_down": (0.25, (0.6, 0.7), True),
    "enh_corr_scale_up": (0.20, (1.3, 1.4), True),
}
"""The reference's unshipped "enhanced" mixes (spec §4.1), held-out bug types: (p, factor range or None
for zeroing, per router)."""
HELD_OUT_FAULTS = frozenset({*ENHANCED, "stale", "phantom_down", "external"})
"""Fault labels that occur only in holdout scenarios."""


def _num(x: object) -> float | None:
    return None if x is None else float(x)


def build_obs(net: Network, counters: dict, external: dict | None) -> dict:
    """The policy's observation rebuilt from the whitelist schema (no ids, labels or private keys)."""
    tele = {}
    for f in sorted(counters):
        a, b = net.ends[f]
        c = counters[f]
        tele[f] = {"interface_status": c["status"], "rx_rate": _num(c["rx"]), "tx_rate": _num(c["tx"]),
                   "connected_to": iface(b, a), "local_router": a, "remote_router": b}
    obs = {"telemetry": tele, "topology": net.topology()}
    if external is not None:
        obs["external"] = {r: {"origination": _num(external[r]["origination"]),
                               "termination": _num(external[r]["termination"])} for r in sorted(external)}
    return obs


def fingerprint(obs: dict) -> str:
    """sha256 of the canonical JSON of an observation."""
    return hashlib.sha256(json.dumps(obs, sort_keys=True).encode()).hexdigest()


def _pack(net: Network, observed: dict, truth: dict, external: dict | None, labels: dict) -> dict:
    obs = build_obs(net, observed, external)
    truth = {f: {"rx": float(t["rx"]), "tx": float(t["tx"]), "status": t["status"]} for f, t in truth.items()}
    return {"obs": obs, "truth": truth, "labels": labels, "fingerprint": fingerprint(obs)}


def reference_set() -> list[dict]:
    """The §7 parity set: the reference's 30 scenarios (restricted inputs: no externals)."""
    net = load_abilene()
    return [_pack(net, s["observed"], s["truth"], None, {"row": s["row"], "bug": s["bug"]})
            for s in reference_scenarios(net, load_rows())]


def fair_set(half: str) -> list[dict]:
    """The §7 fair harness: rows 0-19 ("train") or 20-39 ("holdout") under seeds 11, 22, 33."""
    net = load_abilene()
    positions = range(0, 20) if half == "train" else range(20, 40)
    return [_pack(net, s["observed"], s["truth"], None, {"row": s["row"], "bug": s["bug"]})
            for s in fair_scenarios(net, load_rows(), positions=positions)]


def _factor(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.5, 0.8) if rng.random() < 0.5 else rng.uniform(1.2, 1.5))


def inject_default(net: Network, truth: dict, rng: np.random.Generator, *, p_status_a: float = 0.1,
                   p_stuck: float = 0.05, p_missing: float = 0.1, p_missing_status: float = 0.05,
                   history: dict | None = None, holdout: bool = False) -> tuple[dict, dict]:
    """Default-variant faults on healthy ``truth`` counters: ±2 % noise, one bug type, status fault (a),
    stuck counters (an earlier value of ``history``) and missing values. ``holdout`` adds the held-out
    types (spec §10): the six "enhanced" mixes as extra bug types, stale counters and phantom-down
    links (c). Returns ``(observed, labels)``; labels map ``iface.field`` to a fault name."""
    obs = copy.deepcopy(truth)
    labels: dict[str, str] = {}
    kinds = REF_TYPES + tuple(ENHANCED) if holdout else REF_TYPES
    bug = kinds[int(rng.integers(len(kinds)))]
    ifs = net.interfaces
    for f in ifs:
        obs[f]["rx"] *= float(rng.uniform(0.98, 1.02))
        obs[f]["tx"] *= float(rng.uniform(0.98, 1.02))
        if bug == "dropped" and rng.random() < 0.2:
            obs[f]["rx"] = obs[f]["tx"] = 0.0
            labels[f + ".rx"] = labels[f + ".tx"] = bug
        elif bug == "scaled" and rng.random() < 0.2:
            obs[f]["rx"] *= _factor(rng)
            obs[f]["tx"] *= _factor(rng)
            labels[f + ".rx"] = labels[f + ".tx"] = bug
    if bug.startswith("correlated_"):
        topo = net.topology()
        for r in net.routers:
            if rng.random() < 0.2:
                for f in topo[r]:
                    if bug == "correlated_dropped":
                        obs[f]["rx"] = obs[f]["tx"] = 0.0
                    else:
                        obs[f]["rx"] = truth[f]["rx"] * _factor(rng)
                        obs[f]["tx"] = truth[f]["tx"] * _factor(rng)
                    labels[f + ".rx"] = labels[f + ".tx"] = bug
    if bug in ENHANCED:
        p, lo_hi, per_node = ENHANCED[bug]
        topo = net.topology()
        targets = ([f for r in net.routers if rng.random() < p for f in topo[r]] if per_node else None)
        for f in ifs:
            for k in ("rx", "tx"):
                hit = f in targets if per_node else rng.random() < p
                if hit:
                    obs[f][k] = 0.0 if lo_hi is None else truth[f][k] * float(rng.uniform(*lo_hi))
                    labels[f"{f}.{k}"] = bug
    if history:
        for f in ifs:
            if rng.random() < p_stuck:
                k = int(rng.integers(len(history[f])))
                obs[f]["rx"], obs[f]["tx"] = history[f][k]
                labels[f + ".rx"] = labels[f + ".tx"] = "stuck"
    if holdout and history:
        for f in ifs:
            for j, k in enumerate(("rx", "tx")):
                if rng.random() < 0.1:
                    obs[f][k] = history[f][int(rng.integers(len(history[f])))][j]
                    labels[f"{f}.{k}"] = "stale"
        live = [f for f in ifs if truth[f]["status"] == "up" and truth[f]["tx"] > 1.0]
        if live and rng.random() < 0.2:
            f = live[int(rng.integers(len(live)))]
            a, b = net.ends[f]
            for side in (f, iface(b, a)):
                obs[side].update(rx=0.0, tx=0.0, status="down")
                labels[side + ".status"] = "phantom_down"
    done_links: set = set()
    for f in ifs:
        a, b = net.ends[f]
        link = tuple(sorted((a, b)))
        if link in done_links:
            continue
        done_links.add(link)
        if truth[f]["status"] == "up" and rng.random() < p_status_a:
            side = f if rng.random() < 0.5 else iface(b, a)
            obs[side]["status"] = "down"
            labels[side + ".status"] = "status_one_side_down"
    for f in ifs:
        for k in ("rx", "tx"):
            if rng.random() < p_missing:
                obs[f][k] = None
                labels[f + "." + k] = "missing"
        if rng.random() < p_missing_status:
            obs[f]["status"] = None
            labels[f + ".status"] = "missing_status"
    return obs, {"bug": bug, "faults": labels}


def default_scenario(net: Network, demand: dict, master: int, split: int, index: int, *,
                     skew: Skew = DEFAULT_SKEW, p_link_failure: float = 0.3, scale_range: tuple = (0.5, 2.0),
                     lognormal_sigma: float = 0.3, external: bool = True, holdout: bool = False) -> dict:
    """One default-variant scenario: perturbed demand -> healthy snapshot (maybe one failed link) ->
    faults, all from ``private_rng(master, split, index)``."""
    rng = private_rng(master, split, index)
    scale = float(rng.uniform(*scale_range))
    routers = net.routers
    dem = {s: {d: (float(demand.get(s, {}).get(d, 0.0)) * scale * float(rng.lognormal(0.0, lognormal_sigma))
                   if d != s else 0.0) for d in routers} for s in routers}
    failed = None
    edges = sorted(tuple(sorted(e)) for e in net.graph.edges)
    if rng.random() < p_link_failure:
        failed = edges[int(rng.integers(len(edges)))]
    snap = simulate(net, dem, rng, skew=skew, failed=failed)
    # history for stuck counters: earlier steps of a multiplicative drift of the same snapshot
    drift = float(rng.uniform(0.05, 0.30))
    hist = {f: [(c["rx"] * float(np.exp(rng.normal(0, drift))), c["tx"] * float(np.exp(rng.normal(0, drift))))
                for _ in range(3)] for f, c in snap["counters"].items()}
    observed, labels = inject_default(net, snap["counters"], rng, history=hist, holdout=holdout)
    labels["failed_link"] = list(failed) if failed else None
    ext = snap["external"] if external else None
    if ext is not None:
        ext = {r: {k: v * float(rng.uniform(0.98, 1.02)) for k, v in e.items()} for r, e in ext.items()}
        if holdout:  # external-counter faults: zeroed, scaled or stale (drifted)
            for r in sorted(ext):
                for k in ("origination", "termination"):
                    if rng.random() < 0.1:
                        kind = int(rng.integers(3))
                        ext[r][k] = 0.0 if kind == 0 else ext[r][k] * (_factor(rng) if kind == 1 else
                                                                       float(np.exp(rng.normal(0, drift))))
                        labels["faults"][f"{r}.{k}"] = "external"
    return _pack(net, observed, snap["counters"], ext, labels)


def abilene_scenarios(split: str, n: int, master: int = 0) -> list[dict]:
    """``n`` default-variant Abilene scenarios of ``split`` (train rows 0-27, holdout rows 28-39)."""
    net = load_abilene()
    rows = load_rows()
    idx = list(range(0, 28)) if split == "train" else list(range(28, 40))
    key = 0 if split == "train" else 1
    return [default_scenario(net, rows[idx[i % len(idx)]]["demand"], master, key, i, holdout=key == 1)
            for i in range(n)]
