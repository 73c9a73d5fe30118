"""Kill-and-resume: SIGKILL a real ``python -m adrs.evolve`` process mid-run (twice), resume it, and
require the same programs, statuses and scores as an uninterrupted run (timings aside)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from adrs.evolve import run_evolve
from adrs.evolve.store import Store

SPEC = "adrs.evolve.toy:BUSY_TASK"
ARGS = ["--iterations", "40", "--seed", "3", "--workers", "2", "--quiet", "--set", "batch_size=8",
        "--set", "checkpoint_every=2", "--set", "migration_interval=2"]


def completed(db) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM program WHERE status != 'pending'").fetchone()[0]
    except sqlite3.Error:
        return 0


def start_and_kill(cmd, db, after: int) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "adrs.evolve", *cmd], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while completed(db) < after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sigkill_mid_run_then_resume_gives_the_uninterrupted_result(tmp_path):
    run_dir = tmp_path / "killed"
    db = run_dir / "run.sqlite"
    start_and_kill([SPEC, "--out", str(run_dir), *ARGS], db, after=14)
    first = completed(db)
    start_and_kill(["--resume", str(run_dir), "--quiet"], db, after=first + 10)
    assert completed(db) > first
    done = subprocess.run([sys.executable, "-m", "adrs.evolve", "--resume", str(run_dir), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    run_evolve(SPEC, {"iterations": 40, "seed": 3, "workers": 1, "batch_size": 8, "checkpoint_every": 2,
                      "migration_interval": 2}, out=tmp_path / "whole")
    killed, whole = Store(db), Store(tmp_path / "whole" / "run.sqlite")
    try:
        assert killed.fingerprint() == whole.fingerprint()
        counts = killed.conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT program_id || split) FROM evaluation").fetchone()
        assert counts[0] == counts[1]  # no evaluation stored twice
        assert killed.run_info()["stop_reason"] == "iterations"
        assert len(killed.conn.execute("SELECT * FROM program WHERE kind = 'seed'").fetchall()) == 1
    finally:
        killed.close()
        whole.close()
    assert (run_dir / "best_program.py").read_text() == (tmp_path / "whole" / "best_program.py").read_text()
