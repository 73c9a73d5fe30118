"""The child side of the sandbox: limits, restricted loading of candidate code, and the job runner.

A child is forked by the zygote (:mod:`adrs.evolve.zygote`) for exactly one job. It moves into its own
session and process group, points stdout/stderr at capture pipes, keeps only the result pipe (fd 3),
sets rlimits (address space, CPU, file size, open files, core, processes) and an interval-timer
backstop, then re-checks the AST allowlist, executes the candidate module with restricted builtins
and runs the task. Results leave as JSON lines on the result pipe: the only channel the parent reads.

Line kinds: ``probe`` (probe outputs), ``prepared`` (compile time), ``unit`` (one unit's record),
``fail`` (status and reason) and ``done`` (own CPU time and peak RSS).
"""

from __future__ import annotations

import ast
import builtins
import ctypes
import importlib
import json
import math
import os
import re
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from adrs.evolve.checks import SAFE_BUILTINS, check_allowlist
from adrs.evolve.probe import to_plain
from adrs.evolve.task import EvolveTask, PolicyError

RESULT_FD = 3
"""The result pipe's descriptor in the child."""

ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "NUMBA_CACHE_DIR")
"""Environment variables a sandbox process may inherit (after the secret filter)."""

SECRET_PATTERN = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|SESSION|COOKIE|^AWS_|^AZURE_|^GOOGLE_|^GCP_|^GH_|^GITHUB_"
    r"|OPENAI|ANTHROPIC|HF_|HUGGING",
    re.IGNORECASE,
)
"""Names never passed to a sandbox process, even if allowlisted."""

THREAD_CAPS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def scrubbed_env(environ: Mapping[str, str], tmpdir: str) -> dict[str, str]:
    """The environment of a sandbox process: an allowlist minus anything secret-looking, plus caps."""
    env = {k: v for k, v in environ.items() if k in ENV_ALLOW and not SECRET_PATTERN.search(k)}
    env.update(THREAD_CAPS)
    env.update({"HOME": tmpdir, "TMPDIR": tmpdir})
    return env


