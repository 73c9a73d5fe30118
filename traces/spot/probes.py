"""The 27-day probe series ``cant-be-late/probes-2022-10-26/<env>.txt`` (lines ``index,ISO time,bit``).

Ticks 0–1780 equal ``real/ping_based/<env>.json`` in the tarball; ticks 1781–3894 are the §8 holdout
period. Malformed lines raise :class:`TraceFormatError` naming the file and the line number.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from adrs.paths import shared_file
from adrs.traces.spot.format import TraceFormatError


@dataclass(frozen=True)
class ProbeSeries:
    """One env's probe series: ``times`` (datetime64[ms], UTC) and ``bits`` (uint8, 1 = unavailable)."""

    env: str
    path: Path
    times: np.ndarray
    bits: np.ndarray


def _parse_time(text: str) -> np.datetime64:
    stamp = datetime.fromisoformat(text)  # accepts the trailing "Z" (Python >= 3.11)
    if stamp.tzinfo is not None:
        offset = stamp.utcoffset()
        stamp = stamp.replace(tzinfo=None) - (offset if offset is not None else 0)
    return np.datetime64(stamp, "ms")


def load_probe_txt(path: str | Path, env: str | None = None) -> ProbeSeries:
    """Parse a probe file; every line must be ``<index>,<ISO-8601 time>,<0|1>`` with index = line − 1.

    Blank lines are skipped. Timestamps must increase strictly.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TraceFormatError(f"{path}: cannot read probe file ({exc})") from exc
    times: list[np.datetime64] = []
    bits: list[int] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        where = f"{path}:{lineno}"
        parts = line.split(",")
        if len(parts) != 3:
            raise TraceFormatError(f"{where}: expected 'index,time,bit', got {line!r}")
        idx_text, time_text, bit_text = (p.strip() for p in parts)
        try:
            idx = int(idx_text)
        except ValueError:
            raise TraceFormatError(f"{where}: index {idx_text!r} is not an integer") from None
        if idx != len(bits):
            raise TraceFormatError(f"{where}: index {idx}, expected {len(bits)} (ticks must be consecutive)")
        try:
            stamp = _parse_time(time_text)
        except ValueError:
            raise TraceFormatError(f"{where}: time {time_text!r} is not ISO-8601") from None
        if times and stamp <= times[-1]:
            raise TraceFormatError(f"{where}: time {time_text} does not increase")
        if bit_text not in ("0", "1"):
            raise TraceFormatError(f"{where}: bit {bit_text!r} must be 0 (available) or 1 (unavailable)")
        times.append(stamp)
        bits.append(int(bit_text))
    if not bits:
        raise TraceFormatError(f"{path}: no probe lines")
    return ProbeSeries(env=env or path.stem, path=path, times=np.array(times, dtype="datetime64[ms]"),
                       bits=np.array(bits, dtype=np.uint8))


@functools.lru_cache(maxsize=16)
def load_probes(env: str) -> ProbeSeries:
    """The probe series of ``env`` from ``cant-be-late/probes-2022-10-26/<env>.txt`` (cached)."""
    series = load_probe_txt(shared_file("cant-be-late", "probes-2022-10-26", f"{env}.txt"), env=env)
    series.times.setflags(write=False)
    series.bits.setflags(write=False)
    return series
