"""The §2 cost model: worked example, kernel vs plain-Python vs list-based reference, properties, oracle."""

import numpy as np
import pytest

from adrs.simulators.txn import kernel as K
from adrs.simulators.txn import pure
from adrs.simulators.txn.bounds import lower_bounds
from adrs.simulators.txn.oracle import BudgetExceeded, CostOracle
from adrs.traces.txn.generators import generate
from adrs.traces.txn.workload import from_strings

from .txn_helpers import reference_workloads

EXAMPLE = from_strings(["r-1 w-2 *", "w-2 r-1", "r-2 * w-1", "r-1 r-2"])


def test_worked_example():
    starts, ends = K.times(EXAMPLE.arrays, [0, 1, 2, 3])
    assert starts.tolist() == [1, 3, 4, 7] and ends.tolist() == [3, 4, 6, 8]
    assert K.cost(EXAMPLE.arrays, [0, 1, 2, 3]) == 8
    assert K.cost(EXAMPLE.arrays, [0, 3, 1, 2]) == 7
    sharing = from_strings(["w-1", "* * * r-1", "r-1 *", "w-1"])
    assert K.times(sharing.arrays, [0, 1, 2, 3])[0].tolist() == [1, 1, 2, 5]
    assert K.cost(sharing.arrays, [0, 1, 2, 3]) == 5


def test_empty_and_single_and_same_key_twice():
    assert K.cost(EXAMPLE.arrays, []) == 0
    assert K.cost(EXAMPLE.arrays, [2]) == 3
    # ops of one transaction never constrain each other, even on the same key
    wl = from_strings(["w-1 r-1 w-1", "w-1 r-1"])
    assert K.cost(wl.arrays, [0]) == 3
    assert K.times(wl.arrays, [0, 1])[0].tolist() == [1, 4]  # T1's write waits for T0's last op (slot 3)


def _cross_check(wl, n_perms, seed):
    rng = np.random.default_rng(seed)
    for i in range(n_perms):
        perm = rng.permutation(wl.n)
        if i % 3 == 1:
            perm = perm[: int(rng.integers(1, wl.n + 1))]
        k = K.cost(wl.arrays, perm)
        assert k == pure.array_cost(wl.arrays, perm.tolist())
        assert k == pure.reference_cost(wl.parsed, wl.lengths, perm.tolist())


@pytest.mark.parametrize("template", ["ycsb", "tpcc", "smallbank", "twoclass"])
def test_kernel_matches_both_python_models_on_generated(template):
    _cross_check(generate(template, 60, 5), 60, 1)


def test_kernel_matches_both_python_models_on_reference_300_each():
    for wl in reference_workloads():
        _cross_check(wl, 300, 2)


def test_properties_append_bounds_and_lb():
    wl = generate("ycsb", 80, 9)
    a = wl.arrays
    lb = lower_bounds(a).lb
    rng = np.random.default_rng(0)
    for _ in range(20):
        perm = rng.permutation(wl.n)
        lw, la = a.new_state()
        m = 0
        for t in perm:
            s, e = K.peek(int(t), a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, lw, la, 1)
            K.commit(int(t), s, a.op_ptr, a.op_key, a.op_pos, a.op_write, lw, la)
            new = max(m, int(e))
            assert 0 <= new - m <= a.length[t]
            m = new
        assert m == K.cost(a, perm) and lb <= m <= int(a.length.sum())


def test_oracle_counts_peeks_appends_and_budget():
    wl = generate("tpcc", 30, 1)
    oracle = CostOracle(wl.arrays, 5)
    p = oracle.prefix()
    assert p.peek(3) >= 1 and oracle.calls == 1
    p.append(3)  # peeked: free
    assert oracle.calls == 1
    p.append(4)  # not peeked: 1 call
    assert oracle.calls == 2 and p.makespan == K.cost(wl.arrays, [3, 4])
    assert p.peek_many([0, 1]).tolist() == [K.cost(wl.arrays, [3, 4, t]) for t in (0, 1)]
    assert oracle.calls == 4 and oracle.calls_left() == 1
    with pytest.raises(ValueError):
        p.append(3)
    with pytest.raises(BudgetExceeded):
        p.peek_many([5, 6])
    try:
        oracle.cost([0, 1, 2])
        oracle.cost([0])
    except BudgetExceeded:
        pass  # a policy catching the exception is still recorded
    assert oracle.violations == 2 and oracle.calls == 5
