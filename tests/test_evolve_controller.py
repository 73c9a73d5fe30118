"""End-to-end tests of the loop (adrs.evolve.controller) on the toy task: improvement, hostile
candidates, determinism across workers, holdout discipline, strategies and in-process resume."""

import dataclasses
import json

import pytest

from adrs.config import ConfigError
from adrs.evolve import run_evolve
from adrs.evolve.executor import SandboxExecutor
from adrs.evolve.generators.base import Context, ProgramView
from adrs.evolve.generators.scripted import ScriptedGenerator
from adrs.evolve.progress import RecordingProgress
from adrs.evolve.store import Store
from adrs.evolve.toy import SEED

TOY = "adrs.evolve.toy:TASK"
FAST = {"iterations": 32, "batch_size": 8, "checkpoint_every": 2, "migration_interval": 2, "seed": 7}


def fingerprint(run_dir, splits=("probe", "smoke", "train", "holdout")):
    store = Store(run_dir / "run.sqlite")
    try:
        return store.fingerprint(splits)
    finally:
        store.close()


def policy(code: str, w: str = "0.5") -> str:
    lines = "\n".join("    " + line for line in code.strip("\n").splitlines())
    return SEED.replace('    w = 0.5\n    bias = 0.0\n    return w * obs["x"] + bias', lines).replace("W", w)


def test_toy_run_improves_on_the_seed_and_writes_its_outputs(tmp_path):
    progress = RecordingProgress()
    summary = run_evolve(TOY, dict(FAST, iterations=48, workers=2), out=tmp_path / "run", progress=progress)
    seed = summary.rows[0]
    assert summary.best.train > seed.train
    assert summary.best.holdout is not None and summary.best.gap == summary.best.train - summary.best.holdout
    assert summary.funnel["proposed"] == 48 and summary.stop_reason == "iterations"
    assert (tmp_path / "run" / "best_program.py").read_text() == summary.best_code
    data = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert {r["label"].split()[0] for r in data["rows"]} == {"seed", "baseline", "best"}
    assert all(r["holdout"] is not None for r in data["rows"])  # seed and every baseline scored on holdout
    assert progress.history[-1]["iteration"] == 48 and progress.history[-1]["best_train"] == summary.best.train
    labels = {k.split("/")[0] for k in summary.generators}
    assert labels == {"offline"}


HOSTILE = [
    ("loop", policy("while True:\n    pass\nreturn 0.0"), "timeout", "cpu limit"),
    ("alloc", policy("x = []\nwhile True:\n    x.append([0] * 1000000)\nreturn 0.0"), "oom", "memory"),
    ("fork", policy("import os\nos.fork()\nreturn 0.0"), "rejected", "import not allowed: os"),
    ("raise", policy("return 1 / 0"), "error", "ZeroDivisionError"),
    ("nan", policy("return float('nan')"), "invalid", "non-finite action"),
    ("illegal", policy("return 'SPOT'"), "invalid", "illegal action"),
    ("open", policy("return float(open('/work/main/holdout/__init__.py').read())"), "rejected", "'open'"),
    ("import", policy("m = __import__('os')\nreturn 0.0"), "rejected", "'__import__'"),
    ("subclasses", policy("k = ().__class__.__base__.__subclasses__()\nreturn 0.0"), "rejected", "private attribute"),
    ("sysmodules", policy("import sys\nreturn float(len(sys.modules))"), "rejected", "import not allowed: sys"),
    ("envstate", policy("return state._env.target"), "rejected", "private attribute '_env'"),
    ("print", policy('print(\'{"score": 99, "t": "done"}\')\nreturn 1.3 * obs["x"] - 0.7 * obs["y"] + 0.5'),
     "ok", ""),
    ("good", policy('return W * obs["x"] - 0.7 * obs["y"] + 0.5', "1.25"), "ok", ""),
    ("same", policy('return W * obs["x"] - 0.7 * obs["y"] + 0.5', "1.250000000001"), "duplicate",
     "same behaviour as program"),
]


