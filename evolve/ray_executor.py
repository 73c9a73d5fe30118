"""The ``ray`` executor: evaluate candidates on a Ray cluster, still inside the sandbox.

Nothing here imports ``ray`` at module level; :meth:`RayExecutor.start` does (the ``ray`` extra:
``pip install 'adrs[ray]'``).

How a job runs
    Each job is one Ray task (:func:`run_in_worker`, ``num_cpus=1``). The task does **not** run the
    candidate itself: it hands the job to a :class:`~adrs.evolve.executor.SandboxExecutor` living in the
    Ray worker process -- the same zygote that ``--executor local`` uses, started once per worker process
    and task spec and then reused -- which forks the sandboxed child (own session, rlimits, restricted
    builtins, scrubbed environment) and enforces the wall-clock, process-count and result-size kills.
    The task returns the :class:`~adrs.evolve.executor.JobResult` as plain data. So a candidate never
    runs unsandboxed in a Ray worker, and a hanging candidate is killed by the worker-side sandbox.

Driver side
    At most ``workers`` tasks are in flight (``free``). :meth:`RayExecutor.poll` uses ``ray.wait`` with a
    timeout. Every task also has a driver-side deadline (the job's wall-clock budget plus
    ``deadline_slack_s`` for worker and zygote start-up); a task past it -- a stuck worker, a lost
    node -- is stopped with ``ray.cancel(force=True)`` (which kills the worker process; its zygote sees
    the socket close and kills the sandboxed child's process group) and reported as ``timeout``.
    Results are returned sorted by job id, and the cascade applies them in proposal order, so the run
    is identical to a ``local`` one with the same seed.

What is sent to the cluster
    * Per job: the candidate source and its kind (a few KiB).
    * Once per distinct value, through the object store (``ray.put``): the shared part of the job --
      entry point, allowed imports and the evaluation stages (split names with their unit ids).
    * Once per run, with ``ray_address`` set and ``ray_ship_code`` on: the ``adrs`` package of the driver
      (every ``adrs.*`` package folder, ``*.py`` plus the embedded ``traces/`` and ``holdout/`` data, no
      ``__pycache__``) as a ``runtime_env`` ``py_modules`` entry. Ray uploads it to the cluster's GCS
      once (content-addressed) and unpacks it once per node; workers put it first on ``PYTHONPATH``,
      which the sandbox zygote inherits. The trace data the tasks evaluate on therefore travels once
      per node with the code, never per job. Third-party dependencies (numpy, numba, ...) are not
      sent: the cluster image must have them (``pip install 'adrs[ray]'`` or the same image as the
      driver).
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adrs.evolve.executor import JobResult, Limits, SandboxError, SandboxExecutor

SHARED_KEYS = ("entry_point", "allowed_imports", "stages")
"""Job fields that are the same for many jobs; shipped once through the object store."""

SUBPACKAGES = ("envs", "simulators", "evolve", "traces", "holdout")
"""``adrs.*`` packages that a development checkout maps to their own folders (see ``setup.py``)."""

CODE_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", "*.egg-info")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the ray executor needs Ray: pip install 'adrs[ray]' (or 'ray>=2.9,<3')") from exc
    return ray


# -- worker side ------------------------------------------------------------------------------------
_ZYGOTES: dict[str, SandboxExecutor] = {}


def _close_zygotes() -> None:
    for ex in _ZYGOTES.values():
        ex.close()
    _ZYGOTES.clear()


OWNER_FILE = "ray-zygote.pid"
"""Marker in a Ray worker's sandbox folder: the zygote's pid, so later workers can remove stale folders."""


def _remove_stale_sandboxes() -> None:
    """Remove sandbox folders of zygotes that died without cleaning up.

    When a Ray worker exits or is force-cancelled, Ray SIGKILLs the worker's child processes (our
    zygote), which then cannot remove its temporary folder. Only folders carrying :data:`OWNER_FILE`
    (written by Ray workers) whose zygote is gone are removed.
    """
    for folder in Path(tempfile.gettempdir()).glob("adrs-sandbox-*"):
        try:
            pid = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                alive = b"adrs.evolve.zygote" in fh.read()
        except OSError:
            alive = False
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)


def _zygote(task_spec: str) -> SandboxExecutor:
    ex = _ZYGOTES.get(task_spec)
    if ex is None:
        if not _ZYGOTES:
            atexit.register(_close_zygotes)
            _remove_stale_sandboxes()
        ex = _ZYGOTES[task_spec] = SandboxExecutor(task_spec, workers=1).start()
        Path(ex.tmpdir, OWNER_FILE).write_text(str(ex.zygote_pid))
    return ex


def run_in_worker(task_spec: str, shared: dict[str, Any], job: dict[str, Any], limits: dict[str, Any]) -> dict:
    """Body of the Ray task: run ``job`` in a sandboxed child of this worker's zygote; return plain data.

    ``shared`` arrives through the object store (Ray resolves the top-level ``ObjectRef``).
    """
    lim = Limits(**limits)
    full = dict(shared, **job)
    for attempt in (1, 2):
        ex = _zygote(task_spec)
        try:
            job_id = ex.submit(full, lim)
            while True:
                for result in ex.poll(0.25):
                    if result.job_id == job_id:
                        out = dataclasses.asdict(result)
                        out["timings"]["worker_pid"] = os.getpid()
                        return out
        except SandboxError:  # the zygote died (e.g. OOM-killed): restart it once
            _ZYGOTES.pop(task_spec, None)
            ex.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# -- code shipping ----------------------------------------------------------------------------------
def stage_package(dest: str | Path) -> Path:
    """Copy the importable ``adrs`` package (with its separately mapped sub-packages) to ``dest/adrs``."""
    import adrs

    root = Path(dest) / "adrs"
    shutil.copytree(Path(adrs.__path__[0]), root, ignore=CODE_IGNORE)
    for sub in SUBPACKAGES:
        spec = importlib.util.find_spec(f"adrs.{sub}")
        if spec is None or not spec.submodule_search_locations:
            continue
        src = Path(list(spec.submodule_search_locations)[0])
        if not (root / sub).exists():
            shutil.copytree(src, root / sub, ignore=CODE_IGNORE)
    return root


# -- driver side ------------------------------------------------------------------------------------
@dataclass
class _Task:
    job_id: int
    kind: str
    ref: Any
    submitted: float
    deadline: float


class RayExecutor:
    """Run sandboxed jobs as Ray tasks; the same interface as :class:`SandboxExecutor`.

    ``address``: ``""`` joins ``RAY_ADDRESS`` if set, else starts a new private local instance (no
    dashboard, ``max(CPUs, workers)`` CPUs) that :meth:`close` shuts down; ``"auto"`` or
    ``"ray://HOST:PORT"`` join a cluster. If Ray is already initialised in this process (e.g. by a test
    fixture) that connection is used and left open. ``ship_code`` sends the adrs package through the
    job's ``runtime_env`` when joining a cluster; ``runtime_env`` adds to that job-level runtime
    environment (both apply only when this executor calls ``ray.init``).
    """

    def __init__(self, task_spec: str, workers: int = 1, address: str = "", ship_code: bool = True,
                 deadline_slack_s: float = 120.0, runtime_env: dict[str, Any] | None = None) -> None:
        self.task_spec = task_spec
        self.workers = max(1, int(workers))
        self.address = address
        self.ship_code = ship_code
        self.deadline_slack_s = deadline_slack_s
        """Seconds beyond the job's own wall-clock budget before the driver force-cancels the task."""
        self.runtime_env = runtime_env
        self.submitted_kinds: list[tuple[str, tuple[str, ...]]] = []
        self.cancelled: list[int] = []
        """Job ids stopped with ``ray.cancel(force=True)``."""
        self._ray: Any = None
        self._remote: Any = None
        self._owns = False
        self._staging: str | None = None
        self._running: dict[int, _Task] = {}
        self._shared: dict[str, Any] = {}
        self._next_id = 1

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> RayExecutor:
        ray = self._ray = _import_ray()
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"log_to_driver": False}
            runtime_env = dict(self.runtime_env or {})
            address = self.address or os.environ.get("RAY_ADDRESS", "")
            if address:
                kwargs["address"] = address
                if self.ship_code and "py_modules" not in runtime_env:
                    self._staging = tempfile.mkdtemp(prefix="adrs-ray-code-")
                    runtime_env["py_modules"] = [str(stage_package(self._staging))]
            else:  # a new private instance with at least one CPU per worker (like the local pool)
                kwargs.update(address="local", num_cpus=max(os.cpu_count() or 1, self.workers),
                              include_dashboard=False)
            if runtime_env:  # job level: local folders are uploaded only from ray.init
                kwargs["runtime_env"] = runtime_env
            ray.init(**kwargs)
            self._owns = True
        elif self.runtime_env:
            warnings.warn("Ray is already initialised in this process; runtime_env is ignored", stacklevel=2)
        self._remote = ray.remote(run_in_worker).options(num_cpus=1, max_retries=1, retry_exceptions=False)
        cpus = ray.cluster_resources().get("CPU", 0)
        if cpus and self.workers > cpus:
            warnings.warn(f"--workers {self.workers} exceeds the cluster's {cpus:g} CPUs; tasks will queue "
                          "and count queueing time against their driver-side deadline", stacklevel=2)
        return self

    def __enter__(self) -> RayExecutor:
        return self.start() if self._ray is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Force-cancel tasks still in flight; disconnect if this executor connected."""
        if self._ray is not None:
            for task in self._running.values():
                self._ray.cancel(task.ref, force=True)
            self._running.clear()
            self._shared.clear()
            if self._owns:
                self._ray.shutdown()
                self._owns = False
            self._ray = None
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    # -- jobs -------------------------------------------------------------------------------------
    @property
    def free(self) -> int:
        return self.workers - len(self._running)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def _shared_ref(self, shared: dict[str, Any]) -> Any:
        key = hashlib.sha256(json.dumps(shared, sort_keys=True).encode()).hexdigest()
        ref = self._shared.get(key)
        if ref is None:
            if len(self._shared) >= 16:  # holdout/train stages and probe: a handful per run
                self._shared.pop(next(iter(self._shared)))
            ref = self._shared[key] = self._ray.put(shared)
        return ref

    def submit(self, job: dict[str, Any], limits: Limits) -> int:
        if self._ray is None:
            raise SandboxError("executor not started")
        job_id = self._next_id
        self._next_id += 1
        self.submitted_kinds.append((job["kind"], tuple(s for s, _ in job.get("stages", ()))))
        shared = {k: job[k] for k in SHARED_KEYS if k in job}
        own = {k: v for k, v in job.items() if k not in SHARED_KEYS}
        ref = self._remote.remote(self.task_spec, self._shared_ref(shared), own, dataclasses.asdict(limits))
        now = time.monotonic()
        budget = SandboxExecutor.SPAWN_ALLOWANCE_S + limits.wall_s
        if job["kind"] == "eval":
            budget += limits.compile_wall_s
        self._running[job_id] = _Task(job_id, job["kind"], ref, now, now + budget + self.deadline_slack_s)
        return job_id

    def poll(self, timeout: float = 0.05) -> list[JobResult]:
        if self._ray is None:
            raise SandboxError("executor not started")
        ray = self._ray
        done: list[JobResult] = []
        if self._running:
            now = time.monotonic()
            wait = max(0.0, min(timeout, *(t.deadline - now for t in self._running.values())))
            refs = [t.ref for t in self._running.values()]
            ready, _ = ray.wait(refs, num_returns=1, timeout=wait)
            if ready:
                ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
            ready_set = set(ready)
            for task in list(self._running.values()):
                if task.ref in ready_set:
                    done.append(self._collect(task))
                elif time.monotonic() > task.deadline:
                    ray.cancel(task.ref, force=True)
                    self.cancelled.append(task.job_id)
                    done.append(self._failed(task, "timeout", "wall-clock limit (ray task cancelled)"))
                else:
                    continue
                del self._running[task.job_id]
        elif timeout > 0:
            time.sleep(min(timeout, 0.05))
        return sorted(done, key=lambda r: r.job_id)

    def _collect(self, task: _Task) -> JobResult:
        ray = self._ray
        try:
            data = ray.get(task.ref)
        except ray.exceptions.RayError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return self._failed(task, "error", f"ray: {type(exc).__name__}: {first}"[:300])
        data["job_id"] = task.job_id
        data["timings"]["ray_wall_s"] = time.monotonic() - task.submitted
        return JobResult(**data)

    def _failed(self, task: _Task, status: str, reason: str) -> JobResult:
        wall = time.monotonic() - task.submitted
        return JobResult(task.job_id, task.kind, status, reason, [], timings={
            "spawn_s": float("nan"), "wall_s": wall, "cpu_s": float("nan"), "compile_s": 0.0, "maxrss_kb": 0})
