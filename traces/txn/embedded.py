"""The committed workload manifests (no ``../shared`` needed), and how to regenerate them.

=================================  ===============================================================
file                               content
=================================  ===============================================================
``traces/txn/train.json``          ``ycsb``, ``tpcc``, ``twoclass`` × 4 seeds in 0–999, n = 100, defaults
``holdout/txn/holdout.json``       the held-out template ``smallbank`` × 3, and one instance of each
                                   train template; seeds ≥ 10⁶; jittered n, θ, ρ; shuffled ids
=================================  ===============================================================

Every instance stores its slot strings, template, params, seed, generator version, lower bounds, the
FIFO makespan and ``smf`` (the mean SMF-10 makespan, ``env`` protocol, seeds 0–9). Files are JSON with
sorted keys, so :func:`generate_embedded` reproduces them byte for byte.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .generators import generate
from .workload import Workload, WorkloadFormatError

Split = Literal["train", "holdout"]
TRAIN_TEMPLATES = ("ycsb", "tpcc", "twoclass")
TRAIN_SEEDS = (101, 202, 303, 404)
HOLDOUT_TEMPLATE = "smallbank"
HOLDOUT_SEED_BASE = 1_000_000
SMF_SEEDS = tuple(range(10))
_PACKAGE = {"train": "adrs.traces.txn", "holdout": "adrs.holdout.txn"}
_FILE = {"train": "train.json", "holdout": "holdout.json"}
_FOLDER = {"train": Path("traces") / "txn", "holdout": Path("holdout") / "txn"}


def smf_reference_value(wl: Workload, seeds: tuple[int, ...] = SMF_SEEDS) -> float:
    """Mean SMF-10 makespan (``env`` protocol) over ``seeds``: the M_SMF of a generated instance."""
    from adrs.envs.txn.baselines import smf
    from adrs.simulators.txn import kernel as K
    from adrs.simulators.txn.oracle import CostOracle, WorkloadView

    view = WorkloadView(wl.arrays)
    vals = [K.cost(wl.arrays, smf(view, CostOracle(wl.arrays, None), np.random.default_rng(s), 10)) for s in seeds]
    return float(np.mean(vals))


def _record(wl: Workload) -> dict[str, Any]:
    from adrs.simulators.txn import kernel as K
    from adrs.simulators.txn.bounds import lower_bounds

    m = wl.meta
    return {"id": f"{m['template']}-s{m['seed']}", "template": m["template"], "seed": m["seed"], "n": wl.n,
            "params": m["params"], "generator_version": m["generator_version"], "txns": list(wl.txns),
            "fifo": K.cost(wl.arrays, range(wl.n)), "smf": smf_reference_value(wl),
            **lower_bounds(wl.arrays).as_dict()}


def build(split: Split) -> dict[str, Any]:
    """The manifest of ``split`` as plain data."""
    wls: list[Workload] = []
    if split == "train":
        wls = [generate(t, 100, s) for t in TRAIN_TEMPLATES for s in TRAIN_SEEDS]
    elif split == "holdout":
        specs = [(HOLDOUT_TEMPLATE, HOLDOUT_SEED_BASE + i) for i in (1, 2, 3)]
        specs += [(t, HOLDOUT_SEED_BASE + 100 + i) for i, t in enumerate(TRAIN_TEMPLATES)]
        for template, seed in specs:
            jit = np.random.default_rng(seed)
            n = int(jit.choice([50, 100, 200]))
            params: dict[str, Any] = {"id_order": "shuffled"}
            if template == "ycsb":
                params["zipf_theta"] = round(1.75 + float(jit.uniform(-0.25, 0.25)), 3)
                params["write_ratio"] = round(float(jit.uniform(0.3, 0.7)), 3)
            wls.append(generate(template, n, seed, **params))
    else:
        raise ValueError(f"split must be 'train' or 'holdout', got {split!r}")
    return {"format": "adrs-txn-workloads", "version": 1, "split": split, "instances": [_record(w) for w in wls]}


def dumps(manifest: dict[str, Any]) -> str:
    """The canonical text of a manifest (sorted keys, one instance per block)."""
    return json.dumps(manifest, sort_keys=True, indent=1) + "\n"


def package_folder(split: Split) -> Path:
    """The installed package folder holding ``split``'s manifest."""
    return Path(str(importlib.resources.files(_PACKAGE[split])))


def generate_embedded(root: str | Path | None = None) -> list[Path]:
    """Write both manifests under ``root`` (``traces/txn``, ``holdout/txn``) or into the packages."""
    out = []
    for split in ("train", "holdout"):
        folder = Path(root) / _FOLDER[split] if root is not None else package_folder(split)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _FILE[split]
        path.write_text(dumps(build(split)))
        out.append(path)
    return out


@functools.lru_cache(maxsize=4)
def load_manifest(split: Split) -> dict[str, Any]:
    """The committed manifest of ``split`` (cached)."""
    if split not in _FILE:
        raise ValueError(f"split must be 'train' or 'holdout', got {split!r}")
    path = package_folder(split) / _FILE[split]
    if not path.is_file():
        raise WorkloadFormatError(f"{path}: embedded workloads missing; run generate_embedded()")
    return json.loads(path.read_text())


def instance(split: Split, unit_id: str) -> tuple[Workload, dict[str, Any]]:
    """(workload, manifest record) of one embedded instance."""
    for rec in load_manifest(split)["instances"]:
        if rec["id"] == unit_id:
            meta = {k: v for k, v in rec.items() if k != "txns"}
            return Workload(unit_id, tuple(rec["txns"]), meta), rec
    raise KeyError(f"unknown {split} instance {unit_id!r}")


def unit_ids(split: Split) -> list[str]:
    """Instance ids of ``split``, in manifest order."""
    return [rec["id"] for rec in load_manifest(split)["instances"]]