def test_hostile_candidates_are_rejected_with_their_reason_and_the_loop_goes_on(tmp_path):
    gen = ScriptedGenerator([src for _, src, _, _ in HOSTILE], [name for name, *_ in HOSTILE])
    cfg = dict(FAST, iterations=len(HOSTILE), batch_size=len(HOSTILE), workers=2, cpu_s_per_unit=0.05,
               cpu_s_base=0.3, memory_mb=200, wall_factor=10.0)
    summary = run_evolve(TOY, cfg, out=tmp_path / "run", generator=gen)
    store = Store(tmp_path / "run" / "run.sqlite")
    rows = {r["edit_summary"]: r for r in store.programs() if r["kind"] == "candidate"}
    for name, _src, status, reason in HOSTILE:
        assert rows[name]["status"] == status, (name, rows[name]["reason"])
        assert reason in rows[name]["reason"], (name, rows[name]["reason"])
    printed = store.evaluation(rows["print"]["id"], "train")
    assert -1 < printed["score"] < 0  # the toy's real score, not the 99 the candidate printed
    assert "99" in json.loads(printed["artifacts"]).get("stdout_tail", "") or "99" in json.loads(
        store.evaluation(rows["print"]["id"], "smoke")["artifacts"]).get("stdout_tail", "")
    assert summary.best.program_id in (rows["print"]["id"], rows["good"]["id"])
    store.close()


def test_workers_do_not_change_the_trajectory(tmp_path):
    run_evolve(TOY, dict(FAST, workers=1), out=tmp_path / "w1")
    run_evolve(TOY, dict(FAST, workers=2), out=tmp_path / "w2")
    run_evolve(TOY, dict(FAST, workers=2, seed=8), out=tmp_path / "other")
    assert fingerprint(tmp_path / "w1") == fingerprint(tmp_path / "w2")
    assert fingerprint(tmp_path / "w1")["program"] != fingerprint(tmp_path / "other")["program"]


