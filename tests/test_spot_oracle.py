"""Tests for the omniscient single-region DP (``adrs.simulators.spot.oracle``; spec §6.5).

The DP is checked against a pure-Python brute force that enumerates every action sequence through
its own straightforward §2.2 tick loop. It is also checked against the worked example of §2.2 and
the §5.1 parity numbers over the 1080 reference runs.
"""

from __future__ import annotations

import json
import math
import tarfile
import time
from collections.abc import Callable

import numpy as np
import pytest

from adrs.paths import shared_data_dir
from adrs.simulators.spot.oracle import omniscient_cost, omniscient_costs, omniscient_plan

NONE, SPOT, OD = 0, 1, 2
H = 3600.0
P_SPOT, P_OD = 0.9731, 3.06

# --------------------------------------------------------------------------------------------------
# An independent §2.2 tick loop (no guard). ``avail[k]`` is 1 when spot is available at tick k; ticks
# beyond the array are unavailable.


def _bill_credit(prev, r, P, cost, g, C, price):
    """Steps 1 and 4 for the interval [k-1, k) that ran ``prev``."""
    cost += (price[prev] * g) / 3600
    if prev != NONE:
        p = max(g - r, 0)
        r = r - (g - p)
        if r < 1e-3:
            r = 0
        p = min(p, C - P)
        P += p
    return r, P, cost


def _simulate(avail, g, C, R, d, ps, po, policy: Callable) -> tuple[float, int | None]:
    """Run ``policy(k, cur, r, P, a_k) -> action`` until completion or tick K.

    Returns (cost, finish tick), or (cost, None) if the job is unfinished at K.
    """
    K, price = math.floor(R / g), (0.0, ps, po)
    prev, r, P, cost = NONE, 0.0, 0.0, 0.0
    for k in range(K + 1):
        a = k < len(avail) and bool(avail[k])
        if k > 0:
            r, P, cost = _bill_credit(prev, r, P, cost, g, C, price)
            if C - P <= 1e-8:
                return cost, k
        if k == K:
            break
        cur = NONE if prev == SPOT and not a else prev
        e = policy(k, cur, r, P, a)
        if e == SPOT and not a:
            e = NONE  # step 8
        if e != NONE and e != cur:
            r = d  # step 9
        prev = e
    return cost, None


def _brute_force(avail, g, C, R, d, ps, po) -> float:
    """Minimum cost over all action sequences that finish by K (inf if none), by plain recursion."""
    K, price = math.floor(R / g), (0.0, ps, po)
    best = math.inf

    def tick(k, prev, r, P, cost):
        nonlocal best
        a = k < len(avail) and bool(avail[k])
        if k > 0:
            r, P, cost = _bill_credit(prev, r, P, cost, g, C, price)
            if C - P <= 1e-8:
                best = min(best, cost)
                return
        if k == K:
            return
        cur = NONE if prev == SPOT and not a else prev
        for e in (NONE, SPOT, OD):
            if e == SPOT and not a:
                continue  # step 8 would execute NONE: the same as the NONE branch
            tick(k + 1, e, d if e not in (NONE, cur) else r, P, cost)

    tick(0, NONE, 0.0, 0.0, 0.0)
    return best


def _replay(avail, g, C, R, d, ps, po, actions) -> tuple[float, int | None]:
    return _simulate(avail, g, C, R, d, ps, po, lambda k, cur, r, P, a: int(actions[k]))


def _greedy(g, C, R, d) -> Callable:
    """Greedy with safety net (spec §6.2) over the post-preemption type."""

    def policy(k, cur, r, P, a):
        W, left = C - P, math.floor((R - k * g) / g)
        if W <= 1e-9:
            return NONE
        if math.ceil((W + d) / g) >= left:
            return OD
        if math.ceil((W + 2 * d) / g) >= left:
            return SPOT if cur == SPOT and a else OD
        return SPOT if a else NONE

    return policy


