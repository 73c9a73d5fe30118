"""Multi-region synthetic traces (§4.4): one shared regime path per region group, zones following it.

Zones in one region group (``us-east-1a`` and ``us-east-1c`` share ``us-east-1``) see a common regime
path; for every epoch of that path, each zone follows the group regime with its own probability
``f ∈ [0.6, 0.8]`` and otherwise keeps an independent regime path of its own. Runs are drawn per zone
(:func:`.generator.fill_runs`) with a per-zone availability bias, so same-group zones are correlated
(≈ 0.4–0.55) while cross-group pairs are nearly independent (≈ 0.1). Spot prices come in tiers by the
zone's availability over the generated series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from adrs.traces.spot.generator import (
    BAD,
    GOOD,
    MIXED,
    PRIOR_A,
    Prior,
    SeedLike,
    fill_runs,
    make_rng,
    regime_path,
    sample_theta,
)


@dataclass(frozen=True)
class MultiPrior:
    """Parameters of the multi-region model; ``zone`` is the per-zone / per-group θ prior."""

    name: str
    zone: Prior
    follow: tuple[float, float] = (0.6, 0.8)
    """Per-zone probability of following its group's regime in each group epoch."""
    global_follow: tuple[float, float] = (0.0, 0.0)
    """Per-group probability of following a global regime path in each global epoch (cross-group link)."""
    tilt: tuple[float, float] = (0.0, 0.0)
    """Per-zone tilt τ: each mixed epoch becomes good (τ > 0) or bad (τ < 0) with probability |τ|, using
    one uniform per group epoch shared by the group's zones (so same-sign zones flip together); the zone's
    own path uses β = (1 + τ) / 2. Spreads zone availabilities without decoupling the regimes."""
    depth_tilt: float = 0.0
    """A zone with tilt τ gets good depth exp(depth_tilt·τ) (τ > 0) or bad depth exp(−depth_tilt·τ)."""
    shrink_tilt: float = 0.0
    """…and the opposite regime shrinks: bad depth exp(−shrink_tilt·τ) for τ > 0, good depth exp(shrink_tilt·τ)
    for τ < 0 (scarce zones get short available spells even in good epochs)."""
    bias_tilt: float = 0.0
    """A zone with tilt τ adds ``bias_tilt·τ`` to its availability bias (longer available runs, shorter
    outages in plentiful zones)."""
    shared_tilt: float = 0.0
    """Weight of the group's tilt in a zone's run-length lean (bias and depth use τ_zone + w·τ_group)."""
    group_tilt: tuple[float, float] = (0.0, 0.0)
    """Per-group tilt, like ``tilt`` but applied to the shared group path (spreads group availability)."""
    price_tiers: tuple[tuple[float, tuple[float, float]], ...] = (
        (0.65, (0.92, 0.95)), (0.35, (1.25, 1.30)), (0.0, (1.5, 1.85)))
    """(minimum availability, (low, high) $/h), checked in order."""


MULTI_PRIOR_A = MultiPrior(
    "multi-prior-A",
    replace(PRIOR_A, name="multi-zone-A", dwell_good_h=(9.0, 68.0), dwell_mixed_h=(2.8, 19.0),
            dwell_bad_h=(2.1, 23.0), phi=(0.02, 0.1), short_run_h=0.239, long_run_h=3.76, long_run_sigma=1.17,
            mixed_run_h=0.52, run_scale=(0.73, 0.99), avail_bias=(-0.3, 0.3), deep_prob=(0.0, 0.0)),
    follow=(0.7, 0.8), global_follow=(0.49, 0.69), tilt=(-0.96, 0.96), group_tilt=(-1.27, 1.27),
    shared_tilt=0.26, depth_tilt=1.53, shrink_tilt=0.53, bias_tilt=0.91)
"""Train multi-region prior, fitted by random search against the 9 real zones at 195 s (see
:mod:`.calibrate`)."""
MULTI_PRIOR_B = MultiPrior(
    "multi-prior-B",
    replace(MULTI_PRIOR_A.zone, name="multi-zone-B", dwell_good_h=(12.0, 90.0), dwell_mixed_h=(2.0, 12.0),
            dwell_bad_h=(3.0, 36.0), phi=(0.04, 0.15), run_scale=(0.7, 1.1)),
    follow=(0.6, 0.75), global_follow=(0.35, 0.55), tilt=(-1.1, 1.1), group_tilt=(-1.5, 1.5),
    shared_tilt=0.26, depth_tilt=1.53, shrink_tilt=0.53, bias_tilt=0.91)
"""Holdout multi-region prior: longer good/bad dwells, more flicker, weaker coupling, wider tilts."""


def region_group(zone: str) -> str:
    """The region group of a zone name: ``us-east-1a`` → ``us-east-1`` (trailing letter dropped)."""
    return zone[:-1] if zone and zone[-1].isalpha() and zone[:-1][-1:].isdigit() else zone


def _clip01(x: float) -> float:
    return max(0.0, min(1.0, x))


def _regime_ticks(epochs: list[tuple[int, int, int]], n_ticks: int) -> np.ndarray:
    out = np.zeros(n_ticks, dtype=np.int8)
    for regime, start, end in epochs:
        out[start:end] = regime
    return out


