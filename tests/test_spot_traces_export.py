"""Export to the sky_spot JSON layout: round trip of bits, prices and metadata, real-file key sets, CLI."""

from __future__ import annotations

import json
import tarfile

import numpy as np

from adrs.traces.spot.embedded import load_embedded
from adrs.traces.spot.export import export_sky_spot, read_sky_spot
from adrs.traces.spot.importers import single_tarball_path
from tests.spot_helpers import needs_spot_data


def test_single_region_round_trip(tmp_path):
    ts = load_embedded("single", "train")
    files = export_sky_spot(ts, tmp_path)
    assert len(files) == ts.n_traces
    docs = read_sky_spot(tmp_path)
    for t, meta in enumerate(ts.meta):
        family_docs = docs[meta["family"]]
        i = [m["id"] for m in ts.meta if m["family"] == meta["family"]].index(meta["id"])
        doc = family_docs[i]
        assert np.array_equal(np.array(doc["data"], dtype=np.uint8), ts.bits[t, 0])
        assert doc["metadata"]["gap_seconds"] == 600.0
        assert doc["metadata"]["end_time"] - doc["metadata"]["start_time"] == ts.n_ticks
        assert doc["metadata"]["source_file"].endswith(meta["id"])
    assert all(f.parts[-3:-1] == ("traces", "random_start") for f in files)


def test_multi_region_round_trip(tmp_path):
    ts = load_embedded("multi", "holdout")
    export_sky_spot(ts, tmp_path)
    docs = read_sky_spot(tmp_path)
    assert sum(len(v) for v in docs.values()) == ts.n_traces * ts.n_regions
    by_source = {doc["metadata"]["source_file"].rsplit(":", 1)[1] + "|" + folder: doc
                 for folder, files in docs.items() for doc in files.values()}
    for t, meta in enumerate(ts.meta):
        for z, zone in enumerate(meta["zones"]):
            doc = by_source[f"{meta['id']}|{zone}_v100_1"]
            assert np.array_equal(np.array(doc["data"], dtype=np.uint8), ts.bits[t, z])
            assert doc["prices"] == [float(ts.spot_price[t, z])] * ts.n_ticks
            assert doc["metadata"]["gap_seconds"] == ts.gap_seconds


@needs_spot_data
def test_single_export_has_the_keys_of_a_real_window_file(tmp_path):
    with tarfile.open(single_tarball_path(), "r:gz") as tf:
        member = next(m for m in tf if m.name.endswith("/traces/random_start/0.json"))
        real = json.load(tf.extractfile(member))
    export_sky_spot(load_embedded("single", "train"), tmp_path)
    ours = next(iter(next(iter(read_sky_spot(tmp_path).values())).values()))
    assert set(ours) == set(real) and set(real["metadata"]) <= set(ours["metadata"])
    assert ours["generator"] == real["generator"]


def test_cli_export_and_clear_error(tmp_path, capsys):
    from adrs.traces.spot.cli import main

    assert main(["export", "multi-train", "--out", str(tmp_path)]) == 0
    assert "sky_spot JSON files" in capsys.readouterr().out
    assert main(["export", "nope", "--out", str(tmp_path)]) == 2
    assert "single-train" in capsys.readouterr().err
