"""Optional concurrency-control variants of the §2 cost model (``cc="2pl"``, ``cc="occ"``): hand-computed
toys, kernel vs the independent plain-Python twin, and the env/CLI plumbing. No parity numbers exist."""

import json

import numpy as np
import pytest

from adrs.simulators.txn import kernel as K
from adrs.simulators.txn import pure
from adrs.simulators.txn.bounds import lower_bounds
from adrs.simulators.txn.oracle import CostOracle
from adrs.traces.txn.generators import generate
from adrs.traces.txn.workload import from_strings

EXAMPLE = from_strings(["r-1 w-2 *", "w-2 r-1", "r-2 * w-1", "r-1 r-2"])


def _times(wl, seq, cc):
    s, e = K.times(wl.arrays, seq, cc=cc)
    assert [(a, b) for a, b in zip(s.tolist(), e.tolist(), strict=True)] == pure.cc_times(wl.parsed, wl.lengths,
                                                                                          seq, cc)
    return s.tolist(), e.tolist()


def test_toy_separates_opt_occ_2pl():
    # T0 = r-1 * * *, T1 = * r-1, T2 = w-1 r-1, T3 = r-1; order 0, 1, 2, 3.
    wl = from_strings(["r-1 * * *", "* r-1", "w-1 r-1", "r-1"])
    # opt: T0 1..4 (read slot 1); T1's read needs LW+1 = 1 -> S = 1 (read slot 2); T2's write needs
    # LA+1 = 3 -> S = 3 (w slot 3, r slot 4); T3's read needs LW+1 = 4 -> S = 4. M = 4 (T0 ends 4).
    assert _times(wl, [0, 1, 2, 3], "opt") == ([1, 1, 3, 4], [4, 2, 4, 4])
    # occ: T1's read sees no write -> S = 1 (slot 2, ends 2). T2's write waits for the end of the owner of
    # the latest entry on key 1 (T1's read in slot 2, T1 ends 2) -> slot 3, S = 3, E = 4 (T0 still runs:
    # only the *latest* entry's owner counts). T3's read waits for the end of the latest write's owner
    # (T2, ends 4) -> S = 5. M = 5.
    assert _times(wl, [0, 1, 2, 3], "occ") == ([1, 1, 3, 5], [4, 2, 4, 5])
    # 2pl: T0 holds a shared lock from slot 1 to 4. T1's read shares from the latest read's slot (1) ->
    # S = 1, read in slot 2; the shared lock now ends max(4, 2) = 4, latest read slot 2. T2's write waits
    # for the release: slot 5 -> S = 5, E = 6 (its read after its own write counts as a write). Key 1 is
    # now locked exclusively to 6, so T3's read starts at 7. M = 7.
    assert _times(wl, [0, 1, 2, 3], "2pl") == ([1, 1, 5, 7], [4, 2, 6, 7])
    assert [K.cost(wl.arrays, [0, 1, 2, 3], cc) for cc in ("opt", "occ", "2pl")] == [4, 5, 7]


def test_worked_example_under_variants():
    # Order (0, 1, 2, 3). 2pl: T0 1..3 (key 1 shared, read slot 1; key 2 exclusive to 3). T1's w-2 needs
    # slot 4 -> S = 4, E = 5 (its r-1 shares from slot 1). T2's r-2 follows T1's exclusive lock (ends 5)
    # -> S = 6, E = 8 (its w-1 at p = 3 needs > 5: fine). T3's r-1 follows T2's write lock (ends 8) -> 9.
    assert _times(EXAMPLE, [0, 1, 2, 3], "2pl") == ([1, 4, 6, 9], [3, 5, 8, 10])
    # occ: T1's w-2 waits for T0's end (owner of the write in slot 2) -> S = 4; T2's r-2 waits for T1's
    # end (5) -> S = 6; T3's r-1 waits for T2's end (8, owner of the write in slot 8) -> S = 9. M = 10.
    assert _times(EXAMPLE, [0, 1, 2, 3], "occ") == ([1, 4, 6, 9], [3, 5, 8, 10])
    # Order (0, 3, 1, 2) (opt: M = 7). 2pl: T3's r-1 shares T0's read lock, its r-2 (p = 2) waits for T0's
    # end 3 -> S = 3, E = 4. T1's w-2 waits for T3's shared lock on key 2 (ends 4) -> S = 5, E = 6. T2's
    # r-2 waits for T1's exclusive lock (6) -> S = 7, E = 9. occ gives the same starts: T3's r-2 waits
    # for T0 (3), T1's w-2 for T3 (owner of the latest entry, ends 4), T2's r-2 for T1 (6). M = 9.
    for cc in ("2pl", "occ"):
        assert _times(EXAMPLE, [0, 3, 1, 2], cc) == ([1, 3, 5, 7], [3, 4, 6, 9])


