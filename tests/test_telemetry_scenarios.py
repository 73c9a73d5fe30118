"""telemetry-repair scenario options: observe_demand, history, k-shortest routing, gravity / AR(1) demand
sources, seed groups, and the env's observation schema with the optional keys (spec §3, §5, §9, §10)."""

from __future__ import annotations

import random
from collections import Counter

import networkx as nx
import numpy as np
import pytest

import adrs.envs.telemetry  # noqa: F401 - registers telemetry-repair
from adrs.config import ConfigError, build_config
from adrs.envs.telemetry.config import TelemetryConfig
from adrs.paths import shared_data_dir
from adrs.simulators.telemetry.demand import ar1_steps, demand_prediction, gravity_demand, predicted_counters, totals
from adrs.simulators.telemetry.network import Skew, iface, k_shortest, link_loads, simulate
from adrs.simulators.telemetry.scenarios import (
    HISTORY_KEYS,
    OBS_KEYS,
    TELEMETRY_KEYS,
    ScenarioOptions,
    default_scenario,
    fingerprint,
    obs_keys,
)
from adrs.traces.telemetry.embedded import demand_of, generate_manifest, load_split, network_of

needs_data = pytest.mark.skipif(shared_data_dir() is None, reason="real telemetry-repair data (ADRS_DATA / "
                                "../shared/data/telemetry-repair) is not available")

DEMAND = ScenarioOptions(observe_demand=True)
HIST = ScenarioOptions(history=2)
BOTH = ScenarioOptions(observe_demand=True, history=2)


def _wan(i: int = 0, split: str = "train"):
    spec = generate_manifest(split)["topologies"][i]
    return network_of(spec), demand_of(spec)


def _keys(x):
    if isinstance(x, dict):
        for k, v in x.items():
            yield k
            yield from _keys(v)
    elif isinstance(x, list):
        for v in x:
            yield from _keys(v)


def _check_schema(obs: dict, observe_demand: bool, history: int, external: bool = True) -> None:
    assert set(obs) == obs_keys(external, observe_demand, history)
    for t in obs["telemetry"].values():
        assert set(t) == TELEMETRY_KEYS
    assert not any(str(k).startswith("_") for k in _keys(obs))
    if observe_demand:
        routers = set(obs["topology"])
        assert set(obs["demand"]) == routers
        for s, row in obs["demand"].items():
            assert set(row) == routers - {s} and all(v >= 0 for v in row.values())
        for s, row in obs["paths"].items():
            for d, plist in row.items():
                assert plist and sum(w for _, w in plist) == pytest.approx(1.0)
                for p, _ in plist:
                    assert isinstance(p, list) and p[0] == s and p[-1] == d
    if history:
        assert isinstance(obs["history"], list) and len(obs["history"]) == history
        for h in obs["history"]:
            assert set(h) == (HISTORY_KEYS if external else {"telemetry"})
            assert set(h["telemetry"]) == set(obs["telemetry"])
            for t in h["telemetry"].values():
                assert set(t) == TELEMETRY_KEYS


# --------------------------------------------------------------------------- schema and invariants


def test_default_obs_keys_unchanged():
    assert obs_keys() == OBS_KEYS
    assert obs_keys(external=False) == OBS_KEYS - {"external"}
    assert obs_keys(observe_demand=True, history=3) == OBS_KEYS | {"demand", "paths", "history"}


@pytest.mark.parametrize("split", ["train", "holdout"])
def test_optional_keys_follow_the_whitelist_schema(split):
    n = 40 if split == "train" else 12
    for opts in (DEMAND, HIST, BOTH):
        for s in load_split(split, limit=n, options=opts):
            _check_schema(s["obs"], opts.observe_demand, opts.history)
            assert s["fingerprint"] == fingerprint(s["obs"])  # over the full observation


def test_options_leave_the_truth_and_the_base_observation_unchanged():
    base = load_split("train", limit=20)
    dem = load_split("train", limit=20, options=DEMAND)
    hist = load_split("train", limit=20, options=HIST)
    for a, b, c in zip(base, dem, hist, strict=True):
        assert a["truth"] == b["truth"] == c["truth"]
        # observe_demand draws last: the rest of the observation is identical
        assert {k: v for k, v in b["obs"].items() if k not in ("demand", "paths")} == a["obs"]
        assert a["labels"]["faults"] == b["labels"]["faults"]
        assert len({a["fingerprint"], b["fingerprint"], c["fingerprint"]}) == 3


