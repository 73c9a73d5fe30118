"""Scenarios: a faulted observation (plain data, whitelist schema) plus the private truth (spec §3-§5).

A scenario is ``{"obs": ..., "truth": {iface: {rx, tx, status}}, "labels": {...}, "fingerprint": str}``.
Only ``obs`` ever reaches a policy. :func:`default_scenario` draws every fault of the default variant
from the private generator :func:`~.faults.private_rng` before any policy runs. :class:`ScenarioOptions`
switches on the optional observation keys (``demand``/``paths``, ``history``), the routing and the
demand source; every option is off by default and the default draws are unchanged.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from .demand import ar1_steps, gravity_demand, totals
from .faults import REF_TYPES, fair_scenarios, private_rng, reference_scenarios
from .network import PATH_SPLITS, ROUTINGS, Network, Skew, iface, load_abilene, load_rows, simulate

OBS_KEYS = {"telemetry", "topology", "external"}
"""The default observation's keys (the reference variant drops ``external``); see :func:`obs_keys`."""
DEMAND_KEYS = {"demand", "paths"}
"""Added by ``observe_demand=True``."""
HISTORY_KEYS = {"telemetry", "external"}
"""Keys of each earlier snapshot in ``obs["history"]`` (``external`` only where the variant observes it)."""
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
DEMAND_SOURCES: tuple[str, ...] = ("perturbed", "gravity", "drift")
"""Snapshot sources of generated scenarios (spec §3): ``perturbed`` = the base matrix × a global
U(0.5, 2) factor × per-cell log-normal (σ 0.3); ``gravity`` = the same perturbations of the gravity
matrix fitted to the base's origination/termination totals; ``drift`` = ``perturbed`` followed by
``drift_steps`` steps of per-cell multiplicative AR(1) drift (5-30 % per step)."""
STALE_DEPTH = 5
"""Stale / stuck counters repeat a value from 1..STALE_DEPTH steps earlier (spec §4.2)."""
SEED_GROUPS = 5
"""Seed groups per generated split (spec §10: >= 3), reported as mean ± std over groups."""


