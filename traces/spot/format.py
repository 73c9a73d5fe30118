"""The on-disk format of the project's own spot-availability traces (``.npz``), and its loader.

A *trace set* is a rectangular batch of time-aligned availability windows. Each window (a "trace")
covers ``n_regions`` zones (1 for single-region) over ``n_ticks`` ticks of ``gap_seconds``.

File layout (a standard NumPy ``.npz``; :func:`np.load` reads it):

``bits``        uint8 ``[n_traces, n_regions, n_ticks]``; **0 = spot available, 1 = unavailable**
                (the sky_spot convention used by the real data).
``spot_price``  float64 ``[n_traces, n_regions]``: spot price in $/h, constant over the window.
``header``      0-d unicode array holding JSON: ``{"format": "adrs-spot-traces", "version": 1,
                "name", "gap_seconds", "traces": [per-trace metadata]}``. Per-trace metadata has at
                least ``id`` (unique), ``family`` (env/trace family or scenario name used to group
                scoring scenarios), ``source`` (``synthetic:<generator>`` or ``real:<file>``),
                ``zones`` (list of zone names), ``period`` (``[start, end]`` as ISO-8601 UTC strings or
                absolute tick indices) and ``start_tick``.

Files are written with fixed zip timestamps so regeneration is byte-identical.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_NAME = "adrs-spot-traces"
FORMAT_VERSION = 1
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class TraceFormatError(ValueError):
    """A trace file or trace data is malformed."""


@dataclass(frozen=True)
class TraceSet:
    """Time-aligned spot-availability windows plus their metadata (see the module docstring)."""

    name: str
    bits: np.ndarray
    spot_price: np.ndarray
    gap_seconds: float
    meta: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def n_traces(self) -> int:
        return int(self.bits.shape[0])

    @property
    def n_regions(self) -> int:
        return int(self.bits.shape[1])

    @property
    def n_ticks(self) -> int:
        return int(self.bits.shape[2])

    @property
    def ids(self) -> list[str]:
        return [m["id"] for m in self.meta]

    def subset(self, indices: list[int] | np.ndarray, name: str | None = None) -> TraceSet:
        """A new trace set with the given trace indices (in that order)."""
        idx = np.asarray(indices, dtype=np.int64)
        return TraceSet(
            name=name or self.name,
            bits=self.bits[idx],
            spot_price=self.spot_price[idx],
            gap_seconds=self.gap_seconds,
            meta=tuple(self.meta[i] for i in idx.tolist()),
        )


def validate(ts: TraceSet) -> None:
    """Raise :class:`TraceFormatError` with a precise reason if ``ts`` is inconsistent."""
    bits, price = ts.bits, ts.spot_price
    if not isinstance(bits, np.ndarray) or bits.ndim != 3:
        raise TraceFormatError(f"{ts.name}: bits must be a 3-d array [traces, regions, ticks]")
    if bits.dtype != np.uint8:
        raise TraceFormatError(f"{ts.name}: bits must be uint8, got {bits.dtype}")
    if bits.size and int(bits.max()) > 1:
        raise TraceFormatError(f"{ts.name}: bits must be 0 (available) or 1 (unavailable)")
    if not isinstance(price, np.ndarray) or price.shape != bits.shape[:2]:
        raise TraceFormatError(f"{ts.name}: spot_price must have shape {bits.shape[:2]}, got "
                               f"{getattr(price, 'shape', None)}")
    if price.dtype != np.float64 or not np.all(np.isfinite(price)) or np.any(price <= 0):
        raise TraceFormatError(f"{ts.name}: spot_price must be finite positive float64 $/h")
    if not (np.isfinite(ts.gap_seconds) and ts.gap_seconds > 0):
        raise TraceFormatError(f"{ts.name}: gap_seconds must be positive, got {ts.gap_seconds}")
    if len(ts.meta) != bits.shape[0]:
        raise TraceFormatError(f"{ts.name}: {len(ts.meta)} metadata records for {bits.shape[0]} traces")
    seen: set[str] = set()
    for i, m in enumerate(ts.meta):
        for key in ("id", "family", "source", "zones"):
            if key not in m:
                raise TraceFormatError(f"{ts.name}: trace {i} metadata lacks {key!r}")
        if m["id"] in seen:
            raise TraceFormatError(f"{ts.name}: duplicate trace id {m['id']!r}")
        seen.add(m["id"])
        if len(m["zones"]) != bits.shape[1]:
            raise TraceFormatError(f"{ts.name}: trace {m['id']} names {len(m['zones'])} zones for "
                                   f"{bits.shape[1]} regions")


def _array_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # np.ascontiguousarray would turn the 0-d header into shape (1,); keep the documented 0-d layout.
    arr = arr if arr.flags.c_contiguous else np.array(arr, order="C")
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def save(ts: TraceSet, path: str | Path) -> Path:
    """Write ``ts`` as a deterministic ``.npz`` (same content, same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": ts.name,
        "gap_seconds": float(ts.gap_seconds),
        "traces": list(ts.meta),
    }
    members = {
        "bits.npy": _array_bytes(ts.bits),
        "spot_price.npy": _array_bytes(ts.spot_price),
        "header.npy": _array_bytes(np.array(json.dumps(header, sort_keys=True))),
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)
    tmp.replace(path)
    return path


