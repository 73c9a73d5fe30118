"""On-disk cache of parsed real trace archives (``~/.cache/adrs`` or ``$ADRS_CACHE``).

Streaming a 150 MB tarball of JSON costs about a second; the parsed result is a few MB of bits. The
first process that parses an archive stores the result with :func:`adrs.traces.spot.format.save` under
a name keyed by the archive's size and mtime, so later processes load it in milliseconds. Cache failures
(read-only home, corrupt file) never break loading: the archive is simply parsed again.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

from adrs.paths import DataNotFoundError
from adrs.traces.spot.format import TraceFormatError, TraceSet, load, save

CACHE_VERSION = 1
"""Bump when the parsed layout changes, so stale cache files are ignored."""


def cache_dir() -> Path:
    """The cache folder: ``$ADRS_CACHE`` if set, else ``~/.cache/adrs``."""
    env = os.environ.get("ADRS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "adrs"


def cache_path(source: Path, tag: str) -> Path:
    """The cache file for the parsed ``tag`` view of ``source`` (keyed by its path, size and mtime)."""
    st = source.stat()
    where = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:8]
    return cache_dir() / f"{tag}-{where}-{st.st_size}-{st.st_mtime_ns}-v{CACHE_VERSION}.npz"


def cached_traceset(source: Path, tag: str, build: Callable[[], TraceSet]) -> TraceSet:
    """Return the cached parse of ``source`` (``tag``), building and storing it on a miss.

    A missing ``source`` raises :class:`adrs.paths.DataNotFoundError`; an unreadable archive raises
    :class:`TraceFormatError` naming it.
    """
    if not source.is_file():
        raise DataNotFoundError(f"{source}: no such trace archive")
    path = cache_path(source, tag)
    if path.is_file():
        try:
            return load(path)
        except TraceFormatError:
            pass  # corrupt or foreign file: rebuild below
    try:
        ts = build()
    except TraceFormatError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, KeyError, TypeError, ValueError) as exc:  # incl. JSON
        raise TraceFormatError(f"{source}: unreadable archive ({type(exc).__name__}: {exc})") from exc
    try:
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
        save(ts, tmp)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs speed
    return ts


def readonly(ts: TraceSet) -> TraceSet:
    """Mark the arrays of a (shared, cached) trace set read-only and return it."""
    ts.bits.setflags(write=False)
    ts.spot_price.setflags(write=False)
    return ts