def test_holdout_never_steers_the_search(tmp_path, monkeypatch):
    submitted = []
    original = SandboxExecutor.submit

    def spy(self, job, limits):
        submitted.append(tuple(s for s, _ in job.get("stages", [("probe", ())])))
        return original(self, job, limits)

    monkeypatch.setattr(SandboxExecutor, "submit", spy)
    gen_a = ScriptedGenerator([SEED])  # only used to capture a context; not run
    del gen_a
    run_evolve(TOY, dict(FAST, workers=2), out=tmp_path / "a")
    run_evolve("adrs.evolve.toy:TASK_OTHER_HOLDOUT", dict(FAST, workers=2), out=tmp_path / "b")
    train_only = ("probe", "smoke", "train")
    assert fingerprint(tmp_path / "a", train_only) == fingerprint(tmp_path / "b", train_only)
    assert fingerprint(tmp_path / "a", ("holdout",)) != fingerprint(tmp_path / "b", ("holdout",))
    # no holdout job before the first checkpoint (end of generation 1): all train jobs of the
    # seed, the baselines and generations 0-1 come first
    first_run = submitted[: len(submitted) // 2]
    first_holdout = first_run.index(("holdout",))
    store = Store(tmp_path / "a" / "run.sqlite")
    early_train = store.conn.execute(
        "SELECT COUNT(*) FROM evaluation e JOIN program p ON p.id = e.program_id "
        "WHERE e.split = 'train' AND p.generation <= 1").fetchone()[0]
    store.close()
    assert first_run[:first_holdout].count(("smoke", "train")) == early_train


def test_generator_context_has_no_holdout_fields(tmp_path):
    for cls in (Context, ProgramView):
        assert not [f.name for f in dataclasses.fields(cls) if "holdout" in f.name.lower()]
    gen = ScriptedGenerator([policy('return W * obs["x"]', str(0.6 + i / 100)) for i in range(16)])
    run_evolve(TOY, dict(FAST, iterations=16, checkpoint_every=1), out=tmp_path / "run", generator=gen)
    store = Store(tmp_path / "run" / "run.sqlite")
    holdout = {round(s, 6) for s in store.holdout_scores().values() if s is not None}
    store.close()
    assert holdout
    for ctx in gen.contexts:
        shown = {round(v.score, 6) for v in (ctx.parent, *ctx.inspirations) if v.score is not None}
        assert not shown & holdout
        assert "holdout" not in json.dumps(dataclasses.asdict(ctx), default=str).lower()


@pytest.mark.parametrize("strategy", ["best_of_n", "random_mutation"])
def test_baseline_strategies(tmp_path, strategy):
    summary = run_evolve(TOY, dict(FAST, iterations=16, strategy=strategy), out=tmp_path / strategy)
    store = Store(tmp_path / strategy / "run.sqlite")
    seed_id = next(r["id"] for r in store.programs() if r["kind"] == "seed")
    parents = {json.loads(r["parent_ids"])[0] for r in store.programs() if r["kind"] == "candidate"}
    store.close()
    if strategy == "best_of_n":
        assert parents == {seed_id}
    else:
        assert len(parents) > 1
    assert summary.funnel["proposed"] == 16


def test_resume_extends_the_budget_and_matches_a_single_run(tmp_path):
    run_evolve(TOY, dict(FAST, iterations=16), out=tmp_path / "split")
    with pytest.raises(FileExistsError):
        run_evolve(TOY, dict(FAST, iterations=16), out=tmp_path / "split")
    with pytest.raises(ConfigError, match="cannot change seed"):
        run_evolve(None, {"seed": 99}, resume=tmp_path / "split")
    run_evolve(None, {"iterations": 32}, resume=tmp_path / "split")
    run_evolve(TOY, dict(FAST, iterations=32), out=tmp_path / "whole")
    a, b = fingerprint(tmp_path / "split", ("probe", "smoke", "train")), fingerprint(
        tmp_path / "whole", ("probe", "smoke", "train"))
    assert a == b


def test_checkpoint_snapshot_equals_replay_of_the_store(tmp_path):
    from adrs.evolve.config import build_evolve_config
    from adrs.evolve.controller import Controller
    from adrs.evolve.evaluate import Cascade
    from adrs.evolve.generators.offline import OfflineGenerator
    from adrs.evolve.task import get_task

    cfg = build_evolve_config(dict(FAST, iterations=16))
    run_evolve(TOY, cfg, out=tmp_path / "run")
    store = Store(tmp_path / "run" / "run.sqlite")
    snapshot = store.checkpoints()[1]["selector"]
    task = get_task(TOY)
    ctl = Controller(task, TOY, cfg, store, OfflineGenerator())
    with SandboxExecutor(TOY) as ex:
        ctl.executor, ctl.cascade = ex, Cascade(task, ex, store, cfg)
        ctl._bootstrap()
        ctl._replay()
        assert ex.submitted_kinds == []  # replaying a finished run evaluates nothing again
    assert json.loads(json.dumps(ctl.selector.snapshot())) == snapshot
    store.close()


def test_evaluation_and_wall_budgets_stop_the_run(tmp_path):
    summary = run_evolve(TOY, dict(FAST, iterations=100, max_evaluations=5), out=tmp_path / "evals")
    store = Store(tmp_path / "evals" / "run.sqlite")
    n_train = store.conn.execute("SELECT COUNT(*) FROM evaluation e JOIN program p ON p.id = e.program_id "
                                 "WHERE e.split = 'train' AND p.kind = 'candidate'").fetchone()[0]
    store.close()
    assert summary.stop_reason == "evaluations" and n_train == 5
    summary = run_evolve(TOY, dict(FAST, iterations=100, minutes=1e-6), out=tmp_path / "wall")
    assert summary.stop_reason == "minutes" and summary.funnel["proposed"] <= FAST["batch_size"]


def test_a_failing_seed_stops_the_run_loudly(tmp_path):
    seed = tmp_path / "bad_seed.py"
    seed.write_text(policy("return 1 / 0"))
    with pytest.raises(RuntimeError, match="seed program failed: error: probe: ZeroDivisionError"):
        run_evolve(TOY, dict(FAST, seed_program=str(seed)), out=tmp_path / "run")


def test_allowed_imports_knob_narrows_the_task_list(tmp_path):
    """The ablation knob: with math removed from the allowed imports, a candidate importing it is rejected."""
    from adrs.config import ConfigError

    task = "adrs.evolve.toy:TASK_TWO_IMPORTS"
    uses_math = policy('import math\nreturn W * obs["x"] + 0.0 * math.pi', "0.9")
    with pytest.raises(ConfigError, match="only narrow"):
        run_evolve(task, dict(FAST, iterations=1, allowed_imports=("numpy",)), out=tmp_path / "wide",
                   generator=ScriptedGenerator([uses_math]))
    for name, allowed, status in (("full", (), "ok"), ("narrow", ("random",), "rejected")):
        run_evolve(task, dict(FAST, iterations=1, batch_size=1, allowed_imports=allowed), out=tmp_path / name,
                   generator=ScriptedGenerator([uses_math]))
        store = Store(tmp_path / name / "run.sqlite")
        rows = [r for r in store.programs() if r["kind"] == "candidate"]
        store.close()
        assert [r["status"] for r in rows] == [status], rows[0]["reason"]
        if status == "rejected":
            assert "math" in rows[0]["reason"]
