"""``adrs replay`` / ``adrs compare`` for txn-scheduling and txn-scheduling-online: end to end through the
CLI, numbers equal to ``adrs run --json``, and the Gantt charts are drawn."""

from __future__ import annotations

import numpy as np
import pytest

from adrs.envs.txn.sources import load_instances
from adrs.simulators.txn import kernel as K
from tests.replay_helpers import check_compare_rows, cli, cli_json, png_size

ONE_SEED = ("--set", "eval_seeds=1")


def test_replay_offline_matches_run_and_draws_the_gantt(tmp_path) -> None:
    out = tmp_path / "gantt.png"
    rec = cli_json("replay", "txn-scheduling", "--policy", "smf-10", "--trace", "tpcc-s202", "--plot", str(out))
    run = cli_json("run", "txn-scheduling", "--policy", "smf-10", "--set", "workload=train:tpcc-s202", *ONE_SEED)
    assert rec["makespan"] == run["workloads"][0]["makespans"][0] == run["total_makespan"]
    assert rec["gain_vs_smf"] == pytest.approx(run["score"]) and rec["oracle_calls"] == run["oracle_calls"]
    inst = load_instances("train:tpcc-s202")[0]
    assert sorted(rec["order"]) == list(range(rec["n"])) == list(range(inst.workload.n))
    assert K.cost(inst.workload.arrays, np.array(rec["order"])) == rec["makespan"] == max(rec["ends"])
    assert png_size(out) == (1000, 800) and out.stat().st_size > 10_000  # n = 100: 10 x 8 in at 100 dpi


def test_replay_online_matches_run_and_draws_the_gantt(tmp_path) -> None:
    out = tmp_path / "online.png"
    args = ("--set", "arrival=poisson", *ONE_SEED)
    rec = cli_json("replay", "txn-scheduling-online", "--policy", "window-smf", "--trace", "1", "--plot", str(out),
                   *args)
    run = cli_json("run", "txn-scheduling-online", "--policy", "window-smf", *args)
    row = run["workloads"][1]
    assert rec["workload_id"] == row["id"] == "ycsb-s202"
    assert rec["makespan"] == row["makespan"] == max(rec["ends"])
    assert rec["latency_mean"] == pytest.approx(row["latency_mean"])
    assert all(s >= np.floor(a) + 1 for s, a in zip(rec["starts"], rec["arrivals"], strict=True))
    assert png_size(out) == (1000, 800) and out.stat().st_size > 10_000


def test_replay_text_and_unknown_workload() -> None:
    rc, out, err = cli("replay", "txn-scheduling", "--policy", "fifo", "--trace", "0", "--split", "holdout")
    assert rc == 0 and "workload smallbank-s1000001" in out and "makespan" in out, err
    rc, _, err = cli("replay", "txn-scheduling", "--policy", "fifo", "--trace", "nope")
    assert rc == 2 and "unknown workload 'nope'" in err and "ycsb-s101, ycsb-s202" in err


def test_compare_offline_matches_run() -> None:
    policies = ("smf-10", "fifo", "greedy-insertion", "smf-10")
    result = cli_json("compare", "txn-scheduling", "--policies", ",".join(policies), *ONE_SEED)
    check_compare_rows(result, len(policies))
    assert result["env"] == "txn-scheduling" and result["n_units"] == 12 and result["eval_seeds"] == 1
    for row in result["policies"][:3]:
        run = cli_json("run", "txn-scheduling", "--policy", row["policy"], *ONE_SEED)
        assert row["score"] == pytest.approx(run["score"], abs=1e-12) and row["valid"]
        assert row["score_mean"] == pytest.approx(run["score"], abs=1e-12)
        assert row["total_makespan"] == run["total_makespan"]
        assert row["per_unit"] == [r["gain_vs_smf"] for r in run["workloads"]]
        assert row["makespan_mean"] == pytest.approx(run["total_makespan"] / 12)
    smf, fifo, greedy, again = result["policies"]
    assert again["diff_vs_first"] == 0 and again["diff_ci"] == [0.0, 0.0]
    assert again["makespan_diff_mean"] == 0 and again["makespan_diff_ci"] == [0.0, 0.0]
    assert greedy["diff_vs_first"] > 0 > greedy["makespan_diff_mean"]  # greedy insertion beats SMF-10
    assert fifo["makespan_diff_mean"] == pytest.approx((fifo["total_makespan"] - smf["total_makespan"]) / 12)


def test_compare_online_table_and_json() -> None:
    rc, out, err = cli("compare", "txn-scheduling-online", "--policies", "window-fifo,window-smf", "--split", "holdout")
    assert rc == 0 and "6 workloads" in out and "window-smf" in out and "latency" in out, err
    result = cli_json("compare", "txn-scheduling-online", "--policies", "window-fifo,window-smf,window-fifo",
                      "--split", "holdout")
    check_compare_rows(result, 3)
    run = cli_json("run", "txn-scheduling-online", "--policy", "window-smf", "--split", "holdout")
    row = result["policies"][1]
    assert row["score"] == pytest.approx(run["score"], abs=1e-12)
    assert row["latency_mean"] == pytest.approx(run["latency_mean"])
    assert result["policies"][2]["diff_ci"] == [0.0, 0.0]
