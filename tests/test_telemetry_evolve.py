"""The telemetry-repair evolve task: library programs match the baselines; child/parent split."""

from __future__ import annotations

import json

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


def test_child_side_never_holds_the_truth(tmp_path):
    """Spec §9.7 for the evolve sandbox: after the child side ran a candidate on train units, no
    scenario truth (``{iface: {rx, tx, status}}`` maps, ``{obs, truth}`` scenarios or fault labels) is
    reachable by ``gc`` (a control run that loads the scenarios in the same process finds them)."""
    import subprocess
    import sys

    code = """
import gc, json
from adrs.envs.telemetry.evolve import TASK
ns = {}
exec(compile(TASK.seed_programs["symmetry"], "<p>", "exec"), ns)
TASK.probe(ns["repair"])
recs = TASK.evaluate(ns["repair"], "train", TASK.units("train")[:8])
TASK.evaluate(ns["repair"], "holdout", TASK.units("holdout")[:3])
assert all("action" in r for r in recs)
gc.collect()
truth_like = sum(1 for o in gc.get_objects() if isinstance(o, dict)
                 and any(isinstance(v, dict) and set(v) == {"rx", "tx", "status"} for v in list(o.values())[:3]))
scenarios = sum(1 for o in gc.get_objects() if isinstance(o, dict) and "truth" in o and "obs" in o)
labels = sum(1 for o in gc.get_objects() if isinstance(o, dict) and "faults" in o and "bug" in o)
print(json.dumps([truth_like, scenarios, labels]))
"""
    def run(src: str) -> list[int]:
        out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert run(code) == [0, 0, 0]
    control = code.replace("gc.collect()", "from adrs.traces.telemetry.embedded import load_split\n"
                           "held = load_split('train', limit=2)\ngc.collect()")
    assert run(control) == [2, 2, 2]
