"""§4.3 statistics of the real traces, the generated-vs-real calibration table and the ``adrs traces`` CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from adrs.traces.spot import calibrate
from adrs.traces.spot import stats as S
from adrs.traces.spot.format import load
from adrs.traces.spot.generator import PRIOR_A, RegimeGenerator
from tests.spot_helpers import DATA, needs_spot_data, private_adrs_cache  # noqa: F401

needs_data = needs_spot_data
pytestmark = pytest.mark.usefixtures("private_adrs_cache")


# env: availability, avail-run (median, mean, p90, max), unavail-run (…), preemptions/day, P01, P10,
# 6 h full %, 6 h none %  (§4.3, censored end runs dropped)
TABLE_43 = {
    "us-west-2a_k80_1": (0.954, (3.0, 6.57, 25.5, 33.0), (0.17, 0.33, 0.63, 2.5), 3.4, 0.025, 0.51, 57, 0),
    "us-west-2a_k80_8": (0.547, (0.83, 1.83, 5.6, 13.0), (0.83, 1.45, 2.75, 16.3), 7.2, 0.091, 0.111, 6, 8),
    "us-west-2a_v100_1": (0.687, (0.67, 2.29, 7.8, 22.2), (0.33, 1.06, 2.7, 10.8), 7.1, 0.072, 0.158, 27, 4),
    "us-west-2a_v100_8": (0.331, (0.33, 0.69, 1.5, 7.7), (0.33, 1.39, 3.67, 19.8), 11.5, 0.241, 0.119, 2, 14),
    "us-west-2b_k80_1": (0.252, (0.67, 1.52, 2.3, 24.2), (0.17, 4.64, 4.7, 97.5), 3.6, 0.098, 0.032, 8, 57),
    "us-west-2b_k80_8": (0.585, (0.67, 1.29, 3.35, 13.7), (0.17, 0.91, 1.67, 15.3), 10.9, 0.130, 0.182, 4, 6),
    "us-west-2b_v100_1": (0.595, (0.67, 1.94, 5.0, 21.8), (0.33, 1.34, 4.37, 10.3), 7.2, 0.084, 0.125, 12, 2),
    "us-west-2b_v100_8": (0.341, (0.17, 0.58, 1.17, 4.8), (0.17, 1.11, 2.45, 21.2), 14.1, 0.287, 0.149, 0, 14),
}


def _close(value: float, printed: float) -> bool:
    """Equal to the table's rounding (2–3 significant digits)."""
    return abs(value - printed) <= max(0.006, 0.012 * abs(printed))


@needs_data
@pytest.mark.parametrize("env", list(TABLE_43))
def test_single_stats_match_table(env: str) -> None:
    from adrs.traces.spot.importers import SINGLE_ENVS, load_single_base

    bits = load_single_base().bits[SINGLE_ENVS.index(env), 0]
    st = S.trace_stats(bits, 600.0)
    avail, a_run, u_run, pre, p01, p10, full, none = TABLE_43[env]
    assert _close(st.availability, avail)
    for got, want in zip((st.avail_run, st.unavail_run), (a_run, u_run), strict=True):
        assert all(_close(g, w) for g, w in zip((got.median, got.mean, got.p90, got.max), want, strict=True)), \
            (env, got, want)
    assert abs(st.preemptions_per_day - pre) <= 0.05
    assert _close(st.p01, p01) and _close(st.p10, p10)
    assert round(100 * st.full_6h) == full and round(100 * st.none_6h) == none
    assert 0.46 <= round(st.lag1, 2) <= 0.87


@needs_data
def test_single_cross_correlation() -> None:
    from adrs.traces.spot.importers import SINGLE_ENVS, load_single_base

    c = S.pairwise_correlation(load_single_base().bits[:, 0])
    i = {e: k for k, e in enumerate(SINGLE_ENVS)}
    assert round(c[i["us-west-2a_k80_8"], i["us-west-2b_k80_8"]], 2) == 0.66
    assert round(c[i["us-west-2a_v100_1"], i["us-west-2b_v100_1"]], 2) == 0.45
    assert 0.25 <= round(c[i["us-west-2a_v100_8"], i["us-west-2b_v100_8"]], 2) <= 0.39


