"""Trace loading for the spot envs: the one seam between configs and trace files.

``traces`` in a config names a source; this module turns it into a list of
:class:`~adrs.traces.spot.format.TraceSet` (one per region count, since a set is rectangular).
"""

from __future__ import annotations

from pathlib import Path

from adrs.traces.spot import format as trace_format
from adrs.traces.spot.format import TraceSet

SINGLE_SOURCES = ("train", "holdout", "reference", "leaderboard", "real-train", "real-holdout")
MULTI_SOURCES = ("train", "holdout", "reference", "real-train", "real-holdout")


def load_sources(traces: str, multi: bool) -> list[TraceSet]:
    """Trace sets for a config's ``traces`` value (a source name or an ``.npz`` path)."""
    from adrs.traces.spot import embedded, importers

    kind = "multi" if multi else "single"
    if traces in ("train", "holdout"):
        return [embedded.load_embedded(kind, traces)]
    if traces.endswith(".npz") or Path(traces).is_file():
        ts = trace_format.load(traces)
        if multi != (ts.n_regions > 1 or ts.gap_seconds == 195):
            # a 1-region set can still be run in the multi env; only warn via the name
            pass
        return [ts]
    if not multi:
        table = {
            "reference": importers.load_reference_single,
            "leaderboard": importers.load_leaderboard_single,
            "real-train": importers.real_train_single,
            "real-holdout": importers.real_holdout_single,
        }
    else:
        table = {
            "reference": lambda: list(importers.load_reference_multi().values()),
            "real-train": lambda: importers.multi_real_split("train"),
            "real-holdout": lambda: importers.multi_real_split("holdout"),
        }
    if traces not in table:
        valid = MULTI_SOURCES if multi else SINGLE_SOURCES
        raise ValueError(f"unknown trace source {traces!r}; use one of {', '.join(valid)} or a .npz path")
    loaded = table[traces]()
    return loaded if isinstance(loaded, list) else [loaded]
