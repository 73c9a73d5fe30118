"""Importers for the real ``cant-be-late`` data (spec §4.1, §4.2, §8), read in place from ../shared/data.

Single region: ``cant-be-late/real_traces.tar.gz`` is streamed once with :mod:`tarfile` (never
extracted); only ``real/ddl=search+task=48+overhead=0.02`` (the 7 overhead folders are identical) and
``real/ping_based/<env>.json`` are parsed. The probe series ``probes-2022-10-26/<env>.txt`` give the
absolute timestamps and the holdout period. Multi-region loaders live in :mod:`.real_multi` and are
re-exported here. Parsed archives are cached in-process and on disk (:mod:`.cache`).
"""

from __future__ import annotations

import functools
import json
import re
import tarfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from adrs.paths import shared_file
from adrs.traces.spot.cache import cached_traceset, readonly
from adrs.traces.spot.format import TraceFormatError, TraceSet
from adrs.traces.spot.probes import ProbeSeries, load_probe_txt, load_probes
from adrs.traces.spot.real_multi import (
    MULTI_ZONES,
    REFERENCE_MULTI_SCENARIOS,
    MultiSplit,
    load_multi_tarball,
    load_reference_multi,
    multi_train_holdout_split,
    multi_window_start_times,
    real_split,
)

__all__ = [
    "SINGLE_ENVS", "REFERENCE_ENVS", "LEADERBOARD_ENVS", "SINGLE_GAP_SECONDS", "SINGLE_SPOT_PRICE",
    "WINDOW_TICKS", "HOLDOUT_FIRST_TICK", "load_single_tarball_windows", "load_single_base",
    "reference_window_indices", "load_reference_single", "load_leaderboard_single",
    "holdout_window_starts", "real_holdout_single", "real_train_single", "single_tarball_path",
    "ProbeSeries", "load_probe_txt", "load_probes", "MULTI_ZONES", "REFERENCE_MULTI_SCENARIOS",
    "MultiSplit", "load_multi_tarball", "load_reference_multi", "multi_train_holdout_split",
    "multi_window_start_times", "real_split",
]

SINGLE_ENVS = ("us-west-2a_k80_1", "us-west-2a_k80_8", "us-west-2a_v100_1", "us-west-2a_v100_8",
               "us-west-2b_k80_1", "us-west-2b_k80_8", "us-west-2b_v100_1", "us-west-2b_v100_8")
REFERENCE_ENVS = ("us-west-2a_k80_1", "us-west-2b_k80_1", "us-west-2a_v100_1", "us-west-2b_v100_1")
LEADERBOARD_ENVS = ("us-west-2a_k80_8", "us-west-2b_k80_1", "us-west-2b_k80_8", "us-west-2a_v100_1",
                    "us-west-2a_v100_8", "us-west-2b_v100_1")
SINGLE_GAP_SECONDS = 600.0
SINGLE_SPOT_PRICE = 0.9731
WINDOW_TICKS = 554
N_WINDOWS = 300
BASE_TICKS = 1781
HOLDOUT_FIRST_TICK = 1781
_WINDOW_DIR = "real/ddl=search+task=48+overhead=0.02/real/"
_WINDOW_RE = re.compile(re.escape(_WINDOW_DIR) + r"([^/]+)/traces/random_start/(\d+)\.json")
_BASE_RE = re.compile(r"real/ping_based/([^/]+)\.json")
_REFERENCE_INDICES = (0, 8, 9, 20, 21, 33, 42, 51, 61, 70, 99, 107, 117, 126, 135, 145, 154, 163, 172,
                      182, 191, 219, 228, 238, 247, 256, 266, 275, 284, 294)


def single_tarball_path() -> Path:
    """``cant-be-late/real_traces.tar.gz`` in the shared data folder (raises if absent)."""
    return shared_file("cant-be-late", "real_traces.tar.gz")