def _random_tiny(rng) -> tuple:
    """A tiny random instance (K <= 8) for the brute force: mostly the reference-like grid, plus
    instances with non-integer g, C and d and arbitrary prices, where spot may cost more than OD."""
    if rng.random() < 0.7:
        g, ps, po = 600.0, P_SPOT, P_OD
        C = float(rng.choice([1200.0, 1800.0, 2400.0]))
        d = float(rng.choice([0.0, 120.0, 720.0]))
    else:
        g = float(rng.choice([600.0, 195.0, 100.0]))
        C, d = float(rng.uniform(0.3, 4.0) * g), float(rng.uniform(0.0, 1.7) * g)
        ps, po = float(rng.uniform(0.05, 4.0)), float(rng.uniform(0.5, 4.0))
        u = rng.random()
        if u < 0.15:  # free spot or free on-demand
            ps, po = (0.0, po) if u < 0.1 else (ps, 0.0)
        elif u < 0.3:  # overheads at the 1e-3 s zeroing threshold or at multiples of g
            d = float(rng.choice([1e-4, 5e-4, 2e-3, g - 5e-4, g, 2 * g]))
    K = int(rng.integers(1, 9))
    R = (K + float(rng.uniform(0.0, 0.99))) * g
    n_ticks = max(1, K + 1 + int(rng.integers(-2, 2)))  # sometimes shorter than K + 1
    avail = (rng.random(n_ticks) < rng.uniform(0.1, 1.0)).astype(np.uint8)
    return avail, g, C, R, d, ps, po


# --------------------------------------------------------------------------------------------------
# Exactness on tiny instances


def test_dp_equals_brute_force_on_random_tiny_instances():
    rng = np.random.default_rng(20251030)
    n_feasible = 0
    for _ in range(400):
        inst = _random_tiny(rng)
        want = _brute_force(*inst)
        got = omniscient_cost(*inst)
        assert got == want, (inst, got, want)  # bit-exact, inf included
        cost, plan = omniscient_plan(*inst)
        assert cost == got
        if math.isfinite(want):
            n_feasible += 1
            replay_cost, finish = _replay(*inst, plan)
            assert (replay_cost, finish) == (cost, len(plan)), (inst, plan)
            assert finish <= math.floor(inst[3] / inst[1])
            avail = inst[0]
            assert all(a != SPOT or (k < len(avail) and avail[k]) for k, a in enumerate(plan))
        else:
            assert plan.size == 0
    assert n_feasible >= 250


def test_batch_equals_single_and_is_deterministic():
    rng = np.random.default_rng(7)
    n, T, g = 40, 130, 600.0
    avail = (rng.random((n, T)) < rng.uniform(0.2, 0.95, (n, 1))).astype(np.uint8)
    C = rng.choice([20, 30, 40], n) * g
    R = rng.choice([60, 90, 120], n) * g
    d = rng.choice([0.0, 72.0, 720.0, 1440.0], n)
    ps = rng.uniform(0.5, 1.5, n)
    single = np.array([omniscient_cost(avail[i], g, C[i], R[i], d[i], ps[i], P_OD) for i in range(n)])
    two = omniscient_costs(avail.astype(bool), g, C, R, d, ps, P_OD, n_threads=2)
    one = omniscient_costs(avail, g, C, R, d, ps, P_OD, n_threads=1)
    assert np.array_equal(single, two) and np.array_equal(single, one)
    assert np.isfinite(single).all()


def test_dp_lower_bounds_simple_policies_and_plans_replay():
    rng = np.random.default_rng(11)
    g = 600.0
    for _ in range(30):
        T = 150
        avail = (rng.random(T) < rng.uniform(0.1, 1.0)).astype(np.uint8)
        C, R, d = float(rng.choice([30, 50]) * g), float(rng.choice([70, 100, 140]) * g), 720.0
        cost, plan = omniscient_plan(avail, g, C, R, d, P_SPOT, P_OD)
        assert _replay(avail, g, C, R, d, P_SPOT, P_OD, plan) == (cost, len(plan))
        for policy in (_greedy(g, C, R, d), lambda *_: OD, lambda k, cur, r, P, a: SPOT if a else OD):
            pc, finish = _simulate(avail, g, C, R, d, P_SPOT, P_OD, policy)
            if finish is not None:
                assert cost <= pc


# --------------------------------------------------------------------------------------------------
# Spec §2.2 examples


