"""The ``txn-scheduling`` :class:`~adrs.evolve.task.EvolveTask`: what ``adrs evolve`` needs.

A unit is one embedded instance (``traces/txn/train.json`` or ``holdout/txn/holdout.json``) run with
R = 3 seeds at the ``10x`` call budget. The child returns only the orders and the oracle's call counts;
:meth:`TxnTask.score` (parent) re-validates every order and recomputes its makespan with the env's own
kernel, so nothing the program computes about makespans is trusted. The primary metric is
``gain_vs_smf`` = mean over units of 1 − M/M_SMF (SMF-10 scores 0).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adrs.config import ConfigError
from adrs.evolve.task import PolicyError
from adrs.simulators.txn import kernel as K
from adrs.simulators.txn.oracle import BudgetExceeded
from adrs.traces.txn import embedded
from adrs.traces.txn.workload import Workload

from .config import TxnConfig, budget_calls
from .evaluate import InvalidSchedule, run_once, true_makespan, validate_order
from .programs import HEADER, library
from .sources import Instance, _make

DESCRIPTION = """Transaction scheduling (SMF, VLDB '24). Order a batch of n database transactions to minimise
the makespan. Each transaction occupies L contiguous unit time slots; slot p may read or write one key.
Placing transactions left to right, a write on key k must land after every earlier op on k, a read after
every earlier write on k; a transaction starts at the earliest slot where all its ops satisfy this, and
the makespan is the latest end. Write `schedule(wl, oracle, rng) -> list[int]` returning a permutation
of 0..n-1. The oracle is metered: at most {budget} makespan evaluations per instance (10 per
transaction for n = 100 is what SMF-10 needs); exceeding it invalidates the program.
Score: mean over instances of 1 - M/M_SMF (SMF-10 scores 0; higher is better).
""" + HEADER.split('"""')[1]


class TxnTask:
    """The evolve task for ``txn-scheduling`` (see the module docstring)."""

    env_id = "txn-scheduling"
    entry_point = "schedule"
    signature = "schedule(wl: WorkloadView, oracle: CostOracle, rng: numpy.random.Generator) -> list[int]"
    allowed_imports = ("math", "numpy")
    primary_metric = "gain_vs_smf"

    def __init__(self, config: TxnConfig | None = None, baselines: tuple[str, ...] | None = None) -> None:
        self.config = config or TxnConfig(budget="10x")
        if self.config.cc != "opt":  # its instances, M_SMF references and scoring are opt-model numbers
            raise ConfigError(f"the txn-scheduling evolve task scores under cc='opt' only, got {self.config.cc!r}")
        self.description = DESCRIPTION.replace("{budget}", f"'{self.config.budget}'")
        lib = library()
        self.baselines = {k: v for k, v in lib.items() if k != "smf-10" and (baselines is None or k in baselines)}
        self.seed_programs = {"default": lib["smf-10"], **lib}

    # -- splits ----------------------------------------------------------------------------------
    def units(self, split: str) -> list[str]:
        if split == "smoke":
            first: dict[str, str] = {}
            for uid in embedded.unit_ids("train"):
                first.setdefault(uid.split("-")[0], uid)
            return list(first.values())
        if split not in ("train", "holdout"):
            raise ValueError(f"unknown split {split!r}")
        return embedded.unit_ids(split)  # type: ignore[arg-type]

    @functools.cache  # noqa: B019 - one task object per process
    def instance(self, split: str, unit: str) -> Instance:
        """The scoring instance of a unit (smoke units live in train)."""
        source = "train" if split == "smoke" else split
        wl, rec = embedded.instance(source, unit)  # type: ignore[arg-type]
        return _make(unit, wl, rec["smf"], None)

    # -- child side -------------------------------------------------------------------------------
    def prepare(self, policy: Callable[..., Any]) -> Callable[..., Any]:
        K.warm_up()
        return policy

    def evaluate(self, policy: Callable[..., Any], split: str, unit_ids: Sequence[str]) -> list[dict]:
        out = []
        for unit in unit_ids:
            inst = self.instance(split, unit)
            budget = budget_calls(self.config.budget, inst.workload.n)
            orders, calls = [], []
            for seed in range(self.config.eval_seeds):
                try:
                    res = run_once(policy, inst, budget, seed, cpu_s=None)
                except (InvalidSchedule, BudgetExceeded) as exc:
                    raise PolicyError(f"{unit}: {exc}") from exc
                if res["violations"]:
                    raise PolicyError(f"{unit}: cost-call budget {budget} exceeded")
                orders.append(res["order"].tolist())
                calls.append(res["calls"])
            out.append({"unit": unit, "orders": orders, "calls": calls})
        return out

    def probe(self, policy: Callable[..., Any]) -> list:
        """Orders on two 24-transaction prefixes of train instances (seed 0, ``10x`` budget)."""
        out: list = []
        for uid in self.units("smoke")[:2]:
            wl, rec = embedded.instance("train", uid)
            small = Workload(f"{uid}-probe", wl.txns[:24], {})
            inst = _make(small.name, small, float(rec["smf"]), None)
            try:
                res = run_once(policy, inst, budget_calls(self.config.budget, 24), 0, cpu_s=None)
            except (InvalidSchedule, BudgetExceeded) as exc:
                raise PolicyError(f"probe: {exc}") from exc
            out.append(res["order"].tolist())
        return out

    # -- parent side ------------------------------------------------------------------------------
    def score(self, split: str, records: list[dict]) -> tuple[float, dict]:
        if not records:
            raise ValueError("no records to score")
        gains, gaps, fifo, calls = [], [], [], []
        for rec in records:
            inst = self.instance(split, rec["unit"])
            budget = budget_calls(self.config.budget, inst.workload.n)
            ms = [true_makespan(inst.workload.arrays, validate_order(o, inst.workload.n)) for o in rec["orders"]]
            if len(ms) != self.config.eval_seeds or any(c > budget for c in rec["calls"] if budget is not None):
                raise ValueError(f"{rec['unit']}: wrong number of runs or calls over budget")
            m = float(np.mean(ms))
            gains.append(1 - m / inst.smf)
            gaps.append(m / inst.bounds.lb - 1)
            fifo.append(m / inst.fifo)
            calls.append(float(np.mean(rec["calls"])))
        return float(np.mean(gains)), {"gap_to_bound": float(np.mean(gaps)), "ratio_fifo": float(np.mean(fifo)),
                                       "oracle_calls": float(np.mean(calls)), "n_units": len(records)}


TASK = TxnTask()
TASK_QUICK = TxnTask(baselines=("fifo", "smf-5"))
"""The same task with a two-entry library (fast end-of-run baseline table; for tests and demos)."""
TASK_SMF_TIER = TxnTask(TxnConfig(budget="smf"))
"""The task at the ``smf`` call tier (10 calls per transaction)."""


def _online_task() -> Any:
    from .evolve_online import ONLINE_TASK

    return ONLINE_TASK


TASKS = {"txn-scheduling": TASK, "txn-scheduling-online": _online_task()}
"""Env id → task (the package serves both envs)."""
