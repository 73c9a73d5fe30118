"""The committed synthetic default trace sets (no real data needed), and how to regenerate them.

=========================================  ==========  ===========================================
file                                       prior       content
=========================================  ==========  ===========================================
``traces/spot/train-single.npz``           A           6 families × 5 windows × 554 ticks @ 600 s
``holdout/spot/holdout-single.npz``        B           same shape, disjoint seeds
``traces/spot/train-multi.npz``            multi-A     3 scenarios × 4 windows, 4 zones, 1107 @ 195 s
``holdout/spot/holdout-multi.npz``         multi-B     same shape, disjoint seeds
=========================================  ==========  ===========================================

Single-region windows of a family are disjoint slices (72 ticks apart) of one long trace with one θ;
multi-region windows of a scenario are disjoint slices of one long time-aligned series. Every trace's
metadata records its ``seed``, the prior and θ. :func:`generate_embedded` is deterministic, so rerunning
it reproduces the committed files byte for byte (same NumPy version).
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import asdict
from pathlib import Path
from typing import Literal

import numpy as np

from adrs.traces.spot.cache import readonly
from adrs.traces.spot.format import TraceFormatError, TraceSet, load, save
from adrs.traces.spot.generator import RegimeGenerator

Kind = Literal["single", "multi"]
Split = Literal["train", "holdout"]
SINGLE_FAMILIES, SINGLE_WINDOWS, SINGLE_TICKS, SINGLE_SPACING = 6, 5, 554, 72
MULTI_WINDOWS, MULTI_TICKS, MULTI_SPACING = 4, 1107, 222
SINGLE_SPOT_PRICE = 0.9731
MULTI_SCENARIOS: dict[str, tuple[str, ...]] = {
    "syn_4_zones_same_region": ("syn-east-1a", "syn-east-1b", "syn-east-1c", "syn-east-1d"),
    "syn_2_regions_4_zones": ("syn-east-1a", "syn-east-1b", "syn-west-2a", "syn-west-2b"),
    "syn_3_regions_diverse": ("syn-east-1a", "syn-east-2a", "syn-west-2a", "syn-west-2b"),
}
"""Synthetic scenario → zone names; the region group is the name without its last letter."""
SEED_BASE = {("single", "train"): 10_000, ("single", "holdout"): 20_000,
             ("multi", "train"): 30_000, ("multi", "holdout"): 40_000}
"""Family / scenario k uses seed ``SEED_BASE[kind, split] + k``: train and holdout seeds are disjoint."""
_PACKAGE = {"train": "adrs.traces.spot", "holdout": "adrs.holdout.spot"}
_FOLDER = {"train": Path("traces") / "spot", "holdout": Path("holdout") / "spot"}


def embedded_filename(kind: Kind, split: Split) -> str:
    """``train-single.npz``, ``holdout-multi.npz``, …"""
    if kind not in ("single", "multi") or split not in ("train", "holdout"):
        raise ValueError(f"kind must be 'single'|'multi' and split 'train'|'holdout', got {kind!r}, {split!r}")
    return f"{split}-{kind}.npz"


def _tag(split: Split) -> str:
    return "A" if split == "train" else "B"


def build_single(split: Split) -> TraceSet:
    """The embedded single-region set of ``split`` (prior A for train, B for holdout)."""
    gen = RegimeGenerator.for_split(split)
    tag = _tag(split)
    bits = np.zeros((SINGLE_FAMILIES * SINGLE_WINDOWS, 1, SINGLE_TICKS), dtype=np.uint8)
    meta = []
    for k in range(SINGLE_FAMILIES):
        seed = SEED_BASE[("single", split)] + k
        windows, starts, theta = gen.windows(SINGLE_WINDOWS, SINGLE_TICKS, seed, SINGLE_SPACING)
        family = f"syn{tag}-f{k}"
        for w, start in enumerate(starts):
            bits[k * SINGLE_WINDOWS + w, 0] = windows[w]
            meta.append({"id": f"{family}/w{w}", "family": family, "zones": [family], "window": w,
                         "source": f"synthetic:RegimeGenerator/{gen.prior.name}", "seed": seed,
                         "period": [start, start + SINGLE_TICKS], "start_tick": start,
                         "theta": asdict(theta)})
    price = np.full((bits.shape[0], 1), SINGLE_SPOT_PRICE)
    return TraceSet(f"embedded-{split}-single", bits, price, 600.0, tuple(meta))


def build_multi(split: Split) -> TraceSet:
    """The embedded multi-region set of ``split`` (multi prior A for train, B for holdout)."""
    gen = RegimeGenerator.for_split(split)
    n_zones = {len(z) for z in MULTI_SCENARIOS.values()}
    assert len(n_zones) == 1, "a trace set is rectangular: every scenario needs the same zone count"
    bits, prices, meta = [], [], []
    for k, (scenario, zones) in enumerate(MULTI_SCENARIOS.items()):
        seed = SEED_BASE[("multi", split)] + k
        b, p, starts = gen.multi_windows(zones, MULTI_WINDOWS, MULTI_TICKS, seed, spacing_ticks=MULTI_SPACING)
        bits.append(b)
        prices.append(p)
        for w, start in enumerate(starts):
            meta.append({"id": f"{scenario}-{_tag(split)}/w{w}", "family": scenario, "zones": list(zones),
                         "window": w, "source": f"synthetic:RegimeGenerator/{gen.multi_prior.name}",
                         "seed": seed, "period": [start, start + MULTI_TICKS], "start_tick": start})
    return TraceSet(f"embedded-{split}-multi", np.concatenate(bits), np.concatenate(prices), 195.0,
                    tuple(meta))


EMBEDDED_SETS: tuple[tuple[Kind, Split], ...] = (("single", "train"), ("multi", "train"),
                                                 ("single", "holdout"), ("multi", "holdout"))


def embedded_relpath(kind: Kind, split: Split) -> Path:
    """Path of an embedded set relative to the checkout root, e.g. ``holdout/spot/holdout-single.npz``."""
    return _FOLDER[split] / embedded_filename(kind, split)


def generate_embedded(root: str | Path | None = None) -> list[Path]:
    """Write the 4 embedded sets under ``root`` (``root/traces/spot``, ``root/holdout/spot``), or into
    the package folders when ``root`` is None. Returns the paths in :data:`EMBEDDED_SETS` order."""
    written = []
    for kind, split in EMBEDDED_SETS:
        path = (Path(root) / embedded_relpath(kind, split) if root is not None
                else package_folder(split) / embedded_filename(kind, split))
        ts = build_single(split) if kind == "single" else build_multi(split)
        written.append(save(ts, path))
    return written


def package_folder(split: Split) -> Path:
    """The installed package folder holding the embedded files of ``split``."""
    return Path(str(importlib.resources.files(_PACKAGE[split])))


def embedded_path(kind: Kind, split: Split) -> Path:
    """Path of an embedded set, found through the packages ``adrs.traces.spot`` / ``adrs.holdout.spot``."""
    path = package_folder(split) / embedded_filename(kind, split)
    if not path.is_file():
        raise TraceFormatError(f"{path}: embedded trace set missing; run `adrs traces generate`")
    return path


@functools.lru_cache(maxsize=8)
def load_embedded(kind: Kind, split: Split) -> TraceSet:
    """Load an embedded set (cached; arrays are read-only)."""
    return readonly(load(embedded_path(kind, split)))
