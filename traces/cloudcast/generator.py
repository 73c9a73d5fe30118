"""Seeded instance generator and the committed train / holdout manifests (spec §4.5).

Each instance is a pure function of (generator version, split stream, index): the RNG is
``SeedSequence(GENERATOR_SEED, spawn_key=(VERSION, stream, index))``. Train is stream 0 (32 instances,
throughput perturbation sigma ~ U(0, ln 1.1)), holdout stream 1 (64 instances, sigma = ln 1.2); a
(source, destination set) pair drawn for train is never used in holdout. The perturbation factors
exp(U(-sigma, sigma)) are regenerated from the instance's own seed, so manifests store only
parameters plus cached baseline costs and the exact lower bound. The ``paper`` split names the five
reference configs and never copies them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from adrs.simulators.cloudcast.baselines import BASELINES
from adrs.simulators.cloudcast.instance import PROVIDERS, Instance
from adrs.simulators.cloudcast.model import simulate
from adrs.simulators.cloudcast.steiner import lower_bound, steiner_tree
from adrs.traces.cloudcast.importers import REFERENCE_CONFIGS, RegionMatrices
from adrs.traces.cloudcast.synthetic import synthetic_matrices

VERSION = 1
"""Generator version; bump when any draw changes (old manifests then fail the regeneration test)."""
GENERATOR_SEED = 7_331
"""Root entropy of every generated instance."""
FAMILIES: tuple[tuple[str, float], ...] = (("intra-aws", 0.15), ("intra-azure", 0.15), ("intra-gcp", 0.15),
                                           ("two-provider", 0.25), ("three-provider", 0.30))
"""Instance family and its probability."""
PARTITIONS: tuple[int, ...] = (1, 2, 4, 5, 8, 10, 16, 20, 32)
"""Partition counts P the generator draws from."""
SPLITS: dict[str, tuple[int, int]] = {"train": (0, 32), "holdout": (1, 64)}
"""Split -> (SeedSequence stream, instance count)."""
MATRICES: dict[str, Callable[[], RegionMatrices]] = {"synthetic-v1": lambda: synthetic_matrices(1),
                                                     "synthetic-v2": lambda: synthetic_matrices(2)}
"""Region-matrix sources a manifest may name (the embedded sets use :data:`DEFAULT_MATRICES`)."""
DEFAULT_MATRICES = "synthetic-v2"
"""Matrices of the committed manifests: v2 adds GCP's destination-based prices (relays can pay off on
a single path); the draws depend only on the region names, which v1 and v2 share, so ``VERSION`` stays."""


def _rng(stream: int, index: int, attempt: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(GENERATOR_SEED, spawn_key=(VERSION, stream, index, attempt)))


def draw_params(mats: RegionMatrices, split: str, index: int, attempt: int = 0) -> dict[str, Any]:
    """The parameters of instance ``index`` of ``split`` (one attempt; see :func:`generate_split`)."""
    stream = SPLITS[split][0]
    rng = _rng(stream, index, attempt)
    fam_names = [f for f, _ in FAMILIES]
    family = fam_names[int(rng.choice(len(FAMILIES), p=[w for _, w in FAMILIES]))]
    prov = np.array([PROVIDERS.index(x.split(":", 1)[0]) for x in mats.names])
    if family.startswith("intra-"):
        pool = np.nonzero(prov == PROVIDERS.index(family[6:]))[0]
    elif family == "two-provider":
        pair = rng.choice(3, size=2, replace=False)
        pool = np.nonzero(np.isin(prov, pair))[0]
    else:
        pool = np.arange(len(mats.names))
    source = int(rng.choice(pool))
    others = pool[pool != source]
    k = int(rng.integers(3, min(12, len(others)) + 1))
    while True:
        dests = [int(x) for x in rng.choice(others, size=k, replace=False)]
        if family.startswith("intra-") or len({int(prov[d]) for d in dests}) >= 2:
            break
    sigma = math.log(1.2) if split == "holdout" else float(rng.uniform(0.0, math.log(1.1)))
    return {"source": mats.names[source], "dests": [mats.names[d] for d in dests], "family": family,
            "data_vol_gb": int(round(math.exp(rng.uniform(math.log(50), math.log(1000))))),
            "num_partitions": int(rng.choice(PARTITIONS)), "num_vms": int(rng.integers(1, 5)),
            "sigma": sigma, "perturb_seed": int(rng.integers(0, 2**31 - 1))}


def build_instance(mats: RegionMatrices, params: dict[str, Any], instance_id: str = "") -> Instance:
    """The :class:`Instance` of one manifest row (throughput perturbation regenerated from its seed)."""
    n = len(mats.names)
    sigma = float(params.get("sigma", 0.0))
    factor = np.exp(np.random.default_rng(int(params.get("perturb_seed", 0))).uniform(-sigma, sigma, (n, n)))
    pos = {x: i for i, x in enumerate(mats.names)}
    return Instance(names=mats.names, cost=mats.cost, thr_bps=mats.thr_bps * factor, source=pos[params["source"]],
                    dests=tuple(pos[d] for d in params["dests"]), data_vol_gb=float(params["data_vol_gb"]),
                    num_partitions=int(params["num_partitions"]), num_vms=int(params["num_vms"]),
                    instance_id=instance_id)


def cached_numbers(inst: Instance) -> dict[str, float]:
    """Baseline totals, the exact OPT ($/GB) and the lower bound of one instance (the manifest cache)."""
    out = {f"{name}_cost": simulate(inst, f(inst)).total_cost for name, f in BASELINES.items()}
    opt = steiner_tree(inst).opt_per_gb
    out["opt_per_gb"] = opt
    out["lower_bound"] = lower_bound(inst, opt)
    return out


def generate_split(split: str, matrices: str = DEFAULT_MATRICES, exclude: set | None = None) -> list[dict]:
    """All rows of ``split``; pairs in ``exclude`` (frozen (source, dests)) are redrawn."""
    mats = MATRICES[matrices]()
    stream, count = SPLITS[split]
    rows, seen = [], set(exclude or ())
    for index in range(count):
        attempt = 0
        while True:
            params = draw_params(mats, split, index, attempt)
            key = (params["source"], frozenset(params["dests"]))
            if key not in seen:
                break
            attempt += 1
        seen.add(key)
        iid = f"{split}-{index:03d}"
        rows.append({"id": iid, **params, **cached_numbers(build_instance(mats, params, iid))})
    return rows


def generate_manifests(matrices: str = DEFAULT_MATRICES) -> dict[str, str]:
    """``{"train": json_text, "holdout": json_text}``: the committed manifests, byte for byte."""
    train = generate_split("train", matrices)
    holdout = generate_split("holdout", matrices, exclude={(r["source"], frozenset(r["dests"])) for r in train})
    out = {}
    for split, rows in (("train", train), ("holdout", holdout)):
        doc = {"format": "adrs-cloudcast-manifest", "generator_version": VERSION, "seed": GENERATOR_SEED,
               "split": split, "matrices": matrices,
               "paper": {"configs": list(REFERENCE_CONFIGS), "location": "$ADRS_DATA/cloudcast/configs",
                         "num_vms": 2},
               "instances": rows}
        out[split] = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    return out
