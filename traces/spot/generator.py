"""``RegimeGenerator``: synthetic spot-availability traces from a two-level semi-Markov model (§4.4).

**Regime level.** A semi-Markov chain over {good, mixed, bad} with lognormal dwell times. Transitions:
good → mixed 0.7 / bad 0.3; bad → mixed 0.7 / good 0.3; mixed → good with a per-trace bias β, else bad.
**Run level.** Inside a regime, available and unavailable runs alternate with lognormal lengths (hours,
converted to ticks, at least one 10-minute probe period); a regime change truncates the current run. At
each run boundary a 1-probe "blip" of the opposite state is inserted with probability φ instead of a full
opposite run. **Per-trace parameters** θ (dwell medians, β, φ, run scale, availability bias) are drawn
from a :class:`Prior`: ``PRIOR_A`` for train, ``PRIOR_B`` (shifted) for holdout.

Multi-region generation (one shared regime path per region group, zones following it with probability
0.6–0.8 per epoch, price tiers by availability) lives in :mod:`.multigen`. All randomness flows from an
explicit seed through :class:`numpy.random.Generator`; the global NumPy RNG is never used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

GOOD, MIXED, BAD = 0, 1, 2
REGIMES = ("good", "mixed", "bad")
PROBE_SECONDS = 600.0
"""The probing period of the real data: the shortest run / blip lasts this long."""
SeedLike = int | np.random.SeedSequence | np.random.Generator


def make_rng(seed: SeedLike) -> np.random.Generator:
    """A fresh :class:`numpy.random.Generator` from an int / SeedSequence (a Generator is used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError("an explicit seed is required (no global RNG)")
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class Prior:
    """Distribution of per-trace parameters θ plus the fixed run-level shape (hours; σ of log-lengths).

    Ranges ``(lo, hi)`` are sampled log-uniformly for positive scales and uniformly otherwise; ``beta``
    is a Beta(a, b) distribution. Run medians per regime: good = (long avail, short unavail), mixed =
    (mixed, mixed), bad = (short avail, long unavail); each is multiplied by θ's run scale and by
    ``exp(±avail_bias)`` (available runs ×e^b, unavailable ×e^−b).

    Beyond §4.4: with probability ``deep_prob = (p_good, p_bad)`` a trace is "deep" on one side: that
    regime's dwell median is multiplied by a depth d ~ logU(``deep_scale``) and its long runs by
    d^``depth_run_power``. This yields the multi-day outages (97 h in us-west-2b_k80_1) and the
    ≥ 5 % of fully unavailable 52 h windows that plain lognormal tails do not.
    """

    name: str
    dwell_good_h: tuple[float, float] = (6.0, 48.0)
    dwell_mixed_h: tuple[float, float] = (2.0, 12.0)
    dwell_bad_h: tuple[float, float] = (4.0, 48.0)
    dwell_sigma: float = 1.0
    beta: tuple[float, float] = (1.0, 1.0)
    phi: tuple[float, float] = (0.1, 0.3)
    run_scale: tuple[float, float] = (0.6, 1.6)
    avail_bias: tuple[float, float] = (0.0, 0.0)
    deep_prob: tuple[float, float] = (0.0, 0.0)
    deep_scale: tuple[float, float] = (1.0, 1.0)
    depth_run_power: float = 1.0
    long_run_h: float = 3.0
    long_run_sigma: float = 1.3
    short_run_h: float = 0.25
    short_run_sigma: float = 0.5
    mixed_run_h: float = 0.6
    mixed_run_sigma: float = 0.8


@dataclass(frozen=True)
class Theta:
    """Per-trace parameters drawn from a :class:`Prior` (dwell medians in hours for good/mixed/bad)."""

    dwell_median_h: tuple[float, float, float]
    beta: float
    phi: float
    run_scale: float
    avail_bias: float = 0.0
    good_depth: float = 1.0
    bad_depth: float = 1.0


PRIOR_A = Prior(name="prior-A", run_scale=(0.5, 2.0), avail_bias=(-0.6, 0.6), deep_prob=(0.1, 0.25),
                deep_scale=(4.0, 8.0), depth_run_power=2.0)
"""Train prior: the §4.4 ranges, calibrated against the real base traces (see :mod:`.calibrate`)."""
PRIOR_B = replace(PRIOR_A, name="prior-B", dwell_good_h=(10.0, 72.0), dwell_mixed_h=(1.5, 8.0),
                  dwell_bad_h=(6.0, 60.0), beta=(0.5, 0.5), phi=(0.2, 0.4), deep_prob=(0.2, 0.25))
"""Holdout prior: longer good/bad dwells, shorter mixed spells, more flicker (φ) and a more bimodal
availability mix (β ~ Beta(0.5, 0.5), more deep good/bad traces)."""


def _loguniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    lo, hi = bounds
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) if hi > lo else float(lo)


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(*bounds)) if bounds[1] > bounds[0] else float(bounds[0])


