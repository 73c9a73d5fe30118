"""Where candidate jobs run: the executor interface and its three backends.

Every backend takes the same plain-data job (``kind``, candidate ``source``, ``entry_point``,
``allowed_imports`` and, for evaluations, ``stages``: the split names with their unit ids) plus its
:class:`~adrs.evolve.executor.Limits`, and hands back the same :class:`~adrs.evolve.executor.JobResult`
(the result lines of :func:`adrs.evolve.sandbox.run_job`). The cascade (:mod:`adrs.evolve.evaluate`)
applies results in proposal order, so the backend never changes the trajectory of a run.

=========  ====================================================================================
``local``  :class:`~adrs.evolve.executor.SandboxExecutor`: a zygote forks one sandboxed child per job
           on this machine. The default.
``ray``    :class:`~adrs.evolve.ray_executor.RayExecutor`: each job is a Ray task that runs the same
           sandboxed child (zygote + fork + rlimits + wall-clock kill) inside the Ray worker.
``inline`` :class:`InlineExecutor`: runs the job in the calling process. **Unsafe: no isolation, no
           CPU/memory/wall-clock limits** -- a hanging candidate hangs the run, a hostile one runs
           with your privileges. For debugging (breakpoints, profilers) on trusted code only.
=========  ====================================================================================
"""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any, Protocol

from adrs.evolve.config import EXECUTORS, EvolveConfig
from adrs.evolve.executor import JobResult, Limits, SandboxExecutor

__all__ = ["EXECUTORS", "Executor", "InlineExecutor", "make_executor", "run_inline"]


class Executor(Protocol):
    """What the cascade needs from a backend (``SandboxExecutor`` is the reference implementation)."""

    @property
    def free(self) -> int:
        """How many more jobs may be submitted now (bounded in-flight work)."""
        ...

    @property
    def busy(self) -> bool:
        """Whether any job is in flight."""
        ...

    def submit(self, job: dict[str, Any], limits: Limits) -> int:
        """Start ``job`` (plain data) under ``limits``; return its job id."""
        ...

    def poll(self, timeout: float = 0.05) -> list[JobResult]:
        """Wait up to ``timeout`` seconds; return finished jobs sorted by job id."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...


class InlineExecutor:
    """Run jobs in the calling process, one at a time. **No sandbox, no limits: debugging only.**

    The candidate is still checked against the AST allowlist and executed with restricted builtins
    (:func:`adrs.evolve.sandbox.load_policy`), but in the parent's process: it shares the parent's
    memory, file descriptors and privileges, ``RLIMIT_CPU`` is never armed and nothing kills it on a
    deadline, so an endless loop hangs the run and a memory hog takes the parent down. Result lines go
    through a JSON round trip exactly as they do through the sandbox's pipe, so a trusted run gives the
    same stored results as the ``local`` executor. ``workers`` is ignored (always 1).
    """

    def __init__(self, task_spec: str, workers: int = 1) -> None:
        self.task_spec = task_spec
        self.workers = 1
        self.submitted_kinds: list[tuple[str, tuple[str, ...]]] = []
        self._queue: deque[tuple[int, dict[str, Any], Limits]] = deque()
        self._next_id = 1
        self._task: Any = None

    def start(self) -> InlineExecutor:
        from adrs.evolve.task import get_task

        self._task = get_task(self.task_spec)
        return self

    def __enter__(self) -> InlineExecutor:
        return self.start() if self._task is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._queue.clear()

    @property
    def free(self) -> int:
        return self.workers - len(self._queue)

    @property
    def busy(self) -> bool:
        return bool(self._queue)

    def submit(self, job: dict[str, Any], limits: Limits) -> int:
        job_id = self._next_id
        self._next_id += 1
        self.submitted_kinds.append((job["kind"], tuple(s for s, _ in job.get("stages", ()))))
        self._queue.append((job_id, job, limits))
        return job_id

    def poll(self, timeout: float = 0.05) -> list[JobResult]:
        if not self._queue:
            return []
        job_id, job, limits = self._queue.popleft()
        return [run_inline(self._task, job_id, job, limits)]


def run_inline(task: Any, job_id: int, job: dict[str, Any], limits: Limits) -> JobResult:
    """Run one job in this process (see :class:`InlineExecutor` for why that is unsafe)."""
    from adrs.evolve.sandbox import run_job

    lines: list[dict] = []

    def write(obj: dict) -> None:  # the same JSON round trip as the sandbox's result pipe
        lines.append(json.loads(json.dumps(obj, allow_nan=True, separators=(",", ":"))))

    t0 = time.monotonic()
    run_job(task, dict(job, job_id=job_id, limits=limits.child_view()), write=write, cpu_limit=False)
    fail = next((x for x in lines if x.get("t") == "fail"), None)
    if fail is not None and str(fail.get("reason", "")).startswith("KeyboardInterrupt"):
        raise KeyboardInterrupt  # run_job swallows BaseException; Ctrl-C must still stop the run
    status, reason = ("ok", "") if fail is None else (str(fail.get("status", "error")), str(fail.get("reason", "")))
    if fail is None and not any(x.get("t") == "done" for x in lines):
        status, reason = "error", "job ended without a result"
    done = next((x for x in lines if x.get("t") == "done"), {})
    prepared = next((x for x in lines if x.get("t") == "prepared"), {})
    timings = {"spawn_s": 0.0, "wall_s": time.monotonic() - t0, "cpu_s": done.get("cpu_s", float("nan")),
               "compile_s": prepared.get("compile_s", 0.0), "maxrss_kb": done.get("maxrss_kb", 0)}
    return JobResult(job_id, job["kind"], status, reason, lines, timings=timings)


def make_executor(cfg: EvolveConfig, task_spec: str) -> Executor:
    """The (not yet started) executor selected by ``cfg.executor``; use it as a context manager."""
    if cfg.executor == "local":
        return SandboxExecutor(task_spec, cfg.workers)
    if cfg.executor == "inline":
        return InlineExecutor(task_spec, cfg.workers)
    if cfg.executor == "ray":
        from adrs.evolve.ray_executor import RayExecutor  # imports ray lazily, on start()

        return RayExecutor(task_spec, cfg.workers, address=cfg.ray_address, ship_code=cfg.ray_ship_code)
    raise ValueError(f"unknown executor {cfg.executor!r}; expected one of {', '.join(EXECUTORS)}")
