"""The committed generated instance sets and the ``paper`` (reference) split.

=====================================  ===================================================
file                                   content
=====================================  ===================================================
``traces/cloudcast/train.json``        32 generated train instances (stream 0), synthetic-v2
``holdout/cloudcast/holdout.json``     64 generated holdout instances (stream 1), synthetic-v2
=====================================  ===================================================

Regenerate with ``python -m adrs.traces.cloudcast.embedded`` (deterministic; a test checks the
committed bytes). ``paper`` / ``reference`` loads the five real configs from ``$ADRS_DATA``.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from dataclasses import dataclass
from pathlib import Path

from adrs.simulators.cloudcast.instance import Instance
from adrs.traces.cloudcast.generator import MATRICES, build_instance, cached_numbers, generate_manifests
from adrs.traces.cloudcast.importers import reference_instances

_PACKAGE = {"train": ("adrs.traces.cloudcast", "train.json"), "holdout": ("adrs.holdout.cloudcast", "holdout.json")}
FOLDERS = {"train": Path("traces") / "cloudcast" / "train.json",
           "holdout": Path("holdout") / "cloudcast" / "holdout.json"}
"""Checkout-relative paths of the committed manifests."""
SPLIT_ALIASES = {"paper": "paper", "reference": "paper", "train": "train", "holdout": "holdout"}
"""Accepted split names (``reference`` is the CLI preset name of ``paper``)."""


@dataclass(frozen=True, eq=False)
class Case:
    """One evaluation instance with its cached numbers (baseline costs, ``opt_per_gb``, ``lower_bound``)."""

    instance: Instance
    cached: dict


def manifest_text(split: str) -> str:
    """The committed manifest of ``train`` or ``holdout`` (read through importlib.resources)."""
    package, name = _PACKAGE[split]
    return importlib.resources.files(package).joinpath(name).read_text()


@functools.lru_cache(maxsize=4)
def load_split(split: str) -> tuple[Case, ...]:
    """The cases of ``train``, ``holdout`` or ``paper``/``reference`` (real data; may raise
    :class:`adrs.paths.DataNotFoundError`)."""
    key = SPLIT_ALIASES.get(split)
    if key is None:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLIT_ALIASES)}")
    if key == "paper":
        return tuple(Case(inst, cached_numbers(inst)) for inst in reference_instances())
    doc = json.loads(manifest_text(key))
    mats = MATRICES[doc["matrices"]]()
    cases = []
    for row in doc["instances"]:
        params = {k: row[k] for k in ("source", "dests", "data_vol_gb", "num_partitions", "num_vms", "sigma",
                                      "perturb_seed")}
        cached = {k: v for k, v in row.items() if k.endswith("_cost") or k in ("opt_per_gb", "lower_bound")}
        cases.append(Case(build_instance(mats, params, row["id"]), cached))
    return tuple(cases)


def write_embedded(root: Path) -> list[Path]:
    """Regenerate both manifests under the checkout ``root``; returns the written paths."""
    texts = generate_manifests()
    out = []
    for split, rel in FOLDERS.items():
        path = Path(root) / rel
        path.write_text(texts[split])
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover
    for p in write_embedded(Path.cwd()):
        print(p)