def sample_theta(prior: Prior, rng: np.random.Generator) -> Theta:
    """Draw θ from ``prior``."""
    dwell = (_loguniform(rng, prior.dwell_good_h), _loguniform(rng, prior.dwell_mixed_h),
             _loguniform(rng, prior.dwell_bad_h))
    beta, phi = float(rng.beta(*prior.beta)), _uniform(rng, prior.phi)
    run_scale, bias = _loguniform(rng, prior.run_scale), _uniform(rng, prior.avail_bias)
    side, depth = rng.random(), _loguniform(rng, prior.deep_scale)
    return Theta(dwell_median_h=dwell, beta=beta, phi=phi, run_scale=run_scale, avail_bias=bias,
                 good_depth=depth if side < prior.deep_prob[0] else 1.0,
                 bad_depth=depth if 1.0 - prior.deep_prob[1] <= side else 1.0)


def _depth(theta: Theta, regime: int) -> float:
    return theta.good_depth if regime == GOOD else theta.bad_depth if regime == BAD else 1.0


def _next_regime(regime: int, beta: float, rng: np.random.Generator) -> int:
    u = rng.random()
    if regime == GOOD:
        return MIXED if u < 0.7 else BAD
    if regime == BAD:
        return MIXED if u < 0.7 else GOOD
    return GOOD if u < beta else BAD


def _stationary(theta: Theta, sigma: float) -> np.ndarray:
    """Time share of each regime (embedded-chain stationary law × mean dwell)."""
    b = theta.beta  # closed form of π = πP for the §4.4 transition matrix (no LAPACK: portable bytes)
    pi = np.array([(0.3 + 0.7 * b) / 0.91, 1.0, (1.0 - 0.7 * b) / 0.91])
    dwell = np.array(theta.dwell_median_h) * np.array([theta.good_depth, 1.0, theta.bad_depth])
    share = pi / pi.sum() * dwell * math.exp(sigma**2 / 2)
    return share / share.sum()


