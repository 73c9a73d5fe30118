"""Opt-in search settings: train early reject (``early_reject_delta`` / ``early_reject_prefix``) and
stagnation reseeding (``stagnation_generations``), on the toy task: effect, exact scores, determinism
across workers and replay on resume."""

import json

import pytest

from adrs.config import ConfigError, parse_assignments
from adrs.evolve import run_evolve
from adrs.evolve.config import EvolveConfig, build_evolve_config
from adrs.evolve.executor import SandboxExecutor
from adrs.evolve.generators.scripted import ScriptedGenerator
from adrs.evolve.report_data import outcome_expr
from adrs.evolve.select import Node, Selector
from adrs.evolve.store import Store
from adrs.evolve.toy import SEED

TOY = "adrs.evolve.toy:TASK"
FAST = {"iterations": 32, "batch_size": 8, "checkpoint_every": 2, "migration_interval": 2, "seed": 7}
BOTH = {"early_reject_delta": 0.02, "early_reject_prefix": 3, "stagnation_generations": 1,
        "migration_interval": 100}  # no migration: islands diverge, so a stalled one has a better donor


def policy(body: str) -> str:
    return SEED.replace('    w = 0.5\n    bias = 0.0\n    return w * obs["x"] + bias', "    " + body)


SCRIPT = [
    ("worse", policy("return 100.0")),
    ("good", policy('return 1.25 * obs["x"] - 0.7 * obs["y"] + 0.5')),
    ("near", policy('return 0.5 * obs["x"] + 0.01')),  # within delta of the seed on the prefix
    ("broken", policy("return float('nan')")),
]


def run_script(path, **extra):
    gen = ScriptedGenerator([src for _, src in SCRIPT], [name for name, _ in SCRIPT])
    run_evolve(TOY, dict(FAST, iterations=len(SCRIPT), batch_size=len(SCRIPT), workers=2, **extra), out=path,
               generator=gen)
    store = Store(path / "run.sqlite")
    rows = {r["edit_summary"]: r for r in store.programs() if r["kind"] == "candidate"}
    return store, rows


def units(store, pid, split="train"):
    return store.conn.execute("SELECT unit, metric, value FROM unit_metric WHERE program_id = ? AND split = ? "
                              "ORDER BY unit, metric", (pid, split)).fetchall()


def test_early_reject_stops_a_clearly_worse_candidate_and_never_changes_an_accepted_score(tmp_path):
    off, a = run_script(tmp_path / "off")
    on, b = run_script(tmp_path / "on", early_reject_delta=0.05, early_reject_prefix=3)
    try:
        worse = b["worse"]
        assert worse["status"] == "rejected" and worse["reason"].startswith("early_reject: ")
        ev = on.evaluation(worse["id"], "train")
        assert ev["status"] == "rejected" and ev["score"] is None
        metrics = json.loads(ev["metrics"])
        assert metrics["prefix_units"] == 3
        seed_prefix = on.evaluation(json.loads(worse["parent_ids"])[0], "train_prefix")
        assert seed_prefix["score"] == metrics["parent_prefix_score"] and off.evaluation(1, "train_prefix") is None
        assert {u[0] for u in units(on, worse["id"])} == {"t00", "t01", "t02"}  # 3 of 12 train units ran
        assert len({u[0] for u in units(off, a["worse"]["id"])}) == 12 and a["worse"]["status"] == "ok"
        for name in ("good", "near"):  # accepted: the same train score, metrics and unit records as a full run
            assert b[name]["status"] == a[name]["status"] == "ok"
            ea, eb = off.evaluation(a[name]["id"], "train"), on.evaluation(b[name]["id"], "train")
            assert (eb["status"], eb["score"], eb["metrics"]) == (ea["status"], ea["score"], ea["metrics"])
            assert units(on, b[name]["id"]) == units(off, a[name]["id"])
            assert units(on, b[name]["id"], "smoke") == units(off, a[name]["id"], "smoke")
        assert (b["broken"]["status"], b["broken"]["reason"]) == (a["broken"]["status"], a["broken"]["reason"])
        # the reason is a report category of its own
        import polars as pl

        frame = pl.DataFrame({"status": ["rejected", "rejected"], "reason": [worse["reason"], "static: x"]})
        assert frame.select(outcome_expr())["outcome"].to_list() == ["rejected (early_reject)", "rejected (static)"]
    finally:
        off.close()
        on.close()


def fingerprint(run_dir, splits=("probe", "smoke", "train", "train_prefix", "holdout")):
    store = Store(run_dir / "run.sqlite")
    try:
        return store.fingerprint(splits)
    finally:
        store.close()


def events(run_dir, kind):
    store = Store(run_dir / "run.sqlite")
    try:
        return [(r[0], r[1]) for r in store.conn.execute(
            "SELECT generation, payload FROM event WHERE kind = ? ORDER BY id", (kind,))]
    finally:
        store.close()


def test_both_features_are_deterministic_across_workers_and_resume(tmp_path):
    cfg = dict(FAST, iterations=48, **BOTH)
    run_evolve(TOY, dict(cfg, workers=1), out=tmp_path / "w1")
    run_evolve(TOY, dict(cfg, workers=2), out=tmp_path / "w2")
    assert fingerprint(tmp_path / "w1") == fingerprint(tmp_path / "w2")
    run_evolve(TOY, dict(cfg, iterations=24, workers=2), out=tmp_path / "split")
    run_evolve(None, {"iterations": 48}, resume=tmp_path / "split")
    train = ("probe", "smoke", "train")
    assert fingerprint(tmp_path / "split", train) == fingerprint(tmp_path / "w1", train)
    reseeds = events(tmp_path / "w1", "reseed")
    assert reseeds, "stagnation_generations=1 must force a reseed"
    assert events(tmp_path / "split", "reseed") == reseeds == events(tmp_path / "w2", "reseed")
    store = Store(tmp_path / "w1" / "run.sqlite")
    try:
        rejected = store.conn.execute(
            "SELECT COUNT(*) FROM program WHERE reason LIKE 'early_reject:%'").fetchone()[0]
        assert rejected > 0
    finally:
        store.close()


