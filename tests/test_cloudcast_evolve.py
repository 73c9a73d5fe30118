"""Cloudcast evolve task: contract, library parity with the built-in baselines, parent-side scoring."""

from __future__ import annotations

import pytest

from adrs.envs.cloudcast.evolve import TASK
from adrs.envs.cloudcast.scoring import evaluate_cases
from adrs.evolve.checks import check_static
from adrs.evolve.sandbox import load_policy
from adrs.evolve.task import TASK_MEMBERS, EvolveTask
from adrs.simulators.cloudcast.baselines import BASELINES
from adrs.traces.cloudcast.embedded import load_split


def test_task_contract() -> None:
    assert isinstance(TASK, EvolveTask) and all(hasattr(TASK, m) for m in TASK_MEMBERS)
    train, holdout, smoke = TASK.units("train"), TASK.units("holdout"), TASK.units("smoke")
    assert len(train) == 32 and len(holdout) == 64 and smoke == train[:4]
    assert not set(train) & set(holdout)
    for src in TASK.seed_programs.values():
        assert src.count("# EVOLVE-BLOCK-START") == 1 and src.count("# EVOLVE-BLOCK-END") == 1


@pytest.mark.parametrize("name", ["cheapest-path", "min-arborescence", "closure-arborescence"])
def test_library_programs_reproduce_the_baselines(name: str) -> None:
    src = TASK.seed_programs[name]
    assert check_static(src, src, TASK.entry_point, TASK.allowed_imports).ok
    policy = load_policy(src, TASK.entry_point, TASK.allowed_imports)
    units = TASK.units("train")[:8]
    score, metrics = TASK.score("train", TASK.evaluate(policy, "train", units))
    want = evaluate_cases(BASELINES[name], load_split("train")[:8])[0]
    assert score == pytest.approx(want["score"]) and metrics["total_cost_usd"] == pytest.approx(want["total_cost_usd"])


def test_parent_rescoring_ignores_anything_the_child_computed(monkeypatch) -> None:
    import adrs.simulators.cloudcast.model as model
    policy = load_policy(TASK.seed_programs["closure-arborescence"], "plan", TASK.allowed_imports)
    units = TASK.units("smoke")
    honest = TASK.score("train", TASK.evaluate(policy, "train", units))

    def patching(instance):  # R6: patch the simulator in "its own process", then plan honestly
        monkeypatch.setattr(model, "simulate", lambda *a, **k: None)
        return policy(instance)

    records = TASK.evaluate(patching, "train", units)
    monkeypatch.undo()  # the parent process is a different process: its simulator is intact
    assert all(set(r) == {"unit", "edges", "wall_s"} for r in records)
    assert TASK.score("train", records) == honest
    forged = [{**records[0], "edges": [[[0, 1]]]}] + records[1:]  # a forged record is validated too
    assert TASK.score("train", forged)[1]["invalid_rate"] == 0.25


def test_probe_is_plain_data_and_invalid_units_do_not_sink_the_batch() -> None:
    policy = load_policy(TASK.seed_programs["direct"], "plan", TASK.allowed_imports)
    probe = TASK.probe(policy)
    assert len(probe) == 3 and all(isinstance(p, list) for p in probe)

    def flaky(instance):
        if len(instance.dests) % 2:
            raise ValueError("odd")
        return policy(instance)

    records = TASK.evaluate(flaky, "train", TASK.units("train"))
    score, metrics = TASK.score("train", records)
    assert 0 < metrics["invalid_rate"] < 1 and -1 < score < 0
