"""The adrs spot-trace ``.npz`` format (loader errors) and the committed embedded synthetic sets."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from adrs.traces.spot import embedded
from adrs.traces.spot.format import FORMAT_NAME, TraceFormatError, TraceSet, load, save


def _ts(n: int = 2) -> TraceSet:
    meta = tuple({"id": f"t{i}", "family": "f", "source": "synthetic:test", "zones": ["z"], "period": [0, 5],
                  "start_tick": 0} for i in range(n))
    bits = np.array([[[0, 1, 1, 0, 0]]] * n, dtype=np.uint8)
    return TraceSet("demo", bits, np.full((n, 1), 0.9731), 600.0, meta)


def _write_raw(path: Path, bits: np.ndarray, price: np.ndarray, header: dict | str) -> Path:
    """Write an npz with arbitrary (possibly invalid) members, bypassing TraceSet validation."""
    def arr(a: np.ndarray) -> bytes:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, a, allow_pickle=False)
        return buf.getvalue()

    text = header if isinstance(header, str) else json.dumps(header)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("bits.npy", arr(bits))
        zf.writestr("spot_price.npy", arr(price))
        zf.writestr("header.npy", arr(np.array(text)))
    return path


def _header(**changes: object) -> dict:
    head = {"format": FORMAT_NAME, "version": 1, "name": "demo", "gap_seconds": 600.0,
            "traces": [dict(m) for m in _ts().meta]}
    head.update(changes)
    return head


def test_round_trip_and_zero_d_header(tmp_path: Path) -> None:
    ts = _ts()
    path = save(ts, tmp_path / "a.npz")
    back = load(path)
    assert np.array_equal(back.bits, ts.bits) and back.bits.dtype == np.uint8
    assert np.array_equal(back.spot_price, ts.spot_price)
    assert back.meta == ts.meta and back.gap_seconds == 600.0 and back.name == "demo"
    with np.load(path) as npz:  # the documented layout: a 0-d unicode header
        assert npz["header"].shape == ()


def test_save_is_byte_identical(tmp_path: Path) -> None:
    a, b = save(_ts(), tmp_path / "a.npz"), save(_ts(), tmp_path / "b.npz")
    assert a.read_bytes() == b.read_bytes()


def test_truncated_file(tmp_path: Path) -> None:
    data = save(_ts(), tmp_path / "a.npz").read_bytes()
    bad = tmp_path / "trunc.npz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(TraceFormatError, match="trunc.npz: unreadable trace file"):
        load(bad)


def test_wrong_dtype(tmp_path: Path) -> None:
    path = _write_raw(tmp_path / "x.npz", _ts().bits.astype(np.int64), _ts().spot_price, _header())
    with pytest.raises(TraceFormatError, match="bits must be uint8, got int64"):
        load(path)


def test_bits_equal_two(tmp_path: Path) -> None:
    bits = _ts().bits.copy()
    bits[0, 0, 2] = 2
    path = _write_raw(tmp_path / "x.npz", bits, _ts().spot_price, _header())
    with pytest.raises(TraceFormatError, match=r"bits must be 0 \(available\) or 1"):
        load(path)


def test_missing_metadata_key(tmp_path: Path) -> None:
    head = _header()
    del head["traces"][1]["family"]
    path = _write_raw(tmp_path / "x.npz", _ts().bits, _ts().spot_price, head)
    with pytest.raises(TraceFormatError, match="x.npz: .*trace 1 metadata lacks 'family'"):
        load(path)


def test_wrong_format_name(tmp_path: Path) -> None:
    path = _write_raw(tmp_path / "x.npz", _ts().bits, _ts().spot_price, _header(format="sky-spot"))
    with pytest.raises(TraceFormatError, match="format is 'sky-spot', expected 'adrs-spot-traces'"):
        load(path)


@pytest.mark.parametrize(("change", "message"), [
    ({"version": 9}, "unsupported version 9"),
    ({"gap_seconds": "fast"}, "malformed header"),
    ({"traces": []}, "0 metadata records for 2 traces"),
])
def test_other_header_errors(tmp_path: Path, change: dict, message: str) -> None:
    path = _write_raw(tmp_path / "x.npz", _ts().bits, _ts().spot_price, _header(**change))
    with pytest.raises(TraceFormatError, match=message):
        load(path)


def test_header_not_json_and_missing_member_and_missing_file(tmp_path: Path) -> None:
    path = _write_raw(tmp_path / "x.npz", _ts().bits, _ts().spot_price, "{not json")
    with pytest.raises(TraceFormatError, match="header is not JSON"):
        load(path)
    np.savez(tmp_path / "y.npz", bits=_ts().bits)
    with pytest.raises(TraceFormatError, match=r"missing \['header', 'spot_price'\]"):
        load(tmp_path / "y.npz")
    with pytest.raises(TraceFormatError, match="no such trace file"):
        load(tmp_path / "absent.npz")


def test_duplicate_ids_rejected() -> None:
    ts = _ts()
    with pytest.raises(TraceFormatError, match="duplicate trace id 't0'"):
        TraceSet("d", ts.bits, ts.spot_price, 600.0, (ts.meta[0], ts.meta[0]))


# --- embedded synthetic sets --------------------------------------------------------------------------


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    written = embedded.generate_embedded(tmp_path)
    assert len(written) == 4
    for kind, split in embedded.EMBEDDED_SETS:
        fresh = tmp_path / embedded.embedded_relpath(kind, split)
        committed = embedded.embedded_path(kind, split)
        assert fresh.read_bytes() == committed.read_bytes(), f"{committed} is stale: run `adrs traces generate`"


def test_embedded_paths_resolve_through_packages() -> None:
    import adrs.holdout.spot
    import adrs.traces.spot

    assert embedded.embedded_path("single", "train").parent == Path(adrs.traces.spot.__file__).parent
    assert embedded.embedded_path("multi", "holdout").parent == Path(adrs.holdout.spot.__file__).parent
    with pytest.raises(ValueError, match="kind must be"):
        embedded.embedded_path("triple", "train")  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "shape", "gap"), [("single", (30, 1, 554), 600.0),
                                                    ("multi", (12, 4, 1107), 195.0)])
@pytest.mark.parametrize("split", ["train", "holdout"])
def test_embedded_shapes_and_meta(kind: str, shape: tuple, gap: float, split: str) -> None:
    ts = embedded.load_embedded(kind, split)  # type: ignore[arg-type]
    assert ts.bits.shape == shape and ts.gap_seconds == gap
    assert embedded.embedded_path(kind, split).stat().st_size < 300_000  # type: ignore[arg-type]
    prior = ("multi-prior-" if kind == "multi" else "prior-") + ("A" if split == "train" else "B")
    assert {m["source"] for m in ts.meta} == {f"synthetic:RegimeGenerator/{prior}"}
    families = sorted({m["family"] for m in ts.meta})
    assert len(families) == (6 if kind == "single" else 3)
    for fam in families:  # windows of one family are disjoint slices of one long trace
        spans = sorted(m["period"] for m in ts.meta if m["family"] == fam)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    avail = 1.0 - ts.bits.mean(axis=2)  # per window and zone
    assert avail.max() - avail.min() > 0.5  # a spread of easy and hard windows


def test_train_and_holdout_are_disjoint() -> None:
    for kind in ("single", "multi"):
        train, hold = embedded.load_embedded(kind, "train"), embedded.load_embedded(kind, "holdout")
        assert not set(train.ids) & set(hold.ids)
        assert not {m["seed"] for m in train.meta} & {m["seed"] for m in hold.meta}
        assert not np.array_equal(train.bits, hold.bits)
