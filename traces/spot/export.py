"""Export an adrs trace set to the sky_spot JSON layout, so the reference simulator can replay it.

One JSON file per trace and zone, shaped like the real archives (spec §4.1):

- single region: ``<family>/traces/random_start/<i>.json`` with ``{"generator", "original_trace",
  "metadata": {"gap_seconds", "start_time", "end_time", "source_file"}, "data": [bits]}``
  (``start_time`` / ``end_time`` are tick indices, as in the reference's window files);
- multi region: ``<zone>_v100_1/<i>.json`` with ``{"metadata": {"gap_seconds", "start_time",
  "source_file"}, "data": [bits], "prices": [$/h per tick]}`` (adrs prices are static per trace and
  zone, so the list is constant).

Bits keep the file convention (0 = spot available). ``i`` numbers, in set order, the traces of a family
(single) or the traces that contain the zone (multi); ``metadata.source_file`` names the adrs trace id,
so the regions of one multi-region trace can be matched up again. :func:`read_sky_spot` reads such
a folder back (used by the round-trip test).

>>> from adrs.traces.spot.embedded import load_embedded
>>> import tempfile
>>> files = export_sky_spot(load_embedded("single", "train"), tempfile.mkdtemp())
>>> len(files)
30
"""

from __future__ import annotations

import json
from pathlib import Path

from .format import TraceSet


def _start(meta: dict, fallback: int) -> int:
    value = meta.get("start_tick", fallback)
    return int(value) if isinstance(value, int | float) else fallback


def export_sky_spot(ts: TraceSet, out_dir: str | Path) -> list[Path]:
    """Write ``ts`` under ``out_dir`` in the sky_spot layout; returns the files written."""
    out = Path(out_dir)
    written: list[Path] = []
    if ts.n_regions == 1:
        counters: dict[str, int] = {}
        for t, meta in enumerate(ts.meta):
            family = str(meta["family"]).replace("/", "_")
            i = counters[family] = counters.get(family, -1) + 1
            start = _start(meta, 0)
            doc = {"generator": "random_start_time", "original_trace": f"adrs:{ts.name}:{family}",
                   "metadata": {"gap_seconds": ts.gap_seconds, "start_time": start,
                                "end_time": start + ts.n_ticks, "source_file": f"adrs:{ts.name}:{meta['id']}"},
                   "data": ts.bits[t, 0].astype(int).tolist()}
            written.append(_write(out / family / "traces" / "random_start" / f"{i}.json", doc))
        return written
    counters = {}
    for t, meta in enumerate(ts.meta):
        zones = [str(z).replace("/", "_") for z in meta.get("zones", [])]
        if len(zones) != ts.n_regions:
            zones = [f"region{z}" for z in range(ts.n_regions)]
        for z, zone in enumerate(zones):
            folder = f"{zone}_v100_1"
            i = counters[folder] = counters.get(folder, -1) + 1
            doc = {"metadata": {"gap_seconds": ts.gap_seconds, "start_time": _start(meta, 0),
                                "source_file": f"adrs:{ts.name}:{meta['id']}"},
                   "data": ts.bits[t, z].astype(int).tolist(),
                   "prices": [float(ts.spot_price[t, z])] * ts.n_ticks}
            written.append(_write(out / folder / f"{i}.json", doc))
    return written


def _write(path: Path, doc: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def read_sky_spot(out_dir: str | Path) -> dict[str, dict[int, dict]]:
    """``{folder: {i: document}}`` for every ``.json`` file an export wrote under ``out_dir``."""
    docs: dict[str, dict[int, dict]] = {}
    for path in sorted(Path(out_dir).rglob("*.json")):
        folder = path.parent.relative_to(out_dir).parts[0]
        docs.setdefault(folder, {})[int(path.stem)] = json.loads(path.read_text())
    return docs
