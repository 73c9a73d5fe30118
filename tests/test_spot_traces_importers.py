"""Importers of the real cant-be-late data (§4.1, §4.2, §8); skipped when ../shared/data is absent."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest

from adrs.paths import DataNotFoundError
from adrs.traces.spot import importers as imp
from adrs.traces.spot import real_multi
from adrs.traces.spot.format import TraceFormatError
from tests.spot_helpers import DATA, needs_spot_data, private_adrs_cache  # noqa: F401

needs_data = needs_spot_data
pytestmark = pytest.mark.usefixtures("private_adrs_cache")


def test_reference_window_indices() -> None:
    assert imp.reference_window_indices() == [0, 8, 9, 20, 21, 33, 42, 51, 61, 70, 99, 107, 117, 126, 135,
                                              145, 154, 163, 172, 182, 191, 219, 228, 238, 247, 256, 266,
                                              275, 284, 294]


def test_holdout_window_starts() -> None:
    starts = imp.holdout_window_starts()
    assert len(starts) == 30 and starts[0] == 1781 and starts[-1] + 554 == 3895
    assert starts[1] == 1781 + 54 and all(b > a for a, b in zip(starts, starts[1:], strict=False))


def test_missing_data_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADRS_DATA", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="real_traces.tar.gz does not exist"):
        imp.single_tarball_path()
    with pytest.raises(DataNotFoundError, match="no such trace archive"):
        imp.load_single_tarball_windows(["us-west-2a_k80_1"], [0], tarball=tmp_path / "nope.tar.gz")


@needs_data
def test_reference_single_set() -> None:
    ts = imp.load_reference_single()
    assert ts.bits.shape == (120, 1, 554) and ts.gap_seconds == 600.0
    assert np.all(ts.spot_price == 0.9731)
    assert [m["family"] for m in ts.meta[::30]] == list(imp.REFERENCE_ENVS)  # env-major
    assert [m["window"] for m in ts.meta[:30]] == imp.reference_window_indices()
    m = ts.meta[1]
    assert m["id"] == "us-west-2a_k80_1/w008" and m["zones"] == ["us-west-2a_k80_1"]
    assert m["period"] == [451, 1005] and m["start_tick"] == 451 and m["end_tick"] == 1005
    assert "overhead=0.02" in m["source"]
    lb = imp.load_leaderboard_single()
    assert lb.bits.shape == (180, 1, 554) and lb.meta[0]["family"] == "us-west-2a_k80_8"


@needs_data
def test_windows_are_slices_of_the_base_traces() -> None:
    base = imp.load_single_base()
    wins = imp.load_single_tarball_windows(imp.SINGLE_ENVS, range(300))
    starts = np.array([m["start_tick"] for m in wins.meta])
    assert starts.min() >= 3 and max(m["end_tick"] for m in wins.meta) <= 1767
    assert len(set(starts[:300].tolist())) == 274
    for k, m in enumerate(wins.meta):
        e = imp.SINGLE_ENVS.index(m["family"])
        assert np.array_equal(wins.bits[k, 0], base.bits[e, 0, m["start_tick"]:m["end_tick"]]), m["id"]
    # window i starts at the same tick in all 8 envs
    assert np.all(starts.reshape(8, 300) == starts[:300])


@needs_data
def test_reference_window_availability_matches_spec() -> None:
    ts = imp.load_reference_single()
    avail = 1.0 - ts.bits[:, 0].mean(axis=1)
    means = {env: avail[30 * i:30 * i + 30] for i, env in enumerate(imp.REFERENCE_ENVS)}
    for env, expect in (("us-west-2a_k80_1", 0.946), ("us-west-2b_k80_1", 0.197),
                        ("us-west-2a_v100_1", 0.667), ("us-west-2b_v100_1", 0.519)):
        assert means[env].mean() == pytest.approx(expect, abs=0.0015), env
    assert (means["us-west-2b_k80_1"] == 0).sum() == 2  # 7 % never available


def test_cached_traceset_builds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from adrs.traces.spot.cache import cached_traceset
    from adrs.traces.spot.format import TraceSet

    monkeypatch.setenv("ADRS_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "archive.tar.gz"
    source.write_bytes(b"x")
    calls: list[int] = []

    def build() -> TraceSet:
        calls.append(1)
        return TraceSet("t", np.zeros((1, 1, 3), np.uint8), np.ones((1, 1)), 600.0,
                        ({"id": "a", "family": "f", "source": "s", "zones": ["z"]},))

    first = cached_traceset(source, "demo", build)
    second = cached_traceset(source, "demo", build)
    assert calls == [1] and second.meta == first.meta
    source.write_bytes(b"xy")  # a changed archive (size) is a cache miss
    cached_traceset(source, "demo", build)
    assert calls == [1, 1]
    assert len(list((tmp_path / "cache").glob("demo-*.npz"))) == 2


@needs_data
def test_disk_cache_avoids_restreaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from adrs.traces.spot.cache import cached_traceset

    monkeypatch.setenv("ADRS_CACHE", str(tmp_path))
    path = imp.single_tarball_path()
    full = imp._single_all(path)  # parsed once per process (lru_cache)
    cached_traceset(path, "cant-be-late-single", lambda: full)  # what the first process writes
    assert [p.name.startswith("cant-be-late-single-") for p in tmp_path.iterdir()] == [True]
    imp._single_all.cache_clear()

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the tarball was streamed again")

    monkeypatch.setattr(tarfile, "open", boom)
    again = imp.load_single_tarball_windows(["us-west-2b_k80_1"], [5, 3])
    assert [m["window"] for m in again.meta] == [5, 3]
    row = imp.SINGLE_ENVS.index("us-west-2b_k80_1") * 300 + 5
    assert np.array_equal(again.bits[0, 0], full.bits[row, 0, :554])
    monkeypatch.setenv("ADRS_CACHE", str(tmp_path / "empty"))
    imp._single_all.cache_clear()
    with pytest.raises(AssertionError, match="streamed again"):  # and a cold cache really streams
        imp.load_single_tarball_windows(["us-west-2b_k80_1"], [5])
    imp._single_all.cache_clear()


@needs_data
def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown env"):
        imp.load_single_tarball_windows(["us-east-9z"], [0])
    with pytest.raises(ValueError, match="window indices must be in 0..299"):
        imp.load_single_tarball_windows(["us-west-2a_k80_1"], [300])
    with pytest.raises(ValueError, match="zones must be distinct"):
        imp.load_multi_tarball(["us-east-1a", "us-east-1a"], [0])


@needs_data
def test_reference_multi_scenarios() -> None:
    sets = imp.load_reference_multi()
    assert list(sets) == ["2_zones_same_region", "2_regions_east_west", "3_regions_diverse",
                          "3_zones_same_region", "5_regions_high_diversity", "all_9_regions"]
    assert sum(ts.n_traces for ts in sets.values()) == 34
    a9 = sets["all_9_regions"]
    assert a9.bits.shape == (2, 9, 1107) and a9.gap_seconds == 195.0
    assert a9.meta[0]["zones"] == ["us-east-2a", "us-west-2c", "us-east-1d", "us-east-2b", "us-west-2a",
                                   "us-east-1f", "us-east-1a", "us-west-2b", "us-east-1c"]
    assert a9.meta[0]["period"][0] == "2023-03-30T13:38:47Z"
    assert a9.spot_price[0, 6] == pytest.approx(1.5521)  # us-east-1a window 0: first price
    d3 = sets["3_regions_diverse"]
    assert d3.bits.shape == (6, 3, 1107)
    # the same zone/window is the same column whichever scenario it appears in
    assert np.array_equal(d3.bits[:, 0], sets["3_zones_same_region"].bits[:, 0])
    assert np.array_equal(a9.bits[:, 6], d3.bits[:2, 0])


@needs_data
def test_multi_start_times_and_split() -> None:
    starts = imp.multi_window_start_times()
    assert sorted(starts) == sorted(real_multi.MULTI_ZONES)
    first = starts["us-east-1a"]
    assert len(first) == 100 and all(starts[z] == first for z in starts)
    assert len(set(first)) == 98 and min(first) == "2023-02-16T05:34:00" and max(first) == "2023-03-30T13:38:47"
    split = imp.multi_train_holdout_split()
    assert (len(split.train), len(split.holdout), len(split.dropped)) == (51, 44, 5)
    cut = np.datetime64("2023-03-15T00:00:00")
    t = np.array([np.datetime64(first[i]) for i in range(100)])
    assert np.all(t[split.train] + np.timedelta64(60, "h") <= cut)
    assert np.all(t[split.holdout] >= cut)
    assert set(split.train) | set(split.holdout) | set(split.dropped) == set(range(100))
    hold = imp.real_split("holdout", zones=["us-west-2a", "us-east-1a"])
    assert hold.bits.shape == (44, 2, 1107) and [m["window"] for m in hold.meta] == split.holdout
    with pytest.raises(ValueError, match="split must be"):
        imp.real_split("test")


@needs_data
def test_probes_match_tarball_base() -> None:
    base = imp.load_single_base()
    for e, env in enumerate(imp.SINGLE_ENVS):
        probe = imp.load_probes(env)
        assert len(probe.bits) == 3895
        assert np.array_equal(probe.bits[:1781], base.bits[e, 0]), env
        gaps = np.diff(probe.times).astype("timedelta64[ms]").astype(np.int64) / 1000
        assert gaps.min() >= 599 and gaps.max() <= 602


@needs_data
def test_train_and_holdout_share_no_timestamp() -> None:
    train, hold = imp.real_train_single(), imp.real_holdout_single()
    assert hold.bits.shape == (240, 1, 554) and train.bits.shape == (240, 1, 554)
    for env in imp.SINGLE_ENVS:
        times = imp.load_probes(env).times
        tr = {t for m in train.meta if m["family"] == env for t in times[m["start_tick"]:m["end_tick"]].tolist()}
        ho = {t for m in hold.meta if m["family"] == env for t in times[m["start_tick"]:m["end_tick"]].tolist()}
        assert tr and ho and not tr & ho
        assert max(tr) < min(ho)
    assert hold.meta[0]["utc"][0] == "2022-11-08T06:58:02.000Z"


@needs_data
def test_holdout_period_availability_shift() -> None:
    # §8: availability in the holdout period (probe ticks 1781–3894)
    expect = {"us-west-2a_k80_1": 0.841, "us-west-2b_k80_1": 0.002, "us-west-2a_v100_1": 0.882,
              "us-west-2b_v100_1": 0.817, "us-west-2a_k80_8": 0.140, "us-west-2b_k80_8": 0.259,
              "us-west-2a_v100_8": 0.605, "us-west-2b_v100_8": 0.570}
    for env, value in expect.items():
        assert 1.0 - imp.load_probes(env).bits[1781:].mean() == pytest.approx(value, abs=0.0015), env


@pytest.mark.parametrize(("line", "message"), [
    ("1,2022-10-26T22:15:04.000Z,2", r"bad\.txt:2: bit '2' must be 0"),
    ("1,2022-10-26T22:15:04.000Z", r"bad\.txt:2: expected 'index,time,bit'"),
    ("x,2022-10-26T22:15:04.000Z,0", r"bad\.txt:2: index 'x' is not an integer"),
    ("5,2022-10-26T22:15:04.000Z,0", r"bad\.txt:2: index 5, expected 1"),
    ("1,yesterday,0", r"bad\.txt:2: time 'yesterday' is not ISO-8601"),
    ("1,2022-10-26T22:00:00.000Z,0", r"bad\.txt:2: time .* does not increase"),
])
def test_malformed_probe_lines(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(f"0,2022-10-26T22:05:04.000Z,0\n{line}\n2,2022-10-26T22:25:04.000Z,1\n")
    with pytest.raises(TraceFormatError, match=message):
        imp.load_probe_txt(path)


def test_valid_probe_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.txt"
    path.write_text("0,2022-10-26T22:05:04.000Z,0\n1,2022-10-26T22:15:04.000Z,1\n\n")
    probe = imp.load_probe_txt(path)
    assert probe.env == "ok" and probe.bits.tolist() == [0, 1]
    assert str(probe.times[1]) == "2022-10-26T22:15:04.000"
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(TraceFormatError, match="no probe lines"):
        imp.load_probe_txt(tmp_path / "empty.txt")
