"""The ``cloudcast`` :class:`~adrs.evolve.task.EvolveTask` (module-level ``TASK``).

A unit is one generated instance: train units are ``traces/cloudcast/train.json`` (32), holdout units
``holdout/cloudcast/holdout.json`` (64), ``smoke`` the first 4 train instances; the paper configs are
never used for selection. The child only runs the candidate and returns its plan as plain int edge
lists; the parent (:meth:`CloudcastTask.score`) validates it and simulates it on its own trusted
instance, so nothing the candidate does in its process can change a cost (spec §8 R1, R6).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adrs.traces.cloudcast.embedded import Case, load_split

from .plan import PlanError, to_parents
from .programs import programs
from .scoring import score_output, summarize

DESCRIPTION = """Multi-cloud broadcast (Cloudcast, NSDI '24). Copy V GB from a source cloud region to every
destination region (AWS, Azure, GCP), split into P partitions. For every partition choose an arborescence
rooted at the source that reaches every destination; any region may relay. Each (edge, partition) pays
egress price x V/P GB once (shared edges are the multicast saving). Every region the plan touches runs
num_vms VMs at $0.54/h for the makespan; edge rates are iperf3 throughputs cut by per-region NIC limits
(equal share). Write `plan(instance)` returning one list of (u, v) region-index edges per partition.
Score: mean over instances of (C_direct - C) / (C_direct - LB), LB = exact min-egress Steiner bound;
0 = direct plan, 1 = the bound, invalid plans -1. Only numpy and networkx may be used.
"""


class CloudcastTask:
    """The evolve task for ``cloudcast`` (plan(instance) -> edge lists)."""

    env_id = "cloudcast"
    entry_point = "plan"
    signature = "plan(instance: Instance) -> list[list[tuple[int, int]]] | int[P, N]"
    allowed_imports = ("math", "numpy", "networkx", "heapq", "itertools", "collections")
    primary_metric = "score"
    description = DESCRIPTION
    smoke_size = 4
    probe_units = ("train-000", "train-001", "train-002")

    def __init__(self) -> None:
        library = programs()
        self.baselines = {k: v for k, v in library.items() if k != "direct"}
        self.seed_programs = {"default": library["cheapest-path"], **library}

    def _cases(self, split: str) -> dict[str, Case]:
        source = "train" if split == "smoke" else split
        if source not in ("train", "holdout"):
            raise ValueError(f"unknown split {split!r}")
        return {c.instance.instance_id: c for c in load_split(source)}

    def units(self, split: str) -> list[str]:
        """Ordered unit ids of ``train``, ``holdout`` or ``smoke``."""
        ids = list(self._cases(split))
        return ids[: self.smoke_size] if split == "smoke" else ids

    def prepare(self, policy: Callable[..., Any]) -> Callable[..., Any]:
        """Nothing to compile: the policy is plain Python."""
        return policy

    def _run(self, policy: Callable[..., Any], case: Case) -> dict:
        start = time.perf_counter()
        try:
            parents = to_parents(case.instance, policy(case.instance.with_changes(instance_id="")))
        except PlanError as exc:
            return {"error": exc.reason, "wall_s": time.perf_counter() - start}
        except Exception as exc:  # noqa: BLE001 - one failing instance is invalid, not the candidate
            return {"error": f"policy_error: {type(exc).__name__}: {exc}"[:300], "wall_s": time.perf_counter() - start}
        edges = [[[int(parents[p, v]), int(v)] for v in np.nonzero(parents[p] >= 0)[0]]
                 for p in range(parents.shape[0])]
        return {"edges": edges, "wall_s": time.perf_counter() - start}

    def evaluate(self, policy: Callable[..., Any], split: str, unit_ids: Sequence[str]) -> list[dict]:
        """Child only: each unit's plan as plain int edge lists (or its error), in order."""
        cases = self._cases(split)
        return [{"unit": u, **self._run(policy, cases[u])} for u in unit_ids]

    def probe(self, policy: Callable[..., Any]) -> list:
        """Child only: the plans (edge lists or error text) on three fixed train instances."""
        cases = self._cases("train")
        return [self._run(policy, cases[u]).get("edges") or "invalid" for u in self.probe_units]

    def score(self, split: str, records: list[dict]) -> tuple[float, dict]:
        """Parent only: validate and simulate every plan on trusted data; mean per-instance score."""
        if not records:
            raise ValueError("no records to score")
        cases = self._cases(split)
        rows = []
        for rec in records:
            case = cases[rec["unit"]]
            out = rec.get("edges") if "error" not in rec else None
            row = score_output(case, [[tuple(e) for e in part] for part in out] if out is not None else None,
                               float(rec.get("wall_s", 0.0)))
            if "error" in rec:
                row["reason"] = rec["error"]
            rows.append(row)
        s = summarize(rows)
        metrics = {k: s[k] for k in ("n_runs", "total_cost_usd", "egress_cost_usd", "instance_cost_usd",
                                      "mean_makespan_s", "gap_to_bound", "invalid_rate")}
        return s["score"], metrics


TASK = CloudcastTask()
