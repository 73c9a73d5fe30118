"""Adapter for reference-style programs: ``get_best_schedule(workload, num_seqs) -> (makespan, schedule)``.

The shim handed to the program exposes ``num_txns``, ``txns`` (per transaction a list of
``(type, key string, pos, L)``) and ``get_opt_seq_cost`` (a plain function charging the metered
oracle). The returned makespan is never used: the env recomputes it, and a claim that differs is
logged as ``self_report_mismatch`` on the adapter. Rebinding ``get_opt_seq_cost`` only changes what the
program itself sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adrs.simulators.txn.oracle import WRITE


class LegacyShim:
    """What a reference-style program receives as ``workload``."""

    def __init__(self, wl: Any, oracle: Any) -> None:
        self.num_txns = wl.n
        self.txns = [[("w" if kind == WRITE else "r", str(key), pos, wl.lengths[t]) for kind, key, pos in wl.ops[t]]
                     for t in range(wl.n)]

        def get_opt_seq_cost(seq: list[int]) -> int:
            return oracle.cost(list(seq))

        self.get_opt_seq_cost = get_opt_seq_cost


class LegacyAdapter:
    """A function policy running ``get_best_schedule``; ``mismatches`` logs wrong self-reports."""

    def __init__(self, get_best_schedule: Callable[..., Any], num_seqs: int = 10) -> None:
        self.get_best_schedule = get_best_schedule
        self.num_seqs = num_seqs
        self.mismatches: list[dict[str, Any]] = []

    def __call__(self, wl: Any, oracle: Any, rng: Any) -> Any:
        result = self.get_best_schedule(LegacyShim(wl, oracle), self.num_seqs)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise ValueError("get_best_schedule must return (makespan, schedule)")
        claimed, schedule = result
        from .evaluate import true_makespan, validate_order

        true = true_makespan(wl._arrays, validate_order(schedule, wl.n))  # env-side, unmetered
        if claimed != true:
            self.mismatches.append({"self_report_mismatch": True, "claimed": claimed, "true": true})
        return schedule
