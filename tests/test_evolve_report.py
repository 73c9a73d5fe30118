"""Tests for adrs.evolve.report and .queries: summaries come from the store only."""

import json

import polars as pl
import pytest

from adrs.evolve import queries, run_evolve
from adrs.evolve.report import Row, build_summary, render


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    run_evolve("adrs.evolve.toy:TASK", {"iterations": 16, "seed": 4, "checkpoint_every": 1}, out=out)
    return out


def test_gap_is_train_minus_holdout():
    assert Row("x", 1, -0.2, -0.5).gap == pytest.approx(0.3)
    assert Row("x", 1, -0.2, None).gap is None


def test_summary_is_rebuilt_from_the_store_alone(run_dir):
    before = json.loads((run_dir / "summary.json").read_text())
    (run_dir / "summary.json").unlink()
    again = build_summary(run_dir)
    assert again.to_dict()["rows"] == before["rows"] and again.funnel == before["funnel"]
    assert sum(v["proposed"] for v in again.generators.values()) == 16
    assert set(again.timing) >= {"spawn_s", "compile_s", "eval_cpu_s", "storage_s", "static_s"}


def test_best_is_best_by_train_not_holdout(run_dir):
    conn = queries.connect(run_dir)
    df = queries.scores(conn).filter(pl.col("kind").is_in(["seed", "candidate"]) & pl.col("train").is_not_null())
    conn.close()
    best = df.sort(["train", "id"], descending=[True, False]).row(0, named=True)
    assert build_summary(run_dir).best.program_id == best["id"]


def test_polars_tables_and_render(run_dir):
    conn = queries.connect(run_dir)
    assert queries.table(conn, "evaluation").height > 0
    assert set(queries.table(conn, "unit_metric")["split"].unique()) >= {"smoke", "train", "holdout"}
    with pytest.raises(ValueError):
        queries.table(conn, "sqlite_master")
    conn.close()
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(render(build_summary(run_dir)))
    assert "gap (train-holdout)" in console.export_text()


def test_rich_progress_renders_the_live_numbers():
    from rich.console import Console

    from adrs.evolve.progress import RichProgress

    progress = RichProgress("demo")
    progress.update({"iteration": 8, "iterations": 16, "best_train": -0.25, "best_holdout": -0.5, "cpm": 120.0,
                     "rejections": {"duplicate": 2, "allowlist": 1}})
    console = Console(record=True, width=100)
    console.print(progress.live.renderable)
    text = console.export_text()
    assert "8/16" in text and "-0.2500" in text and "-0.5000" in text and "allowlist 1, duplicate 2" in text