def test_options_are_deterministic_and_leave_the_global_rng_alone():
    random.seed(5)
    np.random.seed(5)
    before = (random.getstate(), np.random.get_state()[1].copy())
    a = load_split.__wrapped__("holdout", limit=4, options=BOTH)
    b = load_split.__wrapped__("holdout", limit=4, options=BOTH)
    assert [s["fingerprint"] for s in a] == [s["fingerprint"] for s in b]
    assert random.getstate() == before[0] and np.array_equal(np.random.get_state()[1], before[1])


# --------------------------------------------------------------------------- observe_demand


def test_demand_prediction_matches_the_healthy_counters():
    devs = []
    for s in load_split("train", limit=30, options=DEMAND):
        pred = predicted_counters(s["obs"])
        loads = demand_prediction(s["obs"])
        for f, t in s["truth"].items():
            a, b = f.split("_to_")
            assert pred[f]["tx"] == loads[(a, b)] and pred[f]["rx"] == loads[(b, a)]
            for k in ("rx", "tx"):
                g = t[k]
                if g > 1.0:
                    devs.append(abs(pred[f][k] - g) / g)
                elif t["status"] == "down":
                    assert pred[f][k] == 0.0  # the routing used avoids a failed link
    devs = np.array(devs)
    # truth = load x (1 +- 3.3 % triangular); demand cells carry the same skew, averaged over pairs
    assert np.mean(devs) < 0.02 and np.quantile(devs, 0.99) < 0.066


def test_demand_prediction_without_skew_is_exact():
    net, dem = _wan(2)
    snap = simulate(net, dem, np.random.default_rng(0), skew=Skew(half_width=0.0))
    from adrs.simulators.telemetry.scenarios import build_obs

    obs = build_obs(net, snap["counters"], snap["external"], demand=snap["demand"], paths=snap["routing"])
    pred = predicted_counters(obs)
    for f, c in snap["counters"].items():
        assert pred[f]["tx"] == pytest.approx(c["tx"], rel=1e-9, abs=1e-9)
        assert pred[f]["rx"] == pytest.approx(c["rx"], rel=1e-9, abs=1e-9)
    assert demand_prediction({"telemetry": obs["telemetry"]}) == {(t["local_router"], t["remote_router"]): 0.0
                                                                  for t in obs["telemetry"].values()}


@needs_data
def test_observe_demand_on_the_real_rows_uses_paths_json():
    from adrs.simulators.telemetry.scenarios import abilene_scenarios, reference_set

    ref = reference_set(observe_demand=True)
    plain = reference_set()
    assert [s["obs"]["telemetry"] for s in ref] == [s["obs"]["telemetry"] for s in plain]
    assert all(len(p) == 1 for row in ref[0]["obs"]["paths"].values() for p in row.values())
    ab = abilene_scenarios("train", 10, options=DEMAND)
    _check_schema(ab[0]["obs"], True, 0)


# --------------------------------------------------------------------------- history


def test_history_snapshots_are_plausible_earlier_steps():
    ratios = []
    for s in load_split("train", limit=40, options=ScenarioOptions(history=3)):
        hist = s["obs"]["history"]
        assert len(hist) == 3 and len(s["labels"]["history_faults"]) == 3
        cur = s["truth"]
        for f, t in cur.items():
            if s["labels"]["faults"].get(f + ".tx") or t["tx"] < 5.0:
                continue
            h = hist[0]["telemetry"][f]["tx_rate"]
            if h and not s["labels"]["history_faults"][0]["faults"].get(f + ".tx"):
                ratios.append(abs(np.log(h / t["tx"])))
    med = float(np.median(ratios))
    assert 0.01 < med < 0.3  # AR(1) demand drift of 5-30 % per cell and step, averaged over paths


def test_stuck_counters_come_from_earlier_steps_and_stay_frozen():
    seen = 0
    for s in load_split("train", options=ScenarioOptions(history=4)):
        faults = s["labels"]["faults"]
        lags = s["labels"]["stuck_lags"]
        assert {f for f, k in faults.items() if k == "stuck" and f.endswith(".rx")} <= {f + ".rx" for f in lags}
        for f, lag in lags.items():
            assert 1 <= lag <= 5
            now = s["obs"]["telemetry"][f]
            if faults.get(f + ".rx") != "stuck" or faults.get(f + ".tx") != "stuck":
                continue  # overwritten later by a missing value
            for j in range(min(lag - 1, 4)):
                past = s["obs"]["history"][j]["telemetry"][f]
                assert (past["rx_rate"], past["tx_rate"]) == (now["rx_rate"], now["tx_rate"])
                seen += 1
    assert seen > 5


