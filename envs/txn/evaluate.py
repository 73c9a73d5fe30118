"""Run a function policy ``schedule(wl, oracle, rng) -> order`` on instances and score it (spec §6).

The harness seeds ``random`` and ``numpy.random`` from the instance seed before every call, passes a
fresh ``rng``, a read-only view and a metered oracle, validates the order as an exact permutation and
recomputes its makespan with a kernel reference captured at import time (patching the kernel module
afterwards changes nothing here). Nothing the policy returns besides the order is read.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adrs.simulators.txn.kernel import TxnArrays, cc_code, sequence_cost, sequence_cost_cc, warm_up
from adrs.simulators.txn.oracle import CostOracle, WorkloadView

from .config import TxnConfig, budget_calls
from .sources import Instance

_SEQUENCE_COST = sequence_cost  # captured: the scorer never looks the kernel up again
_SEQUENCE_COST_CC = sequence_cost_cc


class InvalidSchedule(ValueError):
    """A returned order is not an exact permutation of the instance's transactions."""


class PolicyTimeout(RuntimeError):
    """The policy exceeded its CPU-time cap."""


def validate_order(order: Any, n: int) -> np.ndarray:
    """The order as int32 if it is a list/tuple/array of exactly the ids 0..n-1 (bools, floats rejected)."""
    if isinstance(order, np.ndarray):
        if order.ndim != 1 or order.dtype.kind not in "iu":
            raise InvalidSchedule(f"order must be a 1-d integer array, got dtype {order.dtype}")
        items = order.tolist()
    elif isinstance(order, (list, tuple)):
        items = list(order)
        for x in items:
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
                raise InvalidSchedule(f"order items must be ints, got {type(x).__name__} {x!r}")
    else:
        raise InvalidSchedule(f"order must be a list of ints, got {type(order).__name__}")
    if len(items) != n:
        raise InvalidSchedule(f"order has {len(items)} ids but the instance has {n} transactions")
    ints = [int(x) for x in items]
    if sorted(ints) != list(range(n)):
        bad = sorted(set(x for x in ints if not 0 <= x < n))
        raise InvalidSchedule(f"order is not a permutation of 0..{n - 1}" + (f" (out of range: {bad[:5]})" if bad
                                                                            else " (duplicates)"))
    return np.array(ints, dtype=np.int32)


def true_makespan(arrays: TxnArrays, order: np.ndarray, cc: str = "opt") -> int:
    """The env's own recomputation of the makespan of ``order`` under variant ``cc``."""
    a = arrays
    code = cc_code(cc)
    if code == 0:
        return int(_SEQUENCE_COST(order, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, a.num_keys))
    return int(_SEQUENCE_COST_CC(order, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, a.num_keys, code))


def _call_with_cpu_cap(fn: Callable[[], Any], cpu_s: float | None) -> Any:
    if cpu_s is None or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return fn()

    def on_timeout(signum: int, frame: Any) -> None:
        raise PolicyTimeout(f"policy exceeded its CPU cap of {cpu_s} s")

    old = signal.signal(signal.SIGPROF, on_timeout)
    signal.setitimer(signal.ITIMER_PROF, cpu_s)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def run_once(policy: Callable[..., Any], inst: Instance, budget: int | None, seed: int,
             cpu_s: float | None = 10.0, cc: str = "opt") -> dict[str, Any]:
    """One policy call on one instance with seed ``seed``: the validated, recomputed result. ``cpu_s``
    None disables the in-process CPU cap (the evolve sandbox enforces its own limits); ``cc`` is the
    cost-model variant of the oracle and the recomputation."""
    arrays = inst.workload.arrays
    random.seed(seed)
    np.random.seed(seed)
    oracle = CostOracle(arrays, budget, cc)
    view = WorkloadView(arrays)
    rng = np.random.default_rng(seed)
    t0 = time.process_time()
    order = _call_with_cpu_cap(lambda: policy(view, oracle, rng), cpu_s)
    cpu = time.process_time() - t0
    arr = validate_order(order, arrays.n)
    return {"order": arr, "makespan": true_makespan(arrays, arr, cc), "calls": oracle.calls,
            "violations": oracle.violations, "cpu_s": cpu}


@dataclass
class Evaluation:
    """Per-instance rows and the summary of one policy on a set of instances."""

    env_id: str
    policy: str
    budget: str
    rows: list[dict[str, Any]]
    valid: bool = True
    reason: str = ""
    config: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The JSON fields the CLI prints (``total_makespan``, ``gap_to_bound``, ``oracle_calls``, ``score``)."""
        rows = self.rows
        mean = (lambda k: float(np.mean([r[k] for r in rows]))) if rows else (lambda k: None)
        return {
            "env": self.env_id, "policy": self.policy, "budget": self.budget, "valid": self.valid,
            "reason": self.reason, "n_runs": sum(len(r["makespans"]) for r in rows),
            "total_makespan": float(sum(r["makespan"] for r in rows)) if rows else None,
            "gap_to_bound": mean("gap_to_bound"), "score": mean("gain_vs_smf") if self.valid else None,
            "oracle_calls": float(sum(r["oracle_calls"] for r in rows)) if rows else None,
            "ratio_lb": mean("ratio_lb"), "ratio_fifo": mean("ratio_fifo"),
            "total_fifo": sum(r["fifo"] for r in rows), "total_smf": sum(r["smf"] for r in rows),
            "total_lb": sum(r["lb"] for r in rows), "workloads": rows, "config": self.config,
        }


def instance_row(inst: Instance, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Metrics of one instance averaged over its seeds (spec §6)."""
    ms = [r["makespan"] for r in results]
    m = float(np.mean(ms))
    lb = inst.bounds.lb
    return {"id": inst.id, "n": inst.workload.n, "makespan": m, "makespans": ms, "spread": float(np.std(ms)),
            **inst.bounds.as_dict(), "fifo": inst.fifo, "smf": inst.smf, "ratio_smf": m / inst.smf,
            "ratio_lb": m / lb, "ratio_fifo": m / inst.fifo, "gap_to_bound": m / lb - 1,
            "gain_vs_smf": 1 - m / inst.smf, "oracle_calls": float(np.mean([r["calls"] for r in results])),
            "cpu_s": float(np.mean([r["cpu_s"] for r in results]))}


def evaluate(policy: Callable[..., Any], instances: Sequence[Instance], config: TxnConfig,
             policy_name: str = "policy", env_id: str = "txn-scheduling") -> Evaluation:
    """Evaluate ``policy`` with R = ``config.eval_seeds`` seeds per instance; any invalid run invalidates
    the whole evaluation (``valid=False`` with the reason)."""
    from adrs.config import config_to_dict

    warm_up()  # compile (or load) the kernels before any policy's CPU clock starts
    ev = Evaluation(env_id, policy_name, config.budget, [], config=config_to_dict(config))
    for inst in instances:
        budget = budget_calls(config.budget, inst.workload.n)
        results = []
        for seed in range(config.eval_seeds):
            try:
                res = run_once(policy, inst, budget, seed, config.cpu_s, config.cc)
            except Exception as exc:  # the policy's own failure, an invalid order or a timeout
                ev.valid, ev.reason = False, f"{inst.id} seed {seed}: {type(exc).__name__}: {exc}"
                return ev
            if res["violations"] and config.strict:
                ev.valid, ev.reason = False, f"{inst.id} seed {seed}: cost-call budget {budget} exceeded"
                return ev
            results.append(res)
        ev.rows.append(instance_row(inst, results))
    return ev
