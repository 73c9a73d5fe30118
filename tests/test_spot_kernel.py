"""The tick model of spot-scheduling.md §2 on hand-checked cases."""

import numpy as np
import pytest

from adrs.envs.spot import policies as P
from adrs.simulators.spot.batch import Runs, run_batch
from adrs.simulators.spot.kernel import GUARD_OFF, GUARD_REFERENCE, GUARD_STRICT
from tests.spot_helpers import H, avail_from_bits

MODES = ["python", "compiled"]
WORKED_BITS = [0, 0, 1, 0, 0, 0, 1] + [0] * 10


def spot_if_available(obs, state):
    return 1 if obs.spot_available else 0


def always_none(obs, state):
    return 0


@pytest.mark.parametrize("mode", MODES)
def test_worked_example_spot_if_available(mode):
    runs = Runs.grid(avail_from_bits(WORKED_BITS), np.array([[0.9731]]), 3.06, 600.0, 1200.0, [4800.0], [720.0])
    res = run_batch(spot_if_available, runs, mode=mode)
    assert res.finish_tick.tolist() == [6]
    assert res.cost_usd[0] == pytest.approx(5 * 0.9731 * 600 / 3600, abs=1e-12)
    assert round(float(res.cost_usd[0]), 7) == 0.8109167
    assert res.counters["spot_ticks"][0] == 5


@pytest.mark.parametrize("mode", MODES)
def test_worked_example_always_none_is_forced_on_demand(mode):
    runs = Runs.grid(avail_from_bits(WORKED_BITS), np.array([[0.9731]]), 3.06, 600.0, 1200.0, [3000.0], [720.0])
    res = run_batch(always_none, runs, mode=mode)
    assert res.finish_tick.tolist() == [5]  # = K
    assert res.cost_usd[0] == pytest.approx(2.04, abs=1e-12)
    assert not res.missed[0]


@pytest.mark.parametrize("overhead_h,expected", [(0.02, 147.39), (0.2, 147.90), (0.4, 148.41)])
def test_on_demand_only_costs(overhead_h, expected):
    runs = Runs.grid(avail_from_bits([0] * 600), np.array([[0.9731]]), 3.06, 600.0, 48 * H, [52 * H],
                     [overhead_h * H])
    res = run_batch(P.on_demand, runs, mode="python")
    assert res.cost_usd[0] == pytest.approx(expected, abs=1e-9)


def test_multi_on_demand_only_cost():
    runs = Runs.grid(avail_from_bits([0] * 1107, 3), np.array([[0.9, 1.2, 1.6]]), 3.06, 195.0, 48 * H, [52 * H],
                     [0.2 * H])
    res = run_batch(P.on_demand, runs, mode="compiled")
    assert res.finish_tick[0] == 890
    assert res.cost_usd[0] == pytest.approx(147.5175, abs=1e-9)


def test_overhead_spans_ticks():
    # from a fresh launch, m running ticks give max(0, m*g - d): work W takes ceil((W + d)/g) ticks
    runs = Runs.grid(avail_from_bits([0] * 40), np.array([[1.0]]), 3.06, 600.0, 1800.0, [20000.0], [1440.0])
    res = run_batch(lambda obs, state: 1, runs, mode="python")
    assert res.finish_tick[0] == int(np.ceil((1800 + 1440) / 600))
    assert res.counters["overhead_s"][0] == 1440.0


def test_spot_to_spot_move_pays_overhead():
    """R7: a live SPOT→SPOT move is a relaunch: the next tick yields max(g - d, 0) progress."""
    seen = []

    def mover(obs, state):
        seen.append(obs.progress_s)
        if obs.tick == 3:
            return (1, 1)
        return (1, obs.region)

    runs = Runs.grid(avail_from_bits([0] * 60, 2), np.array([[1.0, 1.0]]), 3.06, 600.0, 6000.0, [30000.0], [120.0])
    res = run_batch(mover, runs, mode="python")
    gains = np.diff(seen)
    assert gains[0] == 600 - 120  # first launch
    assert gains[2] == 600  # steady state
    assert gains[3] == 600 - 120  # after the move at tick 3
    assert res.counters["moves"][0] == 1


def critical_zone_preemption_trace():
    """Spot for the first part of the job; preempted exactly at the tick the guard keeps spot."""
    # g=600, C=3000, d=600, R=4800 (K=8). Ride spot from 0: r=600 at 0, progress 0,600,... finish needs
    # ceil((3000+600)/600)=6 ticks. Preempt at tick 4 (inside the critical zone).
    return [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_strict_guard_never_misses_on_critical_preemption():
    runs = Runs.grid(avail_from_bits(critical_zone_preemption_trace()), np.array([[1.0]]), 3.06, 600.0, 3000.0,
                     [4200.0], [600.0])
    greedy_spot = lambda obs, state: 1  # noqa: E731
    strict = run_batch(greedy_spot, runs, guard=GUARD_STRICT, mode="python")
    assert strict.finish_tick[0] <= strict.deadline_tick[0]
    ref = run_batch(greedy_spot, runs, guard=GUARD_REFERENCE, mode="python")
    assert ref.finish_tick[0] == ref.deadline_tick[0] + 1  # the reference guard's 1-tick miss
    assert ref.missed[0]


def test_guard_off_stops_at_deadline_and_flags_miss():
    runs = Runs.grid(avail_from_bits([1] * 30), np.array([[1.0]]), 3.06, 600.0, 1200.0, [3000.0], [0.0])
    res = run_batch(always_none, runs, guard=GUARD_OFF, mode="python")
    assert res.finish_tick[0] == -1 and res.missed[0]
    assert res.cost_usd[0] == 0.0


def test_guard_off_miss_is_charged_ten_times_on_demand():
    from adrs.envs.spot.config import SpotConfig
    from adrs.envs.spot.evaluate import evaluate

    ev = evaluate(always_none, SpotConfig(traces="train", guard="off", deadline_hours=52.0, overhead_hours=0.2),
                  mode="python")
    assert ev.score.deadline_misses == ev.score.n_runs
    run = ev.runs[0]
    assert run["penalty_usd"] == pytest.approx(10 * 3.06 * (48 + 0.2), rel=1e-12)
    assert run["cost_usd"] == run["penalty_usd"]
    assert ev.score.score == -2.0  # -1 - misses / runs