def regime_path(theta: Theta, prior: Prior, n_ticks: int, gap_seconds: float,
                rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """Regime epochs ``(regime, start_tick, end_tick)`` covering ``[0, n_ticks)``, started in equilibrium."""
    share = _stationary(theta, prior.dwell_sigma)
    regime = int(rng.choice(3, p=share))
    epochs: list[tuple[int, int, int]] = []
    t, first = 0, True
    while t < n_ticks:
        scale = _depth(theta, regime)
        mu = math.log(theta.dwell_median_h[regime] * scale * 3600.0 / gap_seconds)
        dwell = rng.lognormal(mu, prior.dwell_sigma)
        if first:  # residual life of the epoch in progress at t = 0
            dwell *= rng.random()
            first = False
        end = min(n_ticks, t + max(1, int(round(dwell))))
        epochs.append((regime, t, end))
        t = end
        regime = _next_regime(regime, theta.beta, rng)
    return epochs


def _run_params(regime: int, theta: Theta, prior: Prior) -> tuple[tuple[float, float], tuple[float, float]]:
    """(median_h, sigma) of available and unavailable runs in ``regime``."""
    long_, short = (prior.long_run_h, prior.long_run_sigma), (prior.short_run_h, prior.short_run_sigma)
    mixed = (prior.mixed_run_h, prior.mixed_run_sigma)
    avail, unavail = {GOOD: (long_, short), MIXED: (mixed, mixed), BAD: (short, long_)}[regime]
    up, down = math.exp(theta.avail_bias), math.exp(-theta.avail_bias)
    if regime == BAD:
        down *= theta.bad_depth ** prior.depth_run_power
    elif regime == GOOD:
        up *= theta.good_depth ** prior.depth_run_power
    return (avail[0] * theta.run_scale * up, avail[1]), (unavail[0] * theta.run_scale * down, unavail[1])


def fill_runs(out: np.ndarray, epochs: list[tuple[int, int, int]], theta: Theta, prior: Prior,
              gap_seconds: float, rng: np.random.Generator) -> None:
    """Write alternating available/unavailable runs (with blips) for each epoch into ``out`` in place."""
    min_ticks = max(1, int(round(PROBE_SECONDS / gap_seconds)))
    ticks_per_h = 3600.0 / gap_seconds
    for regime, start, end in epochs:
        params = _run_params(regime, theta, prior)
        mean_len = [m * math.exp(s**2 / 2) for m, s in params]
        state = 0 if rng.random() < mean_len[0] / (mean_len[0] + mean_len[1]) else 1
        t = start
        while t < end:
            med, sig = params[state]
            n = max(min_ticks, int(round(rng.lognormal(math.log(med * ticks_per_h), sig))))
            out[t:min(end, t + n)] = state
            t += n
            if t >= end:
                break
            if rng.random() < theta.phi:  # a one-probe blip of the opposite state, then the same state
                out[t:min(end, t + min_ticks)] = 1 - state
                t += min_ticks
            else:
                state = 1 - state


class RegimeGenerator:
    """Seeded synthetic traces: ``RegimeGenerator(PRIOR_A).trace(1728, seed=1)``.

    ``prior`` drives single-region traces at ``gap_seconds``; ``multi_prior`` (a
    :class:`.multigen.MultiPrior`, default: the train or holdout one matching ``prior``) drives
    :meth:`multi` / :meth:`multi_windows`.
    """

    def __init__(self, prior: Prior = PRIOR_A, gap_seconds: float = 600.0, multi_prior: Any = None) -> None:
        from adrs.traces.spot.multigen import MULTI_PRIOR_A, MULTI_PRIOR_B

        self.prior = prior
        self.gap_seconds = float(gap_seconds)
        self.multi_prior = multi_prior or (MULTI_PRIOR_B if prior.name == PRIOR_B.name else MULTI_PRIOR_A)

    @classmethod
    def for_split(cls, split: str) -> RegimeGenerator:
        """``"train"`` → prior A, ``"holdout"`` → prior B (single and multi region)."""
        if split not in ("train", "holdout"):
            raise ValueError(f"split must be 'train' or 'holdout', got {split!r}")
        return cls(PRIOR_A if split == "train" else PRIOR_B)

    def with_prior(self, **changes: object) -> RegimeGenerator:
        """A generator whose single-region prior has some fields replaced."""
        return RegimeGenerator(replace(self.prior, **changes), self.gap_seconds,  # type: ignore[arg-type]
                               self.multi_prior)

    def sample_theta(self, seed: SeedLike) -> Theta:
        """Draw per-trace parameters θ from the prior."""
        return sample_theta(self.prior, make_rng(seed))

    def trace(self, n_ticks: int, seed: SeedLike, theta: Theta | None = None) -> np.ndarray:
        """One long trace of ``n_ticks`` bits (uint8; 1 = unavailable); θ drawn from the prior if absent."""
        return self.trace_with_regimes(n_ticks, seed, theta)[0]

    def trace_with_regimes(self, n_ticks: int, seed: SeedLike,
                           theta: Theta | None = None) -> tuple[np.ndarray, np.ndarray, Theta]:
        """Bits, per-tick regime labels (0 good, 1 mixed, 2 bad) and the θ used."""
        rng = make_rng(seed)
        theta = theta or sample_theta(self.prior, rng)
        epochs = regime_path(theta, self.prior, n_ticks, self.gap_seconds, rng)
        bits = np.zeros(n_ticks, dtype=np.uint8)
        fill_runs(bits, epochs, theta, self.prior, self.gap_seconds, rng)
        regimes = np.zeros(n_ticks, dtype=np.uint8)
        for regime, start, end in epochs:
            regimes[start:end] = regime
        return bits, regimes, theta

    def traces(self, n_traces: int, n_ticks: int, seed: SeedLike) -> np.ndarray:
        """``[n_traces, n_ticks]`` independent traces, each with its own θ (child seeds of ``seed``)."""
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        return np.stack([self.trace(n_ticks, child) for child in seq.spawn(n_traces)])

    def windows(self, n_windows: int, window_ticks: int, seed: SeedLike, spacing_ticks: int = 0,
                theta: Theta | None = None) -> tuple[np.ndarray, list[int], Theta]:
        """Disjoint windows cut from one long trace (one θ): bits ``[n_windows, window_ticks]``, starts, θ.

        Window k starts at ``k·(window_ticks + spacing_ticks)`` of the long trace, so no tick is shared.
        """
        stride = window_ticks + spacing_ticks
        rng = make_rng(seed)
        theta = theta or sample_theta(self.prior, rng)
        long_trace = self.trace(stride * n_windows, rng, theta)
        starts = [k * stride for k in range(n_windows)]
        return np.stack([long_trace[s:s + window_ticks] for s in starts]), starts, theta

    def multi(self, zones: Sequence[str], n_ticks: int, seed: SeedLike, gap_seconds: float = 195.0,
              groups: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Time-aligned multi-region bits ``[n_zones, n_ticks]`` and tier prices (:mod:`.multigen`)."""
        from adrs.traces.spot.multigen import generate_multi

        return generate_multi(zones, n_ticks, seed, self.multi_prior, gap_seconds, groups)

    def multi_windows(self, zones: Sequence[str], n_windows: int, window_ticks: int, seed: SeedLike,
                      gap_seconds: float = 195.0, groups: Sequence[str] | None = None,
                      spacing_ticks: int = 0) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Disjoint multi-region windows ``[n_windows, n_zones, window_ticks]``, prices, starts."""
        from adrs.traces.spot.multigen import generate_multi_windows

        return generate_multi_windows(zones, n_windows, window_ticks, seed, self.multi_prior, gap_seconds,
                                      groups, spacing_ticks)
