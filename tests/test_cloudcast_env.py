"""Cloudcast env: registration, gymnasium contract, rewards, and the ``adrs run cloudcast`` handler."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import adrs
import adrs.envs.cloudcast  # noqa: F401  (registers cloudcast until adrs.envs imports it)
from adrs.config import ConfigError
from adrs.envs.cloudcast.cli import run_command
from adrs.registry import spec
from adrs.simulators.cloudcast.baselines import closure_arborescence


def test_registered_under_both_ids() -> None:
    assert spec("cloudcast").gym_id == "adrs/Cloudcast-v0"
    assert spec("adrs/Cloudcast-v0").package == "adrs.envs.cloudcast"


def test_gymnasium_contract_and_determinism() -> None:
    env = adrs.make("cloudcast")
    check_env(env.unwrapped, skip_render_check=True)
    a, info_a = env.reset(seed=3)
    b, info_b = env.reset(seed=3)
    assert info_a["instance_id"] == info_b["instance_id"] and (a["cost"] == b["cost"]).all()
    assert env.observation_space.contains(a)


def _action(env, inst) -> np.ndarray:
    action = np.full(env.action_space.shape, -1, dtype=np.int64)
    action[: inst.num_partitions] = closure_arborescence(inst)
    return action


def test_step_scores_a_plan_and_rejects_garbage() -> None:
    env = adrs.make("cloudcast", split="holdout")
    obs, info = env.reset(options={"instance_id": "holdout-010"})
    inst = env.unwrapped.cases[10].instance
    assert info["instance_id"] == "holdout-010" and obs["source"] == inst.source
    assert obs["dest_mask"].sum() == len(inst.dests) and info["dest_order"] == list(inst.dests)
    _, reward, terminated, truncated, step_info = env.step(_action(env, inst))
    assert terminated and not truncated and step_info["valid"]
    assert 0 < reward <= 1 and reward == step_info["score"]
    env.reset(options={"instance_id": "holdout-010"})
    _, reward, *_, bad = env.step(np.zeros(env.action_space.shape, dtype=np.int64))
    assert reward == -1.0 and not bad["valid"] and bad["reasons"]


def test_neg_cost_reward_and_config_errors() -> None:
    env = adrs.make("cloudcast", reward="neg_cost", instance_id="train-004")
    env.reset(seed=0)
    inst = env.unwrapped.cases[4].instance
    _, reward, *_, info = env.step(_action(env, inst))
    assert reward == pytest.approx(-info["total_cost"])
    env.reset(seed=0)
    _, reward, *_, info = env.step(np.zeros(env.action_space.shape, dtype=np.int64))
    assert reward == pytest.approx(-2 * info["direct_cost"])
    with pytest.raises(ConfigError):
        adrs.make("cloudcast", spilt="train")
    with pytest.raises(ConfigError):
        adrs.make("cloudcast", sim_mode="fair")


def _args(**kw) -> argparse.Namespace:
    base = dict(env="cloudcast", policy="closure-arborescence", preset=None, traces=None, split=None,
                assignments=[], json=True, per_run=False, mode="auto")
    return argparse.Namespace(**{**base, **kw})


def test_cli_json_on_train_and_bad_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(_args(split="train")) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("env", "policy", "n_runs", "total_cost_usd", "gap_to_bound", "score", "instances"):
        assert key in out
    assert out["n_runs"] == 32 == len(out["instances"]) and 0.5 < out["score"] < 1
    assert run_command(_args(policy="nope")) == 2
    assert "unknown policy" in json.loads(capsys.readouterr().out)["error"]


def test_cli_reference_preset_reports_leaderboard(capsys: pytest.CaptureFixture[str]) -> None:
    from adrs.paths import shared_data_dir
    if shared_data_dir() is None:
        pytest.skip("real Cloudcast data absent (set ADRS_DATA or provide ../shared/data/cloudcast)")
    assert run_command(_args(preset="reference", policy="cheapest-path")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total_cost_usd"] == pytest.approx(1045.86, abs=0.01)
    assert out["leaderboard_score"] == pytest.approx(26.74, abs=0.01)
    assert out["score"] == pytest.approx(0.192, abs=1e-3) and out["gap_to_bound"] == pytest.approx(0.809, abs=1e-3)


def test_cli_loads_a_policy_file_and_the_reference_adapter(tmp_path, capsys) -> None:
    f = tmp_path / "ref_style.py"
    f.write_text(
        "def search_algorithm(src, dsts, G, num_partitions):\n"
        "    return {d: {p: [[src, d, {'cost': 0}]] for p in range(num_partitions)} for d in dsts}\n")
    assert run_command(_args(policy=str(f), split="train")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["policy"] == "ref_style" and out["invalid_rate"] == 0 and out["score"] == pytest.approx(0.0)
