"""The zygote: a pre-imported server process that forks one sandboxed child per job.

Started once per executor with a scrubbed environment (``python -m adrs.evolve.zygote FD SPEC``), it
imports the task (and so numpy, numba and the simulator) once, then serves jobs over a Unix
``SOCK_SEQPACKET`` socket: each message is one JSON job plus three descriptors (result, stdout and
stderr pipes) passed with ``SCM_RIGHTS``. It replies ``started`` with the child's pid (which is also
its process-group id) and, when it reaps a child, ``exited`` with the raw wait status and CPU time.
When the parent goes away (EOF on the socket) it kills every child's process group and exits.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import sys

MAX_MESSAGE = 8 * 2**20
"""Largest job message accepted (bytes)."""


def _send(sock: socket.socket, obj: dict) -> None:
    sock.send(json.dumps(obj).encode())


def _reap(sock: socket.socket, children: dict[int, int]) -> None:
    while children:
        try:
            pid, status, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        job_id = children.pop(pid, None)
        if job_id is not None:
            _send(sock, {"t": "exited", "job_id": job_id, "pid": pid, "status": status,
                         "cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss})


def serve(sock: socket.socket, spec: str) -> None:
    """Import the task named by ``spec``, report readiness, then fork a child per job until EOF."""
    from adrs.evolve.sandbox import child_main
    from adrs.evolve.task import get_task

    try:
        task = get_task(spec)
        for name in task.allowed_imports:
            importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        _send(sock, {"t": "ready", "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    _send(sock, {"t": "ready", "ok": True, "pid": os.getpid()})
    children: dict[int, int] = {}
    try:
        while True:
            try:
                readable, _, _ = select.select([sock, wake_r], [], [], 1.0)
            except InterruptedError:
                readable = []
            if wake_r in readable:
                os.read(wake_r, 4096)
            _reap(sock, children)
            if sock not in readable:
                continue
            msg, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, 3)
            if not msg:
                return
            job = json.loads(msg)
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                sock.detach()
                child_main(task, job, fds)
            for fd in fds:
                os.close(fd)
            children[pid] = job["job_id"]
            _send(sock, {"t": "started", "job_id": job["job_id"], "pid": pid})
    finally:
        for pid in children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        _remove_own_tmpdir()


def _remove_own_tmpdir() -> None:
    """Remove the executor's temporary folder (our TMPDIR) if the parent died without doing so."""
    import shutil

    tmp = os.environ.get("TMPDIR", "")
    if os.path.basename(tmp).startswith("adrs-sandbox-"):
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> None:
    """``python -m adrs.evolve.zygote FD SPEC``."""
    fd, spec = int(argv[1]), argv[2]
    sock = socket.socket(fileno=fd)
    try:
        serve(sock, spec)
    except (BrokenPipeError, ConnectionResetError):
        pass
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