def test_stale_counters_in_holdout_history_mode():
    kinds = Counter()
    for s in load_split("holdout", limit=30, options=HIST):
        kinds.update(s["labels"]["faults"].values())
    assert kinds["stale"] > 0 and kinds["stuck"] > 0


# --------------------------------------------------------------------------- routing


def test_k_shortest_paths_split_weights():
    net, _ = _wan(4)
    r = net.routers
    plist = k_shortest(net.graph, r[0], r[-1], 3)
    assert 1 <= len(plist) <= 3 and sum(w for _, w in plist) == pytest.approx(1.0)
    lens = [nx.path_weight(net.graph, list(p), "dist") for p, _ in plist]
    assert lens == sorted(lens)
    assert [w for _, w in plist] == sorted((w for _, w in plist), reverse=True)
    eq = k_shortest(net.graph, r[0], r[-1], 3, "equal")
    assert [w for _, w in eq] == pytest.approx([1 / len(eq)] * len(eq))


def test_ksp_routing_conserves_and_reroutes_around_failures():
    net0, dem = _wan(1)
    net = net0.with_routing("ksp", 3)
    assert net0.with_routing("ksp", 3) is net and net0.with_routing() is net0
    multi = sum(len(p) > 1 for row in net.base_routing.values() for p in row.values())
    assert multi > 0
    snap = simulate(net, dem, np.random.default_rng(0), skew=Skew(half_width=0.0))
    for f in net.interfaces:
        a, b = net.ends[f]
        assert snap["counters"][f]["tx"] == pytest.approx(snap["counters"][iface(b, a)]["rx"], rel=1e-12)
    for r in net.routers:
        ins = sum(snap["counters"][iface(r, b)]["rx"] for b in net.graph.neighbors(r))
        outs = sum(snap["counters"][iface(r, b)]["tx"] for b in net.graph.neighbors(r))
        e = snap["external"][r]
        assert ins + e["origination"] == pytest.approx(outs + e["termination"], rel=1e-9)
    # total load differs from single shortest-path routing (longer alternative paths carry a share)
    assert sum(link_loads(net, dem).values()) > sum(link_loads(net0, dem).values())
    bridges = {tuple(sorted(e)) for e in nx.bridges(net.graph)}
    edge = sorted(tuple(sorted(e)) for e in net.graph.edges if tuple(sorted(e)) not in bridges)[0]
    snap = simulate(net, dem, np.random.default_rng(1), skew=Skew(half_width=0.0), failed=edge)
    a, b = edge
    assert snap["counters"][iface(a, b)] == {"rx": 0.0, "tx": 0.0, "status": "down"}
    for row in snap["routing"].values():
        for plist in row.values():
            for p, _ in plist:
                assert (a, b) not in zip(p[:-1], p[1:], strict=False)
                assert (b, a) not in zip(p[:-1], p[1:], strict=False)


def test_routing_option_changes_the_scenarios_but_not_the_default():
    base = load_split("train", limit=5)
    ksp = load_split("train", limit=5, options=ScenarioOptions(routing="ksp", observe_demand=True))
    assert [s["fingerprint"] for s in base] != [s["fingerprint"] for s in ksp]
    assert any(len(p) > 1 for s in ksp for row in s["obs"]["paths"].values() for p in row.values())
    hops = load_split("train", limit=5, options=ScenarioOptions(routing="hops", observe_demand=True))
    assert all(len(p) == 1 for s in hops for row in s["obs"]["paths"].values() for p in row.values())


# --------------------------------------------------------------------------- demand sources


def test_gravity_demand_fits_the_totals():
    orig = {"A": 100.0, "B": 50.0, "C": 30.0, "D": 0.0}
    term = {"A": 40.0, "B": 60.0, "C": 50.0, "D": 30.0}
    g = gravity_demand(orig, term)
    o, t = totals(g)
    assert all(g[s].get(s, 0.0) == 0.0 for s in g)
    assert o == pytest.approx(orig, rel=1e-6, abs=1e-6)
    assert t == pytest.approx(term, rel=1e-6, abs=1e-6)
    assert sum(g["D"].values()) == 0.0


@needs_data
def test_gravity_from_real_row_totals():
    from adrs.simulators.telemetry.network import load_rows

    row = load_rows()[10]
    ext = row["external"]
    g = gravity_demand({r: e["origination"] for r, e in ext.items()}, {r: e["termination"] for r, e in ext.items()})
    o, _ = totals(g)
    assert o == pytest.approx({r: e["origination"] for r, e in ext.items()}, rel=0.05)


