"""The online env: SimPy arrivals, window parity with §7, peek budget (exploit 5), no peeking at the future."""

import argparse
import json

import numpy as np
import pytest

import adrs.envs.txn  # noqa: F401  (registers the envs until adrs.envs imports them)
from adrs.envs.txn.cli import run_command
from adrs.envs.txn.config import TxnOnlineConfig
from adrs.envs.txn.online import TxnSchedulingOnlineEnv
from adrs.envs.txn.online_eval import evaluate_online, window_fifo, window_smf
from adrs.envs.txn.sources import load_instances
from adrs.registry import make
from adrs.simulators.txn import kernel as K
from adrs.simulators.txn.oracle import BudgetExceeded

from .txn_helpers import reference_workloads

UNIT = "train:tpcc-s101"


def total(window):
    cfg = TxnOnlineConfig(workload="ref", window=window, eval_seeds=1)
    out = evaluate_online(window_smf, load_instances("ref"), cfg)
    assert out["valid"], out["reason"]
    return [r["makespan"] for r in out["workloads"]]


def test_batch_window_parity_with_reference():
    reference_workloads()
    assert total(1) == [452, 38, 47]
    assert total(5) == [291, 49, 45]
    assert total(10) == [249, 55, 40]


def test_batch_window_1_equals_offline_fifo_on_generated():
    inst = load_instances(UNIT)[0]
    out = evaluate_online(window_fifo, [inst], TxnOnlineConfig(workload=UNIT, eval_seeds=1))
    assert out["workloads"][0]["makespan"] == K.cost(inst.workload.arrays, range(100)) == inst.fifo


def test_peek_budget_violation_is_recorded_even_if_caught_and_invalidates():
    def greedy_peeker(obs, oracle, rng):
        try:
            for _ in range(6):
                oracle.peek(0)
        except BudgetExceeded:
            pass
        return int(obs["action_mask"].sum()) - 1

    cfg = TxnOnlineConfig(workload=UNIT, window=5, eval_seeds=1)
    out = evaluate_online(greedy_peeker, load_instances(UNIT), cfg)
    assert not out["valid"] and "peek-budget" in out["reason"] and out["workloads"][0]["fallbacks"] == 100
    loose = evaluate_online(greedy_peeker, load_instances(UNIT), TxnOnlineConfig(workload=UNIT, window=5,
                                                                                  eval_seeds=1, strict=False))
    assert loose["valid"] and loose["total_makespan"] == load_instances(UNIT)[0].fifo  # head fallback = FIFO


def test_no_observation_shows_a_transaction_before_its_arrival():
    times = tuple(float(3 * i) for i in range(100))
    env = make("txn-scheduling-online", workload=UNIT, arrival="trace", arrival_times=times, window=4,
               max_wait=0.0)
    obs, _ = env.reset(seed=0)
    seen_before_arrival = 0
    done = False
    while not done:
        clock = obs["clock"][0]
        arr = obs["arrival"][obs["action_mask"] == 1]
        seen_before_arrival += int((arr > clock).sum())
        for t in env.unwrapped.window:
            assert times[t] <= clock
        obs, _, done, _, info = env.step(0)
    assert seen_before_arrival == 0 and info["latency_mean"] >= 0
    # arrivals spread over time: starts respect the release ⌊τ⌋ + 1
    assert info["makespan"] >= times[-1]


def test_partial_visibility_hides_ops_but_scoring_uses_full_sets():
    env = TxnSchedulingOnlineEnv(workload=UNIT, visibility="partial", reveal_p=0.0, window=3)
    obs, _ = env.reset(seed=1)
    assert set(np.unique(obs["ops_type"])) <= {0, 3} and (obs["ops_key"] == -1).all()
    done = False
    while not done:
        obs, _, done, _, info = env.step(0)
    assert info["makespan"] == K.cost(env.arrays, info["schedule"])


def test_cli_online_json(capsys):
    args = argparse.Namespace(env="txn-scheduling-online", policy="window-smf", preset=None, traces=None,
                              split=None, assignments=["workload=train:twoclass-s101", "eval_seeds=1"],
                              json=True, per_run=False, mode="auto")
    assert run_command(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] and out["n_runs"] == 1 and out["total_makespan"] > 0
    with pytest.raises(ValueError):
        make("txn-scheduling-online", visibility="psychic")


def test_hot_visibility_shows_cold_ops_as_untracked():
    env = TxnSchedulingOnlineEnv(workload="train:ycsb-s101", visibility="hot", hot_keys=4, window=100)
    obs, _ = env.reset(seed=0)
    shown = obs["ops_key"][obs["ops_type"] > 0]
    assert 0 < len(np.unique(shown)) <= 4 and (obs["ops_type"] == 0).sum() > (obs["ops_type"] > 0).sum()
