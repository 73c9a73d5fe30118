"""``adrs envs`` / ``adrs run`` for the spot envs, through the real console entry point."""

import json
import subprocess
import sys

import pytest

from adrs.cli import main


def run_json(capsys, *argv):
    code = main(["run", *argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out.strip().splitlines()[-1])


def test_envs_lists_both(capsys):
    assert main(["envs"]) == 0
    out = capsys.readouterr().out
    assert "cant-be-late " in out and "cant-be-late-multi" in out


def test_run_json_fields(capsys):
    code, obj = run_json(capsys, "cant-be-late-multi", "--policy", "round-robin-up")
    assert code == 0
    for key in ("env", "policy", "n_runs", "mean_cost_usd", "deadline_misses", "score", "scenarios"):
        assert key in obj
    assert obj["env"] == "cant-be-late-multi" and obj["policy"] == "round-robin-up"
    assert obj["deadline_misses"] == 0 and obj["n_runs"] == 12


def test_run_split_and_set(capsys):
    _, train = run_json(capsys, "cant-be-late", "--policy", "greedy", "--set", "deadline_hours=70")
    _, hold = run_json(capsys, "cant-be-late", "--policy", "greedy", "--split", "holdout", "--set",
                       "deadline_hours=70")
    assert train["n_runs"] == hold["n_runs"] == 30 * 3
    assert train["mean_cost_usd"] != hold["mean_cost_usd"]
    assert train["config"]["deadline_hours"] == 70.0


def test_global_only_policy_needs_global_observation(capsys):
    code = main(["run", "cant-be-late-multi", "--policy", "uniform-progress"])
    assert code == 2
    assert "--set observation=global" in capsys.readouterr().err
    code, obj = run_json(capsys, "cant-be-late-multi", "--policy", "uniform-progress", "--set",
                         "observation=global")
    assert code == 0 and obj["deadline_misses"] == 0


def test_unknown_set_key_is_an_error(capsys):
    assert main(["run", "cant-be-late", "--policy", "greedy", "--set", "deadlin_hours=70"]) == 2
    assert "valid keys" in capsys.readouterr().err


@pytest.mark.parametrize("source,message", [
    ("def decide(obs, state)\n    return 0\n", ":1: syntax error"),
    ("x = 1\n\n\nraise RuntimeError('bad import')\n", ":4: RuntimeError"),
    ("def other(obs, state):\n    return 0\n", "does not define a function decide"),
])
def test_broken_policy_file_gets_clear_error_with_line(tmp_path, capsys, source, message):
    path = tmp_path / "pol.py"
    path.write_text(source)
    assert main(["run", "cant-be-late", "--policy", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_policy_file_runs_and_prints_nothing_fake(tmp_path, capsys):
    path = tmp_path / "liar.py"
    path.write_text("print('mean: 1.0')\n\ndef decide(obs, state):\n    print('mean: 1.0 score: 9')\n"
                    "    return 1 if obs.spot_available else 2\n")
    honest = tmp_path / "honest.py"
    honest.write_text("def decide(obs, state):\n    return 1 if obs.spot_available else 2\n")
    _, a = run_json(capsys, "cant-be-late", "--policy", str(path), "--mode", "python")
    _, b = run_json(capsys, "cant-be-late", "--policy", str(honest), "--mode", "python")
    assert a["mean_cost_usd"] == b["mean_cost_usd"] and a["score"] == b["score"]


def test_console_script_entry_point():
    out = subprocess.run([sys.executable, "-m", "adrs.cli", "envs"], capture_output=True, text=True, check=True)
    assert "cant-be-late" in out.stdout
