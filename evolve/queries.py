"""Analysis queries: load run tables into polars (``pl.read_database`` on a plain sqlite3 connection).

Reports and notebooks share these; polars never runs in the hot loop.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl

from adrs.evolve.store import DB_NAME


def connect(run_dir: str | Path) -> sqlite3.Connection:
    """A read-only-by-convention DB-API connection to a run's database."""
    path = Path(run_dir)
    return sqlite3.connect(path / DB_NAME if path.is_dir() else path)


def table(conn: sqlite3.Connection, name: str) -> pl.DataFrame:
    """A whole table (``program``, ``evaluation``, ``unit_metric``, ``event``, ...)."""
    if name not in {"run", "program", "evaluation", "unit_metric", "event", "checkpoint"}:
        raise ValueError(f"unknown table {name!r}")
    return pl.read_database(f"SELECT * FROM {name}", conn, infer_schema_length=None)


def scores(conn: sqlite3.Connection) -> pl.DataFrame:
    """One row per program: id, kind, name, generator, status, reason, parent, train and holdout score."""
    query = """
        SELECT p.id, p.kind, p.name, p.generator, p.status, p.reason, p.island, p.generation,
               json_extract(p.parent_ids, '$[0]') AS parent,
               t.score AS train, CASE WHEN h.status = 'ok' THEN h.score END AS holdout,
               h.status AS holdout_status
        FROM program p
        LEFT JOIN evaluation t ON t.program_id = p.id AND t.split = 'train' AND t.status = 'ok'
        LEFT JOIN evaluation h ON h.program_id = p.id AND h.split = 'holdout'
        ORDER BY p.id
    """
    return pl.read_database(query, conn, schema_overrides={"train": pl.Float64, "holdout": pl.Float64,
                                                             "parent": pl.Int64, "island": pl.Int64})


def timing(conn: sqlite3.Connection) -> dict[str, float]:
    """Where time went: spawn, compile, evaluation CPU/wall (children) and storage (controller)."""
    ev = pl.read_database("SELECT spawn_s, compile_s, cpu_s, wall_s FROM evaluation", conn,
                          schema_overrides={c: pl.Float64 for c in ("spawn_s", "compile_s", "cpu_s", "wall_s")})
    events = pl.read_database("SELECT payload FROM event WHERE kind = 'generation'", conn)
    storage = static = 0.0
    if events.height:
        decoded = events["payload"].str.json_decode(pl.Struct({"storage_s": pl.Float64, "static_s": pl.Float64}))
        storage = float(decoded.struct.field("storage_s").fill_null(0).sum())
        static = float(decoded.struct.field("static_s").fill_null(0).sum())
    totals = ev.fill_nan(None).sum()
    return {"spawn_s": float(totals["spawn_s"][0] or 0), "compile_s": float(totals["compile_s"][0] or 0),
            "eval_cpu_s": float(totals["cpu_s"][0] or 0), "eval_wall_s": float(totals["wall_s"][0] or 0),
            "static_s": static, "storage_s": storage}