def load(path: str | Path) -> TraceSet:
    """Load a trace set written by :func:`save`; malformed files raise :class:`TraceFormatError`."""
    path = Path(path)
    if not path.is_file():
        raise TraceFormatError(f"{path}: no such trace file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = {"bits", "spot_price", "header"} - set(npz.files)
            if missing:
                raise TraceFormatError(f"{path}: not an adrs trace file (missing {sorted(missing)})")
            bits = npz["bits"]
            price = npz["spot_price"]
            header_arr = npz["header"]
            if header_arr.dtype.kind != "U" or header_arr.size != 1:
                raise TraceFormatError(f"{path}: header must be a single unicode string, got "
                                       f"{header_arr.dtype} {header_arr.shape}")
            header_text = str(header_arr.reshape(-1)[0])
    except TraceFormatError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, ValueError, EOFError ...
        raise TraceFormatError(f"{path}: unreadable trace file ({type(exc).__name__}: {exc})") from exc
    try:
        header = json.loads(header_text)
    except json.JSONDecodeError as exc:
        raise TraceFormatError(f"{path}: header is not JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise TraceFormatError(f"{path}: header must be a JSON object")
    if header.get("format") != FORMAT_NAME:
        raise TraceFormatError(f"{path}: format is {header.get('format')!r}, expected {FORMAT_NAME!r}")
    if header.get("version") != FORMAT_VERSION:
        raise TraceFormatError(f"{path}: unsupported version {header.get('version')!r}")
    try:
        return TraceSet(
            name=str(header["name"]),
            bits=bits,
            spot_price=price,
            gap_seconds=float(header["gap_seconds"]),
            meta=tuple(header["traces"]),
        )
    except KeyError as exc:
        raise TraceFormatError(f"{path}: header lacks {exc}") from exc
    except TraceFormatError as exc:
        raise TraceFormatError(f"{path}: {exc}") from exc
    except (TypeError, ValueError, AttributeError) as exc:  # e.g. gap_seconds "abc", traces not dicts
        raise TraceFormatError(f"{path}: malformed header ({type(exc).__name__}: {exc})") from exc


def to_sky_spot_json(ts: TraceSet, index: int, region: int = 0) -> dict[str, Any]:
    """Export one window/region in the sky_spot JSON format (``metadata``, ``data``, ``prices``)."""
    m = ts.meta[index]
    return {
        "metadata": {"gap_seconds": ts.gap_seconds, "source": m.get("source"), "zone": m["zones"][region],
                     "start_time": (m.get("period") or [None])[0]},
        "data": ts.bits[index, region].astype(int).tolist(),
        "prices": [float(ts.spot_price[index, region])] * ts.n_ticks,
    }
