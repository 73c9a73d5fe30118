"""Running a policy on observations, in-process or in an isolated worker process (spec §5, §9).

The isolated path starts a fresh ``spawn`` worker that receives only the serialised observations; the
scenario truth and fault draw never enter it, so reseeding RNGs, walking stack frames or scanning
``gc.get_objects()`` in the policy sees nothing private. Each action crosses back as JSON (tuples
become lists); an exception, a timeout or an unserialisable action is a failed scenario (``None``).
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from adrs.policy_files import PolicyLoadError, exec_policy_file
from adrs.simulators.telemetry.baselines import BASELINES

PolicyRef = str | Callable[[dict], Any]


def adapt_run_repair(fn: Callable[..., Any]) -> Callable[[dict], Any]:
    """Wrap a reference-style ``run_repair(telemetry, topology)`` as ``repair(obs)``."""
    def repair(obs: dict) -> Any:
        return fn(obs["telemetry"], obs["topology"])
    return repair


def load_policy_file(path: str | Path) -> Callable[[dict], Any]:
    """``repair(obs)`` (or an adapted ``run_repair(telemetry, topology)``) from a policy file."""
    ns = exec_policy_file(path)
    if callable(ns.get("repair")):
        return ns["repair"]
    if callable(ns.get("run_repair")):
        return adapt_run_repair(ns["run_repair"])
    raise PolicyLoadError(f"{path} defines neither repair(obs) nor run_repair(telemetry, topology)")


def resolve(ref: PolicyRef) -> Callable[[dict], Any]:
    """A callable policy from a baseline name, a ``.py`` path or a callable."""
    if callable(ref):
        return ref
    if ref.endswith(".py") or Path(ref).is_file():
        return load_policy_file(ref)
    if ref not in BASELINES:
        raise PolicyLoadError(f"unknown policy {ref!r}; choose one of {', '.join(BASELINES)} or a .py file")
    return BASELINES[ref]


def _call(policy: Callable[[dict], Any], obs_text: str) -> str | None:
    try:
        return json.dumps(policy(json.loads(obs_text)), allow_nan=True)
    except Exception:  # noqa: BLE001 - a raising or unserialisable policy fails the scenario
        return None


def run_inprocess(ref: PolicyRef, observations: Sequence[dict]) -> list[Any]:
    """Actions (parsed from JSON) or None, calling the policy in this process on fresh copies."""
    policy = resolve(ref)
    out = []
    for obs in observations:
        text = _call(policy, json.dumps(obs))
        out.append(None if text is None else json.loads(text))
    return out


def _worker(ref: PolicyRef, conn: Any) -> None:
    try:
        policy = resolve(ref)
    except Exception as exc:  # noqa: BLE001
        conn.send(("load_error", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        msg = conn.recv()
        if msg is None:
            return
        conn.send(("ok", _call(policy, msg)))


def run_isolated(ref: PolicyRef, observations: Sequence[dict], timeout_s: float = 2.0,
                 startup_s: float = 60.0) -> list[Any]:
    """Actions or None, computed in a spawned worker that only ever sees serialised observations."""
    ctx = mp.get_context("spawn")
    out: list[Any] = []
    proc = conn = None
    i = 0
    texts = [json.dumps(o) for o in observations]
    while i < len(texts):
        if proc is None:
            conn, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(ref, child), daemon=True)
            proc.start()
            child.close()
            if not conn.poll(startup_s):
                raise PolicyLoadError("policy worker did not start")
            kind, msg = conn.recv()
            if kind == "load_error":
                proc.join(1)
                raise PolicyLoadError(msg)
        conn.send(texts[i])
        if conn.poll(timeout_s):
            try:
                _, text = conn.recv()
            except EOFError:
                text = None
            out.append(None if text is None else json.loads(text))
        else:
            out.append(None)
            proc.kill()
            proc.join()
            proc = None
        i += 1
    if proc is not None:
        conn.send(None)
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    return out
