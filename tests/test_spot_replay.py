"""``adrs replay`` for the spot envs: the record matches batch evaluation and the picture is drawn."""

import json
import struct

import pytest

from adrs.cli import main
from adrs.envs.spot import policies as P
from adrs.envs.spot.config import SpotConfig
from adrs.envs.spot.evaluate import evaluate


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_replay_json_matches_batch_evaluation(capsys):
    assert main(["replay", "cant-be-late", "--policy", "uniform-progress", "--trace", "3", "--split", "holdout",
                 "--set", "deadline_hours=70", "--set", "overhead_hours=0.2", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    ev = evaluate(P.uniform_progress, SpotConfig(traces="holdout", deadline_hours=70, overhead_hours=0.2))
    run = next(r for r in ev.runs if r["trace_id"] == rec["trace_id"])
    assert rec["summary"]["cost_usd"] == pytest.approx(run["cost_usd"], abs=1e-9)
    assert sum(rec["cost_per_tick"]) == pytest.approx(run["cost_usd"], abs=1e-9)
    assert len(rec["types"]) == rec["summary"]["finish_tick"] == run["finish_tick"]


@pytest.mark.parametrize("env", ["cant-be-late", "cant-be-late-multi"])
def test_replay_plot_is_a_nonempty_png(tmp_path, capsys, env):
    out = tmp_path / "run.png"
    policy = "round-robin-up" if env.endswith("multi") else "greedy"
    assert main(["replay", env, "--policy", policy, "--trace", "0", "--plot", str(out)]) == 0
    assert png_size(out) == (1000, 800) and out.stat().st_size > 20_000
    assert "cost $" in capsys.readouterr().out


def test_replay_unknown_trace_is_a_clear_error(capsys):
    assert main(["replay", "cant-be-late", "--policy", "greedy", "--trace", "nope"]) == 2
    assert "unknown trace" in capsys.readouterr().err
