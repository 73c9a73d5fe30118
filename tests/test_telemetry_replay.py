"""``adrs replay telemetry-repair`` and ``adrs compare telemetry-repair``: end to end through the CLI, numbers
equal to ``adrs run telemetry-repair --json``, and the repair picture is drawn."""

from __future__ import annotations

import numpy as np
import pytest

from tests.replay_helpers import check_compare_rows, cli, cli_json, png_size


@pytest.fixture(scope="module")
def compared() -> dict:
    """``adrs compare`` of passthrough, symmetry and passthrough again on the train split."""
    return cli_json("compare", "telemetry-repair", "--policies", "passthrough,symmetry,passthrough")


def test_compare_matches_run(compared) -> None:
    check_compare_rows(compared, 3)
    assert compared["env"] == "telemetry-repair" and compared["variant"] == "default"
    assert compared["units"][:2] == ["train-000", "train-001"]
    run = cli_json("run", "telemetry-repair", "--policy", "symmetry")
    row = compared["policies"][1]
    assert row["policy"] == "symmetry" and compared["n_units"] == run["n_runs"]
    assert row["score"] == pytest.approx(run["score"], abs=1e-12)
    assert row["score_mean"] == pytest.approx(run["score"], abs=1e-9)  # the per-scenario scores average to it
    assert row["brier"] == pytest.approx(run["brier"], abs=1e-12) and row["ece"] == pytest.approx(run["ece"], abs=1e-12)
    assert row["counter_accuracy_mean"] == pytest.approx(run["counter_accuracy_proper"], abs=1e-9)
    again = compared["policies"][2]
    assert again["diff_vs_first"] == 0 and again["diff_ci"] == [0.0, 0.0]  # a policy against itself
    assert row["diff_vs_first"] > 0 and row["diff_ci"][0] > 0  # symmetry beats passthrough


def test_replay_matches_compare_and_draws_the_repair(tmp_path, compared) -> None:
    out = tmp_path / "repair.png"
    rec = cli_json("replay", "telemetry-repair", "--policy", "symmetry", "--trace", "train-003", "--plot", str(out))
    assert rec["scenario_id"] == "train-003" and not rec["failed"]
    assert rec["metrics"]["score"] == pytest.approx(compared["policies"][1]["per_unit"][3], abs=1e-12)
    rows = rec["counters"]
    assert len(rows) == 2 * rec["n_interfaces"]
    assert np.mean([r["hit"] for r in rows]) == pytest.approx(rec["metrics"]["hit_rate"])
    err = [1.0 if r["repaired"] is None else min(abs(r["repaired"] - r["truth"]) / max(r["truth"], 1.0), 1.0)
           for r in rows]
    assert 1 - np.mean(err) == pytest.approx(rec["metrics"]["counter_accuracy"])  # the scored action is recorded
    assert {r["fault"] for r in rows} > {"clean"}
    assert png_size(out) == (1500, 500) and out.stat().st_size > 20_000


def test_replay_text_and_unknown_scenario() -> None:
    rc, out, err = cli("replay", "telemetry-repair", "--policy", "passthrough", "--trace", "2")
    assert rc == 0 and "scenario train-002" in out and "hits within tau by fault" in out, err
    rc, _, err = cli("replay", "telemetry-repair", "--policy", "passthrough", "--trace", "train-9999")
    assert rc == 2 and "unknown scenario 'train-9999'" in err and "train-000, train-001" in err
