"""Resolve a ``workload=`` spec to scoring instances (workload, M_SMF, bounds, FIFO)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from adrs.paths import shared_file
from adrs.simulators.txn import kernel as K
from adrs.simulators.txn.bounds import Bounds, lower_bounds
from adrs.traces.txn import embedded
from adrs.traces.txn.generators import from_spec
from adrs.traces.txn.workload import Workload, load_json

REFERENCE_SMF = {"W1": 244.0, "W2": 55.0, "W3": 53.0}
"""M_SMF of the reference workloads, pinned to the seed-42 ``reference``-protocol values (spec §6)."""


@dataclass(frozen=True)
class Instance:
    """One scoring instance. ``perm`` maps relabelled ids back (``new j = old perm[j]``), else None."""

    id: str
    workload: Workload
    smf: float
    bounds: Bounds
    fifo: int
    perm: tuple[int, ...] | None = field(default=None, compare=False)


def reference_workload(name: str) -> Workload:
    """W1, W2 or W3 from ``ADRS_DATA`` / ``../shared/data/txn-scheduling``."""
    if name not in REFERENCE_SMF:
        raise ValueError(f"unknown reference workload {name!r}; use W1, W2 or W3")
    wl = load_json(shared_file("txn-scheduling", f"workload_{name[1]}.json"))
    return Workload(name, wl.txns, {"source": f"ref:{name}"})


def smf_value_cc(wl: Workload, cc: str) -> float:
    """M_SMF of ``wl`` under cost-model variant ``cc``: mean SMF-10 makespan over ``embedded.SMF_SEEDS``
    (the protocol of :func:`~adrs.traces.txn.embedded.smf_reference_value`, with a ``cc`` oracle)."""
    from adrs.simulators.txn.oracle import CostOracle, WorkloadView

    from .baselines import smf

    view = WorkloadView(wl.arrays)
    vals = [K.cost(wl.arrays, smf(view, CostOracle(wl.arrays, None, cc), np.random.default_rng(s), 10), cc)
            for s in embedded.SMF_SEEDS]
    return float(np.mean(vals))


def _make(uid: str, wl: Workload, smf: float | None, relabel: int | None, cc: str = "opt") -> Instance:
    perm = None
    if relabel is not None:
        wl, p = wl.relabel(relabel)
        perm = tuple(int(x) for x in p)
    if cc != "opt":  # the pinned and embedded M_SMF values are opt-model numbers
        smf = smf_value_cc(wl, cc)
    elif smf is None:
        smf = embedded.smf_reference_value(wl)
    return Instance(uid, wl, float(smf), lower_bounds(wl.arrays), K.cost(wl.arrays, range(wl.n), cc), perm)


def load_instances(spec: str | dict[str, Any], relabel: int | None = None, cc: str = "opt") -> list[Instance]:
    """Instances named by ``spec`` (see :class:`~adrs.envs.txn.config.TxnConfig.workload`). Under
    ``cc`` other than ``"opt"`` the FIFO and M_SMF references are recomputed with that cost model (the
    lower bounds hold for every variant)."""
    if isinstance(spec, dict) or (isinstance(spec, str) and spec.lstrip().startswith("{")):
        wl = from_spec(json.loads(spec) if isinstance(spec, str) else spec)
        return [_make(wl.name, wl, None, relabel, cc)]
    if spec == "ref":
        return [_make(w, reference_workload(w), REFERENCE_SMF[w], relabel, cc) for w in REFERENCE_SMF]
    if spec.startswith("ref:"):
        name = spec[4:]
        return [_make(name, reference_workload(name), REFERENCE_SMF.get(name), relabel, cc)]
    split, _, uid = spec.partition(":")
    if split in ("train", "holdout"):
        ids = [uid] if uid else embedded.unit_ids(split)  # type: ignore[arg-type]
        out = []
        for i in ids:
            wl, rec = embedded.instance(split, i)  # type: ignore[arg-type]
            out.append(_make(i, wl, rec["smf"], relabel, cc))
        return out
    path = Path(spec)
    if path.suffix == ".json" or path.is_file():
        wl = load_json(path)
        return [_make(path.stem, wl, None, relabel, cc)]
    raise ValueError(f"unknown workload {spec!r}: use train, holdout, train:ID, ref, ref:W1..W3, a .json "
                     "path or a generator spec")