def test_worked_example_of_section_2_2():
    bits = np.array([0, 0, 1, 0, 0, 0, 1, 0, 0])
    avail = 1 - bits
    g, C, d = 600.0, 1200.0, 720.0
    spot_if_avail = lambda k, cur, r, P, a: SPOT if a else NONE  # noqa: E731
    cost, finish = _simulate(avail, g, C, 4800.0, d, P_SPOT, P_OD, spot_if_avail)
    assert finish == 6 and cost == pytest.approx(0.8109167, abs=1e-7)
    dp = omniscient_cost(avail, g, C, 4800.0, d, P_SPOT, P_OD)
    assert dp <= cost
    assert dp == _brute_force(avail, g, C, 4800.0, d, P_SPOT, P_OD)
    # R = 3000 s (K = 5): the guarded always-NONE run costs 2.04 $ (on-demand only); the DP is cheaper.
    dp5, plan5 = omniscient_plan(avail, g, C, 3000.0, d, P_SPOT, P_OD)
    assert dp5 <= 2.04 and dp5 == _brute_force(avail, g, C, 3000.0, d, P_SPOT, P_OD)
    assert len(plan5) <= 5


@pytest.mark.parametrize("d, want", [(72.0, 147.39), (720.0, 147.90), (1440.0, 148.41)])
def test_on_demand_only_when_spot_never_available(d, want):
    g, C, R = 600.0, 48 * H, 52 * H
    cost = omniscient_cost(np.zeros(313, np.uint8), g, C, R, d, P_SPOT, P_OD)
    ref = 0.0
    for _ in range(math.ceil((C + d) / g)):
        ref += (P_OD * g) / 3600
    assert cost == ref and round(cost, 2) == want


def test_infeasible_and_invalid_inputs():
    g, C, d = 600.0, 1200.0, 720.0
    assert omniscient_cost(np.ones(10, np.uint8), g, C, 3 * g, d, P_SPOT, P_OD) == math.inf  # need 4 ticks
    cost, plan = omniscient_plan(np.ones(10, np.uint8), g, C, 3 * g, d, P_SPOT, P_OD)
    assert cost == math.inf and plan.size == 0
    assert omniscient_cost(np.ones(10, np.uint8), g, C, 4 * g, d, P_SPOT, P_OD) == 4 * ((P_SPOT * g) / 3600)
    with pytest.raises(ValueError):
        omniscient_cost(np.ones(10, np.uint8), g, C, 4 * g, d, -1.0, P_OD)
    with pytest.raises(ValueError):
        omniscient_costs(np.ones(10, np.uint8), g, C, 4 * g, d, P_SPOT, P_OD)


# --------------------------------------------------------------------------------------------------
# Parity with spec §5.1 over the 1080 reference runs

ENVS = ("us-west-2a_k80_1", "us-west-2b_k80_1", "us-west-2a_v100_1", "us-west-2b_v100_1")
WINDOWS = (0, 8, 9, 20, 21, 33, 42, 51, 61, 70, 99, 107, 117, 126, 135, 145, 154, 163, 172, 182, 191,
           219, 228, 238, 247, 256, 266, 275, 284, 294)
DEADLINES_H, OVERHEADS_H = (52, 70, 92), (0.02, 0.2, 0.4)
CELLS = {(52, 0.02): 85.31, (52, 0.2): 93.83, (52, 0.4): 102.77, (70, 0.02): 73.28, (70, 0.2): 80.14,
         (70, 0.4): 85.94, (92, 0.02): 66.01, (92, 0.2): 70.84, (92, 0.4): 75.77}
PER_ENV = {"us-west-2a_k80_1": 48.5, "us-west-2b_k80_1": 121.9, "us-west-2a_v100_1": 68.5,
           "us-west-2b_v100_1": 87.3}


def _read_reference_tarball(path) -> dict[str, np.ndarray]:
    """Raw bits (0 = available) [30 windows, n_ticks] per env, streamed from the tarball."""
    prefix = "real/ddl=search+task=48+overhead=0.02/real/"
    want = {f"{prefix}{env}/traces/random_start/{w}.json": (env, i)
            for env in ENVS for i, w in enumerate(WINDOWS)}
    rows: dict[tuple[str, int], list[int]] = {}
    with tarfile.open(path, "r|gz") as tf:
        for member in tf:
            if member.name in want:
                rows[want[member.name]] = json.load(tf.extractfile(member))["data"]
    assert len(rows) == len(want), f"{path}: {len(want) - len(rows)} reference windows missing"
    return {env: np.array([rows[env, i] for i in range(len(WINDOWS))], np.uint8) for env in ENVS}