def _stream_single(path: Path) -> tuple[dict[tuple[str, int], dict], dict[str, np.ndarray]]:
    windows: dict[tuple[str, int], dict] = {}
    base: dict[str, np.ndarray] = {}
    with tarfile.open(path, "r|gz") as tf:
        for member in tf:
            if not member.isfile():
                continue
            m_win, m_base = _WINDOW_RE.fullmatch(member.name), _BASE_RE.fullmatch(member.name)
            if m_win is None and m_base is None:
                continue
            fobj = tf.extractfile(member)
            assert fobj is not None
            try:
                doc = json.load(fobj)
            except json.JSONDecodeError as exc:
                raise TraceFormatError(f"{path}:{member.name}: not JSON ({exc})") from exc
            if doc.get("metadata", {}).get("gap_seconds") != SINGLE_GAP_SECONDS:
                raise TraceFormatError(f"{path}:{member.name}: gap_seconds is not 600")
            if m_win is not None:
                windows[(m_win.group(1), int(m_win.group(2)))] = doc
            elif m_base is not None:
                base[m_base.group(1)] = np.asarray(doc["data"], dtype=np.uint8)
    return windows, base


def _build_single_all(path: Path) -> TraceSet:
    windows, base = _stream_single(path)
    bits = np.zeros((len(SINGLE_ENVS) * N_WINDOWS + len(SINGLE_ENVS), 1, BASE_TICKS), dtype=np.uint8)
    meta = []
    for e, env in enumerate(SINGLE_ENVS):
        for i in range(N_WINDOWS):
            doc = windows.get((env, i))
            if doc is None:
                raise TraceFormatError(f"{path}: missing {_WINDOW_DIR}{env}/traces/random_start/{i}.json")
            data, md = doc["data"], doc["metadata"]
            start, end = int(md["start_time"]), int(md["end_time"])
            if len(data) != WINDOW_TICKS or end - start != WINDOW_TICKS:
                raise TraceFormatError(f"{path}: {env}/{i}.json has {len(data)} bits for [{start}, {end})")
            bits[e * N_WINDOWS + i, 0, :WINDOW_TICKS] = data
            meta.append({"id": f"{env}/w{i:03d}", "family": env, "zones": [env], "window": i,
                         "source": f"real:cant-be-late/real_traces.tar.gz:{_WINDOW_DIR}{env}/traces/"
                                   f"random_start/{i}.json",
                         "period": [start, end], "start_tick": start, "end_tick": end})
    for e, env in enumerate(SINGLE_ENVS):
        if env not in base or base[env].shape != (BASE_TICKS,):
            raise TraceFormatError(f"{path}: real/ping_based/{env}.json missing or not {BASE_TICKS} bits")
        bits[len(SINGLE_ENVS) * N_WINDOWS + e, 0] = base[env]
        meta.append({"id": f"{env}/base", "family": env, "zones": [env], "window": -1,
                     "source": f"real:cant-be-late/real_traces.tar.gz:real/ping_based/{env}.json",
                     "period": [0, BASE_TICKS], "start_tick": 0, "end_tick": BASE_TICKS})
    price = np.full((bits.shape[0], 1), SINGLE_SPOT_PRICE)
    return TraceSet("cant-be-late-single-all", bits, price, SINGLE_GAP_SECONDS, tuple(meta))


@functools.lru_cache(maxsize=4)
def _single_all(path: Path) -> TraceSet:
    return readonly(cached_traceset(path, "cant-be-late-single", lambda: _build_single_all(path)))


def _check_envs(envs: Sequence[str]) -> None:
    unknown = [e for e in envs if e not in SINGLE_ENVS]
    if unknown:
        raise ValueError(f"unknown env(s) {unknown}; valid: {', '.join(SINGLE_ENVS)}")


def load_single_tarball_windows(envs: Sequence[str], window_indices: Sequence[int],
                                tarball: str | Path | None = None, name: str | None = None) -> TraceSet:
    """One 554-tick window per (env, window index), env-major in the given order, from the tarball."""
    _check_envs(envs)
    bad = [i for i in window_indices if not 0 <= int(i) < N_WINDOWS]
    if bad:
        raise ValueError(f"window indices must be in 0..{N_WINDOWS - 1}, got {bad}")
    full = _single_all(Path(tarball) if tarball else single_tarball_path())
    rows = [SINGLE_ENVS.index(env) * N_WINDOWS + int(i) for env in envs for i in window_indices]
    sub = full.subset(rows, name=name or "cant-be-late-single")
    return TraceSet(sub.name, sub.bits[:, :, :WINDOW_TICKS].copy(), sub.spot_price, sub.gap_seconds,
                    sub.meta)


