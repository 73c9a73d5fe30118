"""Cloudcast ``--plot``: the shipped region-coordinate table covers every region, and the PNG is drawn."""

from __future__ import annotations

import argparse
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from adrs.envs.cloudcast.cli import run_command
from adrs.envs.cloudcast.plot import MAX_PANELS, figure_size_px, plot_overlays
from adrs.paths import DataNotFoundError
from adrs.simulators.cloudcast.baselines import closure_arborescence
from adrs.simulators.cloudcast.region_coords import REAL_REGIONS, coordinate
from adrs.traces.cloudcast.embedded import load_split
from adrs.traces.cloudcast.synthetic import region_table


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _check_all(names) -> None:
    missing = []
    for name in sorted(set(names)):
        try:
            lat, lon = coordinate(name)
        except KeyError:
            missing.append(name)
            continue
        assert -90 <= lat <= 90 and -180 <= lon <= 180, name
    assert not missing, f"regions without a coordinate in region_coords: {missing}"


def test_every_generated_region_has_a_coordinate() -> None:
    names = [n for split in ("train", "holdout") for c in load_split(split) for n in c.instance.names]
    _check_all(names + [row[0] for row in region_table()])


def test_every_reference_region_has_a_coordinate() -> None:
    from adrs.traces.cloudcast.importers import reference_instances
    try:
        insts = reference_instances()
    except DataNotFoundError as exc:
        pytest.skip(f"real Cloudcast data absent: {exc}")
    # the instances carry every region of cost.csv / throughput.csv, not just the configs' terminals
    assert all(len(inst.names) == 71 for inst in insts)
    _check_all(n for inst in insts for n in inst.names)


def test_coordinate_lookup_is_strict_and_plausible() -> None:
    assert coordinate("aws:us-east-1") == pytest.approx((38.9, -77.4))
    assert coordinate("gcp:us-east1-b") == REAL_REGIONS["gcp:us-east1"]        # zone -> region
    assert coordinate("gcp:asia-southeast1-a") == pytest.approx((1.35, 103.7))
    assert coordinate("azure:syn-tokyo") == pytest.approx((35.7, 139.7))        # synthetic metro
    for bad in ("aws:mars-north-1", "gcp:nowhere1-a", "aws:us-east-1x"):
        with pytest.raises(KeyError):
            coordinate(bad)
    # same public city, three providers: the table agrees to within a degree
    for a, b in (("aws:eu-central-1", "gcp:europe-west3"), ("aws:ap-southeast-2", "azure:australiaeast"),
                 ("aws:sa-east-1", "gcp:southamerica-east1")):
        assert np.allclose(REAL_REGIONS[a], REAL_REGIONS[b], atol=1.0), (a, b)


def test_cli_plot_writes_a_capped_grid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_png = tmp_path / "overlay.png"
    args = argparse.Namespace(env="cloudcast", policy="closure-arborescence", preset=None, traces=None,
                              split="train", assignments=[], json=True, per_run=False, mode="auto",
                              plot=str(out_png))
    assert run_command(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_runs"] == 32 and out["plot_panels"] == MAX_PANELS == 6 and out["plot"] == str(out_png)
    assert out_png.stat().st_size > 20_000
    assert _png_size(out_png) == figure_size_px(32) == (1500, 680)


def test_plot_overlays_panel_grid_and_invalid_plan(tmp_path: Path) -> None:
    cases = load_split("holdout")[:2]
    insts = [c.instance for c in cases]
    path = tmp_path / "two.png"
    assert plot_overlays(insts, [closure_arborescence(insts[0]), None], str(path)) == 2
    assert _png_size(path) == figure_size_px(2) == (1000, 340)
    assert figure_size_px(4) == (1500, 680) and figure_size_px(1) == (500, 340)
    with pytest.raises(ValueError):
        plot_overlays(insts, [None], str(tmp_path / "bad.png"))
    with pytest.raises(KeyError):  # a region the table does not know fails loudly
        unknown = insts[0].with_changes(names=("aws:mars-north-1", *insts[0].names[1:]))
        plot_overlays([unknown], [closure_arborescence(unknown)], str(tmp_path / "bad.png"))