def test_ar1_drift_steps_are_5_to_30_percent():
    _, dem = _wan(0)
    for sigma in (0.05, 0.30):
        seq = ar1_steps(dem, 6, np.random.default_rng(3), sigma)
        assert len(seq) == 6
        prev = dem
        steps = []
        for cur in seq:
            steps += [abs(np.log(cur[s][d] / prev[s][d])) for s in cur for d in cur[s] if prev[s][d] > 0]
            assert all(cur[s].get(s, 0.0) == 0.0 for s in cur)
            prev = cur
        # |N(0, s)| has mean 0.8 s; the AR(1) log-step has stationary sd s / sqrt(1 - phi^2) ~ 1.15 s
        assert 0.6 * sigma < np.mean(steps) < 1.2 * sigma


@pytest.mark.parametrize("source", ["gravity", "drift"])
def test_demand_sources_change_the_snapshot(source):
    net, dem = _wan(5)
    a = default_scenario(net, dem, 1, 0, 7)
    b = default_scenario(net, dem, 1, 0, 7, options=ScenarioOptions(demand_source=source))
    assert a["fingerprint"] != b["fingerprint"]
    _check_schema(b["obs"], False, 0)
    with pytest.raises(ValueError):
        ScenarioOptions(demand_source="nope")


# --------------------------------------------------------------------------- seed groups


def test_seed_groups_label_every_generated_scenario():
    for split in ("train", "holdout"):
        man = generate_manifest(split)
        groups = Counter(e["seed_group"] for e in man["scenarios"])
        assert len(groups) >= 3 and min(groups.values()) >= 40
        per_group = {}
        for e in man["scenarios"]:
            per_group.setdefault(e["seed_group"], set()).add(e["topology"])
        assert all(len(t) == len(man["topologies"]) for t in per_group.values())  # every group spans all WANs
        loaded = load_split(split, limit=40)
        assert [s["labels"]["seed_group"] for s in loaded] == [e["seed_group"] for e in man["scenarios"][:40]]
    assert {s["labels"]["seed_group"] for s in load_split("train")} == set(range(5))
    fresh = load_split("holdout", master=9, limit=40)
    assert [s["labels"]["seed_group"] for s in fresh] == [s["labels"]["seed_group"]
                                                          for s in load_split("holdout", limit=40)]


@needs_data
def test_seed_groups_on_real_row_splits():
    from adrs.simulators.telemetry.scenarios import abilene_scenarios, fair_set, reference_set

    assert Counter(s["labels"]["seed_group"] for s in fair_set("train")) == {0: 20, 1: 20, 2: 20}
    assert {s["labels"]["seed_group"] for s in reference_set()} == {0}
    assert len({s["labels"]["seed_group"] for s in abilene_scenarios("holdout", 50)}) >= 3


# --------------------------------------------------------------------------- env / config


@pytest.mark.parametrize("kw", [{"observe_demand": True}, {"observe_demand": True, "history": 2}])
def test_env_check_env_with_optional_keys(kw):
    from gymnasium.utils.env_checker import check_env

    from adrs.registry import make
    from adrs.simulators.telemetry.baselines import symmetry

    env = make("telemetry-repair", **kw)
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=3)
    assert env.observation_space.contains(obs)
    _check_schema(obs, kw.get("observe_demand", False), kw.get("history", 0))
    _, reward, term, _, info = env.step(symmetry(obs))
    assert term and 0 < reward <= 1 and info["invalid_items"] == 0
    plain = make("telemetry-repair")
    o2, _ = plain.reset(seed=3)
    assert not plain.observation_space.contains(obs) and plain.observation_space.contains(o2)


def test_config_validates_the_new_options():
    cfg = build_config(TelemetryConfig, {"observe_demand": True, "history": 2, "routing": "ksp", "k_paths": 2,
                                         "demand_source": "gravity"})
    o = cfg.scenario_options
    assert (o.observe_demand, o.history, o.routing, o.k_paths, o.demand_source) == (True, 2, "ksp", 2, "gravity")
    assert build_config(TelemetryConfig, {}).scenario_options == ScenarioOptions()
    for bad in ({"history": -1}, {"routing": "x"}, {"k_paths": 0}, {"demand_source": "x"}, {"path_split": "x"},
                {"variant": "ref", "observe_demand": True}, {"variant": "ref", "history": 1},
                {"split": "reference", "history": 1}, {"split": "fair-train", "routing": "ksp"}):
        with pytest.raises(ConfigError):
            build_config(TelemetryConfig, bad)
    build_config(TelemetryConfig, {"split": "reference", "observe_demand": True})