def seed_group_of(i: int, n: int, groups: int = SEED_GROUPS) -> int:
    """The seed group of the ``i``-th of ``n`` consecutive spawn keys: ``groups`` contiguous blocks."""
    return min(groups - 1, i * groups // max(n, 1))


@dataclass(frozen=True)
class ScenarioOptions:
    """Optional scenario features (spec §3, §5); the defaults reproduce the committed scenarios."""

    observe_demand: bool = False
    """Add ``obs["demand"]`` (the routed demand matrix with per-cell measurement skew) and
    ``obs["paths"]`` (``{src: {dst: [[nodes...], weight], ...]}}``, the routing actually used)."""
    history: int = 0
    """Add ``obs["history"]``: the previous ``history`` observed snapshots (most recent first), each
    faulted like the current one. Any value > 0 also draws the current stale/stuck faults from the
    simulated earlier steps."""
    demand_source: str = "perturbed"
    """One of :data:`DEMAND_SOURCES`."""
    drift_steps: int = 5
    """AR(1) steps applied by ``demand_source="drift"``."""
    routing: str = "default"
    """One of :data:`~.network.ROUTINGS`."""
    k_paths: int = 3
    """Paths per pair when ``routing="ksp"``."""
    path_split: str = "inverse"
    """Demand split over the k paths: one of :data:`~.network.PATH_SPLITS`."""

    def __post_init__(self) -> None:
        if self.history < 0:
            raise ValueError("history must be >= 0")
        if self.demand_source not in DEMAND_SOURCES:
            raise ValueError(f"demand_source must be one of {DEMAND_SOURCES}, got {self.demand_source!r}")
        if self.drift_steps < 1:
            raise ValueError("drift_steps must be >= 1")
        if self.routing not in ROUTINGS:
            raise ValueError(f"routing must be one of {ROUTINGS}, got {self.routing!r}")
        if self.path_split not in PATH_SPLITS:
            raise ValueError(f"path_split must be one of {PATH_SPLITS}, got {self.path_split!r}")
        if self.k_paths < 1:
            raise ValueError("k_paths must be >= 1")

    def network(self, net: Network) -> Network:
        """``net`` under these options' routing."""
        return net.with_routing(self.routing, self.k_paths, self.path_split)


DEFAULT_OPTIONS = ScenarioOptions()


def obs_keys(external: bool = True, observe_demand: bool = False, history: int = 0) -> set[str]:
    """The top-level key set of an observation (the whitelist schema, spec §5)."""
    keys = {"telemetry", "topology"} | ({"external"} if external else set())
    if observe_demand:
        keys |= DEMAND_KEYS
    if history:
        keys.add("history")
    return keys


def _num(x: object) -> float | None:
    return None if x is None else float(x)


def _telemetry(net: Network, counters: dict) -> dict:
    tele = {}
    for f in sorted(counters):
        a, b = net.ends[f]
        c = counters[f]
        tele[f] = {"interface_status": c["status"], "rx_rate": _num(c["rx"]), "tx_rate": _num(c["tx"]),
                   "connected_to": iface(b, a), "local_router": a, "remote_router": b}
    return tele


def _external(external: dict) -> dict:
    return {r: {"origination": _num(external[r]["origination"]),
                "termination": _num(external[r]["termination"])} for r in sorted(external)}


def paths_obs(routing: dict) -> dict:
    """``{src: {dst: [[nodes...], weight], ...]}}`` (JSON-native) from a simulator routing."""
    return {s: {d: [[list(p), float(w)] for p, w in routing[s][d]] for d in sorted(routing[s])}
            for s in sorted(routing)}


def build_obs(net: Network, counters: dict, external: dict | None, *, demand: dict | None = None,
              paths: dict | None = None, history: list[tuple[dict, dict | None]] | None = None) -> dict:
    """The policy's observation rebuilt from the whitelist schema (no ids, labels or private keys).

    ``demand`` (``{src: {dst: Mbps}}``) and ``paths`` (a simulator routing) are added together
    (``observe_demand``); ``history`` is a list of earlier ``(counters, external)``, most recent first."""
    obs = {"telemetry": _telemetry(net, counters), "topology": net.topology()}
    if external is not None:
        obs["external"] = _external(external)
    if demand is not None:
        obs["demand"] = {s: {d: _num(demand[s][d]) for d in sorted(demand[s]) if d != s} for s in sorted(demand)}
        obs["paths"] = paths_obs(paths or {})
    if history is not None:
        obs["history"] = [{"telemetry": _telemetry(net, c), **({"external": _external(e)} if e is not None else {})}
                          for c, e in history]
    return obs


def fingerprint(obs: dict) -> str:
    """sha256 of the canonical JSON of an observation."""
    return hashlib.sha256(json.dumps(obs, sort_keys=True).encode()).hexdigest()


def _pack(net: Network, observed: dict, truth: dict, external: dict | None, labels: dict, **extra: object) -> dict:
    obs = build_obs(net, observed, external, **extra)
    truth = {f: {"rx": float(t["rx"]), "tx": float(t["tx"]), "status": t["status"]} for f, t in truth.items()}
    return {"obs": obs, "truth": truth, "labels": labels, "fingerprint": fingerprint(obs)}


def _real_demand(net: Network, row: dict) -> dict:
    return {"demand": {s: {d: float(row["demand"].get(s, {}).get(d, 0.0)) for d in net.routers if d != s}
                       for s in net.routers}, "paths": net.base_routing}


def reference_set(observe_demand: bool = False) -> list[dict]:
    """The §7 parity set: the reference's 30 scenarios (restricted inputs: no externals).
    ``observe_demand`` adds the row's real demand matrix and the paths.json routing."""
    net = load_abilene()
    rows = load_rows()
    return [_pack(net, s["observed"], s["truth"], None, {"row": s["row"], "bug": s["bug"], "seed_group": 0},
                  **(_real_demand(net, rows[s["row"]]) if observe_demand else {}))
            for s in reference_scenarios(net, rows)]


def fair_set(half: str, observe_demand: bool = False) -> list[dict]:
    """The §7 fair harness: rows 0-19 ("train") or 20-39 ("holdout") under seeds 11, 22, 33 (seed
    groups 0, 1, 2)."""
    net = load_abilene()
    rows = load_rows()
    positions = range(0, 20) if half == "train" else range(20, 40)
    return [_pack(net, s["observed"], s["truth"], None,
                  {"row": s["row"], "bug": s["bug"], "seed_group": i // len(positions)},
                  **(_real_demand(net, rows[s["row"]]) if observe_demand else {}))
            for i, s in enumerate(fair_scenarios(net, rows, positions=positions))]


def _factor(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.5, 0.8) if rng.random() < 0.5 else rng.uniform(1.2, 1.5))


def inject_default(net: Network, truth: dict, rng: np.random.Generator, *, p_status_a: float = 0.1,
                   p_stuck: float = 0.05, p_missing: float = 0.1, p_missing_status: float = 0.05,
                   history: dict | None = None, holdout: bool = False,
                   stuck_lags: dict | None = None) -> tuple[dict, dict]:
    """Default-variant faults on healthy ``truth`` counters: ±2 % noise, one bug type, status fault (a),
    stuck counters (an earlier value of ``history``) and missing values. ``holdout`` adds the held-out
    types (spec §10): the six "enhanced" mixes as extra bug types, stale counters and phantom-down
    links (c). Returns ``(observed, labels)``; labels map ``iface.field`` to a fault name.
    ``history[iface]`` lists earlier ``(rx, tx)``, one step back first; ``stuck_lags``, if given,
    receives ``{iface: steps back}`` of every stuck interface."""
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
                if stuck_lags is not None:
                    stuck_lags[f] = k + 1
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


def _observe_external(ext: dict, rng: np.random.Generator, holdout: bool, drift: float, faults: dict,
                      past: list[dict] | None = None) -> dict:
    """±2 % noise on healthy external counters plus (holdout) zeroed / scaled / stale faults. A stale
    value is a drifted copy, or with simulated ``past`` steps the value from 1-5 steps earlier."""
    ext = {r: {k: v * float(rng.uniform(0.98, 1.02)) for k, v in e.items()} for r, e in ext.items()}
    if holdout:  # external-counter faults: zeroed, scaled or stale (drifted)
        for r in sorted(ext):
            for k in ("origination", "termination"):
                if rng.random() < 0.1:
                    kind = int(rng.integers(3))
                    if kind == 2 and past:
                        ext[r][k] = past[int(rng.integers(min(len(past), STALE_DEPTH)))]["external"][r][k]
                    else:
                        ext[r][k] = 0.0 if kind == 0 else ext[r][k] * (_factor(rng) if kind == 1 else
                                                                       float(np.exp(rng.normal(0, drift))))
                    faults[f"{r}.{k}"] = "external"
    return ext


def _observe_demand(dem: dict, rng: np.random.Generator, skew: Skew) -> dict:
    """The observed demand matrix: every off-diagonal cell × (1 + ε), ε from the measurement skew."""
    cells = [(s, d) for s in sorted(dem) for d in sorted(dem[s]) if d != s]
    eps, _ = skew.draw(rng, len(cells))
    out: dict = {s: {} for s in sorted(dem)}
    for (s, d), e in zip(cells, eps, strict=True):
        out[s][d] = float(dem[s][d]) * (1.0 + float(e))
    return out


def default_scenario(net: Network, demand: dict, master: int, split: int, index: int, *,
                     skew: Skew = DEFAULT_SKEW, p_link_failure: float = 0.3, scale_range: tuple = (0.5, 2.0),
                     lognormal_sigma: float = 0.3, external: bool = True, holdout: bool = False,
                     options: ScenarioOptions = DEFAULT_OPTIONS, gravity_totals: tuple[dict, dict] | None = None,
                     seed_group: int | None = None) -> dict:
    """One default-variant scenario: perturbed demand -> healthy snapshot (maybe one failed link) ->
    faults, all from ``private_rng(master, split, index)``.

    ``options`` (:class:`ScenarioOptions`) picks the routing and demand source and adds the optional
    observation keys; ``gravity_totals`` = ``(origination, termination)`` for ``demand_source="gravity"``
    (default: the totals of ``demand``); ``seed_group`` is stored in ``labels["seed_group"]``.

    Draw order: scale, log-normal cells, [drift source], failure, skew; then either (history 0) the
    stand-in history of stuck values or (history > 0) the drift σ and the ``history + 5`` earlier
    steps (demand drift, skew); then the current faults, the externals, the earlier steps' faults and
    externals, and last the demand skew. Options that add keys therefore leave the truth unchanged.
    """
    opts = options
    net = opts.network(net)
    rng = private_rng(master, split, index)
    base = demand
    if opts.demand_source == "gravity":
        base = gravity_demand(*(gravity_totals if gravity_totals is not None else totals(demand)))
    scale = float(rng.uniform(*scale_range))
    routers = net.routers
    dem = {s: {d: (float(base.get(s, {}).get(d, 0.0)) * scale * float(rng.lognormal(0.0, lognormal_sigma))
                   if d != s else 0.0) for d in routers} for s in routers}
    sigma = None
    if opts.demand_source == "drift":
        sigma = float(rng.uniform(0.05, 0.30))
        dem = ar1_steps(dem, opts.drift_steps, rng, sigma)[-1]
    failed = None
    edges = sorted(tuple(sorted(e)) for e in net.graph.edges)
    if rng.random() < p_link_failure:
        failed = edges[int(rng.integers(len(edges)))]
    snap = simulate(net, dem, rng, skew=skew, failed=failed)
    past: list[dict] = []
    if opts.history == 0:
        # stand-in history for stuck counters: drifted copies of the same snapshot
        drift = float(rng.uniform(0.05, 0.30))
        hist = {f: [(c["rx"] * float(np.exp(rng.normal(0, drift))), c["tx"] * float(np.exp(rng.normal(0, drift))))
                    for _ in range(3)] for f, c in snap["counters"].items()}
    else:
        # earlier steps of an AR(1) demand drift ending at this snapshot (same topology state)
        drift = sigma if sigma is not None else float(rng.uniform(0.05, 0.30))
        earlier = ar1_steps(snap["demand"], opts.history + STALE_DEPTH, rng, drift)
        past = [simulate(net, d, rng, skew=skew, failed=failed) for d in earlier]
        hist = _past_values(past, 0)
    lags: dict = {}
    observed, labels = inject_default(net, snap["counters"], rng, history=hist, holdout=holdout, stuck_lags=lags)
    labels["failed_link"] = list(failed) if failed else None
    ext = _observe_external(snap["external"], rng, holdout, drift, labels["faults"], past) if external else None
    extra: dict = {}
    if opts.history:
        steps = []
        labels["stuck_lags"] = dict(lags)
        labels["history_faults"] = []
        for j in range(opts.history):
            h_obs, h_lab = inject_default(net, past[j]["counters"], rng, history=_past_values(past, j + 1),
                                          holdout=holdout)
            for f, lag in lags.items():  # a stuck interface has reported its frozen value since then
                if j + 1 < lag:
                    h_obs[f]["rx"], h_obs[f]["tx"] = hist[f][lag - 1]
                    h_lab["faults"][f + ".rx"] = h_lab["faults"][f + ".tx"] = "stuck"
            h_ext = (_observe_external(past[j]["external"], rng, holdout, drift, h_lab["faults"], past[j + 1:])
                     if external else None)
            steps.append((h_obs, h_ext))
            labels["history_faults"].append(h_lab)
        extra["history"] = steps
    if opts.observe_demand:
        extra["demand"] = _observe_demand(snap["demand"], rng, skew)
        extra["paths"] = snap["routing"]
    if seed_group is not None:
        labels["seed_group"] = int(seed_group)
    return _pack(net, observed, snap["counters"], ext, labels, **extra)


def _past_values(past: list[dict], start: int) -> dict:
    """``{iface: [(rx, tx) one step before step start, two steps before, ...]}`` (up to STALE_DEPTH)."""
    window = past[start:start + STALE_DEPTH]
    return {f: [(p["counters"][f]["rx"], p["counters"][f]["tx"]) for p in window] for f in past[0]["counters"]}


def abilene_scenarios(split: str, n: int, master: int = 0, options: ScenarioOptions = DEFAULT_OPTIONS) -> list[dict]:
    """``n`` default-variant Abilene scenarios of ``split`` (train rows 0-27, holdout rows 28-39), in
    :data:`SEED_GROUPS` contiguous seed groups. The gravity source uses each row's external totals."""
    net = load_abilene()
    rows = load_rows()
    idx = list(range(0, 28)) if split == "train" else list(range(28, 40))
    key = 0 if split == "train" else 1
    out = []
    for i in range(n):
        row = rows[idx[i % len(idx)]]
        ext = row["external"]
        grav = ({r: e["origination"] for r, e in ext.items()}, {r: e["termination"] for r, e in ext.items()})
        out.append(default_scenario(net, row["demand"], master, key, i, holdout=key == 1, options=options,
                                    gravity_totals=grav, seed_group=seed_group_of(i, n)))
    return out


def doubly_faulted(scenario: dict) -> list[tuple[str, str, str]]:
    """``(iface, field, truth key)`` of the counters of link directions whose two readings (own tx,
    peer rx) both carry a fault label: the case only conservation or demand can repair (spec §8.3)."""
    faults = scenario["labels"]["faults"]
    out = []
    for f, t in scenario["obs"]["telemetry"].items():
        p = t["connected_to"]
        if f + ".tx" in faults and p + ".rx" in faults:
            out += [(f, "tx_rate", "tx"), (p, "rx_rate", "rx")]
    return out
