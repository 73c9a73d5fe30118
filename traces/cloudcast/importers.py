"""Importers for the real Cloudcast data (spec §4.1-§4.4): ``cost.csv``, ``throughput.csv``, configs.

The files are read in place from ``$ADRS_DATA/cloudcast`` (or ``../shared/data/cloudcast``); nothing
is copied into the project. Every malformed input raises :class:`CloudcastDataError` with the reason.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from adrs.paths import shared_file
from adrs.simulators.cloudcast.instance import PROVIDERS, Instance, provider_of

REFERENCE_CONFIGS: tuple[str, ...] = ("intra_aws", "intra_azure", "intra_gcp", "inter_agz", "inter_gaz2")
"""The five public configs, in the spec's order (the ``reference`` / ``paper`` split)."""


class CloudcastDataError(ValueError):
    """A Cloudcast data file is missing columns, rows or has out-of-range values."""


@dataclass(frozen=True, eq=False)
class RegionMatrices:
    """The region graph as arrays: names sorted, ``cost`` $/GB and per-VM ``thr_bps`` (bit/s)."""

    names: tuple[str, ...]
    cost: np.ndarray
    thr_bps: np.ndarray


def _read_csv(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, columns=list(columns), infer_schema_length=10_000)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise CloudcastDataError(f"{path}: cannot read the columns {columns}: {exc}") from exc
    if df.null_count().sum_horizontal().item():
        raise CloudcastDataError(f"{path}: empty cells in {columns}")
    return df


def load_matrices(cost_csv: Path, throughput_csv: Path) -> RegionMatrices:
    """Load and join both CSVs (vectorised) into dense arrays, checking the spec's invariants."""
    cost = _read_csv(cost_csv, ("src", "dest", "cost"))
    thr = _read_csv(throughput_csv, ("src_region", "dst_region", "throughput_sent"))
    thr = thr.rename({"src_region": "src", "dst_region": "dest"})
    for label, df in (("cost.csv", cost), ("throughput.csv", thr)):
        if df.select(["src", "dest"]).is_duplicated().any():
            raise CloudcastDataError(f"{label}: duplicate (src, dest) rows")
        if (df["src"] == df["dest"]).any():
            raise CloudcastDataError(f"{label}: self pair rows")
    joined = cost.join(thr, on=["src", "dest"], how="inner")
    if not (len(joined) == len(cost) == len(thr)):
        raise CloudcastDataError(f"cost.csv ({len(cost)} rows) and throughput.csv ({len(thr)} rows) "
                                 f"have different (src, dest) key sets ({len(joined)} in common)")
    names = tuple(sorted(set(joined["src"].to_list()) | set(joined["dest"].to_list())))
    for name in names:
        try:
            provider_of(name)
        except ValueError as exc:
            raise CloudcastDataError(str(exc)) from exc
    n = len(names)
    if len(joined) != n * (n - 1):
        raise CloudcastDataError(f"expected the complete graph ({n * (n - 1)} pairs), got {len(joined)}")
    c = joined["cost"].cast(pl.Float64).to_numpy()
    t = joined["throughput_sent"].cast(pl.Float64).to_numpy()
    if not (np.all(c > 0) and np.all(c < 1)):
        raise CloudcastDataError("cost.csv: every cost must satisfy 0 < cost < 1 $/GB")
    if not np.all(t > 0):
        raise CloudcastDataError("throughput.csv: every throughput_sent must be positive")
    pos = {x: i for i, x in enumerate(names)}
    iu = np.array([pos[x] for x in joined["src"].to_list()])
    iv = np.array([pos[x] for x in joined["dest"].to_list()])
    cost_m = np.full((n, n), np.inf)
    thr_m = np.zeros((n, n))
    cost_m[iu, iv] = c
    thr_m[iu, iv] = t
    return RegionMatrices(names, cost_m, thr_m)


@functools.lru_cache(maxsize=2)
def real_matrices() -> RegionMatrices:
    """The real 71-region matrices from the shared data folder (DataNotFoundError if absent)."""
    return load_matrices(shared_file("cloudcast", "cost.csv"), shared_file("cloudcast", "throughput.csv"))


def parse_config(data: dict, mats: RegionMatrices, num_vms: int = 2, instance_id: str = "") -> Instance:
    """Build an :class:`Instance` from a reference config dict (``source_node``, ``dest_nodes``, ...).

    Limits must be present (``adrs`` never uses the reference's un-multiplied fallback).
    """
    required = ("source_node", "dest_nodes", "data_vol", "num_partitions", "ingress_limit", "egress_limit")
    missing = [k for k in required if k not in data]
    if missing:
        raise CloudcastDataError(f"config {instance_id or '?'}: missing keys {missing}")
    pos = {x: i for i, x in enumerate(mats.names)}
    try:
        src = pos[data["source_node"]]
        dests = tuple(pos[d] for d in data["dest_nodes"])
        ingress = tuple(float(data["ingress_limit"][p]) for p in PROVIDERS)
        egress = tuple(float(data["egress_limit"][p]) for p in PROVIDERS)
    except KeyError as exc:
        raise CloudcastDataError(f"config {instance_id or '?'}: unknown region or provider {exc}") from None
    try:
        return Instance(names=mats.names, cost=mats.cost, thr_bps=mats.thr_bps, source=src, dests=dests,
                        data_vol_gb=float(data["data_vol"]), num_partitions=int(data["num_partitions"]),
                        num_vms=num_vms, ingress_per_vm=ingress, egress_per_vm=egress,  # type: ignore[arg-type]
                        instance_id=instance_id)
    except ValueError as exc:
        raise CloudcastDataError(f"config {instance_id or '?'}: {exc}") from exc


def load_config(path: Path, mats: RegionMatrices, num_vms: int = 2) -> Instance:
    """Read one config JSON file into an :class:`Instance` named after the file stem."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CloudcastDataError(f"{path}: {exc}") from exc
    return parse_config(data, mats, num_vms, instance_id=Path(path).stem)


def reference_instances(num_vms: int = 2) -> list[Instance]:
    """The five reference configs on the real matrices (the ``reference`` preset / ``paper`` split)."""
    mats = real_matrices()
    return [load_config(shared_file("cloudcast", "configs", f"{c}.json"), mats, num_vms)
            for c in REFERENCE_CONFIGS]
