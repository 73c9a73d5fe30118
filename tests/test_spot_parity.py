"""Parity with the reference numbers of spot-scheduling.md §5 (reads ../shared/data; skips without it)."""

import pytest

from adrs.envs.spot import policies as P
from adrs.envs.spot.config import PRESETS, MultiSpotConfig, SpotConfig
from adrs.envs.spot.evaluate import evaluate
from adrs.paths import shared_data_dir

pytestmark = pytest.mark.skipif(shared_data_dir() is None,
                                reason="real traces not found: set ADRS_DATA or provide ../shared/data")

REL = 1e-4  # 0.01 %


@pytest.fixture(scope="module")
def reference_single():
    from adrs.traces.spot.importers import load_reference_single

    return [load_reference_single()]


@pytest.fixture(scope="module")
def reference_multi():
    from adrs.traces.spot.real_multi import load_reference_multi

    return list(load_reference_multi().values())


def single(policy, sets, preset="reference"):
    return evaluate(policy, SpotConfig(**PRESETS["cant-be-late"][preset]), sets)


def cell_means(ev):
    cells = {}
    for r in ev.runs:
        cells.setdefault((r["deadline_hours"], r["overhead_hours"]), []).append(r["cost_usd"])
    return {k: sum(v) / len(v) for k, v in cells.items()}


@pytest.mark.parametrize("name,mean,std", [("on-demand", 147.90, 0.416), ("greedy", 96.5154, 40.921),
                                           ("uniform-progress", 92.0643, 35.911)])
def test_single_reference_means(reference_single, name, mean, std):
    ev = single(P.SINGLE_BASELINES[name], reference_single)
    assert ev.score.n_runs == 1080
    assert ev.score.mean_cost_usd == pytest.approx(mean, rel=REL)
    assert ev.score.std_cost_usd == pytest.approx(std, abs=1e-3)
    assert ev.score.deadline_misses == 0


def test_single_reference_cells_and_scores(reference_single):
    greedy = single(P.greedy, reference_single)
    up = single(P.uniform_progress, reference_single)
    expected_greedy = {(52, 0.02): 112.22, (52, 0.2): 117.69, (52, 0.4): 123.67, (70, 0.02): 89.10,
                       (70, 0.2): 97.16, (70, 0.4): 103.04, (92, 0.02): 67.85, (92, 0.2): 75.68, (92, 0.4): 82.23}
    expected_up = {(52, 0.02): 91.71, (52, 0.2): 111.99, (52, 0.4): 123.91, (70, 0.02): 77.80, (70, 0.2): 87.36,
                   (70, 0.4): 96.05, (92, 0.02): 71.98, (92, 0.2): 79.55, (92, 0.4): 88.23}
    for got, want in ((cell_means(greedy), expected_greedy), (cell_means(up), expected_up)):
        for key, value in want.items():
            assert got[key] == pytest.approx(value, abs=0.006), key
    assert greedy.score.score == pytest.approx(0.3475, abs=5e-5)
    assert up.score.score == pytest.approx(0.3777, abs=5e-5)
    assert greedy.score.combined_score == pytest.approx(-106.7457, abs=1e-4)


def test_single_reference_omniscient(reference_single):
    ev = single("omniscient", reference_single)
    assert ev.score.mean_cost_usd == pytest.approx(81.543, rel=REL)
    expected = {(52, 0.02): 85.31, (52, 0.2): 93.83, (52, 0.4): 102.77, (70, 0.02): 73.28, (70, 0.2): 80.14,
                (70, 0.4): 85.94, (92, 0.02): 66.01, (92, 0.2): 70.84, (92, 0.4): 75.77}
    got = cell_means(ev)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=0.006), key
    # invariant: every online policy costs at least the DP on every run
    up = single(P.uniform_progress, reference_single)
    assert all(u["cost_usd"] >= o["cost_usd"] - 1e-9 for u, o in zip(up.runs, ev.runs, strict=True))


@pytest.mark.parametrize("name,mean,lb_score", [("greedy", 119.035, 27.8), ("uniform-progress", 101.683, 45.1)])
def test_single_leaderboard(name, mean, lb_score):
    from adrs.traces.spot.importers import load_leaderboard_single

    ev = single(P.SINGLE_BASELINES[name], [load_leaderboard_single()], preset="leaderboard")
    assert ev.score.n_runs == 1080
    assert ev.score.mean_cost_usd == pytest.approx(mean, rel=REL)
    assert round(ev.score.leaderboard_score, 1) == lb_score


MULTI_EXPECTED = {
    "reference-seed": (89.2432, [128.63, 56.55, 64.34, 123.31, 113.47, 49.16], 0.3950),
    "uniform-progress": (78.2583, [130.20, 56.46, 59.35, 122.65, 53.14, 47.75], 0.4695),
    "on-demand": (147.5175, [147.52] * 6, 0.0),
}


@pytest.mark.parametrize("name", list(MULTI_EXPECTED))
def test_multi_reference_true_costs(reference_multi, name):
    observation = "global" if name == "uniform-progress" else "local"
    config = MultiSpotConfig(**PRESETS["cant-be-late-multi"]["reference"], observation=observation)
    ev = evaluate(P.MULTI_BASELINES[name], config, reference_multi)
    mean, per_family, score = MULTI_EXPECTED[name]
    assert ev.score.n_runs == 34
    assert ev.score.deadline_misses == 0
    assert ev.score.mean_cost_usd == pytest.approx(mean, rel=REL)
    fam = {}
    for r in ev.runs:
        fam.setdefault(r["family"], []).append(r["cost_usd"])
    assert [round(sum(v) / len(v), 2) for v in fam.values()] == pytest.approx(per_family, abs=0.006)
    assert ev.score.score == pytest.approx(score, abs=5e-5)


@pytest.mark.parametrize("name, misses", [("reference-seed", 4), ("uniform-progress", 0)])
def test_multi_reference_guard_reproduces_the_reference_misses(reference_multi, name, misses):
    """Spec §3.3 / §5.3: under the reference's rules (its override and its free same-type moves) the
    seed misses 4 deadlines and multi-region UP none, at the same true costs as under the strict guard."""
    observation = "global" if name == "uniform-progress" else "local"
    config = MultiSpotConfig(**{**PRESETS["cant-be-late-multi"]["reference"], "guard": "reference"},
                             observation=observation)
    ev = evaluate(P.MULTI_BASELINES[name], config, reference_multi)
    assert ev.score.deadline_misses == misses
    assert ev.score.mean_cost_usd == pytest.approx(MULTI_EXPECTED[name][0], rel=REL)