@needs_data
def test_multi_stats_match_table() -> None:
    from adrs.traces.spot.importers import MULTI_ZONES, load_multi_tarball

    ts = load_multi_tarball(MULTI_ZONES, range(100))
    expect = {"us-east-1a": (0.185, 0.00, 0.58, 0.33, 0.73, 1.57, 0.54, 3.10, 9.26, 1.66),
              "us-west-2b": (0.932, 0.56, 1.00, 2.06, 10.24, 37.7, 0.38, 0.89, 2.47, 0.94)}
    for zone, (av, lo, hi, am, amean, ap, um, umean, up, price) in expect.items():
        x = ts.bits[:, MULTI_ZONES.index(zone)]
        per_window = 1.0 - x.mean(axis=1)
        assert _close(per_window.mean(), av) and round(per_window.min(), 2) == lo and round(per_window.max(), 2) == hi
        a, u = S.run_length_stats(x, 195.0, 0, True), S.run_length_stats(x, 195.0, 1, True)
        assert all(_close(g, w) for g, w in ((a.median, am), (a.mean, amean), (a.p90, ap),
                                             (u.median, um), (u.mean, umean), (u.p90, up))), zone
        assert round(ts.spot_price[:, MULTI_ZONES.index(zone)].mean(), 2) == price
    flat = ts.bits.transpose(1, 0, 2).reshape(9, -1)
    c = S.pairwise_correlation(flat)
    iu = np.triu_indices(9, 1)
    assert round(c[iu].mean(), 2) == 0.18 and round(np.median(c[iu]), 2) == 0.11 and round(c[iu].max(), 2) == 0.55
    at_once = np.bincount((1 - ts.bits).sum(axis=1).ravel(), minlength=10) / (100 * 1107)
    assert np.round(100 * at_once, 1).tolist() == [0.3, 0.9, 2.8, 7.5, 12.5, 16.9, 17.9, 15.8, 15.7, 9.7]


@needs_data
def test_calibration_table_passes() -> None:
    rows = calibrate.calibration_table(seed=0)
    assert len(rows) >= 20
    failed = [r.statistic for r in rows if not r.ok]
    assert not failed, calibrate.format_table(rows)
    names = {r.statistic for r in rows}
    assert {"single: availability", "multi: same-group correlation (mean)",
            "single: 52 h windows never available (share)", "single: UP cheaper than greedy (%)",
            "single: omniscient DP cheaper than greedy (%)"} <= names
    text = calibrate.format_table(rows)
    assert text.splitlines()[0].startswith("statistic") and f"{len(rows)}/{len(rows)} rows" in text


@needs_data
def test_calibration_detects_a_bad_generator() -> None:
    flicker = RegimeGenerator(PRIOR_A).with_prior(phi=(0.95, 0.95), run_scale=(0.1, 0.1), deep_prob=(0, 0))
    rows = calibrate.calibration_table(seed=0, generator=flicker)
    failed = {r.statistic for r in rows if not r.ok}
    assert "single: lag-1 autocorrelation" in failed and "single: avail-run p90 h" in failed
    assert "NO" in calibrate.format_table(rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="adrs traces")
    calibrate.add_cli(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return int(args.func(args))


def test_cli_registers_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert {"calibrate", "generate", "import"} <= set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert _run(["generate", "--check"]) == 0
    assert _run(["generate", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "holdout" / "spot" / "holdout-multi.npz").is_file()
    assert "up to date" in capsys.readouterr().out
    assert _run(["import", "--preset", "reference-single", "--tarball", str(tmp_path / "missing.tar.gz"),
                 "--out", str(tmp_path / "x.npz")]) == 2
    assert "no such trace archive" in capsys.readouterr().err


@needs_data
def test_cli_import_and_calibrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["import", "--preset", "reference-single", "--out", str(tmp_path / "ref.npz")]) == 0
    ref = load(tmp_path / "ref.npz")
    assert ref.bits.shape == (120, 1, 554) and ref.name == "reference-single"
    assert _run(["import", "--preset", "5_regions_high_diversity", "--out", str(tmp_path / "m.npz")]) == 0
    assert load(tmp_path / "m.npz").bits.shape == (4, 5, 1107)
    assert _run(["import", "--preset", "multi-train", "--out", str(tmp_path / "t.npz")]) == 0
    assert load(tmp_path / "t.npz").n_traces == 51
    assert _run(["import", "--probes", "us-west-2b_k80_1", "--out", str(tmp_path / "p.npz")]) == 0
    assert load(tmp_path / "p.npz").bits.shape == (1, 1, 3895)
    capsys.readouterr()
    assert _run(["calibrate"]) == 0
    assert "rows within tolerance" in capsys.readouterr().out