def _epochs_of(labels: np.ndarray) -> list[tuple[int, int, int]]:
    change = np.flatnonzero(np.diff(labels)) + 1
    starts, ends = np.r_[0, change], np.r_[change, labels.size]
    return [(int(labels[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def _tilted(epochs: list[tuple[int, int, int]], tilt: float, u_ticks: np.ndarray) -> list[tuple[int, int, int]]:
    """Turn a mixed epoch into good (tilt > 0) or bad (tilt < 0) when ``u_ticks[start] < |tilt|``."""
    out = []
    for regime, start, end in epochs:
        if regime == MIXED and u_ticks[start] < abs(tilt):
            regime = GOOD if tilt > 0 else BAD
        out.append((regime, start, end))
    return out


def _epoch_uniforms(epochs: list[tuple[int, int, int]], n_ticks: int, rng: np.random.Generator) -> np.ndarray:
    u = np.empty(n_ticks)
    for _, start, end in epochs:
        u[start:end] = rng.random()
    return u


def price_for(availability: float, tiers: MultiPrior, rng: np.random.Generator) -> float:
    """A spot price ($/h) drawn uniformly from the tier matching ``availability``."""
    for floor, (lo, hi) in tiers.price_tiers:
        if availability >= floor:
            return float(rng.uniform(lo, hi))
    lo, hi = tiers.price_tiers[-1][1]
    return float(rng.uniform(lo, hi))


def generate_multi(zones: Sequence[str], n_ticks: int, seed: SeedLike, prior: MultiPrior = MULTI_PRIOR_A,
                   gap_seconds: float = 195.0, groups: Sequence[str] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Time-aligned bits ``[n_zones, n_ticks]`` (uint8, 1 = unavailable) and each zone's tier price.

    ``groups`` defaults to :func:`region_group` of each zone name.
    """
    rng = make_rng(seed)
    groups = list(groups) if groups is not None else [region_group(z) for z in zones]
    if len(groups) != len(zones):
        raise ValueError(f"{len(groups)} groups for {len(zones)} zones")
    zp = prior.zone
    global_epochs = regime_path(sample_theta(zp, rng), zp, n_ticks, gap_seconds, rng)
    group_epochs, group_tilts, group_u = {}, {}, {}
    for g in dict.fromkeys(groups):  # first-appearance order: deterministic
        tilt = group_tilts[g] = float(rng.uniform(*prior.group_tilt))
        theta_g = replace(sample_theta(zp, rng), beta=_clip01((1.0 + tilt) / 2.0))
        labels = _regime_ticks(regime_path(theta_g, zp, n_ticks, gap_seconds, rng), n_ticks)
        coupling = float(rng.uniform(*prior.global_follow))
        for regime, start, end in global_epochs:
            if rng.random() < coupling:
                labels[start:end] = regime
        epochs = _epochs_of(labels)
        group_epochs[g] = _tilted(epochs, tilt, _epoch_uniforms(epochs, n_ticks, rng))
        group_u[g] = _epoch_uniforms(group_epochs[g], n_ticks, rng)  # shared by the group's zones
    bits = np.zeros((len(zones), n_ticks), dtype=np.uint8)
    prices = np.zeros(len(zones))
    for z, g in enumerate(groups):
        tilt = float(rng.uniform(*prior.tilt))
        lean = tilt + prior.shared_tilt * group_tilts[g]  # drives the zone's run lengths
        theta = sample_theta(zp, rng)
        theta = replace(theta, beta=_clip01((1.0 + tilt) / 2.0), avail_bias=theta.avail_bias + prior.bias_tilt * lean,
                        good_depth=math.exp(prior.depth_tilt * max(lean, 0.0) + prior.shrink_tilt * min(lean, 0.0)),
                        bad_depth=math.exp(-prior.depth_tilt * min(lean, 0.0) - prior.shrink_tilt * max(lean, 0.0)))
        follow = float(rng.uniform(*prior.follow))
        own = regime_path(theta, zp, n_ticks, gap_seconds, rng)
        labels, u = _regime_ticks(own, n_ticks), _epoch_uniforms(own, n_ticks, rng)
        for regime, start, end in group_epochs[g]:
            if rng.random() < follow:
                labels[start:end] = regime
                u[start:end] = group_u[g][start:end]
        fill_runs(bits[z], _tilted(_epochs_of(labels), tilt, u), theta, zp, gap_seconds, rng)
        prices[z] = price_for(float(1.0 - bits[z].mean()), prior, rng)
    return bits, prices


def generate_multi_windows(zones: Sequence[str], n_windows: int, window_ticks: int, seed: SeedLike,
                           prior: MultiPrior = MULTI_PRIOR_A, gap_seconds: float = 195.0,
                           groups: Sequence[str] | None = None, spacing_ticks: int = 0
                           ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Disjoint time-aligned windows ``[n_windows, n_zones, window_ticks]``, prices, window starts.

    One long series is generated and cut at ``k·(window_ticks + spacing_ticks)``. A zone's price tier
    comes from its availability over the whole series; each window redraws the price inside the tier.
    """
    stride = window_ticks + spacing_ticks
    rng = make_rng(seed)
    series, _ = generate_multi(zones, stride * n_windows, rng, prior, gap_seconds, groups)
    starts = [k * stride for k in range(n_windows)]
    bits = np.stack([series[:, s:s + window_ticks] for s in starts])
    avail = 1.0 - series.mean(axis=1)
    prices = np.array([[price_for(float(a), prior, rng) for a in avail] for _ in starts])
    return bits, prices.reshape(n_windows, len(zones)), starts
