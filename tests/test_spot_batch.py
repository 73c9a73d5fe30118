"""Batch evaluation: compiled and Python paths agree, and the policy cannot cheat (§9)."""

import time

import numpy as np
import pytest

from adrs.envs.spot import policies as P
from adrs.simulators.spot.batch import PolicyError, Runs, compile_policy, run_batch
from tests.spot_helpers import H, random_avail, small_runs


def stateful(obs, state):
    """Uses the per-episode state array: counts unavailable ticks and waits at most 3 of them."""
    if obs.remaining_work_s <= 0:
        return 0
    if obs.spot_available:
        state[0] = 0.0
        return 1
    state[0] += 1.0
    return 2 if state[0] > 3 else 0


@pytest.mark.parametrize("policy", [P.on_demand, P.greedy, P.uniform_progress, P.uniform_progress_paper, stateful])
def test_compiled_and_python_paths_identical(policy):
    runs = small_runs(seed=3)
    a = run_batch(policy, runs, mode="compiled")
    b = run_batch(policy, runs, mode="python")
    assert a.compiled and not b.compiled
    assert np.array_equal(a.cost_usd, b.cost_usd)
    assert np.array_equal(a.finish_tick, b.finish_tick)
    for key in a.counters:
        assert np.array_equal(a.counters[key], b.counters[key]), key


@pytest.mark.parametrize("policy,observation", [(P.round_robin_up, False), (P.multi_reference_seed, False),
                                                (P.multi_region_up, True)])
def test_multi_paths_identical(policy, observation):
    runs = small_runs(seed=5, n_regions=3)
    a = run_batch(policy, runs, mode="compiled", global_obs=observation)
    b = run_batch(policy, runs, mode="python", global_obs=observation)
    assert np.array_equal(a.cost_usd, b.cost_usd)
    assert np.array_equal(a.counters["moves"], b.counters["moves"])


def test_python_only_policy_falls_back():
    def uses_dict(obs, state):
        cache = {"x": 1}
        state.seen = getattr(state, "seen", 0) + cache["x"]
        return 1 if obs.spot_available else 0

    assert compile_policy(uses_dict) is None
    assert not run_batch(uses_dict, small_runs(), mode="auto").compiled


def mutator(obs, state):
    """R1: tries to overwrite every observation field and container, then idles."""
    for name in obs._fields:
        try:
            setattr(obs, name, 1e9)
        except Exception:
            pass
        value = getattr(obs, name)
        if isinstance(value, np.ndarray):
            for op in (lambda v: v.fill(0), lambda v: v.__setitem__(slice(None), 1), lambda v: v.resize(0)):
                try:
                    op(value)
                except Exception:
                    pass
            try:
                value.flags.writeable = True
                value[:] = 1
            except Exception:
                pass
    return 0


@pytest.mark.parametrize("n_regions", [1, 3])
def test_r1_forged_state_is_neutralised(n_regions):
    runs = small_runs(seed=1, n_regions=n_regions)
    forged = run_batch(mutator, runs, mode="python")
    honest = run_batch(lambda obs, state: 0, runs, mode="python")
    assert np.array_equal(forged.cost_usd, honest.cost_usd)
    assert np.array_equal(forged.finish_tick, forged.deadline_tick)  # always-NONE finishes exactly at K
    assert not forged.missed.any()


@pytest.mark.parametrize("policy", [lambda o, s: 0, lambda o, s: 1, "random"])
def test_r2_no_misses_under_strict_guard(policy):
    if policy == "random":
        rng = np.random.default_rng(0)
        policy = lambda o, s: int(rng.integers(0, 3))  # noqa: E731
    avail = random_avail(11, 20, 400, p_flip=0.3)
    runs = Runs.grid(avail, np.full((20, 1), 0.97), 3.06, 600.0, 48 * H, [52 * H, 60 * H], [0.02 * H, 0.4 * H])
    assert not run_batch(policy, runs, mode="python").missed.any()


def test_r3_actions_are_causal():
    """Re-randomising every tick after k leaves the actions up to k unchanged."""
    base = random_avail(2, 1, 300)
    for k in (10, 40, 90):
        other = base.copy()
        other[0, k + 1:, 0] = random_avail(99 + k, 1, 300)[0, k + 1:, 0]
        logs = []
        for avail in (base, other):
            runs = Runs.grid(avail, np.array([[0.97]]), 3.06, 600.0, 20 * H, [30 * H], [0.2 * H])
            log = []
            run_batch(lambda o, s, log=log: log.append(P.uniform_progress(o, s)) or log[-1], runs, mode="python")
            logs.append(log[: k + 1])
        assert logs[0] == logs[1]


def test_r3_observation_has_only_allowlisted_fields():
    seen = {}

    def spy(obs, state):
        seen.update({name: getattr(obs, name) for name in obs._fields})
        return 0

    run_batch(spy, small_runs(), mode="python")
    banned = {"trace", "env", "path", "window", "start", "timestamp", "metadata"}
    assert not any(b in name for name in seen for b in banned)
    for name, value in seen.items():
        assert isinstance(value, (int, float, bool, np.generic, np.ndarray)), name
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, name


def test_r5_targeted_raise_fails_whole_evaluation():
    def crash_sometimes(obs, state):
        if obs.tick == 50 and obs.spot_available:
            raise RuntimeError("boom")
        return P.greedy(obs, state)

    with pytest.raises(PolicyError, match="boom"):
        run_batch(crash_sometimes, small_runs(seed=4), mode="python")


@pytest.mark.parametrize("bad", [3, -1, 1.0, float("nan"), "1", None, True, (1, 7), (1,)])
@pytest.mark.parametrize("mode", ["python", "auto"])
def test_invalid_actions_fail(bad, mode):
    with pytest.raises(PolicyError):
        run_batch(lambda o, s: bad, small_runs(n_regions=2), mode=mode)


def test_r9_slow_decision_fails():
    def sleepy(obs, state):
        if obs.tick == 5:
            time.sleep(1.0)
        return 0

    with pytest.raises(PolicyError, match="per-decision budget"):
        run_batch(sleepy, small_runs(n_traces=1), mode="python")


@pytest.mark.parametrize("mode", ["python", "compiled"])
def test_division_by_zero_fails_on_both_paths(mode):
    def divides(obs, state):
        return 1 if 1.0 / (obs.tick - 5) > -10.0 else 0

    with pytest.raises(PolicyError, match="ZeroDivisionError"):
        run_batch(divides, small_runs(n_traces=1), mode=mode)


@pytest.mark.parametrize("mode", ["python", "compiled"])
@pytest.mark.parametrize("global_obs", [False, True])
def test_out_of_bounds_peeks_fail_on_both_paths(mode, global_obs):
    """Compiled policies are bounds-checked: no reading past an observation array (e.g. the future)."""

    def peek_history(obs, state):
        return 1 if obs.history_avail[obs.tick + 3] == 1 else 0

    def peek_regions(obs, state):
        return (1 if obs.spot_available_by_region[obs.n_regions + 1] == 1 else 0, obs.region)

    for policy in (peek_history, peek_regions):
        with pytest.raises(PolicyError, match="IndexError"):
            run_batch(policy, small_runs(n_traces=1, n_regions=2), mode=mode, global_obs=global_obs)
