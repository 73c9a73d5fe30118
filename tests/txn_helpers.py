"""Shared helpers for the txn tests (no tests here): reference workloads (skip when ../shared is absent), runs."""

from __future__ import annotations

import numpy as np
import pytest

from adrs.paths import shared_data_dir
from adrs.simulators.txn import kernel as K
from adrs.simulators.txn.oracle import CostOracle, WorkloadView
from adrs.traces.txn.workload import Workload


def reference_workloads() -> list[Workload]:
    """W1, W2, W3, or a pytest skip naming the missing data."""
    root = shared_data_dir()
    if root is None or not (root / "txn-scheduling" / "workload_1.json").is_file():
        pytest.skip("reference workloads not found: set ADRS_DATA or provide ../shared/data/txn-scheduling/")
    from adrs.envs.txn.sources import reference_workload

    return [reference_workload(w) for w in ("W1", "W2", "W3")]


def run(policy, wl: Workload, seed: int = 0, budget: int | None = None) -> tuple[int, int, list[int]]:
    """(makespan, cost calls, order) of a function policy on ``wl``."""
    oracle = CostOracle(wl.arrays, budget)
    order = policy(WorkloadView(wl.arrays), oracle, np.random.default_rng(seed))
    assert sorted(order) == list(range(wl.n))
    return K.cost(wl.arrays, order), oracle.calls, list(order)
