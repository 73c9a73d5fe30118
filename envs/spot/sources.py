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
    if traces in ("train", "holdout"):
        from adrs.traces.spot import embedded

        return [embedded.load_embedded("multi" if multi else "single", traces)]
    if traces.endswith(".npz") or Path(traces).is_file():
        return [trace_format.load(traces)]
    from adrs.traces.spot import importers, real_multi
    if not multi:
        table = {
            "reference": importers.load_reference_single,
            "leaderboard": importers.load_leaderboard_single,
            "real-train": importers.real_train_single,
            "real-holdout": importers.real_holdout_single,
        }
    else:
        table = {
            "reference": lambda: list(real_multi.load_reference_multi().values()),
            "real-train": lambda: real_multi.real_split("train"),
            "real-holdout": lambda: real_multi.real_split("holdout"),
        }
    if traces not in table:
        valid = MULTI_SOURCES if multi else SINGLE_SOURCES
        raise ValueError(f"unknown trace source {traces!r}; use one of {', '.join(valid)} or a .npz path")
    loaded = table[traces]()
    return loaded if isinstance(loaded, list) else [loaded]
