"""``adrs compare`` for the spot envs."""

import json

from adrs.cli import main


def test_compare_json(capsys):
    assert main(["compare", "cant-be-late", "--policies", "greedy,uniform-progress,greedy", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {i: r for i, r in enumerate(out["policies"])}
    assert out["n_scenarios"] == 54 and out["traces"] == "train"
    assert rows[0]["diff_vs_first"] == 0 and rows[2]["diff_ci"] == [0.0, 0.0]
    assert rows[1]["savings_ci"][0] <= rows[1]["savings_mean"] <= rows[1]["savings_ci"][1]
    assert rows[1]["score"] == rows[1]["savings_mean"]  # no misses: S is the mean scenario saving
    assert rows[1]["diff_vs_first"] > 0  # UP beats greedy on the embedded train split


def test_compare_table_and_split(capsys):
    assert main(["compare", "cant-be-late-multi", "--policies", "reference-seed,round-robin-up",
                 "--split", "holdout"]) == 0
    assert "round-robin-up" in capsys.readouterr().out
