"""Analysis queries: load run tables into polars (``pl.read_database`` on a plain sqlite3 connection).

Reports and notebooks share these; polars never runs in the hot loop.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl

from adrs.evolve.store import DB_NAME, GEN_STATE_LLM_PROGRAMS, LEGACY_LLM_PROGRAMS


def connect(run_dir: str | Path) -> sqlite3.Connection:
    """A read-only-by-convention DB-API connection to a run's database."""
    path = Path(run_dir)
    return sqlite3.connect(path / DB_NAME if path.is_dir() else path)


def table(conn: sqlite3.Connection, name: str) -> pl.DataFrame:
    """A whole table (``program``, ``evaluation``, ``unit_metric``, ``event``, ...)."""
    if name not in {"run", "program", "evaluation", "unit_metric", "llm_call", "event", "checkpoint"}:
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


def train_evaluations(conn: sqlite3.Connection) -> pl.DataFrame:
    """Every program with a train evaluation (any status), in proposal (id) order.

    Columns: id, kind, generation, train_status, train (the score when the evaluation is ``ok``).
    Candidates in this order are the x axis of best-so-far curves ("candidates evaluated").
    """
    query = """
        SELECT p.id, p.kind, p.generation, t.status AS train_status,
               CASE WHEN t.status = 'ok' THEN t.score END AS train
        FROM program p JOIN evaluation t ON t.program_id = p.id AND t.split = 'train'
        ORDER BY p.id
    """
    return pl.read_database(query, conn, schema_overrides={"train": pl.Float64, "generation": pl.Int64})


def split_scores(conn: sqlite3.Connection, program_ids: list[int]) -> pl.DataFrame:
    """Long format ``program_id, split, status, score`` of every evaluation of ``program_ids``."""
    if not program_ids:
        return pl.DataFrame(schema={"program_id": pl.Int64, "split": pl.String, "status": pl.String,
                                    "score": pl.Float64})
    marks = ", ".join("?" for _ in program_ids)
    return pl.read_database(
        f"SELECT program_id, split, status, score FROM evaluation WHERE program_id IN ({marks}) "
        "ORDER BY program_id, split", conn, execute_options={"parameters": list(program_ids)},
        schema_overrides={"program_id": pl.Int64, "score": pl.Float64})


def unit_metrics(conn: sqlite3.Connection, program_ids: list[int]) -> pl.DataFrame:
    """Long format ``program_id, split, unit, metric, value`` of the unit metrics of ``program_ids``."""
    schema = {"program_id": pl.Int64, "split": pl.String, "unit": pl.String, "metric": pl.String,
              "value": pl.Float64}
    if not program_ids:
        return pl.DataFrame(schema=schema)
    marks = ", ".join("?" for _ in program_ids)
    return pl.read_database(
        f"SELECT program_id, split, unit, metric, value FROM unit_metric WHERE program_id IN ({marks}) "
        "ORDER BY split, unit, metric, program_id", conn, execute_options={"parameters": list(program_ids)},
        schema_overrides=schema)


def llm_costs(conn: sqlite3.Connection) -> pl.DataFrame:
    """LLM usage per program: ``program_id, calls, failures, tokens_in, tokens_out, cost_usd`` (empty offline).

    Read from the ``llm_call`` table (one row per call; ``calls`` counts answered calls, ``failures``
    transport failures). Programs of runs stored before that table existed fall back to the
    ``calls`` / ``tokens_in`` / ``tokens_out`` / ``cost_usd`` keys of ``program.gen_state``. ``cost_usd``
    is null when no price was known. Failed calls that produced no program (a tripped circuit breaker)
    have no row here; :func:`adrs.evolve.store.llm_usage` has the run totals.
    """
    schema = {"program_id": pl.Int64, "calls": pl.Int64, "failures": pl.Int64, "tokens_in": pl.Int64,
              "tokens_out": pl.Int64, "cost_usd": pl.Float64}
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_call'").fetchone()
    legacy = """SELECT id AS program_id, COALESCE(json_extract(gen_state, '$.calls'), 1) AS calls, 0 AS failures,
                       json_extract(gen_state, '$.tokens_in') AS tokens_in,
                       json_extract(gen_state, '$.tokens_out') AS tokens_out,
                       json_extract(gen_state, '$.cost_usd') AS cost_usd """
    if has_table:
        query = f"""SELECT program_id, SUM(status != 'failed') AS calls, SUM(status = 'failed') AS failures,
                           SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out, SUM(cost_usd) AS cost_usd
                    FROM llm_call WHERE program_id IS NOT NULL GROUP BY program_id
                    UNION ALL {legacy} {LEGACY_LLM_PROGRAMS} ORDER BY program_id"""
    else:
        query = f"{legacy} {GEN_STATE_LLM_PROGRAMS} ORDER BY id"
    return pl.read_database(query, conn, schema_overrides=schema).select(
        [pl.col(c).cast(t) for c, t in schema.items()])


def llm_calls(conn: sqlite3.Connection) -> pl.DataFrame:
    """Every LLM call in call order (``llm_call`` without prompts and answers); empty for older runs."""
    schema = {"id": pl.Int64, "program_id": pl.Int64, "turn": pl.Int64, "model": pl.String,
              "template_id": pl.String, "status": pl.String, "tokens_in": pl.Int64, "tokens_out": pl.Int64,
              "cost_usd": pl.Float64, "latency_s": pl.Float64, "retries": pl.Int64, "error": pl.String}
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_call'").fetchone()
    if not has_table:
        return pl.DataFrame(schema=schema)
    return pl.read_database(f"SELECT {', '.join(schema)} FROM llm_call ORDER BY id", conn,
                            schema_overrides=schema).select([pl.col(c).cast(t) for c, t in schema.items()])
