"""Importers for ``cant-be-late-multi/real_traces.tar.gz`` (spec §4.1, §4.2, §8); re-exported by
:mod:`.importers`.

Each zone folder ``data/converted_multi_region_aligned/<zone>_v100_1/`` holds windows ``0..99.json``
(1107 bits at 195 s, ``prices`` in $/h, ISO ``start_time``); window i starts at the same instant in all
9 zones. The archive is streamed once and cached like the single-region one.
"""

from __future__ import annotations

import functools
import json
import re
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from adrs.paths import shared_file
from adrs.traces.spot.cache import cached_traceset, readonly
from adrs.traces.spot.format import TraceFormatError, TraceSet

MULTI_ZONES = ("us-east-1a", "us-east-1c", "us-east-1d", "us-east-1f", "us-east-2a", "us-east-2b",
               "us-west-2a", "us-west-2b", "us-west-2c")
MULTI_GAP_SECONDS = 195.0
MULTI_WINDOW_TICKS = 1107
MULTI_N_WINDOWS = 100
SPLIT_CUT = np.datetime64("2023-03-15T00:00:00", "s")
SPLIT_SPAN = np.timedelta64(60 * 3600, "s")
REFERENCE_MULTI_SCENARIOS: dict[str, tuple[tuple[str, ...], range]] = {
    "2_zones_same_region": (("us-east-1a", "us-east-1c"), range(8)),
    "2_regions_east_west": (("us-east-2a", "us-west-2a"), range(8)),
    "3_regions_diverse": (("us-east-1a", "us-east-2b", "us-west-2c"), range(6)),
    "3_zones_same_region": (("us-east-1a", "us-east-1c", "us-east-1d"), range(6)),
    "5_regions_high_diversity": (("us-east-1a", "us-east-1f", "us-west-2a", "us-west-2b", "us-east-2b"),
                                 range(4)),
    "all_9_regions": (("us-east-2a", "us-west-2c", "us-east-1d", "us-east-2b", "us-west-2a", "us-east-1f",
                       "us-east-1a", "us-west-2b", "us-east-1c"), range(2)),
}
"""§4.2: scenario -> (zones in region-index order, window indices), in the doc's order."""
_MEMBER_RE = re.compile(r"data/converted_multi_region_aligned/([^/]+)_v100_1/(\d+)\.json")


def multi_tarball_path() -> Path:
    """``cant-be-late-multi/real_traces.tar.gz`` in the shared data folder (raises if absent)."""
    return shared_file("cant-be-late-multi", "real_traces.tar.gz")


def _build_multi_all(path: Path) -> TraceSet:
    bits = np.zeros((MULTI_N_WINDOWS, len(MULTI_ZONES), MULTI_WINDOW_TICKS), dtype=np.uint8)
    price = np.zeros((MULTI_N_WINDOWS, len(MULTI_ZONES)))
    starts: dict[int, set[str]] = {i: set() for i in range(MULTI_N_WINDOWS)}
    seen = 0
    with tarfile.open(path, "r|gz") as tf:
        for member in tf:
            match = _MEMBER_RE.fullmatch(member.name) if member.isfile() else None
            if match is None or match.group(1) not in MULTI_ZONES or int(match.group(2)) >= MULTI_N_WINDOWS:
                continue
            z, i = MULTI_ZONES.index(match.group(1)), int(match.group(2))
            fobj = tf.extractfile(member)
            assert fobj is not None
            doc = json.load(fobj)
            md, data, prices = doc["metadata"], doc["data"], doc["prices"]
            if md["gap_seconds"] != MULTI_GAP_SECONDS or len(data) != MULTI_WINDOW_TICKS or not prices:
                raise TraceFormatError(f"{path}:{member.name}: expected {MULTI_WINDOW_TICKS} bits at 195 s")
            bits[i, z] = data
            price[i, z] = float(prices[0])
            starts[i].add(md["start_time"])
            seen += 1
    if seen != MULTI_N_WINDOWS * len(MULTI_ZONES):
        raise TraceFormatError(f"{path}: found {seen} of {MULTI_N_WINDOWS * len(MULTI_ZONES)} windows")
    meta = []
    for i in range(MULTI_N_WINDOWS):
        if len(starts[i]) != 1:
            raise TraceFormatError(f"{path}: window {i} starts at different times {sorted(starts[i])}")
        start = np.datetime64(starts[i].pop(), "s")
        end = start + np.timedelta64(int(MULTI_WINDOW_TICKS * MULTI_GAP_SECONDS), "s")
        meta.append({"id": f"multi/w{i:03d}", "family": "cant-be-late-multi", "zones": list(MULTI_ZONES),
                     "source": "real:cant-be-late-multi/real_traces.tar.gz:data/converted_multi_region_"
                               f"aligned/<zone>_v100_1/{i}.json",
                     "period": [f"{start}Z", f"{end}Z"], "start_tick": 0, "window": i})
    return TraceSet("cant-be-late-multi-all", bits, price, MULTI_GAP_SECONDS, tuple(meta))


