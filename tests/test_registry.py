"""Every registered environment: gymnasium registration, ``check_env``, and ``make`` by either id."""

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import adrs
from adrs.registry import spec

ENV_IDS = sorted(adrs.list_envs())


def test_all_problem_families_are_registered():
    assert {"cant-be-late", "cant-be-late-multi", "cloudcast", "telemetry-repair", "txn-scheduling",
            "txn-scheduling-online"} <= set(ENV_IDS)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_registered_env_passes_check_env(env_id):
    env = gym.make(spec(env_id).gym_id)
    check_env(env.unwrapped, skip_render_check=True)
    assert type(adrs.make(env_id).unwrapped) is type(env.unwrapped)


def test_unknown_env_lists_the_registered_ones():
    with pytest.raises(KeyError, match="cant-be-late"):
        adrs.make("no-such-env")