def test_read_sharing_under_variants():
    wl = from_strings(["w-1", "* * * r-1", "r-1 *", "w-1"])
    # opt and occ: the third transaction's read may land before the second's (slot 2 < 4); the final
    # write waits for slot 4 (opt) or for the end of its owner, T1, also 4 (occ). M = 5.
    for cc in ("opt", "occ"):
        assert _times(wl, [0, 1, 2, 3], cc) == ([1, 1, 2, 5], [1, 4, 3, 5])
    # 2pl: a read after reads shares from the latest read's slot (4), so T2 starts at 4 and extends the
    # shared lock to 5; the write starts at 6.
    assert _times(wl, [0, 1, 2, 3], "2pl") == ([1, 1, 4, 6], [1, 4, 5, 6])


def test_occ_slot_tie_takes_the_later_end_and_2pl_read_after_own_write():
    # T0 = r-1 * * (ends 3) and T1 = r-1 (ends 1) both read key 1 in slot 1; T2 = w-1 waits for the later
    # owner's end, 3, in either order -> S = 4.
    wl = from_strings(["r-1 * *", "r-1", "w-1"])
    for seq in ([0, 1, 2], [1, 0, 2]):
        assert _times(wl, seq, "occ")[0][2] == 4
    # 2pl: T0 = w-1 r-1 holds key 1 exclusively (its read counts as a write), so T1 = r-1 cannot share:
    # it starts at T0's end + 1 = 3.
    wl = from_strings(["w-1 r-1", "r-1"])
    assert _times(wl, [0, 1], "2pl") == ([1, 3], [2, 3])


@pytest.mark.parametrize("cc", ["2pl", "occ"])
@pytest.mark.parametrize("template", ["ycsb", "tpcc", "smallbank", "twoclass"])
def test_kernel_matches_twin_on_random_permutations(template, cc):
    wl = generate(template, 40, 3)
    lb = lower_bounds(wl.arrays).lb
    rng = np.random.default_rng(4)
    for i in range(40):
        perm = rng.permutation(wl.n)
        if i % 3 == 1:
            perm = perm[: int(rng.integers(1, wl.n + 1))]
        k = K.cost(wl.arrays, perm, cc)
        assert k == pure.cc_cost(wl.parsed, wl.lengths, perm.tolist(), cc)
        if perm.size == wl.n:
            assert lb <= k <= int(wl.arrays.length.sum())


def test_twin_opt_matches_kernel_and_incremental_state():
    wl = generate("tpcc", 40, 2)
    rng = np.random.default_rng(0)
    for _ in range(10):
        perm = rng.permutation(wl.n)
        assert K.cost(wl.arrays, perm) == pure.cc_cost(wl.parsed, wl.lengths, perm.tolist(), "opt")
    for cc in K.CC_MODES:
        oracle = CostOracle(wl.arrays, None, cc=cc)
        p = oracle.prefix()
        for t in perm[:20].tolist():
            peeks = p.peek_many([t])
            assert p.append(t) == peeks[0] == K.cost(wl.arrays, p.sequence, cc)
        assert oracle.cost(perm) == K.cost(wl.arrays, perm, cc)


def test_config_and_env_accept_cc():
    import adrs
    from adrs.config import ConfigError
    from adrs.envs.txn.config import TxnConfig

    with pytest.raises(ConfigError):
        TxnConfig(cc="mvcc")
    spec = json.dumps({"template": "twoclass", "n": 12, "seed": 1})
    order = list(range(12))
    for cc in K.CC_MODES:
        expected = K.cost(generate("twoclass", 12, 1).arrays, order, cc)
        env = adrs.make("txn-scheduling", workload=spec, cc=cc)
        env.reset(seed=0)
        assert env.step(order)[4]["makespan"] == expected
        env = adrs.make("txn-scheduling", workload=spec, cc=cc, mode="sequential")
        env.reset(seed=0)
        for t in order:
            info = env.step(t)[4]
        assert info["makespan"] == expected


def test_cli_run_with_2pl(capsys):
    from adrs.cli import main

    rc = main(["run", "txn-scheduling", "--set", "cc=2pl", "--set", 'workload={"template": "ycsb", "n": 30, '
               '"seed": 1}', "--policy", "fifo", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["valid"]
    wl = generate("ycsb", 30, 1)
    assert out["total_makespan"] == K.cost(wl.arrays, range(30), "2pl") == out["total_fifo"]


@pytest.mark.parametrize("cc", ["2pl", "occ"])
def test_online_batch_fifo_equals_offline_fifo_under_variant(cc):
    from adrs.envs.txn.config import TxnOnlineConfig
    from adrs.envs.txn.online_eval import evaluate_online, window_fifo
    from adrs.envs.txn.sources import load_instances

    unit = "train:tpcc-s101"
    inst = load_instances(unit, cc=cc)[0]
    out = evaluate_online(window_fifo, [inst], TxnOnlineConfig(workload=unit, eval_seeds=1, cc=cc))
    assert out["valid"], out["reason"]
    assert out["workloads"][0]["makespan"] == K.cost(inst.workload.arrays, range(100), cc) == inst.fifo
    assert inst.fifo > load_instances(unit)[0].fifo  # held-to-commit conflicts serialise more than opt (59)


def test_evolve_task_refuses_a_variant():
    from adrs.config import ConfigError
    from adrs.envs.txn.config import TxnConfig
    from adrs.envs.txn.evolve import TxnTask

    with pytest.raises(ConfigError):
        TxnTask(TxnConfig(cc="2pl"))
