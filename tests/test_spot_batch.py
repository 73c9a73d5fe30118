"""Batch evaluation: compiled and Python paths agree, and the policy cannot cheat (§9)."""

import time

import numpy as np
import pytest
from numba.extending import register_jitable

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


# -- observation specialisation (simulators/spot/specialise.py) --------------------------------------

def recent_outages(obs, state):
    """Reads the history arrays: waits for spot only if it was seen at least 3 of the last 6 ticks."""
    h = obs.history_avail
    lo = max(0, h.shape[0] - 6)
    seen = 0
    for i in range(lo, h.shape[0]):
        seen += h[i]
    n_od = 0
    for e in obs.history_type:
        n_od += e == 2
    if obs.remaining_work_s <= 0:
        return 0
    if obs.spot_available:
        return 1
    return 0 if seen >= 3 and n_od < 50 else 2


@register_jitable
def _helper_reads_history(o):
    return o.history_region.shape[0] + o.last_seen_tick[0]


def passes_obs_to_helper(obs, state):
    """Passes obs to a module-level helper that reads history arrays."""
    if _helper_reads_history(obs) % 7 == 0:
        return 2
    return P.greedy(obs, state)


def stores_obs(obs, state):
    """Uses obs other than by reading a field: the analysis must give up (full observation)."""
    pair = (obs, state)
    return 1 if pair[0].spot_available else 0


def test_fields_read_analysis():
    from adrs.simulators.spot.specialise import ARRAY_FIELDS, fields_read

    assert fields_read(P.greedy) == {"remaining_work_s", "gap_s", "overhead_s", "remaining_time_s", "cur_type",
                                     "spot_available"}
    paper = fields_read(P.uniform_progress_paper)  # follows obs into greedy and uniform_progress
    assert paper is not None and not paper & ARRAY_FIELDS and "pending_overhead_s" in paper
    assert fields_read(P.multi_region_up) & ARRAY_FIELDS == {"spot_available_by_region"}
    assert fields_read(recent_outages) & ARRAY_FIELDS == {"history_avail", "history_type"}
    assert fields_read(passes_obs_to_helper) & ARRAY_FIELDS == {"history_region", "last_seen_tick"}
    assert fields_read(compile_policy(P.greedy)) == fields_read(P.greedy)  # a dispatcher: its py_func

    def uses_getattr(obs, state):
        name = "history_avail"
        return 1 if getattr(obs, name)[0] else 0

    def len_obs(obs, state):
        return len(obs) - 27

    def rebinds(obs, state):
        obs = state
        return obs.tick

    def local_callee(obs, state):
        f = _helper_reads_history
        return f(obs) % 2

    for unsure in (stores_obs, uses_getattr, len_obs, rebinds, local_callee, lambda obs, state: obs.tick % 2,
                   print, 3):
        assert fields_read(unsure) is None, unsure


@pytest.mark.parametrize("policy", [recent_outages, passes_obs_to_helper, stores_obs])
@pytest.mark.parametrize("n_regions", [1, 3])
def test_specialised_observation_paths_identical(policy, n_regions):
    runs = small_runs(seed=7, n_regions=n_regions)
    a = run_batch(policy, runs, mode="compiled")
    b = run_batch(policy, runs, mode="python")
    assert a.compiled
    assert np.array_equal(a.cost_usd, b.cost_usd)
    assert np.array_equal(a.finish_tick, b.finish_tick)
    for key in a.counters:
        assert np.array_equal(a.counters[key], b.counters[key]), key


def test_specialised_builder_is_chosen_per_policy():
    from adrs.simulators.spot import batch as B
    from adrs.simulators.spot.specialise import observation_spec

    full = observation_spec(None)
    assert B._OBS_SPEC[compile_policy(P.greedy)] is observation_spec(frozenset())
    assert B._OBS_SPEC[compile_policy(recent_outages)] is observation_spec(
        frozenset({"history_avail", "history_type"}))
    assert B._OBS_SPEC[compile_policy(stores_obs)] is full


