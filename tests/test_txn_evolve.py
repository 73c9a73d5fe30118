"""The txn-scheduling evolve task: contract, parent-side rescoring, hostile candidates in a real run."""

import pytest

from adrs.envs.txn.evolve import TASK, TASK_SMF_TIER
from adrs.evolve import run_evolve
from adrs.evolve.checks import check_static
from adrs.evolve.edits import splice
from adrs.evolve.generators.scripted import ScriptedGenerator
from adrs.evolve.store import Store
from adrs.evolve.task import PolicyError, get_task, validate_task

SPEC = "adrs.envs.txn.evolve:TASK"


def test_task_contract_and_library_passes_static_checks():
    task = get_task(SPEC)
    validate_task(task)
    train, holdout, smoke = task.units("train"), task.units("holdout"), task.units("smoke")
    assert train and holdout and not set(train) & set(holdout) and set(smoke) <= set(train)
    assert "# EVOLVE-BLOCK-START" in task.seed_programs["default"]
    for name, src in task.seed_programs.items():
        assert check_static(src, src, "schedule", task.allowed_imports).ok, name


def _policy(source):
    namespace = {}
    exec(source, namespace)
    return TASK.prepare(namespace["schedule"])


def test_score_recomputes_in_the_parent_and_rejects_tampered_records():
    seed = _policy(TASK.seed_programs["default"])
    recs = TASK.evaluate(seed, "train", TASK.units("smoke"))
    score, metrics = TASK.score("smoke", recs)
    assert -0.2 < score < 0.2 and metrics["oracle_calls"] == 946
    recs[0]["orders"][0] = recs[0]["orders"][0][:-1]
    with pytest.raises(ValueError):
        TASK.score("smoke", recs)
    with pytest.raises(PolicyError, match="budget"):
        TASK_SMF_TIER.evaluate(_policy(TASK.seed_programs["smf-all"]), "train", TASK.units("smoke")[:1])
    TASK_SMF_TIER.evaluate(seed, "train", TASK.units("smoke")[:1])  # SMF-10 fits the smf tier


def program(body: str) -> str:
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return splice(TASK.seed_programs["default"], "def schedule(wl, oracle, rng):\n" + lines + "\n")


HOSTILE = [
    ("drop", program("return [0]"), "invalid", "has 1 ids"),
    ("float", program("return [float(i) for i in range(wl.n)]"), "invalid", "must be ints"),
    ("holdout", program("from adrs.traces.txn import embedded\nreturn list(range(wl.n))"), "rejected",
     "import not allowed"),
    ("private", program("oracle._calls = 0\nreturn list(range(wl.n))"), "rejected", "private attribute"),
    ("fifo", program("return list(range(wl.n))"), "ok", ""),
]


def test_hostile_candidates_in_a_real_run(tmp_path):
    gen = ScriptedGenerator([src for _, src, _, _ in HOSTILE], [name for name, *_ in HOSTILE])
    cfg = {"iterations": len(HOSTILE), "batch_size": len(HOSTILE), "workers": 2, "seed": 1}
    summary = run_evolve("adrs.envs.txn.evolve:TASK_QUICK", cfg, out=tmp_path / "run", generator=gen)
    rows = {r["edit_summary"]: r for r in Store(tmp_path / "run" / "run.sqlite").programs() if r["kind"] == "candidate"}
    for name, _src, status, reason in HOSTILE:
        assert rows[name]["status"] == status, (name, rows[name]["reason"])
        assert reason in rows[name]["reason"], (name, rows[name]["reason"])
    assert summary.rows[0].train is not None


def test_both_env_ids_resolve_to_their_own_task():
    import adrs.envs.txn  # noqa: F401  (registration)

    offline, online = get_task("txn-scheduling"), get_task("txn-scheduling-online")
    assert offline.entry_point == "schedule" and online.entry_point == "choose"
    validate_task(online)
    ns = {}
    exec(online.seed_programs["default"], ns)
    policy = online.prepare(ns["choose"])
    recs = online.evaluate(policy, "smoke", online.units("smoke")[:1])
    score, _ = online.score("smoke", recs)
    assert -1.0 < score < 0.5
    recs[0]["schedules"][0][0] = recs[0]["schedules"][0][1]  # a duplicate id
    with pytest.raises(ValueError):
        online.score("smoke", recs)

    def over_budget(obs, oracle, rng):
        for _ in range(oracle.calls_left() + 1):
            try:
                oracle.peek(0)
            except Exception:
                pass
        return 0

    with pytest.raises(PolicyError, match="budget"):
        online.evaluate(over_budget, "smoke", online.units("smoke")[:1])
