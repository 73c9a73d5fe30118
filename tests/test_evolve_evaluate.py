"""Tests for adrs.evolve.evaluate: parent-side interpretation of child results (no aggregation in
the child) and limits."""

from adrs.evolve.config import build_evolve_config
from adrs.evolve.evaluate import interpret_eval, interpret_probe, limits_for
from adrs.evolve.executor import JobResult
from adrs.evolve.toy import TASK

STAGES = [("smoke", ["t00"]), ("train", ["t00", "t01"])]


def unit(split, u, score):
    return {"t": "unit", "split": split, "unit": u, "record": {"score": score, "mae": -score}, "cpu_s": 0.1}


def result(lines, status="ok", reason=""):
    return JobResult(1, "eval", status, reason, lines, "out", "", {"compile_s": 0.5, "spawn_s": 0.01})


def test_parent_aggregates_in_unit_order_and_ignores_child_claims():
    lines = [unit("smoke", "t00", -1.0), unit("train", "t00", -1.0), unit("train", "t01", -3.0),
             {"t": "done", "score": 1e9}]
    rows, status, reason = interpret_eval(TASK, result(lines), STAGES)
    assert status == "ok" and [r["split"] for r in rows] == ["smoke", "train"]
    assert rows[1]["score"] == -2.0 and rows[1]["cpu_s"] == 0.2 and rows[0]["compile_s"] == 0.5


def test_failure_in_train_keeps_smoke_and_partial_units():
    lines = [unit("smoke", "t00", -1.0), unit("train", "t00", -1.0),
             {"t": "fail", "status": "invalid", "reason": "non-finite action", "traceback": "tb"}]
    rows, status, reason = interpret_eval(TASK, result(lines, "invalid", "non-finite action"), STAGES)
    assert (status, reason) == ("invalid", "train: non-finite action")
    assert rows[0]["status"] == "ok" and rows[1]["status"] == "invalid" and len(rows[1]["units"]) == 1
    assert rows[1]["artifacts"]["traceback"] == "tb"


def test_non_finite_metrics_and_wrong_unit_order_are_rejected():
    lines = [unit("smoke", "t00", float("nan"))]
    _, status, reason = interpret_eval(TASK, result(lines), STAGES[:1])
    assert status == "invalid" and "non-finite metric" in reason
    lines = [unit("smoke", "t00", -1.0), unit("train", "t01", -1.0), unit("train", "t00", -1.0)]
    _, status, reason = interpret_eval(TASK, result(lines), STAGES)
    assert status == "error" and "missing unit results" in reason


def test_probe_signature_and_nonfinite():
    ok = JobResult(1, "probe", "ok", "", [{"t": "probe", "outputs": [1.0, 2.0]}])
    row, sig = interpret_probe(ok)
    assert row["status"] == "ok" and sig
    bad = JobResult(1, "probe", "ok", "", [{"t": "probe", "outputs": [1.0, float("inf")]}])
    row, sig = interpret_probe(bad)
    assert row["status"] == "invalid" and sig is None


def test_limits_scale_with_units():
    cfg = build_evolve_config({"cpu_s_per_unit": 2.0, "cpu_s_base": 1.0, "wall_factor": 3.0})
    lim = limits_for(cfg, 4)
    assert lim.cpu_s == 9.0 and lim.wall_s == 29.0