def restricted_builtins(allowed_imports: Iterable[str]) -> dict[str, Any]:
    """The ``__builtins__`` of a candidate module: :data:`SAFE_BUILTINS` plus a guarded import."""
    allowed = frozenset(allowed_imports)

    def guarded_import(name: str, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
        if level or name.split(".")[0] not in allowed:
            raise ImportError(f"import not allowed: {name}")
        return importlib.__import__(name, globals, locals, fromlist, level)

    safe = {name: getattr(builtins, name) for name in SAFE_BUILTINS if hasattr(builtins, name)}
    safe["__import__"] = guarded_import
    safe["__build_class__"] = builtins.__build_class__
    return safe


def load_policy(source: str, entry_point: str, allowed_imports: Iterable[str]) -> Callable[..., Any]:
    """Check and execute ``source`` in a fresh restricted namespace; return its ``entry_point``."""
    allowed = tuple(allowed_imports)
    tree = ast.parse(source)
    reason = check_allowlist(tree, allowed)
    if reason:
        raise PolicyError(f"allowlist: {reason}")
    namespace: dict[str, Any] = {"__builtins__": restricted_builtins(allowed), "__name__": "candidate"}
    exec(compile(tree, "<candidate>", "exec"), namespace)  # noqa: S102 - this is the sandbox
    policy = namespace.get(entry_point)
    if not callable(policy):
        raise PolicyError(f"entry point {entry_point!r} is not defined or not callable")
    return policy


def _write(obj: dict) -> None:
    data = (json.dumps(obj, allow_nan=True, separators=(",", ":")) + "\n").encode()
    while data:
        written = os.write(RESULT_FD, data)
        data = data[written:]


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _vm_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _set_limits(limits: Mapping[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limits["fsize"]), int(limits["fsize"])))
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(limits["nofile"]), int(limits["nofile"])))
    if os.getuid() != 0:  # RLIMIT_NPROC is per user and ignored for root; the parent also counts
        resource.setrlimit(resource.RLIMIT_NPROC, (int(limits["nproc"]), int(limits["nproc"])))
    heap = _vm_bytes() + int(limits["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (heap, heap))
    signal.setitimer(signal.ITIMER_REAL, float(limits["backstop_s"]))


def _arm_cpu_limit(seconds: float) -> None:
    soft = math.ceil(_cpu() + seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


def _on_xcpu(signum: int, frame: Any) -> None:
    _write({"t": "fail", "status": "timeout", "reason": "cpu limit"})
    os._exit(3)


def _fail(status: str, reason: str, where: dict | None = None, write: Callable[[dict], None] = _write) -> None:
    try:
        tail = traceback.format_exc()[-2000:]
    except BaseException:  # noqa: BLE001 - e.g. MemoryError while formatting
        tail = ""
    write({"t": "fail", "status": status, "reason": reason[:500], **(where or {}), "traceback": tail})


def run_job(task: EvolveTask, job: Mapping[str, Any], write: Callable[[dict], None] | None = None,
            cpu_limit: bool = True) -> None:
    """Run one job (``probe`` or ``eval``) and write its result lines; never raises.

    ``write`` receives each line (default: the result pipe). ``cpu_limit=False`` never arms
    ``RLIMIT_CPU``: the in-process ``inline`` executor uses it, since the limit would hit the caller.
    """
    emit = write or _write
    arm_cpu = _arm_cpu_limit if cpu_limit else (lambda seconds: None)
    where: dict[str, Any] = {"stage": "load"}
    t0 = time.perf_counter()
    try:
        policy = load_policy(job["source"], job["entry_point"], job["allowed_imports"])
        if job["kind"] == "probe":
            where = {"stage": "probe"}
            arm_cpu(float(job["limits"]["cpu_s"]))
            emit({"t": "probe", "outputs": to_plain(task.probe(policy))})
        else:
            where = {"stage": "prepare"}
            c0 = _cpu()
            prepared = task.prepare(policy)
            emit({"t": "prepared", "compile_s": time.perf_counter() - t0, "compile_cpu_s": _cpu() - c0})
            arm_cpu(float(job["limits"]["cpu_s"]))
            for split, unit_ids in job["stages"]:
                for unit in unit_ids:
                    where = {"stage": split, "split": split, "unit": unit}
                    u_wall, u_cpu = time.perf_counter(), _cpu()
                    records = task.evaluate(prepared, split, [unit])
                    if not isinstance(records, list) or len(records) != 1:
                        raise PolicyError("task.evaluate must return one record per unit")
                    emit({"t": "unit", "split": split, "unit": unit, "record": to_plain(records[0]),
                          "cpu_s": _cpu() - u_cpu, "wall_s": time.perf_counter() - u_wall})
        ru = resource.getrusage(resource.RUSAGE_SELF)
        emit({"t": "done", "cpu_s": ru.ru_utime + ru.ru_stime, "wall_s": time.perf_counter() - t0,
              "maxrss_kb": ru.ru_maxrss})
    except PolicyError as exc:
        _fail("invalid", exc.reason, where, emit)
    except MemoryError:
        _fail("oom", "memory limit (MemoryError)", where, emit)
    except RecursionError:
        _fail("error", "RecursionError: maximum recursion depth exceeded", where, emit)
    except BaseException as exc:  # noqa: BLE001 - candidate code may raise anything
        _fail("error", f"{type(exc).__name__}: {exc}", where, emit)


def _die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent (the zygote) dies, however it dies.

    The zygote kills its children when its own parent goes away, but not if it is itself SIGKILLed --
    as Ray does to a worker's child processes on ``ray.cancel(force=True)``. Linux only; a no-op elsewhere.
    """
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(2)


def child_main(task: EvolveTask, job: Mapping[str, Any], fds: list[int]) -> None:
    """Entry point of a freshly forked child; never returns."""
    code = 0
    try:
        _die_with_parent()
        os.setsid()
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGXCPU, _on_xcpu)
        result_fd, out_fd, err_fd = fds
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.dup2(result_fd, RESULT_FD)
        os.closerange(RESULT_FD + 1, 1 << 16)
        os.chdir(job["workdir"])
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
        _set_limits(job["limits"])
        run_job(task, job)
    except BaseException:  # noqa: BLE001
        code = 2
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001, S110
                pass
        os._exit(code)