def load_single_base(envs: Sequence[str] = SINGLE_ENVS, tarball: str | Path | None = None) -> TraceSet:
    """The 1781-tick base traces ``real/ping_based/<env>.json`` (probe ticks 0–1780), one per env."""
    _check_envs(envs)
    full = _single_all(Path(tarball) if tarball else single_tarball_path())
    first = len(SINGLE_ENVS) * N_WINDOWS
    return full.subset([first + SINGLE_ENVS.index(e) for e in envs], name="cant-be-late-single-base")


def reference_window_indices() -> list[int]:
    """The 30 reference window indices of §4.2, ascending.

    The reference sorts the 300 file names as strings and takes positions round(j·299/29); it then runs
    them in that string order (0, 107, 117, …, 99), which only permutes runs. We return them ascending.
    """
    names = sorted(f"{i}.json" for i in range(N_WINDOWS))
    picked = sorted(int(names[round(j * 299 / 29)].split(".")[0]) for j in range(30))
    assert tuple(picked) == _REFERENCE_INDICES, picked
    return picked


@functools.lru_cache(maxsize=1)
def load_reference_single() -> TraceSet:
    """The §4.2 reference single-region set: 4 envs × 30 windows (120 traces, env-major)."""
    return readonly(load_single_tarball_windows(REFERENCE_ENVS, reference_window_indices(),
                                                name="reference-single"))


@functools.lru_cache(maxsize=1)
def load_leaderboard_single() -> TraceSet:
    """The §4.2 leaderboard single-region set: 6 envs × the same 30 windows (180 traces)."""
    return readonly(load_single_tarball_windows(LEADERBOARD_ENVS, reference_window_indices(),
                                                name="leaderboard-single"))


def holdout_window_starts() -> list[int]:
    """Probe ticks where the 30 §8 holdout windows start: 1781 + round(j·1560/29), j = 0…29."""
    return [HOLDOUT_FIRST_TICK + round(j * 1560 / 29) for j in range(30)]


def _utc(probe: ProbeSeries, start: int, end: int) -> list[str]:
    return [str(probe.times[start]) + "Z", str(probe.times[end - 1]) + "Z"]


def real_holdout_single(envs: Sequence[str] = SINGLE_ENVS) -> TraceSet:
    """The §8 real single-region holdout: 30 windows of 554 ticks from probe ticks 1781–3894 per env.

    Meta ``period`` is ``[start_tick, end_tick)`` in absolute probe ticks and ``utc`` the timestamps of
    the first and last tick.
    """
    _check_envs(envs)
    starts = holdout_window_starts()
    bits = np.zeros((len(envs) * len(starts), 1, WINDOW_TICKS), dtype=np.uint8)
    meta = []
    for e, env in enumerate(envs):
        probe = load_probes(env)
        for j, s in enumerate(starts):
            if s + WINDOW_TICKS > len(probe.bits):
                raise TraceFormatError(f"{probe.path}: {len(probe.bits)} ticks, holdout needs {s + 554}")
            bits[e * len(starts) + j, 0] = probe.bits[s:s + WINDOW_TICKS]
            meta.append({"id": f"{env}/holdout{j:02d}", "family": env, "zones": [env], "window": j,
                         "source": f"real:cant-be-late/probes-2022-10-26/{env}.txt",
                         "period": [s, s + WINDOW_TICKS], "start_tick": s, "end_tick": s + WINDOW_TICKS,
                         "utc": _utc(probe, s, s + WINDOW_TICKS)})
    price = np.full((bits.shape[0], 1), SINGLE_SPOT_PRICE)
    return TraceSet("real-holdout-single", bits, price, SINGLE_GAP_SECONDS, tuple(meta))


def real_train_single(envs: Sequence[str] = SINGLE_ENVS) -> TraceSet:
    """The §8 real single-region train set: the 30 reference windows per env, with ``utc`` timestamps."""
    ts = load_single_tarball_windows(envs, reference_window_indices(), name="real-train-single")
    meta = []
    for m in ts.meta:
        probe = load_probes(m["family"])
        meta.append({**m, "utc": _utc(probe, m["start_tick"], m["end_tick"])})
    return TraceSet(ts.name, ts.bits, ts.spot_price, ts.gap_seconds, tuple(meta))
