"""The parent side of the sandbox: submit plain-data jobs to the zygote, watch them, kill them.

:class:`SandboxExecutor` keeps up to ``workers`` children running. For each job it creates three pipes
(result, stdout, stderr), hands the write ends to the zygote, and then only reads: result lines are
parsed as JSON with a size cap, stdout/stderr are drained into capped tails (kept as artifacts, never
parsed). It enforces the wall-clock deadline and a process-count cap (a fork bomb detector that also
works for root, where ``RLIMIT_NPROC`` is not enforced) by killing the child's whole process group.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from adrs.evolve.sandbox import scrubbed_env


class SandboxError(RuntimeError):
    """The zygote failed to start or died."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one job."""

    cpu_s: float = 10.0
    """CPU seconds for the timed part (after ``prepare``); enforced with RLIMIT_CPU (whole seconds)."""
    wall_s: float = 30.0
    """Wall-clock seconds for the timed part, enforced by the parent's group kill."""
    compile_wall_s: float = 120.0
    """Wall-clock seconds allowed for loading and ``prepare`` (numba compilation)."""
    memory_mb: int = 1024
    """Address-space headroom (RLIMIT_AS) above the zygote's size at fork."""
    max_procs: int = 4
    """Most processes a job's group may hold before it is killed (and RLIMIT_NPROC for non-root)."""
    fsize: int = 2**20
    nofile: int = 256
    tail_bytes: int = 4096
    """Bytes of stdout and of stderr kept as artifacts."""
    result_bytes: int = 16 * 2**20
    """Cap on the result stream; larger streams kill the job."""

    def child_view(self) -> dict[str, Any]:
        """The part of the limits the child applies itself."""
        return {
            "cpu_s": self.cpu_s, "memory_mb": self.memory_mb, "fsize": self.fsize, "nofile": self.nofile,
            "nproc": _nproc_limit(self.max_procs),
            "backstop_s": self.compile_wall_s + self.wall_s + 5.0,
        }


def _nproc_limit(extra: int) -> int:
    if os.getuid() == 0:
        return extra
    uid = os.getuid()
    count = sum(1 for p in os.listdir("/proc") if p.isdigit() and _owner(p) == uid)
    return count + extra


def _owner(pid: str) -> int:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return -1


@dataclass
class JobResult:
    """What came back from one job: plain data only."""

    job_id: int
    kind: str
    status: str
    """``ok``, ``invalid``, ``error``, ``timeout`` or ``oom``."""
    reason: str
    lines: list[dict]
    stdout_tail: str = ""
    stderr_tail: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def first(self, t: str) -> dict | None:
        """The first result line of type ``t``."""
        return next((line for line in self.lines if line.get("t") == t), None)


@dataclass
class _Running:
    job_id: int
    kind: str
    limits: Limits
    fds: dict[str, int]
    workdir: str
    submitted: float
    deadline: float
    pid: int | None = None
    started: float | None = None
    buf: bytearray = field(default_factory=bytearray)
    total: int = 0
    lines: list[dict] = field(default_factory=list)
    tails: dict[str, bytearray] = field(default_factory=lambda: {"out": bytearray(), "err": bytearray()})
    kill: tuple[str, str] | None = None
    exit: dict | None = None
    finished: bool = False