def _from_loader(ts) -> dict[str, np.ndarray]:
    """Group a loaded reference trace set (``adrs.traces.spot.format.TraceSet``) by env."""
    bits = np.asarray(ts.bits)
    bits = bits.reshape(bits.shape[0], -1)  # [n, 1, T] -> [n, T]
    out: dict[str, list[np.ndarray]] = {env: [] for env in ENVS}
    for row, meta in zip(bits, ts.meta, strict=True):
        text = " ".join(str(meta.get(key, "")) for key in ("family", "zones", "id", "source"))
        env = next((e for e in ENVS if e in text), None)
        assert env is not None, f"cannot tell the env of reference trace {meta}"
        out[env].append(row)
    assert all(len(v) == len(WINDOWS) for v in out.values()), {k: len(v) for k, v in out.items()}
    return {env: np.array(v, np.uint8) for env, v in out.items()}


@pytest.fixture(scope="module")
def reference_runs():
    root = shared_data_dir()
    if root is None:
        pytest.skip("real data not found (set ADRS_DATA or place ../shared/data beside the checkout)")
    try:
        from adrs.traces.spot.importers import load_reference_single
    except ImportError:
        windows = _read_reference_tarball(root / "cant-be-late" / "real_traces.tar.gz")
    else:
        windows = _from_loader(load_reference_single())
    avail, meta = [], []
    for env in ENVS:
        for i in range(len(WINDOWS)):
            for R in DEADLINES_H:
                for d in OVERHEADS_H:
                    avail.append(1 - windows[env][i])
                    meta.append((env, i, R, d))
    avail = np.array(avail, np.uint8)
    R = np.array([m[2] * H for m in meta])
    d = np.array([m[3] * H for m in meta])
    t0 = time.perf_counter()
    costs = omniscient_costs(avail, 600.0, 48 * H, R, d, P_SPOT, P_OD)
    print(f"\nomniscient DP: {len(costs)} runs in {time.perf_counter() - t0:.2f} s")
    return avail, meta, costs


def test_parity_with_spec_section_5_1(reference_runs):
    _, meta, costs = reference_runs
    assert len(costs) == 1080 and np.isfinite(costs).all()
    assert round(float(costs.mean()), 3) == 81.543
    for (R, d), want in CELLS.items():
        cell = [c for c, m in zip(costs, meta, strict=True) if m[2:] == (R, d)]
        assert len(cell) == 120 and round(float(np.mean(cell)), 2) == want, (R, d, np.mean(cell))
    for env, want in PER_ENV.items():
        env_costs = [c for c, m in zip(costs, meta, strict=True) if m[0] == env]
        assert round(float(np.mean(env_costs)), 1) == want, (env, np.mean(env_costs))
    od_only = np.array([math.ceil((48 * H + m[3] * H) / 600) * 600 / H * P_OD for m in meta])
    assert (costs <= od_only + 1e-9).all()


def test_parity_plans_replay_bit_exactly(reference_runs):
    avail, meta, costs = reference_runs
    for j in range(0, len(meta), 97):  # 12 runs spread over envs, windows and cells
        _, _, R, d = meta[j]
        args = (avail[j], 600.0, 48 * H, R * H, d * H, P_SPOT, P_OD)
        cost, plan = omniscient_plan(*args)
        assert cost == costs[j]
        assert _replay(*args, plan) == (cost, len(plan))
        greedy_cost, finish = _simulate(*args, _greedy(600.0, 48 * H, R * H, d * H))
        assert finish is not None and cost <= greedy_cost


def test_private_reader_matches_loader():
    """The fallback tarball reader above and the project loader see the same reference windows."""
    root = shared_data_dir()
    if root is None:
        pytest.skip("real data not found (set ADRS_DATA or place ../shared/data beside the checkout)")
    importers = pytest.importorskip("adrs.traces.spot.importers")
    mine = _read_reference_tarball(root / "cant-be-late" / "real_traces.tar.gz")
    theirs = _from_loader(importers.load_reference_single())
    for env in ENVS:
        assert np.array_equal(mine[env], theirs[env]), env
