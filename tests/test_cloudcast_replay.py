"""``adrs replay cloudcast`` and ``adrs compare cloudcast``: end to end through the CLI, numbers equal to
``adrs run cloudcast --json``, and the overlay picture is drawn."""

from __future__ import annotations

import pytest

from adrs.envs.cloudcast.plot import figure_size_px
from tests.replay_helpers import check_compare_rows, cli, cli_json, png_size

POLICIES = ("closure-arborescence", "direct", "min-arborescence", "closure-arborescence")


@pytest.fixture(scope="module")
def runs() -> dict[str, dict]:
    """``adrs run cloudcast --json`` of each distinct policy on the train split."""
    return {p: cli_json("run", "cloudcast", "--policy", p) for p in dict.fromkeys(POLICIES)}


def test_replay_matches_run_and_draws_the_overlay(tmp_path, runs) -> None:
    out = tmp_path / "plan.png"
    rec = cli_json("replay", "cloudcast", "--policy", "closure", "--trace", "train-003", "--plot", str(out))
    row = next(r for r in runs["closure-arborescence"]["instances"] if r["instance_id"] == "train-003")
    s = rec["summary"]
    assert rec["policy"] == "closure-arborescence" and rec["instance_id"] == "train-003"
    for key in ("total_cost_usd", "egress_cost_usd", "instance_cost_usd", "makespan_s", "score", "gap"):
        assert s[key] == pytest.approx(row[key], abs=1e-12), key
    assert rec["overlay"]["total_cost"] == pytest.approx(s["total_cost_usd"])
    assert len(rec["partition_edges"]) == rec["num_partitions"]
    assert rec["cost_vs_direct"] == pytest.approx(s["total_cost_usd"] / s["direct_cost"])
    assert png_size(out) == figure_size_px(1) and out.stat().st_size > 10_000


def test_replay_text_by_index() -> None:
    rc, out, _ = cli("replay", "cloudcast", "--policy", "direct", "--trace", "3")
    assert rc == 0 and "instance train-003" in out and "egress $" in out and "score 0.0000" in out


def test_replay_unknown_instance_is_a_clear_error() -> None:
    rc, _, err = cli("replay", "cloudcast", "--policy", "direct", "--trace", "train-999")
    assert rc == 2 and "unknown instance 'train-999'" in err and "train-000, train-001" in err


def test_compare_matches_run(runs) -> None:
    result = cli_json("compare", "cloudcast", "--policies", ",".join(POLICIES))
    check_compare_rows(result, len(POLICIES))
    assert result["env"] == "cloudcast" and result["split"] == "train" and result["n_units"] == 32
    for row in result["policies"]:
        run = runs[row["policy"]]
        assert row["score"] == pytest.approx(run["score"], abs=1e-12)
        assert row["score_mean"] == pytest.approx(run["score"], abs=1e-12)
        assert row["total_cost_usd"] == pytest.approx(run["total_cost_usd"], abs=1e-9)
        assert row["per_unit"] == [r["score"] for r in run["instances"]]
        ratios = [r["total_cost_usd"] / r["direct_cost"] for r in run["instances"]]
        assert row["cost_vs_direct_mean"] == pytest.approx(sum(ratios) / len(ratios))
    closure, direct, _, again = result["policies"]
    assert again["diff_vs_first"] == 0 and again["diff_ci"] == [0.0, 0.0]  # a policy against itself
    assert direct["score"] == 0 and direct["cost_vs_direct_mean"] == pytest.approx(1.0)
    assert direct["diff_vs_first"] == pytest.approx(-closure["score"])


def test_compare_table_on_holdout() -> None:
    rc, out, err = cli("compare", "cloudcast", "--policies", "direct,min-arborescence", "--split", "holdout")
    assert rc == 0, err
    assert "64 instances" in out and "min-arborescence" in out and "C / C_direct" in out


def test_compare_unknown_policy() -> None:
    rc, _, err = cli("compare", "cloudcast", "--policies", "direct,nope")
    assert rc == 2 and "unknown policy 'nope'" in err
