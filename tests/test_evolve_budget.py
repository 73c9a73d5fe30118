"""Tests for adrs.evolve.budget."""

from adrs.evolve.budget import Budget
from adrs.evolve.config import build_evolve_config
from adrs.evolve.store import Store


def test_batches_never_overshoot_proposals_or_evaluations():
    b = Budget(iterations=20, max_evaluations=11)
    assert b.next_batch(8) == 8
    b.proposals, b.evaluations = 16, 6
    assert b.next_batch(8) == 4
    b.proposals, b.evaluations = 17, 9
    assert b.next_batch(8) == 2
    b.evaluations = 11
    assert b.next_batch(8) == 0 and b.stop_reason() == "evaluations"
    assert Budget(iterations=4, proposals=4).stop_reason() == "iterations"


def test_wall_budget_counts_previous_sessions():
    assert Budget(iterations=10, minutes=1, previous_s=61).stop_reason() == "minutes"
    assert Budget(iterations=10, minutes=1, previous_s=0).stop_reason() is None


def test_counters_come_from_completed_work_in_the_store(tmp_path):
    store = Store(tmp_path / "run.sqlite")
    store.insert_programs([{"generation": g, "slot": 0, "kind": k, "code": "x"}
                           for g, k in [(-1, "seed"), (0, "candidate"), (0, "candidate"), (0, "candidate")]])
    store.record(2, [{"split": "train", "status": "ok", "score": 1.0}], status="ok")
    store.record(1, [{"split": "train", "status": "ok", "score": 1.0}], status="ok")  # the seed does not count
    b = Budget.from_store(store, build_evolve_config({"iterations": 5}))
    assert (b.proposals, b.evaluations) == (3, 1)
