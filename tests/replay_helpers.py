"""Shared helpers for the ``adrs replay`` / ``adrs compare`` tests (no tests here)."""

from __future__ import annotations

import contextlib
import io
import json
import struct
from pathlib import Path

from adrs.cli import main


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG header (asserting it is a PNG)."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def cli(*argv: str) -> tuple[int, str, str]:
    """``adrs ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def cli_json(*argv: str) -> dict:
    """``adrs ARGV --json`` parsed (asserting exit code 0)."""
    rc, out, err = cli(*argv, "--json")
    assert rc == 0, err
    return json.loads(out)


def check_compare_rows(result: dict, n_policies: int) -> None:
    """The fields every ``adrs compare --json`` has, and the paired-difference invariants."""
    assert {"env", "split", "unit", "n_units", "units", "n_boot", "bootstrap_seed", "policies"} <= set(result)
    rows = result["policies"]
    assert len(rows) == n_policies and result["n_units"] == len(result["units"]) > 0
    for r in rows:
        assert {"policy", "score", "score_mean", "score_ci", "diff_vs_first", "diff_ci", "wins_vs_first",
                "per_unit"} <= set(r)
        assert len(r["per_unit"]) == result["n_units"]
        assert r["score_ci"][0] - 1e-12 <= r["score_mean"] <= r["score_ci"][1] + 1e-12
        assert r["diff_ci"][0] - 1e-12 <= r["diff_vs_first"] <= r["diff_ci"][1] + 1e-12
        assert 0 <= r["wins_vs_first"] <= 1
    first = rows[0]
    assert first["diff_vs_first"] == 0 and first["diff_ci"] == [0.0, 0.0] and first["wins_vs_first"] == 0
