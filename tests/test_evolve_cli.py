"""Tests for adrs.evolve.cli: flags, subcommand registration, errors, a real run."""

import argparse
import json

import pytest

from adrs.evolve.cli import add_cli, main, overrides_from_args


def parser():
    root = argparse.ArgumentParser(prog="adrs")
    add_cli(root.add_subparsers(dest="command"))
    return root


def test_add_cli_registers_evolve_with_all_flags():
    args = parser().parse_args(["evolve", "toy", "--iterations", "5", "--minutes", "1.5", "--seed", "2",
                                "--seed-program", "x_only", "--generator", "offline", "--workers", "2",
                                "--out", "d", "--set", "batch_size=4"])
    assert args.func.__name__ == "cmd_evolve"
    assert overrides_from_args(args) == {"iterations": 5, "minutes": 1.5, "seed": 2, "seed_program": "x_only",
                                         "generator": "offline", "workers": 2, "batch_size": 4}
    assert overrides_from_args(parser().parse_args(["evolve", "--resume", "d"])) == {}


def test_unknown_set_key_is_an_error(capsys):
    assert main(["adrs.evolve.toy:TASK", "--set", "batchsize=4", "--quiet"]) == 2
    assert "unknown config key" in capsys.readouterr().out


def test_cli_run_prints_the_table_and_writes_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["adrs.evolve.toy:TASK", "--iterations", "8", "--seed-program", "x_only", "--out", str(out),
                 "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "best evolved" in text and "holdout" in text and "offline generator, no LLM" in text
    assert json.loads((out / "summary.json").read_text())["rows"][0]["label"] == "seed (x_only)"
    assert main(["adrs.evolve.toy:TASK", "--iterations", "8", "--out", str(out), "--quiet"]) == 2


def test_missing_env_is_an_error():
    with pytest.raises(SystemExit):
        parser().parse_args(["evolve", "--iterations", "x"])
    assert main(["--quiet"]) == 2
