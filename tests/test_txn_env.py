"""The offline gymnasium env: registration, one-step and sequential forms, config, CLI JSON."""

import argparse
import json

import gymnasium as gym
import numpy as np
import pytest

import adrs.envs.txn  # noqa: F401  (registers txn-scheduling until adrs.envs imports it)
from adrs.config import ConfigError
from adrs.envs.txn.cli import run_command
from adrs.envs.txn.offline import InvalidAction, Permutation
from adrs.registry import make
from adrs.simulators.txn import kernel as K

from .txn_helpers import reference_workloads

UNIT = "train:tpcc-s101"


def test_registration_and_gym_id():
    env = make("txn-scheduling", workload=UNIT)
    obs, info = env.reset(seed=0)
    assert obs["ops_type"].shape == (100, 21) and info["instance"] == "tpcc-s101"
    env2 = gym.make("adrs/TxnScheduling-v0", workload=UNIT)
    assert env2.reset(seed=0)[1]["lb"] == info["lb"]


def test_one_step_recomputes_makespan_and_rewards_minus_m_over_lb():
    env = make("txn-scheduling", workload=UNIT)
    _, info = env.reset(seed=0)
    _, reward, term, trunc, info = env.step(np.arange(100))
    assert term and not trunc and info["makespan"] == info["fifo"]
    assert reward == pytest.approx(-info["fifo"] / info["lb"])


def test_permutation_space_accepts_exact_permutations_only():
    space = Permutation(5, seed=0)
    assert space.contains(space.sample()) and space.contains([4, 3, 2, 1, 0])
    for bad in ([0, 1, 2, 3], [0, 1, 2, 3, 3], [0, 1, 2, 3, 5], [0.0, 1, 2, 3, 4], [True, 0, 2, 3, 4], []):
        assert not space.contains(bad)


def test_sequential_return_is_minus_makespan_and_repeats_raise():
    env = make("txn-scheduling", workload=UNIT, mode="sequential")
    obs, _ = env.reset(seed=0)
    order = np.random.default_rng(1).permutation(100)
    total = 0.0
    for t in order[:50]:
        obs, r, term, _, _ = env.step(int(t))
        total += r
    assert obs["action_mask"][order[:50]].sum() == 0 and obs["makespan"][0] == -total
    with pytest.raises(InvalidAction):
        env.step(int(order[0]))
    for t in order[50:]:
        obs, r, term, _, info = env.step(int(t))
        total += r
    assert term and -total == info["makespan"] == K.cost(env.unwrapped.arrays, order)


def test_penalize_truncates_with_serial_bound():
    env = make("txn-scheduling", workload=UNIT, mode="sequential", invalid_action="penalize")
    env.reset(seed=0)
    env.step(3)
    _, r, term, trunc, _ = env.step(3)
    assert trunc and not term and r == -float(env.unwrapped.arrays.length.sum())


def test_unknown_config_keys_and_values_are_rejected():
    with pytest.raises(ConfigError, match="unknown config key"):
        make("txn-scheduling", worklaod="train")
    with pytest.raises(ConfigError, match="mode"):
        make("txn-scheduling", mode="batch")
    with pytest.raises(ConfigError, match="budget"):
        make("txn-scheduling", budget="lots")


def _args(**kw):
    base = dict(env="txn-scheduling", policy="fifo", preset=None, traces=None, split=None, assignments=[],
                json=True, per_run=False, mode="auto")
    return argparse.Namespace(**{**base, **kw})


def test_cli_json_fields(capsys):
    assert run_command(_args(policy="smf-10", split="holdout")) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("env", "policy", "n_runs", "total_makespan", "gap_to_bound", "oracle_calls", "score", "workloads"):
        assert key in out
    assert out["n_runs"] == 3 * len(out["workloads"]) and out["valid"]
    assert run_command(_args(policy="nope")) == 2


def test_cli_reference_preset_fifo(capsys, tmp_path):
    reference_workloads()
    assert run_command(_args(preset="reference", plot=str(tmp_path / "g.png"))) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total_makespan"] == 537 and out["total_lb"] == 125 and out["oracle_calls"] == 3
    assert out["score"] == pytest.approx(np.mean([1 - 452 / 244, 1 - 38 / 55, 1 - 47 / 53]))
    assert (tmp_path / "g.png").stat().st_size > 1000


def test_embedded_default_works_without_shared_data(tmp_path, monkeypatch):
    from adrs.paths import DataNotFoundError

    monkeypatch.setenv("ADRS_DATA", str(tmp_path))
    env = make("txn-scheduling")
    _, info = env.reset(seed=0)
    assert info["instance"] in {"ycsb-s101", "ycsb-s202", "ycsb-s303", "ycsb-s404", "tpcc-s101", "tpcc-s202",
                                "tpcc-s303", "tpcc-s404", "twoclass-s101", "twoclass-s202", "twoclass-s303",
                                "twoclass-s404"}
    with pytest.raises(DataNotFoundError):
        make("txn-scheduling", workload="ref")


@pytest.mark.parametrize("gym_id, kw", [("adrs/TxnScheduling-v0", {}),
                                        ("adrs/TxnScheduling-v0", {"mode": "sequential"}),
                                        ("adrs/TxnSchedulingOnline-v0", {})])
def test_registered_envs_pass_check_env(gym_id, kw):
    from gymnasium.utils.env_checker import check_env

    check_env(gym.make(gym_id, workload=UNIT, **kw).unwrapped, skip_render_check=True)
