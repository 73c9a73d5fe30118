"""Statistics of spot-availability traces (spec §4.3); bits use 1 = unavailable, 0 = available.

Every function takes a 1-d series or a 2-d array whose rows are independent series (windows); runs never
cross rows. Run lengths are in hours. The first and last run of each row are *censored* (their true
length is unknown): §4.3 drops them for the single-region base traces and keeps them for the
multi-region windows, selected by ``keep_censored``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["RunStats", "TraceStats", "run_lengths", "run_length_stats", "availability", "transitions",
           "transition_probs", "preemptions_per_day", "lag1_autocorr", "window_shares",
           "pairwise_correlation", "trace_stats"]


def _rows(bits: np.ndarray) -> np.ndarray:
    arr = np.asarray(bits)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"expected a 1-d series or 2-d [series, ticks] array, got shape {arr.shape}")
    return arr.astype(np.int8, copy=False)


def run_lengths(bits: np.ndarray, keep_censored: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Run states and lengths in ticks, pooled over rows; drops each row's first/last run by default."""
    states, lengths = [], []
    for row in _rows(bits):
        if row.size == 0:
            continue
        change = np.flatnonzero(np.diff(row)) + 1
        starts = np.r_[0, change]
        ends = np.r_[change, row.size]
        s, n = row[starts], ends - starts
        if not keep_censored:
            s, n = s[1:-1], n[1:-1]
        states.append(s)
        lengths.append(n)
    if not states:
        return np.zeros(0, np.int8), np.zeros(0, np.int64)
    return np.concatenate(states), np.concatenate(lengths)


@dataclass(frozen=True)
class RunStats:
    """Run-length summary in hours (NaN when there is no run)."""

    n: int
    median: float
    mean: float
    p90: float
    max: float


def run_length_stats(bits: np.ndarray, gap_seconds: float, state: int,
                     keep_censored: bool = False) -> RunStats:
    """Median / mean / p90 (linear interpolation) / max in hours of the runs of ``state`` (0 or 1)."""
    s, n = run_lengths(bits, keep_censored)
    hours = n[s == state] * gap_seconds / 3600.0
    if hours.size == 0:
        return RunStats(0, float("nan"), float("nan"), float("nan"), float("nan"))
    return RunStats(int(hours.size), float(np.median(hours)), float(hours.mean()),
                    float(np.percentile(hours, 90)), float(hours.max()))


def availability(bits: np.ndarray) -> float:
    """Share of ticks with spot available (bit 0)."""
    return float(1.0 - _rows(bits).mean())


def transitions(bits: np.ndarray) -> tuple[int, int, int, int]:
    """Counts (n01, n10, n0, n1): 0→1 and 1→0 transitions, and ticks in state 0 / 1 that have a successor."""
    x = _rows(bits)
    a, b = x[:, :-1], x[:, 1:]
    return (int(((a == 0) & (b == 1)).sum()), int(((a == 1) & (b == 0)).sum()),
            int((a == 0).sum()), int((a == 1).sum()))


def transition_probs(bits: np.ndarray) -> tuple[float, float]:
    """Per-tick P(0→1) and P(1→0) (NaN if the state never occurs)."""
    n01, n10, n0, n1 = transitions(bits)
    return (n01 / n0 if n0 else float("nan"), n10 / n1 if n1 else float("nan"))


def preemptions_per_day(bits: np.ndarray, gap_seconds: float) -> float:
    """Number of available→unavailable transitions per day of trace."""
    x = _rows(bits)
    days = x.size * gap_seconds / 86400.0
    return transitions(x)[0] / days if days else float("nan")


def lag1_autocorr(bits: np.ndarray) -> float:
    """Lag-1 Pearson autocorrelation of the bit, pooling consecutive pairs within rows (NaN if constant)."""
    x = _rows(bits).astype(np.float64)
    a, b = x[:, :-1].ravel(), x[:, 1:].ravel()
    if a.size < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def window_shares(bits: np.ndarray, gap_seconds: float, hours: float = 6.0) -> tuple[float, float]:
    """Shares of non-overlapping ``hours`` windows that are fully available / fully unavailable."""
    width = int(round(hours * 3600.0 / gap_seconds))
    sums = []
    for row in _rows(bits):
        k = row.size // width
        if k:
            sums.append(row[:k * width].reshape(k, width).sum(axis=1))
    if not sums:
        return float("nan"), float("nan")
    s = np.concatenate(sums)
    return float((s == 0).mean()), float((s == width).mean())


def pairwise_correlation(series: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the bits of ``series`` [n_series, ticks] (NaN for constant series)."""
    x = np.asarray(series, dtype=np.float64)
    x = x - x.mean(axis=1, keepdims=True)
    norm = np.sqrt((x * x).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x @ x.T) / np.outer(norm, norm)


@dataclass(frozen=True)
class TraceStats:
    """The §4.3 statistics of one trace (or of pooled windows)."""

    availability: float
    avail_run: RunStats
    unavail_run: RunStats
    preemptions_per_day: float
    p01: float
    p10: float
    lag1: float
    full_6h: float
    none_6h: float

    def as_dict(self) -> dict[str, object]:
        """A flat JSON-ready dict."""
        return asdict(self)


def trace_stats(bits: np.ndarray, gap_seconds: float, keep_censored: bool = False) -> TraceStats:
    """All §4.3 statistics of ``bits`` (1-d series or 2-d rows of windows)."""
    p01, p10 = transition_probs(bits)
    full, none = window_shares(bits, gap_seconds)
    return TraceStats(
        availability=availability(bits),
        avail_run=run_length_stats(bits, gap_seconds, 0, keep_censored),
        unavail_run=run_length_stats(bits, gap_seconds, 1, keep_censored),
        preemptions_per_day=preemptions_per_day(bits, gap_seconds),
        p01=p01, p10=p10, lag1=lag1_autocorr(bits), full_6h=full, none_6h=none,
    )