@functools.lru_cache(maxsize=4)
def _multi_all(path: Path) -> TraceSet:
    return readonly(cached_traceset(path, "cant-be-late-multi", lambda: _build_multi_all(path)))


def load_multi_tarball(zones: Sequence[str], window_indices: Sequence[int],
                       tarball: str | Path | None = None, name: str = "cant-be-late-multi",
                       family: str | None = None) -> TraceSet:
    """One trace per window with ``len(zones)`` regions in the given order (spot price = first price)."""
    unknown = [z for z in zones if z not in MULTI_ZONES]
    if unknown or len(set(zones)) != len(zones) or not zones:
        raise ValueError(f"zones must be distinct names from {', '.join(MULTI_ZONES)}; got {list(zones)}")
    bad = [i for i in window_indices if not 0 <= int(i) < MULTI_N_WINDOWS]
    if bad:
        raise ValueError(f"window indices must be in 0..{MULTI_N_WINDOWS - 1}, got {bad}")
    full = _multi_all(Path(tarball) if tarball else multi_tarball_path())
    cols = [MULTI_ZONES.index(z) for z in zones]
    rows = [int(i) for i in window_indices]
    fam = family or name
    meta = tuple({**full.meta[i], "id": f"{fam}/w{i:03d}", "family": fam, "zones": list(zones),
                  "source": full.meta[i]["source"].replace("<zone>", "{" + ",".join(zones) + "}")}
                 for i in rows)
    return TraceSet(name, full.bits[rows][:, cols].copy(), full.spot_price[rows][:, cols].copy(),
                    full.gap_seconds, meta)


@functools.lru_cache(maxsize=1)
def load_reference_multi() -> dict[str, TraceSet]:
    """The 6 reference scenarios of §4.2 (34 runs), in the doc's order, exact region orders."""
    return {scen: readonly(load_multi_tarball(zones, list(windows), name=scen, family=scen))
            for scen, (zones, windows) in REFERENCE_MULTI_SCENARIOS.items()}


def multi_window_start_times(tarball: str | Path | None = None) -> dict[str, list[str]]:
    """Per zone, the ISO start time (UTC, no zone suffix in the source) of each of the 100 windows."""
    full = _multi_all(Path(tarball) if tarball else multi_tarball_path())
    starts = [m["period"][0].rstrip("Z") for m in full.meta]
    return {z: list(starts) for z in MULTI_ZONES}


class MultiSplit(NamedTuple):
    """Window indices of the §8 multi-region split."""

    train: list[int]
    holdout: list[int]
    dropped: list[int]


def multi_train_holdout_split(tarball: str | Path | None = None) -> MultiSplit:
    """§8: train = windows whose 60 h span ends by 2023-03-15 00:00; holdout = starting at/after it."""
    starts = np.array([np.datetime64(s, "s") for s in multi_window_start_times(tarball)[MULTI_ZONES[0]]])
    train = [i for i, s in enumerate(starts) if s + SPLIT_SPAN <= SPLIT_CUT]
    holdout = [i for i, s in enumerate(starts) if s >= SPLIT_CUT]
    dropped = [i for i in range(len(starts)) if i not in train and i not in holdout]
    return MultiSplit(train, holdout, dropped)


def real_split(split: str, zones: Sequence[str] = MULTI_ZONES, tarball: str | Path | None = None) -> TraceSet:
    """The §8 real multi-region ``"train"`` (51 windows) or ``"holdout"`` (44) set over ``zones``."""
    if split not in ("train", "holdout"):
        raise ValueError(f"split must be 'train' or 'holdout', got {split!r}")
    parts = multi_train_holdout_split(tarball)
    windows = parts.train if split == "train" else parts.holdout
    name = f"real-{split}-multi"
    return load_multi_tarball(zones, windows, tarball, name=name, family=name)
