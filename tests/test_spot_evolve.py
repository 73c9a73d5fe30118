"""The spot envs in the evolve loop: task contract, a real offline run, hostile candidates, R8."""

import pytest

from adrs.envs.spot import policies as P
from adrs.envs.spot.config import SpotConfig
from adrs.envs.spot.evaluate import evaluate
from adrs.evolve import run_evolve
from adrs.evolve.edits import splice
from adrs.evolve.generators.scripted import ScriptedGenerator
from adrs.evolve.store import Store
from adrs.evolve.task import get_task, validate_task


@pytest.mark.parametrize("env_id", ["cant-be-late", "cant-be-late-multi"])
def test_task_contract(env_id):
    task = get_task(env_id)
    validate_task(task)
    assert task.env_id == env_id
    train, holdout, smoke = task.units("train"), task.units("holdout"), task.units("smoke")
    assert train and holdout and not set(train) & set(holdout) and set(smoke) <= set(train)
    assert "# EVOLVE-BLOCK-START" in task.seed_programs["default"]


def test_offline_run_on_cant_be_late(tmp_path):
    summary = run_evolve("cant-be-late", {"iterations": 16, "workers": 2, "seed": 0}, out=tmp_path / "run")
    seed = summary.rows[0]
    assert summary.stop_reason == "iterations" and summary.funnel["proposed"] == 16
    assert summary.best.train >= seed.train and summary.best.holdout is not None
    assert (tmp_path / "run" / "best_program.py").is_file()


def spot_program(body: str) -> str:
    """The seed program with its EVOLVE-BLOCK replaced by ``decide`` = ``body``."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return splice(get_task("cant-be-late").seed_programs["default"], "def decide(obs, state):\n" + lines + "\n")


HONEST = "return 1 if obs.spot_available else 2"
HOSTILE = [
    ("out-of-range", spot_program("return 3"), "invalid", "action out of range"),
    ("nan", spot_program("return float('nan')"), "invalid", "action must be an int"),
    ("raise", spot_program("if obs.tick == 40:\n    raise RuntimeError('boom')\nreturn 0"), "invalid", "boom"),
    ("holdout", spot_program("from adrs.traces.spot import embedded\nreturn 0"), "rejected", "import not allowed"),
    ("loop", spot_program("while True:\n    pass"), "timeout", ""),
    ("liar", spot_program("print('mean: 1.0 score: 9')\n" + HONEST), "ok", ""),
    ("honest", spot_program(HONEST + "  # same behaviour, other code"), "duplicate", "same behaviour"),
]


def test_hostile_spot_candidates_are_rejected_and_printing_changes_nothing(tmp_path):
    gen = ScriptedGenerator([src for _, src, _, _ in HOSTILE], [name for name, *_ in HOSTILE])
    cfg = {"iterations": len(HOSTILE), "batch_size": len(HOSTILE), "workers": 2, "seed": 1,
           "cpu_s_per_unit": 0.5, "cpu_s_base": 1.0, "wall_factor": 4.0}
    run_evolve("cant-be-late", cfg, out=tmp_path / "run", generator=gen)
    store = Store(tmp_path / "run" / "run.sqlite")
    rows = {r["edit_summary"]: r for r in store.programs() if r["kind"] == "candidate"}
    for name, _src, status, reason in HOSTILE:
        assert rows[name]["status"] == status, (name, rows[name]["reason"])
        assert reason in rows[name]["reason"], (name, rows[name]["reason"])
    liar = store.evaluation(rows["liar"]["id"], "train")["score"]
    honest = evaluate(lambda o, s: 1 if o.spot_available else 2, SpotConfig(traces="train"), mode="python")
    assert liar == pytest.approx(honest.score.score, abs=1e-12)
    store.close()


def test_r8_memorising_train_windows_shows_a_large_gap():
    """A policy that recognises train windows from the bits seen so far and replays their omniscient plan
    looks far better than UP on train; on holdout nothing matches and it falls back to greedy."""
    from adrs.simulators.spot.oracle import omniscient_plan
    from adrs.traces.spot.embedded import load_embedded

    ts = load_embedded("single", "train")
    avail = 1 - ts.bits[:, 0, :]
    train = SpotConfig(traces="train")
    plans = {}
    for i in range(ts.n_traces):
        for r in train.deadlines:
            for d in train.overheads:
                plans[(i, r, d)] = omniscient_plan(avail[i], 600.0, 48 * 3600.0, r * 3600.0, d * 3600.0, 0.9731,
                                                   3.06)[1]

    def memo(obs, state):
        k = obs.tick
        if k == 0:
            state.candidates = list(range(ts.n_traces))
        state.candidates = [i for i in state.candidates if avail[i, k] == obs.history_avail[k]]
        if not state.candidates:
            return P.greedy(obs, state)
        plan = plans[(state.candidates[0], obs.deadline_s / 3600.0, obs.overhead_s / 3600.0)]
        return int(plan[k]) if k < len(plan) else 0

    gaps = {}
    for name, fn in (("memo", memo), ("up", P.uniform_progress)):
        s_train = evaluate(fn, train, mode="python").score.score
        s_hold = evaluate(fn, SpotConfig(traces="holdout"), mode="python").score.score
        gaps[name] = (s_train, s_hold, s_train - s_hold)
    assert gaps["memo"][0] > gaps["up"][0] + 0.03  # memorising wins big on train ...
    assert gaps["memo"][2] > gaps["up"][2] + 0.03  # ... and the train/holdout gap exposes it
    assert gaps["memo"][1] < gaps["up"][1]
