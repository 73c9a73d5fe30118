"""Parity with txn-scheduling.md §3 and §7 on W1–W3 (reads ../shared/data; skips without it)."""

import random

import pytest

from adrs.envs.txn import baselines as B
from adrs.simulators.txn import kernel as K
from adrs.simulators.txn.bounds import lower_bounds
from adrs.simulators.txn.oracle import CostOracle, WorkloadView

from .txn_helpers import reference_workloads, run


def test_fifo_452_38_47_total_537():
    ms = [K.cost(w.arrays, range(w.n)) for w in reference_workloads()]
    assert ms == [452, 38, 47] and sum(ms) == 537


def test_lower_bounds_slot_chain_lb():
    bounds = [lower_bounds(w.arrays) for w in reference_workloads()]
    assert [(b.longest, b.slot, b.chain, b.lb) for b in bounds] == [(16, 67, 66, 67), (21, 22, 33, 33),
                                                                   (9, 18, 25, 25)]
    assert sum(b.lb for b in bounds) == 125


@pytest.mark.parametrize("k, expected, calls", [(10, [244, 55, 53], 946), (5, [280, 56, 66], 486),
                                                (100, [236, 55, 40], 4951)])
def test_smf_reference_protocol_seed_42(k, expected, calls):
    rand = random.Random(42)  # random.seed(42) once, then W1, W2, W3 in order
    got = []
    for wl in reference_workloads():
        oracle = CostOracle(wl.arrays, None)
        order = B.smf_reference(WorkloadView(wl.arrays), oracle, k, rand)
        assert sorted(order) == list(range(wl.n)) and oracle.calls == calls
        got.append(K.cost(wl.arrays, order))
    assert got == expected


@pytest.mark.parametrize("policy, expected, calls", [
    (B.smf_deterministic, [228, 55, 39], [4951] * 3),
    (B.greedy_insertion, [176, 33, 45], [5051] * 3),
    (B.local_search, [172, 33, 43], [34751, 19901, 34751]),
])
def test_deterministic_baselines(policy, expected, calls):
    results = [run(policy, wl) for wl in reference_workloads()]
    assert [r[0] for r in results] == expected and [r[1] for r in results] == calls


def test_env_protocol_smf_calls_and_range():
    for wl, (lo, hi) in zip(reference_workloads(), [(220, 290), (50, 60), (38, 90)], strict=True):
        m, calls, _ = run(lambda w, o, r: B.smf(w, o, r, 10), wl, seed=3)
        assert calls == 946 and lo <= m <= hi


def test_random_order_distribution_matches_the_doc():
    import numpy as np

    expected = [(434, 402, 465), (53, 49, 57), (167, 135, 204)]  # mean, p5, p95 over 5,000 permutations
    for wl, (mean, p5, p95) in zip(reference_workloads(), expected, strict=True):
        rng = np.random.default_rng(0)
        ms = np.array([K.cost(wl.arrays, rng.permutation(wl.n)) for _ in range(2000)])
        assert abs(ms.mean() - mean) <= 0.02 * mean
        assert abs(np.percentile(ms, 5) - p5) <= 4 and abs(np.percentile(ms, 95) - p95) <= 4
