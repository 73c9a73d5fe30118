"""RegimeGenerator (§4.4) and the trace statistics (§4.3) on synthetic data; needs no real data."""

from __future__ import annotations

import numpy as np
import pytest

from adrs.traces.spot import stats as S
from adrs.traces.spot.generator import (
    BAD,
    GOOD,
    PRIOR_A,
    PRIOR_B,
    RegimeGenerator,
    Theta,
    make_rng,
)
from adrs.traces.spot.multigen import MULTI_PRIOR_A, generate_multi_windows, price_for, region_group

DAY = 144  # ticks of 600 s


@pytest.fixture(scope="module")
def train_traces() -> np.ndarray:
    return RegimeGenerator(PRIOR_A).traces(100, 12 * DAY, seed=0)


# --- statistics on hand-made series ---------------------------------------------------------------------


def test_run_lengths_and_censoring() -> None:
    x = np.array([1, 1, 0, 0, 0, 1, 0, 0])
    states, lengths = S.run_lengths(x, keep_censored=True)
    assert states.tolist() == [1, 0, 1, 0] and lengths.tolist() == [2, 3, 1, 2]
    states, lengths = S.run_lengths(x)  # first and last runs dropped
    assert states.tolist() == [0, 1] and lengths.tolist() == [3, 1]
    two = S.run_lengths(np.stack([x, x]), keep_censored=True)[1]  # runs never cross rows
    assert two.tolist() == [2, 3, 1, 2, 2, 3, 1, 2]
    rs = S.run_length_stats(x, 600.0, 0, keep_censored=True)
    assert (rs.n, rs.max) == (2, 0.5) and rs.median == pytest.approx(2.5 / 6)


def test_transitions_lag1_and_windows() -> None:
    x = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    assert S.transitions(x) == (2, 1, 4, 3)
    assert S.transition_probs(x) == (0.5, pytest.approx(1 / 3))
    assert S.preemptions_per_day(x, 600.0) == pytest.approx(2 / (8 * 600 / 86400))
    assert S.lag1_autocorr(x) == pytest.approx(np.corrcoef(x[:-1], x[1:])[0, 1])
    assert np.isnan(S.lag1_autocorr(np.zeros(10)))
    y = np.r_[np.zeros(36), np.ones(36), np.r_[0, np.ones(35)], np.zeros(5)]  # last partial window ignored
    assert S.window_shares(y, 600.0) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    c = S.pairwise_correlation(np.array([x, x, 1 - x]))
    assert c[0, 1] == pytest.approx(1.0) and c[0, 2] == pytest.approx(-1.0)
    assert S.availability(x) == 0.5


# --- single-region generator ------------------------------------------------------------------------------


def test_seeded_and_independent_of_global_rng() -> None:
    gen = RegimeGenerator(PRIOR_A)
    np.random.seed(1)
    a = gen.trace(2000, seed=42)
    np.random.seed(2)
    b = gen.trace(2000, seed=42)
    assert np.array_equal(a, b) and a.dtype == np.uint8 and set(np.unique(a)) <= {0, 1}
    assert not np.array_equal(a, gen.trace(2000, seed=43))
    with pytest.raises(ValueError, match="explicit seed"):
        make_rng(None)  # type: ignore[arg-type]


def test_regimes_shape_the_bits() -> None:
    gen = RegimeGenerator(PRIOR_A)
    theta = Theta(dwell_median_h=(24.0, 4.0, 24.0), beta=0.5, phi=0.2, run_scale=1.0)
    bits, regimes, used = gen.trace_with_regimes(20 * DAY, seed=7, theta=theta)
    assert used is theta
    assert bits[regimes == GOOD].mean() < 0.2 and bits[regimes == BAD].mean() > 0.8
    assert len(np.unique(regimes)) == 3


def test_windows_are_disjoint_slices() -> None:
    bits, starts, theta = RegimeGenerator(PRIOR_A).windows(5, 554, seed=3, spacing_ticks=72)
    assert bits.shape == (5, 554) and starts == [0, 626, 1252, 1878, 2504]
    again, _, theta2 = RegimeGenerator(PRIOR_A).windows(5, 554, seed=3, spacing_ticks=72)
    assert np.array_equal(bits, again) and theta == theta2


TARGETS = {  # §4.4 acceptance: the envelope over 100 12-day traces covers these ranges within ±30 %
    "availability": (0.25, 0.95, lambda s: s.availability),
    "preemptions/day": (3.0, 14.0, lambda s: s.preemptions_per_day),
    "avail-run median h": (0.17, 3.0, lambda s: s.avail_run.median),
    "avail-run p90 h": (1.2, 25.0, lambda s: s.avail_run.p90),
    "unavail-run median h": (0.17, 0.83, lambda s: s.unavail_run.median),
    "unavail-run p90 h": (0.6, 4.7, lambda s: s.unavail_run.p90),
    "lag-1 autocorrelation": (0.46, 0.87, lambda s: s.lag1),
    "6 h fully available": (0.0, 0.57, lambda s: s.full_6h),
    "6 h fully unavailable": (0.0, 0.57, lambda s: s.none_6h),
}


