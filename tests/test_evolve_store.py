"""Tests for adrs.evolve.store: schema, transactions, the holdout-free train view."""

import sqlite3

import pytest

from adrs.evolve.store import Store


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "run.sqlite")
    s.init_run({"env": "toy", "task_spec": "adrs.evolve.toy:TASK", "seed": 1, "config_json": "{}"})
    yield s
    s.close()


def ev(split, score, status="ok", units=()):
    return {"split": split, "status": status, "reason": "", "score": score, "metrics": {"score": score},
            "units": list(units)}


def test_wal_and_round_trip(store, tmp_path):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ids = store.insert_programs([{"generation": 0, "slot": i, "kind": "candidate", "code": f"x={i}",
                                  "parent_ids": [1], "island": i} for i in range(3)])
    assert ids == [1, 2, 3]
    store.record(2, [ev("train", -0.5, units=[("t00", {"score": -0.5, "tag": "a"})])], status="ok", signature="s")
    row = store.programs()[1]
    assert (row["status"], row["signature"], row["parent_ids"]) == ("ok", "s", "[1]")
    # string metrics are skipped in the long table, numbers kept
    assert [tuple(r) for r in store.conn.execute("SELECT metric, value FROM unit_metric")] == [("score", -0.5)]
    with sqlite3.connect(tmp_path / "run.sqlite") as other:  # a concurrent reader sees committed rows
        assert other.execute("SELECT COUNT(*) FROM evaluation").fetchone()[0] == 1


def test_a_completion_is_one_transaction(store):
    store.insert_programs([{"generation": 0, "slot": 0, "kind": "candidate", "code": "x"}])
    with pytest.raises(sqlite3.IntegrityError):
        store.record(1, [ev("train", 1.0), ev("train", 2.0)], status="ok")  # duplicate split
    assert store.conn.execute("SELECT COUNT(*) FROM evaluation").fetchone()[0] == 0
    assert store.programs()[0]["status"] == "pending"


def test_train_view_never_returns_holdout(store):
    store.insert_programs([{"generation": 0, "slot": 0, "kind": "candidate", "code": "x"}])
    store.record(1, [ev("probe", None), ev("train", -1.0)], status="ok")
    store.record(1, [ev("holdout", 123.0, units=[("h00", {"score": 123.0})])])
    view = store.train_view()
    assert [e["split"] for e in view.evaluations(1)] == ["probe", "train"]
    assert view.programs()[0]["score"] == -1.0
    assert "123" not in str(view.programs())
    assert store.holdout_scores() == {1: 123.0}


def test_fingerprint_ignores_timings(store):
    store.insert_programs([{"generation": 0, "slot": 0, "kind": "candidate", "code": "x"}])
    store.record(1, [dict(ev("train", 1.0), wall_s=3.0, cpu_s=1.0)], status="ok")
    before = store.fingerprint()
    store.conn.execute("UPDATE evaluation SET wall_s = 99, cpu_s = 42")
    assert store.fingerprint() == before