class SandboxExecutor:
    """Run jobs in sandboxed children forked by a zygote serving ``task_spec``."""

    SPAWN_ALLOWANCE_S = 10.0

    def __init__(self, task_spec: str, workers: int = 1, ready_timeout_s: float = 300.0) -> None:
        self.task_spec = task_spec
        self.workers = max(1, int(workers))
        self.ready_timeout_s = ready_timeout_s
        self.submitted_kinds: list[tuple[str, tuple[str, ...]]] = []
        self._running: dict[int, _Running] = {}
        self._by_fd: dict[int, tuple[_Running, str]] = {}
        self._next_id = 1
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._tmp = tempfile.mkdtemp(prefix="adrs-sandbox-")
        self._last_watch = 0.0
        self.last_pid: int | None = None
        """Process (and process-group) id of the most recently started child."""

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SandboxExecutor:
        """Start the zygote and wait until it has imported the task."""
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        for s in (parent, child):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 2**20)
        env = scrubbed_env(os.environ, self._tmp)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "adrs.evolve.zygote", str(child.fileno()), self.task_spec],
            pass_fds=[child.fileno()], env=env, cwd=self._tmp, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        child.close()
        self._sock = parent
        ready, _, _ = select.select([parent], [], [], self.ready_timeout_s)
        msg = parent.recv(2**20) if ready else b""
        info = json.loads(msg) if msg else {"ok": False, "error": "no answer from zygote"}
        if not info.get("ok"):
            self.close()
            raise SandboxError(f"sandbox zygote failed to start: {info.get('error')}")
        return self

    def __enter__(self) -> SandboxExecutor:
        return self.start() if self._sock is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill running jobs, stop the zygote and remove temporary folders."""
        for run in list(self._running.values()):
            self._killpg(run)
            self._finish(run)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
            self._proc = None
        shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def tmpdir(self) -> str:
        """The zygote's temporary folder (its HOME and TMPDIR; job folders live inside)."""
        return self._tmp

    @property
    def zygote_pid(self) -> int | None:
        """Process id of the running zygote, if started."""
        return self._proc.pid if self._proc is not None else None

    # -- jobs ----------------------------------------------------------------------------------
    @property
    def free(self) -> int:
        """How many more jobs can be submitted now."""
        return self.workers - len(self._running)

    @property
    def busy(self) -> bool:
        """Whether any job is running."""
        return bool(self._running)

    def submit(self, job: dict[str, Any], limits: Limits) -> int:
        """Send ``job`` (plain data: kind, source, entry_point, allowed_imports, stages) to a child."""
        if self._sock is None:
            raise SandboxError("executor not started")
        job_id = self._next_id
        self._next_id += 1
        stages = tuple(s for s, _ in job.get("stages", ()))
        self.submitted_kinds.append((job["kind"], stages))
        workdir = tempfile.mkdtemp(prefix=f"job{job_id}-", dir=self._tmp)
        pipes = {name: os.pipe() for name in ("result", "out", "err")}
        payload = dict(job, job_id=job_id, workdir=workdir, limits=limits.child_view())
        now = time.monotonic()
        allowance = self.SPAWN_ALLOWANCE_S + (limits.compile_wall_s if job["kind"] == "eval" else 0.0)
        run = _Running(job_id, job["kind"], limits, {k: r for k, (r, _) in pipes.items()}, workdir, now,
                       now + allowance + limits.wall_s)
        socket.send_fds(self._sock, [json.dumps(payload).encode()], [w for _, w in pipes.values()])
        for name, (r, w) in pipes.items():
            os.close(w)
            os.set_blocking(r, False)
            self._by_fd[r] = (run, name)
        self._running[job_id] = run
        return job_id

    def poll(self, timeout: float = 0.05) -> list[JobResult]:
        """Wait up to ``timeout`` seconds for activity; return the jobs that finished."""
        if self._sock is None:
            raise SandboxError("executor not started")
        now = time.monotonic()
        deadlines = [r.deadline for r in self._running.values()]
        wait = max(0.0, min([timeout, *(d - now for d in deadlines)])) if deadlines else timeout
        if self._running:
            wait = min(wait, 0.25)
        readable, _, _ = select.select([self._sock, *self._by_fd], [], [], wait)
        done: list[JobResult] = []
        for fd in readable:
            if fd is self._sock:
                self._on_zygote()
            elif fd in self._by_fd:
                self._on_pipe(fd)
        self._watchdog()
        for run in list(self._running.values()):
            if self._complete(run):
                done.append(self._finish(run))
        return sorted(done, key=lambda r: r.job_id)

    # -- internals -----------------------------------------------------------------------------
    def _on_zygote(self) -> None:
        assert self._sock is not None
        while True:
            try:
                msg = self._sock.recv(2**20, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            if not msg:
                for run in self._running.values():
                    run.kill = run.kill or ("error", "sandbox zygote died")
                raise SandboxError("sandbox zygote died")
            info = json.loads(msg)
            run = self._running.get(info.get("job_id"))
            if run is None:
                continue
            if info["t"] == "started":
                run.pid, run.started = info["pid"], time.monotonic()
                self.last_pid = run.pid
            elif info["t"] == "exited":
                run.exit = info
                if "result" in run.fds:
                    self._drain(run.fds["result"])

    def _drain(self, fd: int) -> None:
        while fd in self._by_fd and self._on_pipe(fd):
            pass

    def _on_pipe(self, fd: int) -> bool:
        run, name = self._by_fd[fd]
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return False
        if not data:
            del self._by_fd[fd]
            os.close(fd)
            run.fds.pop(name)
            return False
        if name != "result":
            tail = run.tails[name]
            tail.extend(data)
            del tail[: max(0, len(tail) - run.limits.tail_bytes)]
            return True
        run.total += len(data)
        if run.total > run.limits.result_bytes:
            run.kill = run.kill or ("error", "result stream too large")
            return False
        run.buf.extend(data)
        while b"\n" in run.buf:
            raw, _, rest = bytes(run.buf).partition(b"\n")
            run.buf = bytearray(rest)
            try:
                line = json.loads(raw)
            except ValueError:
                run.kill = run.kill or ("error", "malformed result line")
                continue
            if not isinstance(line, dict):
                continue
            run.lines.append(line)
            if line.get("t") == "prepared":
                run.deadline = time.monotonic() + run.limits.wall_s
            if line.get("t") in ("done", "fail"):
                run.finished = True
        return True

    def _watchdog(self) -> None:
        now = time.monotonic()
        for run in self._running.values():
            if run.kill is None and now > run.deadline:
                run.kill = ("timeout", "wall-clock limit")
        if now - self._last_watch < 0.2 or not self._running:
            return
        self._last_watch = now
        groups = {r.pid: r for r in self._running.values() if r.pid is not None and r.kill is None}
        counts = dict.fromkeys(groups, 0)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            pgrp = int(fields[2])
            if pgrp in counts:
                counts[pgrp] += 1
        for pid, count in counts.items():
            if count > groups[pid].limits.max_procs:
                groups[pid].kill = ("error", f"process limit: {count} processes in the sandbox group")

    def _complete(self, run: _Running) -> bool:
        return run.finished or run.kill is not None or run.exit is not None

    def _killpg(self, run: _Running) -> None:
        if run.pid is not None:
            try:
                os.killpg(run.pid, signal.SIGKILL)
            except OSError:
                pass

    def _finish(self, run: _Running) -> JobResult:
        self._killpg(run)
        for fd in list(run.fds.values()):
            self._drain(fd)
        for fd in run.fds.values():
            self._by_fd.pop(fd, None)
            os.close(fd)
        run.fds.clear()
        self._running.pop(run.job_id, None)
        shutil.rmtree(run.workdir, ignore_errors=True)
        status, reason = _status(run)
        now = time.monotonic()
        done = next((x for x in run.lines if x.get("t") == "done"), {})
        prepared = next((x for x in run.lines if x.get("t") == "prepared"), {})
        timings = {
            "spawn_s": (run.started - run.submitted) if run.started else float("nan"),
            "wall_s": now - run.submitted,
            "cpu_s": done.get("cpu_s", (run.exit or {}).get("cpu_s", float("nan"))),
            "compile_s": prepared.get("compile_s", 0.0),
            "maxrss_kb": done.get("maxrss_kb", (run.exit or {}).get("maxrss_kb", 0)),
        }
        return JobResult(run.job_id, run.kind, status, reason, run.lines,
                         run.tails["out"].decode(errors="replace"), run.tails["err"].decode(errors="replace"),
                         timings)


def _status(run: _Running) -> tuple[str, str]:
    if run.kill is not None:
        return run.kill
    fail = next((x for x in run.lines if x.get("t") == "fail"), None)
    if fail is not None:
        return str(fail.get("status", "error")), str(fail.get("reason", ""))
    if any(x.get("t") == "done" for x in run.lines):
        return "ok", ""
    status = (run.exit or {}).get("status")
    if status is None:
        return "error", "child ended without a result"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig in (signal.SIGXCPU, signal.SIGKILL) and (run.exit or {}).get("cpu_s", 0) >= run.limits.cpu_s:
            return "timeout", "cpu limit"
        if sig == signal.SIGALRM:
            return "timeout", "wall-clock backstop"
        if sig == signal.SIGXFSZ:
            return "error", "file size limit"
        return "error", f"child killed by signal {signal.Signals(sig).name}"
    return "error", f"child exited with code {os.WEXITSTATUS(status)} without a result"