@pytest.mark.parametrize("name", list(TARGETS))
def test_acceptance_envelope(train_traces: np.ndarray, name: str) -> None:
    lo, hi, get = TARGETS[name]
    values = np.array([get(S.trace_stats(x, 600.0)) for x in train_traces])
    values = values[np.isfinite(values)]
    assert values.min() <= lo * 1.3 + 1e-12, f"{name}: nothing as low as {lo}"
    assert values.max() >= hi * 0.7, f"{name}: nothing as high as {hi}"
    assert lo * 0.7 <= np.median(values) <= hi * 1.3, f"{name}: typical value off"


def test_short_runs_and_windows(train_traces: np.ndarray) -> None:
    states, lengths = S.run_lengths(train_traces)
    for v in (0, 1):  # one-tick runs dominate the short end: p25 is 1 tick
        assert np.percentile(lengths[states == v], 25) == 1
    many = RegimeGenerator(PRIOR_A).traces(400, 12 * DAY, seed=1)
    win = np.lib.stride_tricks.sliding_window_view(many, 312, axis=1)[:, ::36]
    assert (win.min(axis=2) == 1).mean() >= 0.05  # ≥ 5 % of 52 h windows fully unavailable
    avail = 1.0 - win.mean(axis=2)
    assert avail.min() == 0.0 and avail.max() == 1.0


def test_prior_b_is_shifted() -> None:
    a = RegimeGenerator(PRIOR_A).traces(200, 12 * DAY, seed=5)
    b = RegimeGenerator(PRIOR_B).traces(200, 12 * DAY, seed=5)

    def extreme(x: np.ndarray) -> float:  # share of 92 h windows with availability < 5 % or > 95 %
        av = 1.0 - np.lib.stride_tricks.sliding_window_view(x, 554, axis=1)[:, ::72].mean(axis=2)
        return float(((av < 0.05) | (av > 0.95)).mean())

    assert extreme(b) > extreme(a) + 0.05
    ta, tb = RegimeGenerator(PRIOR_A).sample_theta(9), RegimeGenerator(PRIOR_B).sample_theta(9)
    assert ta != tb and PRIOR_B.phi[0] > PRIOR_A.phi[0]
    assert RegimeGenerator.for_split("holdout").multi_prior.name == "multi-prior-B"
    with pytest.raises(ValueError, match="split must be"):
        RegimeGenerator.for_split("test")


# --- multi-region generator -------------------------------------------------------------------------------

ZONES = ("us-east-1a", "us-east-1c", "us-east-1d", "us-east-1f", "us-east-2a", "us-east-2b", "us-west-2a",
         "us-west-2b", "us-west-2c")


def test_region_groups() -> None:
    assert region_group("us-east-1a") == "us-east-1" and region_group("syn-west-2b") == "syn-west-2"
    assert region_group("zone7") == "zone7"


def test_multi_correlation_structure() -> None:
    groups = [region_group(z) for z in ZONES]
    same, cross, lag = [], [], []
    for seed in range(4):
        bits, prices, starts = RegimeGenerator(PRIOR_A).multi_windows(ZONES, 40, 1107, seed)
        assert bits.shape == (40, 9, 1107) and prices.shape == (40, 9) and starts[1] == 1107
        corr = S.pairwise_correlation(bits.transpose(1, 0, 2).reshape(9, -1))
        for i in range(9):
            lag.append(S.lag1_autocorr(bits[:, i]))
            for j in range(i + 1, 9):
                (same if groups[i] == groups[j] else cross).append(corr[i, j])
    assert 0.28 <= np.mean(same) <= 0.55 and 0.03 <= np.mean(cross) <= 0.17
    assert 0.86 <= np.min(lag) and np.max(lag) <= 0.99
    # explicit groups override the names: all zones independent -> no same-group coupling left
    lone = generate_multi_windows(ZONES[:3], 40, 1107, 0, MULTI_PRIOR_A, groups=["a", "b", "c"])[0]
    c = S.pairwise_correlation(lone.transpose(1, 0, 2).reshape(3, -1))
    assert np.mean(c[np.triu_indices(3, 1)]) < np.mean(same) - 0.1


def test_multi_price_tiers() -> None:
    rng = make_rng(0)
    assert 0.92 <= price_for(0.9, MULTI_PRIOR_A, rng) <= 0.95
    assert 1.25 <= price_for(0.5, MULTI_PRIOR_A, rng) <= 1.30
    assert 1.5 <= price_for(0.1, MULTI_PRIOR_A, rng) <= 1.85
    bits, prices, _ = RegimeGenerator(PRIOR_A).multi_windows(ZONES, 30, 1107, seed=11)
    avail = 1.0 - bits.mean(axis=(0, 2))
    for z, a in enumerate(avail):
        lo, hi = (0.92, 0.95) if a >= 0.65 else (1.25, 1.30) if a >= 0.35 else (1.5, 1.85)
        assert np.all((prices[:, z] >= lo) & (prices[:, z] <= hi)), (ZONES[z], a)


def test_multi_is_seeded() -> None:
    a = RegimeGenerator(PRIOR_A).multi(ZONES[:4], 3000, seed=5)
    b = RegimeGenerator(PRIOR_A).multi(ZONES[:4], 3000, seed=5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], RegimeGenerator(PRIOR_A).multi(ZONES[:4], 3000, seed=6)[0])
    with pytest.raises(ValueError, match="2 groups for 4 zones"):
        RegimeGenerator(PRIOR_A).multi(ZONES[:4], 100, seed=5, groups=["a", "b"])