def test_wrong_analysis_falls_back_to_full_observation(monkeypatch):
    """If the analysis ever missed a field, numba typing fails and the full observation is used."""
    from adrs.simulators.spot import batch as B
    from adrs.simulators.spot.specialise import observation_spec

    def reads_history_late(obs, state):
        return 1 if obs.history_avail[obs.tick] == 1 else 0

    monkeypatch.setattr(B, "fields_read", lambda policy: frozenset())
    jitted = compile_policy(reads_history_late)
    assert jitted is not None and B._OBS_SPEC[jitted] is observation_spec(None)
    runs = small_runs(seed=2)
    a = run_batch(reads_history_late, runs, mode="compiled")
    b = run_batch(reads_history_late, runs, mode="python")
    assert np.array_equal(a.cost_usd, b.cost_usd)


# -- parallel chunks (threads > 1) ------------------------------------------------------------------

@pytest.mark.parametrize("policy,n_regions,global_obs", [(P.greedy, 1, False), (recent_outages, 1, False),
                                                         (stateful, 1, False), (P.round_robin_up, 3, False),
                                                         (P.multi_region_up, 3, True)])
def test_parallel_chunks_identical_to_serial(policy, n_regions, global_obs):
    runs = small_runs(seed=11, n_traces=9, n_regions=n_regions)
    serial = run_batch(policy, runs, mode="compiled", global_obs=global_obs)
    for threads in (2, None):
        par = run_batch(policy, runs, mode="compiled", global_obs=global_obs, threads=threads)
        assert np.array_equal(par.cost_usd, serial.cost_usd)
        assert np.array_equal(par.finish_tick, serial.finish_tick)
        for key in serial.counters:
            assert np.array_equal(par.counters[key], serial.counters[key]), key


def test_parallel_errors_match_serial():
    def bad_late(obs, state):
        return 7 if obs.tick == 30 and obs.deadline_s > 13 * H else 1

    def divides(obs, state):
        return 1 if 1.0 / (obs.tick - 5) > -10.0 else 0

    runs = small_runs(seed=4, n_traces=8)
    for policy, match in ((bad_late, r"run 3 \(trace 0\) tick 30: action out of range"), (divides, "ZeroDivision")):
        for threads in (1, 2):
            with pytest.raises(PolicyError, match=match):
                run_batch(policy, runs, mode="compiled", threads=threads)


def _price_writer_python(obs, state):
    """Tries every handle around the read-only price view, then rides spot."""
    for write in (lambda v: v.base.__setitem__(slice(None), 1e-6),
                  lambda v: (setattr(v.flags, "writeable", True), v.__setitem__(slice(None), 1e-6)),
                  lambda v: v.flat.__setitem__(slice(None), 1e-6)):
        try:
            write(obs.spot_prices)
        except Exception:
            pass
    return 1 if obs.spot_available else 2


def _price_writer_compiled(obs, state):
    obs.spot_prices.flat[0] = 1e-6  # numba does not enforce read-only through .flat
    return 1 if obs.spot_available else 2


def _ride_spot(obs, state):
    return 1 if obs.spot_available else 2


@pytest.mark.parametrize("mode, writer", [("python", _price_writer_python), ("compiled", _price_writer_compiled)])
def test_writes_to_the_shown_prices_change_no_bill_and_no_caller_data(mode, writer):
    """The policy's ``obs.spot_prices`` is a copy of a copy: billing and the caller's trace prices stay
    intact whatever the policy writes, and a later honest evaluation is unaffected."""
    runs = small_runs(seed=3, n_regions=1)
    before = runs.spot_price.copy()
    honest = run_batch(_ride_spot, runs, mode=mode)
    cheat = run_batch(writer, runs, mode=mode)
    assert np.array_equal(runs.spot_price, before)
    assert np.array_equal(cheat.cost_usd, honest.cost_usd) and cheat.cost_usd.sum() > 0
    assert np.array_equal(run_batch(_ride_spot, runs, mode=mode).cost_usd, honest.cost_usd)


def test_static_checks_reject_the_handles_around_read_only_views():
    import ast

    from adrs.evolve.checks import check_allowlist

    for attr in ("flat", "base", "flags", "setflags", "ctypes", "itemset"):
        reason = check_allowlist(ast.parse(f"def decide(obs, state):\n    x = obs.spot_prices.{attr}\n"), ())
        assert reason == f"banned attribute {attr!r} (line 2)"
