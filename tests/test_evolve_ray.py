"""Tests of the Ray executor (adrs.evolve.ray_executor) on a real local Ray instance: a short evolve run
through Ray equals the local-pool run, hostile candidates are still sandboxed inside the Ray worker (a
hanging one is killed while the loop goes on), the driver force-cancels a task past its deadline, and the
staged code package runs through runtime_env."""

import os
import time

import pytest

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'adrs[ray]')")

from adrs.evolve import run_evolve  # noqa: E402
from adrs.evolve.executor import Limits  # noqa: E402
from adrs.evolve.generators.scripted import ScriptedGenerator  # noqa: E402
from adrs.evolve.ray_executor import RayExecutor, _remove_stale_sandboxes, stage_package  # noqa: E402
from adrs.evolve.store import Store  # noqa: E402
from adrs.evolve.toy import SEED  # noqa: E402

TOY = "adrs.evolve.toy:TASK"
FAST = {"iterations": 16, "batch_size": 8, "checkpoint_every": 2, "migration_interval": 2, "seed": 7}
STAGES = [["smoke", ["t00"]], ["train", ["t00", "t01", "t02"]]]


@pytest.fixture(scope="module")
def ray_instance():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def fingerprint(run_dir):
    store = Store(run_dir / "run.sqlite")
    try:
        return store.fingerprint()
    finally:
        store.close()


def policy(code: str, w: str = "0.5") -> str:
    lines = "\n".join("    " + line for line in code.strip("\n").splitlines())
    return SEED.replace('    w = 0.5\n    bias = 0.0\n    return w * obs["x"] + bias', lines).replace("W", w)


def run_one(ex, source, kind="eval", limits=None, timeout=60.0, job_id=None):
    job = {"kind": kind, "source": source, "entry_point": "decide", "allowed_imports": ["math"], "stages": STAGES}
    if job_id is None:
        job_id = ex.submit(job, limits or Limits())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for result in ex.poll(0.1):
            assert result.job_id == job_id
            return result
    raise AssertionError("job never finished")


def _stat(pid: int) -> list[bytes]:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        return fh.read().rsplit(b")", 1)[1].split()


def _descends_from_us(pid: int) -> bool:
    """Whether ``pid`` is in this test process's tree (the local Ray instance is started from it)."""
    me = os.getpid()
    for _ in range(12):
        try:
            pid = int(_stat(pid)[1])
        except (OSError, IndexError):
            return False
        if pid == me:
            return True
        if pid <= 1:
            return False
    return False