def test_reseeding_is_replayed_into_the_checkpointed_selector_state(tmp_path):
    from adrs.evolve.controller import Controller
    from adrs.evolve.evaluate import Cascade
    from adrs.evolve.generators.offline import OfflineGenerator
    from adrs.evolve.task import get_task

    cfg = build_evolve_config(dict(FAST, iterations=48, **BOTH))
    run_evolve(TOY, cfg, out=tmp_path / "run")
    store = Store(tmp_path / "run" / "run.sqlite")
    last = max(store.checkpoints())
    snapshot = store.checkpoints()[last]["selector"]
    assert "stagnation" in snapshot
    reseeds = [json.loads(p) for (p,) in store.conn.execute("SELECT payload FROM event WHERE kind = 'reseed'")]
    assert reseeds
    for island, donor, pid in ((r["island"], r["from_island"], r["program"]) for e in reseeds for r in e["reseeds"]):
        assert island != donor and pid > 0
    task = get_task(TOY)
    ctl = Controller(task, TOY, cfg, store, OfflineGenerator())
    with SandboxExecutor(TOY) as ex:
        ctl.executor, ctl.cascade = ex, Cascade(task, ex, store, cfg)
        ctl._bootstrap()
        ctl._replay()
        assert ex.submitted_kinds == []
    assert ctl.generation - 1 == last  # 48 proposals = 6 generations; checkpoints after 1, 3 and 5
    assert json.loads(json.dumps(ctl.selector.snapshot())) == snapshot
    store.close()


def test_selector_reseeds_only_a_stagnant_island_from_a_strictly_better_one():
    sel = Selector(n_islands=3)
    sel.add(Node(1, -1, 0.0))
    sel.add(Node(2, 0, 0.5))
    sel.add(Node(3, 1, 0.9))
    assert sel.reseed_stagnant(0, 2) == []  # everyone just improved
    sel.add(Node(4, 1, 1.0))
    assert sel.reseed_stagnant(1, 2) == []
    moves = sel.reseed_stagnant(2, 2)  # islands 0 and 2 stalled for 2 generations; island 1 improved at 1
    assert moves == [(0, 1, 4), (2, 1, 4)]
    assert sel.members[0] == [4] and sel.members[2] == [4]
    assert sel.reseed_stagnant(3, 2) == []  # reset restarts the clock; island 1 has no strictly better donor
    assert sel.reseed_stagnant(4, 2) == []


def test_settings_are_off_by_default_and_keep_old_config_hashes():
    cfg = build_evolve_config({})
    assert cfg.early_reject_delta is None and cfg.stagnation_generations is None
    assert not {"early_reject_delta", "early_reject_prefix", "stagnation_generations"} & set(cfg.search_dict())
    on = build_evolve_config(parse_assignments(EvolveConfig, ["early_reject_delta=0.02"]))
    assert on.early_reject_delta == 0.02 and on.config_hash() != cfg.config_hash()
    stag = build_evolve_config(parse_assignments(EvolveConfig, ["stagnation_generations=3"]))
    assert stag.stagnation_generations == 3
    for bad in ({"early_reject_delta": -1}, {"early_reject_prefix": 0}, {"stagnation_generations": 0}):
        with pytest.raises(ConfigError):
            build_evolve_config(bad)


def test_sigkill_and_resume_with_both_features_gives_the_uninterrupted_result(tmp_path):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    spec = "adrs.evolve.toy:BUSY_TASK"
    sets = [f"{k}={v}" for k, v in dict(BOTH, batch_size=8, checkpoint_every=2).items()]
    args = ["--iterations", "40", "--seed", "3", "--workers", "2", "--quiet",
            *[x for s in sets for x in ("--set", s)]]
    run_dir = tmp_path / "killed"
    db = run_dir / "run.sqlite"

    def completed() -> int:
        try:
            with sqlite3.connect(db, timeout=1) as conn:
                return conn.execute("SELECT COUNT(*) FROM program WHERE status != 'pending'").fetchone()[0]
        except sqlite3.Error:
            return 0

    proc = subprocess.Popen([sys.executable, "-m", "adrs.evolve", spec, "--out", str(run_dir), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while completed() < 20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = subprocess.run([sys.executable, "-m", "adrs.evolve", "--resume", str(run_dir), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    run_evolve(spec, dict(BOTH, iterations=40, seed=3, workers=1, batch_size=8, checkpoint_every=2),
               out=tmp_path / "whole")
    assert fingerprint(run_dir) == fingerprint(tmp_path / "whole")
    assert [p for _, p in events(run_dir, "reseed")] == [p for _, p in events(tmp_path / "whole", "reseed")]


def test_cli_flags_set_the_opt_in_fields():
    import argparse

    from adrs.evolve.cli import add_cli, overrides_from_args

    p = argparse.ArgumentParser()
    add_cli(p.add_subparsers())
    args = p.parse_args(["evolve", "toy", "--early-reject", "0.02", "--early-reject-prefix", "6", "--stagnation", "4"])
    assert overrides_from_args(args) == {"early_reject_delta": 0.02, "early_reject_prefix": 6,
                                         "stagnation_generations": 4}
    assert overrides_from_args(p.parse_args(["evolve", "toy"])) == {}
