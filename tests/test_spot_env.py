"""The gymnasium envs: API conformance, determinism, strict config, and agreement with the batch path."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import adrs
from adrs.config import ConfigError
from adrs.envs.spot import policies as P
from adrs.envs.spot.config import MultiSpotConfig, SpotConfig
from adrs.envs.spot.evaluate import evaluate
from adrs.traces.spot.format import TraceSet, save


@pytest.fixture()
def trace_file(tmp_path):
    rng = np.random.default_rng(7)
    bits = (rng.random((3, 2, 700)) < 0.4).astype(np.uint8)
    meta = tuple({"id": f"w{i}", "family": "fam", "source": "synthetic:test", "zones": ["a", "b"],
                  "period": [0, 700], "start_tick": 0} for i in range(3))
    ts = TraceSet("test", bits, np.array([[0.9, 1.3]] * 3), 600.0, meta)
    return str(save(ts, tmp_path / "t.npz"))


@pytest.mark.parametrize("gym_id", ["adrs/CantBeLate-v0", "adrs/CantBeLateMulti-v0"])
def test_registered_envs_pass_check_env(gym_id):
    env = gym.make(gym_id)
    check_env(env.unwrapped, skip_render_check=True)


def test_list_envs_and_make():
    envs = adrs.list_envs()
    assert {"cant-be-late", "cant-be-late-multi"} <= set(envs)
    assert all(isinstance(d, str) and d for d in envs.values())
    env = adrs.make("cant-be-late", deadline_hours=70)
    assert env.unwrapped.config.deadline_hours == 70


def test_unknown_config_key_names_valid_keys():
    with pytest.raises(ConfigError, match="deadline_hours"):
        adrs.make("cant-be-late", deadline_hour=70)
    with pytest.raises(ConfigError, match="observation"):
        adrs.make("cant-be-late-multi", observation="peek")


def test_every_config_field_is_documented():
    from adrs.config import field_docs

    for cls in (SpotConfig, MultiSpotConfig):
        assert all(doc.strip() for doc in field_docs(cls).values())


def rollout(env, policy, seed):
    obs, info = env.reset(seed=seed)
    state = np.zeros(32)
    total, steps = 0.0, 0
    while True:
        action = policy(env.unwrapped.policy_observation, state)
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        steps += 1
        if terminated or truncated:
            return total, steps, info


@pytest.mark.parametrize("env_id", ["cant-be-late", "cant-be-late-multi"])
def test_same_seed_same_episode(env_id):
    policy = P.round_robin_up if env_id.endswith("multi") else P.greedy
    a = rollout(adrs.make(env_id), policy, seed=3)
    b = rollout(adrs.make(env_id), policy, seed=3)
    assert a[0] == b[0] and a[1] == b[1] and a[2]["ledger"] == b[2]["ledger"]


def test_env_matches_batch_evaluation(trace_file):
    config = dict(traces=trace_file, deadline_hours=52.0, overhead_hours=0.2)
    for i in range(3):
        env = adrs.make("cant-be-late-multi", trace_index=i, **config)
        ret, _, info = rollout(env, P.round_robin_up, seed=0)
        ev = evaluate(P.round_robin_up, MultiSpotConfig(**config), mode="python")
        assert info["cost_usd"] == pytest.approx(ev.runs[i]["cost_usd"], abs=1e-12)
        assert -ret == pytest.approx(info["cost_usd"], abs=1e-9)
        assert info["finish_tick"] == ev.runs[i]["finish_tick"]


def test_r6_cost_is_the_per_tick_ledger_and_a_final_move_changes_nothing(trace_file):
    env = adrs.make("cant-be-late-multi", traces=trace_file, trace_index=1, deadline_hours=52.0, overhead_hours=0.2)
    _, _, info = rollout(env, P.round_robin_up, seed=0)
    prices = {0: 0.9, 1: 1.3}
    ledger_cost = 0.0
    for e, region, bill in info["ledger"]:
        want = {0: 0.0, 1: prices[region] * 600 / 3600, 2: 3.06 * 600 / 3600}[e]
        assert bill == pytest.approx(want, abs=1e-12)
        ledger_cost += bill
    assert info["cost_usd"] == pytest.approx(ledger_cost, abs=1e-9)
    with pytest.raises(RuntimeError):  # no action is accepted after completion
        env.step((0, 0))


def test_r7_local_observation_reveals_only_the_current_region(trace_file):
    from adrs.traces.spot.format import load

    ts = load(trace_file)
    other = ts.bits.copy()
    other[:, 1, :] = 1 - other[:, 1, :]  # region 1 differs everywhere
    ts2 = TraceSet("t2", other, ts.spot_price, ts.gap_seconds, ts.meta)
    path2 = trace_file.replace("t.npz", "t2.npz")
    save(ts2, path2)
    seen = []
    for path in (trace_file, path2):
        env = adrs.make("cant-be-late-multi", traces=path, trace_index=0, deadline_hours=52.0, overhead_hours=0.2)
        obs, _ = env.reset(seed=0)
        log = []
        for _ in range(30):  # stay in region 0
            o = env.unwrapped.policy_observation
            log.append((o.spot_available, tuple(o.spot_available_by_region), tuple(o.last_seen_avail)))
            obs, *_ = env.step((1, 0))
        seen.append(log)
    assert seen[0] == seen[1]


def test_invalid_actions_raise(trace_file):
    env = adrs.make("cant-be-late")
    env.reset(seed=0)
    for bad in (3, -1, 1.5, "1"):
        with pytest.raises(ValueError):
            env.step(bad)
    menv = adrs.make("cant-be-late-multi", traces=trace_file)
    menv.reset(seed=0)
    for bad in ((1, 2), (3, 0), 1, (1.0, 0.0)):
        with pytest.raises(ValueError):
            menv.step(bad)