def live_candidates() -> list[int]:
    """Pids of our live sandboxed children (forked by a zygote in one of our Ray workers)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if b"adrs.evolve.zygote" not in fh.read():
                    continue
            if not os.path.basename(os.readlink(f"/proc/{entry}/cwd")).startswith("job"):
                continue  # a zygote, not a sandboxed child (children chdir into their job folder)
            if _stat(int(entry))[0] == b"Z":
                continue
        except (OSError, IndexError):
            continue
        if _descends_from_us(int(entry)):
            out.append(int(entry))
    return out


def test_a_run_through_ray_equals_the_local_run(ray_instance, tmp_path, monkeypatch):
    submitted = []
    original = RayExecutor.submit

    def spy(self, job, limits):
        submitted.append(job["kind"])
        return original(self, job, limits)

    monkeypatch.setattr(RayExecutor, "submit", spy)
    run_evolve(TOY, dict(FAST, workers=2), out=tmp_path / "local")
    summary = run_evolve(TOY, dict(FAST, workers=2, executor="ray"), out=tmp_path / "ray")
    assert submitted.count("eval") >= 10 and "probe" in submitted  # the jobs really went through Ray
    assert summary.funnel["proposed"] == 16
    assert fingerprint(tmp_path / "local") == fingerprint(tmp_path / "ray")
    assert ray.is_initialized()  # the executor reused the fixture's connection and left it open


HOSTILE = [
    ("hang", policy("while True:\n    pass\nreturn 0.0"), "timeout", "cpu limit"),
    ("alloc", policy("x = []\nwhile True:\n    x.append([0] * 1000000)\nreturn 0.0"), "oom", "memory"),
    ("raise", policy("return 1 / 0"), "error", "ZeroDivisionError"),
    ("good", policy('return W * obs["x"] - 0.7 * obs["y"] + 0.5', "1.25"), "ok", ""),
]


def test_hostile_candidates_stay_sandboxed_in_the_ray_worker_and_the_loop_goes_on(ray_instance, tmp_path):
    sources = [src for _, src, _, _ in HOSTILE]
    gen = ScriptedGenerator(sources + [policy('return W * obs["x"] - 0.7 * obs["y"]', "1.1")] * 4,
                            [name for name, *_ in HOSTILE] + ["after"] * 4)
    cfg = dict(FAST, iterations=8, batch_size=4, executor="ray", workers=2, cpu_s_per_unit=0.05,
               cpu_s_base=0.3, memory_mb=200, wall_factor=10.0)
    summary = run_evolve(TOY, cfg, out=tmp_path / "run", generator=gen)
    store = Store(tmp_path / "run" / "run.sqlite")
    rows = {r["edit_summary"]: r for r in store.programs() if r["kind"] == "candidate"}
    store.close()
    for name, _src, status, reason in HOSTILE:
        assert rows[name]["status"] == status, (name, rows[name]["reason"])
        assert reason in rows[name]["reason"], (name, rows[name]["reason"])
    assert rows["after"]["generation"] == 1 and rows["after"]["status"] in ("ok", "duplicate")
    assert summary.funnel["proposed"] == 8 and summary.stop_reason == "iterations"
    assert live_candidates() == []


def test_the_driver_force_cancels_a_task_past_its_deadline(ray_instance):
    # The driver-side deadline (5 s) is shorter than the worker-side sandbox limits (60 s CPU, 11 s wall):
    # only ray.cancel(force=True) can stop this job, and the sandboxed child must die with the worker.
    hang = policy("while True:\n    pass\nreturn 0.0")
    job = {"kind": "probe", "source": hang, "entry_point": "decide", "allowed_imports": ["math"]}
    with RayExecutor(TOY, workers=2, deadline_slack_s=-6.0) as ex:
        t0 = time.monotonic()
        job_id = ex.submit(job, Limits(cpu_s=60, wall_s=1.0))
        spinning: list[int] = []
        while not spinning and time.monotonic() - t0 < 4:
            spinning = live_candidates()  # the candidate is running in a sandboxed child
            time.sleep(0.1)
        assert spinning, "the hanging candidate never started"
        result = run_one(ex, hang, job_id=job_id)
        assert result.status == "timeout" and "ray task cancelled" in result.reason
        assert ex.cancelled == [job_id] and 4 < time.monotonic() - t0 < 15
        assert not ex.busy and ex.free == 2
        folder = os.path.dirname(os.readlink(f"/proc/{spinning[0]}/cwd"))  # the killed zygote's folder
        gone = time.monotonic() + 5
        while any(os.path.exists(f"/proc/{pid}") for pid in spinning) and time.monotonic() < gone:
            time.sleep(0.1)
        assert not any(os.path.exists(f"/proc/{pid}") for pid in spinning)  # no orphaned candidate
        _remove_stale_sandboxes()  # what the next fresh worker does before starting its zygote
        assert not os.path.exists(folder)
        ok = run_one(ex, SEED)  # the executor goes on (Ray starts a fresh worker)
        assert ok.status == "ok" and len([x for x in ok.lines if x["t"] == "unit"]) == 4


def test_bounded_in_flight_work_and_results_in_job_order(ray_instance):
    with RayExecutor(TOY, workers=2) as ex:
        job = {"kind": "eval", "entry_point": "decide", "allowed_imports": ["math"], "stages": STAGES}
        ids = [ex.submit(dict(job, source=policy(f'return {w} * obs["x"]')), Limits()) for w in (0.1, 0.2)]
        assert ex.free == 0 and ex.busy
        assert len(ex._shared) == 1  # the shared part (stages, entry point) was put once
        results = []
        deadline = time.monotonic() + 60
        while len(results) < 2 and time.monotonic() < deadline:
            batch = ex.poll(0.2)
            assert [r.job_id for r in batch] == sorted(r.job_id for r in batch)
            results += batch
        assert sorted(r.job_id for r in results) == ids and all(r.status == "ok" for r in results)
        assert ex.free == 2


SHIPPED_DRIVER = """
import sys, ray
from adrs.evolve.ray_executor import RayExecutor
from adrs.evolve.toy import SEED
ex = RayExecutor("adrs.evolve.toy:TASK", address=sys.argv[1], ship_code=True).start()
job = {"kind": "eval", "source": SEED, "entry_point": "decide", "allowed_imports": ["math"],
       "stages": [["train", ["t00"]]]}
ex.submit(job, __import__("adrs.evolve.executor", fromlist=["Limits"]).Limits())
results = []
while not results:
    results = ex.poll(0.2)

@ray.remote(num_cpus=1)
def where():
    import adrs.evolve.zygote
    return adrs.evolve.zygote.__file__

print("RESULT", results[0].status, ray.get(where.remote()))
ex.close()
"""


def test_a_driver_joining_a_cluster_ships_its_code_through_runtime_env(ray_instance, tmp_path):
    import subprocess
    import sys

    root = stage_package(tmp_path)
    for rel in ("evolve/zygote.py", "evolve/toy.py", "envs/spot/evolve.py", "__init__.py"):
        assert (root / rel).is_file(), rel
    assert not list(root.rglob("__pycache__"))
    address = ray.get_runtime_context().gcs_address
    (tmp_path / "driver").mkdir()  # not tmp_path: local Ray workers put the driver's cwd on sys.path
    out = subprocess.run([sys.executable, "-c", SHIPPED_DRIVER, address], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path / "driver")
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line is not None, out.stderr[-2000:]
    _, status, where = line.split(" ", 2)
    assert status == "ok"
    assert "runtime_resources" in where, where  # the shipped copy, not the checkout
