"""telemetry-repair scoring: the vectorised validator / metrics against a straightforward per-item reference
(the evaluator's previous code), the in-process runner against JSON round trips, §6.2 status Brier and
detection AUROC, and §10 seed-group reporting."""

from __future__ import annotations

import argparse
import collections
import copy
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from adrs.envs.telemetry.evaluate import (
    apply_plan,
    copy_plan,
    evaluate,
    fault_breakdown,
    fresh_obs,
    reward_of,
    score_action,
    score_actions,
    summarize,
)
from adrs.simulators.telemetry.baselines import passthrough, symmetry
from adrs.simulators.telemetry.metrics import (
    TruthTable,
    auroc,
    detection_auroc,
    ece,
    ref_calibration_item,
)
from adrs.traces.telemetry.embedded import load_split

FIELDS = ("rx_rate", "tx_rate", "interface_status")
COUNTERS = ("rx_rate", "tx_rate")
TRUTH_KEY = {"rx_rate": "rx", "tx_rate": "tx"}

# --------------------------------------------------------------------------- reference (per item)


def _real(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        return None
    try:
        v = float(x)
    except OverflowError:  # the old code raised here; the evaluator now rejects the item
        return None
    return v if math.isfinite(v) else None


def ref_validate(action: Any, interfaces: Sequence[str]) -> tuple[dict, int, int]:
    items: dict[str, dict] = {}
    invalid = extra = 0
    if not isinstance(action, Mapping):
        return {f: dict.fromkeys(FIELDS) for f in interfaces}, len(interfaces) * len(FIELDS), 0
    for key in action:
        if key not in interfaces:
            extra += 1
    for f in interfaces:
        entry = action.get(f)
        row: dict[str, tuple | None] = {}
        for field in FIELDS:
            val = entry.get(field) if isinstance(entry, Mapping) else None
            ok = None
            if isinstance(val, (tuple, list)) and len(val) == 3:
                rep, conf = val[1], _real(val[2])
                if conf is not None and 0.0 <= conf <= 1.0:
                    if field == "interface_status":
                        if rep in ("up", "down"):
                            ok = (rep, conf)
                    else:
                        r = _real(rep)
                        if r is not None and r >= 0:
                            ok = (r, conf)
            if ok is None:
                invalid += 1
            row[field] = ok
        if isinstance(entry, Mapping):
            extra += sum(1 for k in entry if k not in FIELDS)
        items[f] = row
    return items, invalid, extra


def ref_auroc(score: Sequence[float], label: Sequence[bool]) -> float | None:
    pos = [s for s, y in zip(score, label, strict=True) if y]
    neg = [s for s, y in zip(score, label, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def ref_score(scenario: dict, action: Any, tau: float = 0.05) -> dict:
    truth = scenario["truth"]
    faults = (scenario.get("labels") or {}).get("faults") or {}
    faulted = [f"{f}.{k}" in faults for f in truth for k in ("rx", "tx")]
    if action is None:
        n = 2 * len(truth)
        conf = [1.0] * n
        return {"counter_repair_accuracy": 0.0, "status_repair_accuracy": 0.0, "confidence_calibration": 0.0,
                "combined": 0.0, "counter_accuracy": 0.0, "brier": 1.0, "hit_rate": 0.0, "status_brier": 1.0,
                "detection_auroc": ref_auroc([1.0 - c for c in conf], faulted), "conf": np.ones(n),
                "event": np.zeros(n), "invalid_items": 0, "extra_items": 0, "failed": True}
    items, invalid, extra = ref_validate(action, list(truth))
    ref_err, calib, abs_err, conf, event, status_ok, status_sq = [], [], [], [], [], [], []
    for f, t in truth.items():
        row = items.get(f) or dict.fromkeys(FIELDS)
        for field in COUNTERS:
            g = float(t[TRUTH_KEY[field]])
            item = row.get(field)
            if item is None:
                if g > 0:
                    ref_err.append(1.0)
                calib.append(0.0)
                abs_err.append(1.0)
                conf.append(1.0)
                event.append(0.0)
                continue
            r, c = item
            if g > 0:
                ref_err.append(min(abs(r - g) / g, 1.0))
            calib.append(ref_calibration_item(g, r, c))
            scale = max(g, 1.0)
            abs_err.append(min(abs(r - g) / scale, 1.0))
            conf.append(c)
            event.append(1.0 if abs(r - g) <= tau * scale else 0.0)
        st = row.get("interface_status")
        ok = 1.0 if st is not None and st[0] == t["status"] else 0.0
        status_ok.append(ok)
        status_sq.append(((st[1] if st is not None else 1.0) - ok) ** 2)
    counter = max(0.0, 1.0 - float(np.mean(ref_err))) if ref_err else 0.0
    status = float(np.mean(status_ok)) if status_ok else 1.0
    calibration = float(np.mean(calib)) if calib else 1.0
    c, e = np.asarray(conf), np.asarray(event)
    return {"counter_repair_accuracy": counter, "status_repair_accuracy": status,
            "confidence_calibration": calibration, "combined": 0.75 * counter + 0.05 * status + 0.20 * calibration,
            "counter_accuracy": 1.0 - float(np.mean(abs_err)) if abs_err else 1.0,
            "brier": float(np.mean((c - e) ** 2)) if len(c) else 0.0,
            "hit_rate": float(np.mean(e)) if len(e) else 1.0,
            "status_brier": float(np.mean(status_sq)) if status_sq else 0.0,
            "detection_auroc": ref_auroc([1.0 - x for x in conf], faulted),
            "conf": c, "event": e, "invalid_items": invalid, "extra_items": extra, "failed": False}


def ref_ece(conf: np.ndarray, event: np.ndarray, bins: int = 10) -> float:
    c, e = np.asarray(conf, dtype=float), np.asarray(event, dtype=float)
    if len(c) == 0:
        return 0.0
    idx = np.minimum((c * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(c) * abs(c[m].mean() - e[m].mean())
    return float(total)


def ref_breakdown(scenarios: Sequence[dict], actions: Sequence[Any], tau: float = 0.05) -> dict:
    acc: dict[str, list[float]] = {}
    for s, a in zip(scenarios, actions, strict=True):
        items = ref_validate(a, list(s["truth"]))[0] if a is not None else {}
        faults = (s.get("labels") or {}).get("faults", {})
        for f, t in s["truth"].items():
            for field, key in (("rx_rate", "rx"), ("tx_rate", "tx")):
                label = faults.get(f"{f}.{key}", "clean")
                item = (items.get(f) or {}).get(field)
                g = float(t[key])
                err = 1.0 if item is None else min(abs(item[0] - g) / max(g, 1.0), 1.0)
                hit = 0.0 if item is None else float(abs(item[0] - g) <= tau * max(g, 1.0))
                row = acc.setdefault(label, [0.0, 0.0, 0.0])
                row[0] += 1
                row[1] += err
                row[2] += hit
    return {k: {"n": int(n), "error": e / n, "hit_rate": h / n} for k, (n, e, h) in sorted(acc.items())}


def ref_inprocess(policy, scenarios) -> list[Any]:
    """The previous in-process runner: JSON round trips of the observation and of the action."""
    out = []
    for s in scenarios:
        try:
            text = json.dumps(policy(json.loads(json.dumps(s["obs"]))), allow_nan=True)
        except Exception:  # noqa: BLE001
            out.append(None)
            continue
        out.append(json.loads(text))
    return out


SCALARS = ("counter_repair_accuracy", "status_repair_accuracy", "confidence_calibration", "combined",
           "counter_accuracy", "brier", "hit_rate", "status_brier")


def assert_same(got: dict, want: dict) -> None:
    for k in SCALARS:
        assert got[k] == pytest.approx(want[k], abs=1e-12, rel=0), k
    if want["detection_auroc"] is None:
        assert got["detection_auroc"] is None
    else:
        assert got["detection_auroc"] == pytest.approx(want["detection_auroc"], abs=1e-12, rel=0)
    np.testing.assert_array_equal(got["conf"], want["conf"])
    np.testing.assert_array_equal(got["event"], want["event"])
    for k in ("invalid_items", "extra_items", "failed"):
        assert got[k] == want[k], k


# --------------------------------------------------------------------------- random actions


class NT(collections.namedtuple("NT", "o r c")):
    pass


class OddKey:
    """A non-str key equal to (and hashing like) a field name: a JSON round trip rejects it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return other == self.name


def _counter_value(rng: np.random.Generator, g: float, raw: bool) -> Any:
    k = 23 + int(rng.integers(7)) if raw and rng.random() < 0.05 else int(rng.integers(23))
    r = float([g, g * 1.03, g * 1.2, 0.0, g * rng.uniform(0, 2), g + 0.9][int(rng.integers(6))])
    c = float([0.0, 1.0, 0.3, 0.7, rng.random(), 0.95][int(rng.integers(6))])
    menu = [
        (None, r, c), [None, r, c], (r, r, c), ("x", r, c), (None, int(round(r)), c), (None, r, 1), (None, r, 0),
        None, r, (None, r), (None, r, c, 1), (None, float("nan"), c), (None, float("inf"), c), (None, -1.0, c),
        (None, r, 1.5), (None, r, -0.1), (None, r, float("nan")), (None, True, c), (None, r, True), (None, "1.0", c),
        (None, 10 ** 400, c), (None, -0.0, c), [[1], r, c],
        # raw Python only (the in-process path round-trips or fails them)
        (None, np.float64(r), c), (None, r, np.float64(c)), (None, np.float32(r), c), NT(None, r, c),
        (None, r, np.int64(1)), (object(), r, c), (None, complex(r), c),
    ]
    return menu[k] if k < len(menu) else (None, r, c)


def _status_value(rng: np.random.Generator, truth: str, raw: bool) -> Any:
    s = [truth, "up", "down", "UP", None, 1][int(rng.integers(6))]
    c = float([1.0, 0.5, rng.random()][int(rng.integers(3))])
    menu = [(None, s, c), [None, s, c], (None, s, 2.0), None, s, (None, s), (None, s, float("nan"))]
    if raw and rng.random() < 0.05:
        menu = [(None, np.str_(truth), c), NT(None, s, c), (None, s, np.float32(c))]
    return menu[int(rng.integers(len(menu)))]


def random_action(rng: np.random.Generator, scenario: dict, raw: bool = False, p_bad: float = 0.2) -> Any:
    kind = rng.random()
    if kind < 0.03:
        return None if not raw else [1, 2]
    if kind < 0.05:
        return "nonsense"
    out: dict = {}
    for f, t in scenario["truth"].items():
        u = rng.random()
        if u < p_bad * 0.1:
            continue  # missing interface
        if u < p_bad * 0.15:
            out[f] = 5.0
            continue
        entry = {}
        for field in COUNTERS:
            if rng.random() < p_bad:
                if rng.random() < 0.1:
                    continue  # missing field
                entry[field] = _counter_value(rng, t[TRUTH_KEY[field]], raw)
            else:
                entry[field] = (None, float(t[TRUTH_KEY[field]] * rng.uniform(0.9, 1.1)), float(rng.random()))
        if rng.random() < p_bad:
            if rng.random() > 0.1:
                entry["interface_status"] = _status_value(rng, t["status"], raw)
        else:
            entry["interface_status"] = (None, t["status"], float(rng.random()))
        if rng.random() < p_bad * 0.05:
            entry["note"] = "meta"
        if raw and rng.random() < p_bad * 0.02:
            entry = collections.OrderedDict(entry)
        out[f] = entry
    if rng.random() < p_bad * 0.2:
        out["_meta"] = {"v": 1}
    if raw and rng.random() < p_bad * 0.05:
        out[7] = 1
    return out


@pytest.fixture(scope="module")
def scen():
    train = list(load_split("train", limit=40))
    hold = list(load_split("holdout", limit=10))
    empty = {"obs": {"telemetry": {}, "topology": {}, "external": {}}, "truth": {}, "labels": {"faults": {}}}
    zero = copy.deepcopy(train[0])
    for t in zero["truth"].values():
        t["rx"] = t["tx"] = 0.0
    return train + hold + [empty, zero]


def test_vectorised_scoring_equals_the_per_item_reference_on_random_actions(scen):
    rng = np.random.default_rng(1)
    for trial in range(4):
        actions = [random_action(rng, s, raw=False, p_bad=[0.0, 0.1, 0.4, 1.0][trial]) for s in scen]
        actions = [json.loads(json.dumps(a)) for a in actions]  # what the isolated worker hands back
        per = score_actions(scen, actions)
        want = [ref_score(s, a) for s, a in zip(scen, actions, strict=True)]
        for got, w in zip(per, want, strict=True):
            assert_same(got, w)
        got_by, want_by = fault_breakdown(scen, actions), ref_breakdown(scen, actions)
        assert list(got_by) == list(want_by)
        for k, w in want_by.items():
            assert got_by[k]["n"] == w["n"]
            assert (got_by[k]["error"], got_by[k]["hit_rate"]) == pytest.approx((w["error"], w["hit_rate"]), abs=1e-12)
        conf = np.concatenate([w["conf"] for w in want])
        event = np.concatenate([w["event"] for w in want])
        s = summarize(per, "default")
        assert s["ece"] == pytest.approx(ref_ece(conf, event), abs=1e-12, rel=0)
        assert s["brier"] == pytest.approx(float(np.mean((conf - event) ** 2)), abs=1e-12, rel=0)
        assert s["invalid_items"] == sum(w["invalid_items"] for w in want)
        assert s["extra_items"] == sum(w["extra_items"] for w in want)
        for k in ("counter_repair_accuracy", "combined", "counter_accuracy", "hit_rate"):
            assert s[k] == pytest.approx(float(np.mean([w[k] for w in want])), abs=1e-12, rel=0)
        assert s["reward"] == pytest.approx(float(np.mean([reward_of(w, "default") for w in want])), abs=1e-12)


def test_raw_python_actions_follow_the_reference_validator(scen):
    """score_action (the gym env's path) takes raw Python: numpy scalars, namedtuples, OrderedDicts."""
    rng = np.random.default_rng(2)
    for s in scen[:25]:
        a = random_action(rng, s, raw=True, p_bad=0.5)
        assert_same(score_action(s, a), ref_score(s, a))


def test_in_process_runner_matches_json_round_trips(scen):
    """Plain actions are validated as they are, anything else is round-tripped first: the outcome is the
    old runner's (policy(json round trip of obs), then a json round trip of the action)."""
    rng = np.random.default_rng(3)
    for p_bad in (0.0, 0.05, 0.1, 1.0):
        actions = [random_action(rng, s, raw=True, p_bad=p_bad) for s in scen]
        odd = copy.deepcopy(passthrough(scen[1]["obs"]))
        f = next(iter(odd))
        odd[f] = {OddKey("rx_rate"): odd[f]["rx_rate"], "tx_rate": odd[f]["tx_rate"],
                  "interface_status": odd[f]["interface_status"]}
        actions[1] = odd
        actions[2] = {OddKey(next(iter(scen[2]["truth"]))): 1}

        def make(acts):
            it = iter(acts)
            return lambda obs: next(it)

        summary, per = evaluate(make(actions), scen, isolate=False)
        want_actions = ref_inprocess(make(actions), scen)
        assert want_actions[1] is None and want_actions[2] is None  # unserialisable keys fail the scenario
        if 0 < p_bad < 1:  # the mix exercises every path
            assert 3 <= summary["failed_runs"] < len(scen) * 0.6
            assert summary["invalid_items"] > 0 and summary["extra_items"] > 0
        for s, got, a in zip(scen, per, want_actions, strict=True):
            assert_same(got, ref_score(s, a))


def test_in_process_copies_isolate_and_equal_the_json_round_trip(scen):
    for s in scen[:5]:
        assert fresh_obs(s["obs"]) == json.loads(json.dumps(s["obs"]))
    odd = {"telemetry": {"a": {"rx_rate": np.float64(1.5), "t": (1, 2)}}, "topology": {"r": ("a",)},
           "x": [[1, {"y": 2}]]}
    got = fresh_obs(odd)
    assert got == json.loads(json.dumps(odd)) and type(got["telemetry"]["a"]["rx_rate"]) is float
    assert isinstance(got["topology"]["r"], list)
    nested = {"a": [[1, 2], {"b": [3]}], "c": {"d": {"e": {"f": 1}}}, "g": [{"h": 1}, {"i": 2}]}
    cp = apply_plan(copy_plan(nested), nested)
    assert cp == nested
    cp["a"][0].append(9)
    cp["a"][1]["b"].append(9)
    cp["c"]["d"]["e"]["f"] = 9
    cp["g"][0]["h"] = 9
    assert nested == {"a": [[1, 2], {"b": [3]}], "c": {"d": {"e": {"f": 1}}}, "g": [{"h": 1}, {"i": 2}]}

    before = [json.dumps(s["obs"], sort_keys=True) for s in scen[:6]]

    def vandal(obs):
        out = passthrough(obs)
        for t in obs["telemetry"].values():
            t["rx_rate"] = -5.0
            t["interface_status"] = "down"
        for lst in obs["topology"].values():
            lst.clear()
        obs.get("external", {}).clear()
        obs["telemetry"]["new"] = {}
        return out

    for _ in range(2):  # second run: cached copy plans
        a = evaluate(vandal, scen[:6], isolate=False)[0]
        assert a == evaluate(passthrough, scen[:6], isolate=False)[0]
        assert [json.dumps(s["obs"], sort_keys=True) for s in scen[:6]] == before


def test_truth_table_cache_checks_identity(scen):
    sub = scen[:3]
    t1 = TruthTable.of(sub)
    assert TruthTable.of(list(sub)) is t1
    changed = [dict(sub[0], truth=copy.deepcopy(sub[0]["truth"]))] + sub[1:]
    f = next(iter(changed[0]["truth"]))
    changed[0]["truth"][f]["rx"] += 1000.0
    assert TruthTable.of(changed) is not t1
    assert TruthTable.of(changed).g[0] == t1.g[0] + 1000.0


# --------------------------------------------------------------------------- §6.2 status Brier, detection AUROC


def _tiny(statuses=("up", "down"), faults=None):
    truth = {f"A_to_B{i}": {"rx": 100.0, "tx": 50.0, "status": st} for i, st in enumerate(statuses)}
    return {"obs": {}, "truth": truth, "labels": {"faults": faults or {}}}


def test_status_brier_uses_the_status_confidence():
    s = _tiny(("up", "down"))
    act = {"A_to_B0": {"rx_rate": (0, 100.0, 1.0), "tx_rate": (0, 50.0, 1.0), "interface_status": (0, "up", 0.9)},
           "A_to_B1": {"rx_rate": (0, 100.0, 1.0), "tx_rate": (0, 50.0, 1.0), "interface_status": (0, "up", 0.8)}}
    m = score_action(s, act)
    assert m["status_brier"] == pytest.approx(((0.9 - 1) ** 2 + (0.8 - 0) ** 2) / 2)
    del act["A_to_B1"]["interface_status"]  # missing: wrong with confidence 1
    assert score_action(s, act)["status_brier"] == pytest.approx(((0.9 - 1) ** 2 + 1.0) / 2)
    assert score_action(s, None)["status_brier"] == 1.0
    s2 = _tiny(("up", "up", "up"))
    per = [score_action(s, act), score_action(s2, passthrough_like(s2, 0.5))]
    pooled = summarize(per, "default")["status_brier"]
    assert pooled == pytest.approx((per[0]["status_brier"] * 2 + per[1]["status_brier"] * 3) / 5)


def passthrough_like(s, conf):
    return {f: {"rx_rate": (0, t["rx"], conf), "tx_rate": (0, t["tx"], conf),
                "interface_status": (0, t["status"], conf)} for f, t in s["truth"].items()}


def test_detection_auroc_ranks_low_confidence_on_faulted_counters():
    s = _tiny(("up", "up"), faults={"A_to_B0.rx": "dropped", "A_to_B1.tx": "missing", "A_to_B1.status": "x",
                                    "R.origination": "external"})
    act = passthrough_like(s, 0.9)
    act["A_to_B0"]["rx_rate"] = (0, 100.0, 0.2)
    act["A_to_B1"]["tx_rate"] = (0, 50.0, 0.9)  # a tie with both clean counters
    assert score_action(s, act)["detection_auroc"] == pytest.approx((1.0 + 0.5) / 2)
    act["A_to_B1"]["tx_rate"] = (0, 50.0, 0.1)
    assert score_action(s, act)["detection_auroc"] == 1.0
    assert score_action(_tiny(), passthrough_like(_tiny(), 0.5))["detection_auroc"] is None  # nothing faulted
    assert detection_auroc(np.array([0.5, 0.5]), np.array([True, True])) is None


def test_grouped_auroc_equals_pairwise_counts_with_ties():
    rng = np.random.default_rng(4)
    n, groups = 3000, 37
    score = rng.choice([0.0, 0.05, 0.2, 0.5, 1.0], n) + (rng.random(n) < 0.3) * rng.random(n)
    label = rng.random(n) < 0.25
    group = np.sort(rng.integers(groups, size=n))
    got = auroc(score, label, group, groups)
    for g in range(groups):
        m = group == g
        want = ref_auroc(score[m].tolist(), label[m].tolist())
        assert (math.isnan(got[g]) if want is None else got[g] == pytest.approx(want, abs=1e-12, rel=0))
    assert auroc(score, label)[0] == pytest.approx(ref_auroc(score.tolist(), label.tolist()), abs=1e-12, rel=0)


def test_pooled_detection_auroc_and_status_brier_in_evaluate(scen):
    s, per = evaluate(symmetry, scen[:20], isolate=False)
    conf = np.concatenate([m["conf"] for m in per])
    faulted = np.concatenate([m["faulted"] for m in per])
    assert s["detection_auroc"] == pytest.approx(ref_auroc((1 - conf).tolist(), faulted.tolist()), abs=1e-12)
    assert 0.5 < s["detection_auroc"] <= 1.0  # symmetry is less sure where faults are
    assert summarize(per, "default") == s  # pooling from the per-scenario dicts gives the same summary
    assert 0.0 <= s["status_brier"] < 0.25


def test_ece_matches_the_binned_loop():
    rng = np.random.default_rng(5)
    c = np.concatenate([rng.random(5000), [0.0, 1.0, 0.1, 0.7]])
    e = (rng.random(len(c)) < c).astype(float)
    assert ece(c, e) == pytest.approx(ref_ece(c, e), abs=1e-12, rel=0)
    assert ece(np.array([1.5, -0.5, 0.3]), np.array([1.0, 0.0, 0.0])) == pytest.approx(
        ref_ece(np.array([1.5, -0.5, 0.3]), np.array([1.0, 0.0, 0.0])), abs=1e-12)


# --------------------------------------------------------------------------- §10 seed groups


def _grouped(scenarios, groups):
    out = []
    for s, g in zip(scenarios, groups, strict=True):
        s = dict(s)
        s["labels"] = {**(s.get("labels") or {}), "seed_group": g}
        out.append(s)
    return out


def test_seed_groups_report_mean_and_std_over_groups(scen):
    base = scen[:12]
    sc = _grouped(base, [0, 1, 2] * 4)
    s, per = evaluate(symmetry, sc, isolate=False)
    assert [m["seed_group"] for m in per] == [0, 1, 2] * 4
    by = s["score_by_seed_group"]
    assert list(by) == ["0", "1", "2"] and s["n_seed_groups"] == 3
    for g in range(3):
        assert by[str(g)] == pytest.approx(np.mean([reward_of(m, "default") for m in per[g::3]]), abs=1e-12)
    assert s["score_group_mean"] == pytest.approx(np.mean(list(by.values())), abs=1e-12)
    assert s["score_group_std"] == pytest.approx(np.std(list(by.values()), ddof=1), abs=1e-12)
    ref = evaluate(symmetry, sc, "reference", isolate=False)[0]
    assert ref["score_by_seed_group"]["1"] == pytest.approx(np.mean([m["combined"] for m in per[1::3]]), abs=1e-12)
    plain = evaluate(symmetry, _grouped(base, [None] * 12), isolate=False)[0]
    assert not {"score_by_seed_group", "score_group_std", "score_group_mean"} & set(plain)
    # in-place labels are read afresh even when the truth table is cached
    partial = _grouped(base, [5] * 11 + [None])
    assert "score_by_seed_group" not in evaluate(symmetry, partial, isolate=False)[0]
    partial[-1]["labels"]["seed_group"] = 6
    one = evaluate(symmetry, partial, isolate=False)[0]
    assert one["n_seed_groups"] == 2 and set(one["score_by_seed_group"]) == {"5", "6"}


def test_cli_json_has_the_new_metrics(monkeypatch, capsys, scen):
    import adrs.envs.telemetry.cli as cli

    sc = _grouped(scen[:9], [10, 11, 12] * 3)
    monkeypatch.setattr(cli, "load_scenarios", lambda config: sc)
    args = argparse.Namespace(env="telemetry-repair", policy="symmetry", preset=None, traces=None, split=None,
                              assignments=["split=train"], json=True)
    assert cli.run_command(args) == 0
    out = json.loads(capsys.readouterr().out)
    for k in ("status_brier", "detection_auroc", "score_by_seed_group", "score_group_mean", "score_group_std"):
        assert k in out, k
    assert set(out["score_by_seed_group"]) == {"10", "11", "12"}
    args.json = False
    assert cli.run_command(args) == 0
    text = capsys.readouterr().out
    assert "status_brier" in text and "seed groups" in text


def test_failed_and_empty_scenarios():
    empty = {"obs": {}, "truth": {}, "labels": {}}
    for a in (None, {}, {"x": 1}, [1]):
        got = score_actions([empty], [a])[0]
        assert_same(got, ref_score(empty, a))
