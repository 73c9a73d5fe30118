"""The telemetry-repair evolve task: library programs match the baselines; child/parent split."""

from __future__ import annotations

import pytest

from adrs.envs.telemetry.evaluate import evaluate
from adrs.envs.telemetry.evolve import TASK
from adrs.envs.telemetry.programs import programs
from adrs.evolve.task import validate_task
from adrs.simulators.telemetry.baselines import BASELINES
from adrs.traces.telemetry.embedded import load_split


def _compile(src: str):
    ns: dict = {}
    exec(compile(src, "<program>", "exec"), ns)  # noqa: S102 - our own library source
    return ns["repair"]


def test_task_protocol_and_units():
    validate_task(TASK)
    assert len(TASK.units("train")) == 240 and len(TASK.units("holdout")) == 240
    assert TASK.units("smoke") == TASK.units("train")[:8]
    for src in TASK.seed_programs.values():
        assert "EVOLVE-BLOCK-START" in src and "import adrs" not in src


@pytest.mark.parametrize("name", sorted(programs()))
def test_library_programs_reproduce_the_baselines(name):
    units = TASK.units("smoke")
    fn = _compile(programs()[name])
    score, metrics = TASK.score("smoke", TASK.evaluate(fn, "smoke", units))
    want, _ = evaluate(BASELINES[name], list(load_split("train", limit=8)), isolate=False)
    assert score == pytest.approx(want["score"], abs=1e-12)
    assert metrics["invalid_items"] == 0


def test_failing_candidate_scores_zero_and_probe_is_plain_data():
    def boom(obs):
        raise ValueError("x")

    units = TASK.units("smoke")[:2]
    score, metrics = TASK.score("smoke", TASK.evaluate(boom, "smoke", units))
    assert score == 0.0 and metrics["failed_runs"] == 2
    probe = TASK.probe(_compile(programs()["symmetry"]))
    assert len(probe) == 3 and all(isinstance(p, str) for p in probe)
