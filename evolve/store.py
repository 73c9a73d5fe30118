"""The per-run SQLite store (``run.sqlite``): the single source of truth of a run.

One writer (the controller), WAL journal, one transaction per completion. Tables: ``run`` (one row:
env, seed, config and its hash, manifest hash, versions, stop reason), ``program`` (every proposal,
seed and baseline with code, hashes, lineage, island, generator, status and reason), ``evaluation``
(one row per program and split: probe, smoke, train, holdout; ``train_prefix`` with early reject on),
``unit_metric`` (long format per unit),
``llm_call`` (one row per LLM call: model, template, prompt, answer, tokens, USD, latency, retries, error;
written in the transaction that stores the program it produced), ``event`` and ``checkpoint``.
Selection and generators only ever see a :class:`TrainView`, which cannot return holdout rows.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (
  id INTEGER PRIMARY KEY CHECK (id = 1), env TEXT NOT NULL, task_spec TEXT NOT NULL, strategy TEXT,
  seed INTEGER, config_json TEXT, config_hash TEXT, manifest_hash TEXT, versions_json TEXT,
  python TEXT, platform TEXT, created REAL, resumed_json TEXT DEFAULT '[]', stop_reason TEXT,
  elapsed_s REAL DEFAULT 0);
CREATE TABLE IF NOT EXISTS program (
  id INTEGER PRIMARY KEY, generation INTEGER NOT NULL, slot INTEGER NOT NULL, kind TEXT NOT NULL,
  name TEXT, code TEXT NOT NULL, code_hash TEXT, signature TEXT, parent_ids TEXT DEFAULT '[]',
  island INTEGER, migrant INTEGER DEFAULT 0, generator TEXT, mutation TEXT, edit_summary TEXT,
  gen_state TEXT DEFAULT '{}', duplicate_of INTEGER, status TEXT NOT NULL DEFAULT 'pending',
  reason TEXT DEFAULT '', static_s REAL, created REAL);
CREATE INDEX IF NOT EXISTS program_generation ON program (generation);
CREATE TABLE IF NOT EXISTS evaluation (
  id INTEGER PRIMARY KEY, program_id INTEGER NOT NULL REFERENCES program(id), split TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT DEFAULT '', score REAL, metrics TEXT DEFAULT '{}',
  artifacts TEXT DEFAULT '{}', wall_s REAL, cpu_s REAL, compile_s REAL, spawn_s REAL,
  maxrss_kb INTEGER, started REAL, ended REAL, UNIQUE (program_id, split));
CREATE TABLE IF NOT EXISTS unit_metric (
  program_id INTEGER NOT NULL REFERENCES program(id), split TEXT NOT NULL, unit TEXT NOT NULL,
  metric TEXT NOT NULL, value REAL, PRIMARY KEY (program_id, split, unit, metric));
CREATE TABLE IF NOT EXISTS llm_call (
  id INTEGER PRIMARY KEY, program_id INTEGER REFERENCES program(id), turn INTEGER, model TEXT NOT NULL,
  template_id TEXT, prompt TEXT, response TEXT, tokens_in INTEGER DEFAULT 0, tokens_out INTEGER DEFAULT 0,
  cost_usd REAL, latency_s REAL, retries INTEGER DEFAULT 0, status TEXT NOT NULL DEFAULT 'ok',
  error TEXT DEFAULT '', created REAL);
CREATE INDEX IF NOT EXISTS llm_call_program ON llm_call (program_id);
CREATE TABLE IF NOT EXISTS event (
  id INTEGER PRIMARY KEY, time REAL, generation INTEGER, kind TEXT NOT NULL, payload TEXT DEFAULT '{}');
CREATE TABLE IF NOT EXISTS checkpoint (generation INTEGER PRIMARY KEY, state TEXT, created REAL);
"""

DB_NAME = "run.sqlite"
"""File name of the database inside a run folder."""

TRAIN_SPLITS = ("probe", "smoke", "train")
"""The splits a :class:`TrainView` may read."""

LLM_CALL_COLUMNS = ("turn", "model", "template_id", "prompt", "response", "tokens_in", "tokens_out", "cost_usd",
                    "latency_s", "retries", "status", "error", "created")
"""Columns of an ``llm_call`` row besides ``id`` and ``program_id`` (``status``: ok, unusable or failed)."""

TIMING_COLUMNS = frozenset({"created", "static_s", "wall_s", "cpu_s", "compile_s", "spawn_s", "maxrss_kb",
                            "started", "ended", "time", "artifacts"})
"""Columns that legitimately differ between two runs of the same seed."""


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, allow_nan=True)


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


class Store:
    """A run database; ``Store(path)`` creates or opens it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _tx(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
        cur = self.conn.cursor()
        cur.execute("BEGIN")
        try:
            for sql, params in statements:
                cur.execute(sql, params)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    # -- run --------------------------------------------------------------------------------------
    def run_info(self) -> dict[str, Any] | None:
        """The run row as a dict, or None for a fresh database."""
        row = self.conn.execute("SELECT * FROM run WHERE id = 1").fetchone()
        return dict(row) if row else None

    def init_run(self, meta: Mapping[str, Any]) -> None:
        """Insert the run row (once)."""
        cols = ", ".join(meta)
        marks = ", ".join("?" for _ in meta)
        self._tx([(f"INSERT INTO run (id, {cols}, created) VALUES (1, {marks}, ?)", [*meta.values(), time.time()])])

    def update_run(self, **fields: Any) -> None:
        """Update columns of the run row."""
        sets = ", ".join(f"{k} = ?" for k in fields)
        self._tx([(f"UPDATE run SET {sets} WHERE id = 1", list(fields.values()))])

    def note_resume(self, config_json: str) -> None:
        """Record a resumption (time and the config it resumed with)."""
        info = self.run_info() or {}
        resumed = json.loads(info.get("resumed_json") or "[]")
        resumed.append({"time": time.time(), "config": json.loads(config_json)})
        self.update_run(resumed_json=_json(resumed), config_json=config_json, stop_reason=None)

    # -- programs ---------------------------------------------------------------------------------
    def insert_programs(self, rows: Sequence[Mapping[str, Any]],
                        orphan_calls: Sequence[Mapping[str, Any]] = ()) -> list[int]:
        """Insert proposals as ``pending`` in one transaction; return their ids (in order).

        A row's ``llm_calls`` (mappings with :data:`LLM_CALL_COLUMNS` keys) go into ``llm_call`` with its id,
        in the same transaction, as do ``orphan_calls`` (failed calls that produced no program: null id).
        """
        start = (self.conn.execute("SELECT MAX(id) FROM program").fetchone()[0] or 0) + 1
        stmts = []
        for i, row in enumerate(rows):
            data = {"id": start + i, "created": time.time(), **row}
            calls = data.pop("llm_calls", ())
            for key in ("parent_ids", "gen_state"):
                if key in data and not isinstance(data[key], str):
                    data[key] = _json(data[key])
            stmts.append((f"INSERT INTO program ({', '.join(data)}) VALUES ({', '.join('?' for _ in data)})",
                          list(data.values())))
            stmts.extend(_llm_call_stmt(start + i, call) for call in calls)
        stmts.extend(_llm_call_stmt(None, call) for call in orphan_calls)
        self._tx(stmts)
        return [start + i for i in range(len(rows))]

    def llm_usage(self) -> dict[str, Any]:
        """LLM use so far (what budgets resume from): see :func:`llm_usage`."""
        return llm_usage(self.conn)

    def set_static(self, results: Sequence[tuple[int, bool, str, str, float]]) -> None:
        """Store static-check outcomes ``(id, ok, reason, code_hash, seconds)`` in one transaction."""
        stmts = []
        for pid, ok, reason, code_hash, seconds in results:
            if ok:
                stmts.append(("UPDATE program SET code_hash = ?, static_s = ? WHERE id = ?",
                              [code_hash, seconds, pid]))
            else:
                stmts.append(("UPDATE program SET status = 'rejected', reason = ?, code_hash = ?, static_s = ? "
                              "WHERE id = ?", [reason, code_hash or None, seconds, pid]))
        self._tx(stmts)

    def set_status(self, pid: int, status: str, reason: str = "", duplicate_of: int | None = None) -> None:
        """Set a program's final status (e.g. ``duplicate``)."""
        self._tx([("UPDATE program SET status = ?, reason = ?, duplicate_of = ? WHERE id = ?",
                   [status, reason, duplicate_of, pid])])

    def set_migrant(self, pids: Iterable[int]) -> None:
        """Flag programs that have migrated."""
        self._tx([("UPDATE program SET migrant = 1 WHERE id = ?", [pid]) for pid in pids])

    def record(self, pid: int, evaluations: Sequence[Mapping[str, Any]],
               status: str | None = None, reason: str = "", signature: str | None = None) -> None:
        """Store evaluations of one program (+ unit metrics, + final status) in one transaction.

        Each evaluation mapping has ``split``, ``status``, ``reason``, ``score``, ``metrics``,
        ``units`` (list of ``(unit, record)``), ``artifacts`` and timing keys.
        """
        stmts: list[tuple[str, Sequence[Any]]] = []
        for ev in evaluations:
            stmts.append((
                "INSERT INTO evaluation (program_id, split, status, reason, score, metrics, artifacts, wall_s, "
                "cpu_s, compile_s, spawn_s, maxrss_kb, started, ended) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [pid, ev["split"], ev["status"], ev.get("reason", ""), ev.get("score"),
                 _json(ev.get("metrics", {})), _json(ev.get("artifacts", {})), ev.get("wall_s"),
                 ev.get("cpu_s"), ev.get("compile_s"), ev.get("spawn_s"), ev.get("maxrss_kb"),
                 ev.get("started"), time.time()],
            ))
            for unit, rec in ev.get("units", ()):
                for metric, value in rec.items():
                    num = _num(value)
                    if num is not None:
                        stmts.append(("INSERT INTO unit_metric VALUES (?,?,?,?,?)",
                                      [pid, ev["split"], unit, metric, num]))
        if signature is not None:
            stmts.append(("UPDATE program SET signature = ? WHERE id = ?", [signature, pid]))
        if status is not None:
            stmts.append(("UPDATE program SET status = ?, reason = ? WHERE id = ?", [status, reason, pid]))
        self._tx(stmts)

    # -- events and checkpoints -------------------------------------------------------------------
    def event(self, kind: str, generation: int | None = None, payload: Mapping[str, Any] | None = None) -> None:
        """Append an event row."""
        self._tx([("INSERT INTO event (time, generation, kind, payload) VALUES (?,?,?,?)",
                   [time.time(), generation, kind, _json(dict(payload or {}))])])

    def save_checkpoint(self, generation: int, state: Mapping[str, Any]) -> None:
        """Store (or replace) the checkpoint of ``generation``."""
        self._tx([("INSERT OR REPLACE INTO checkpoint VALUES (?,?,?)", [generation, _json(state), time.time()])])

    def checkpoints(self) -> dict[int, dict]:
        """Stored checkpoints by generation."""
        rows = self.conn.execute("SELECT generation, state FROM checkpoint").fetchall()
        return {r["generation"]: json.loads(r["state"]) for r in rows}

    # -- reads ------------------------------------------------------------------------------------
    def programs(self, generation: int | None = None) -> list[dict[str, Any]]:
        """Program rows (all, or of one generation) in id order."""
        if generation is None:
            rows = self.conn.execute("SELECT * FROM program ORDER BY id").fetchall()
        else:
            rows = self.conn.execute("SELECT * FROM program WHERE generation = ? ORDER BY id",
                                     [generation]).fetchall()
        return [dict(r) for r in rows]

    def evaluation(self, pid: int, split: str) -> dict[str, Any] | None:
        """One evaluation row, or None."""
        row = self.conn.execute("SELECT * FROM evaluation WHERE program_id = ? AND split = ?",
                                [pid, split]).fetchone()
        return dict(row) if row else None

    def holdout_scores(self) -> dict[int, float | None]:
        """Holdout score by program id (reports only; never passed to selection)."""
        rows = self.conn.execute("SELECT program_id, score, status FROM evaluation WHERE split = 'holdout'")
        return {r["program_id"]: (r["score"] if r["status"] == "ok" else None) for r in rows}

    def fingerprint(self, splits: Sequence[str] = ("probe", "smoke", "train", "train_prefix", "holdout")
                    ) -> dict[str, list]:
        """Programs, evaluations and unit metrics without timing columns (for determinism checks)."""
        def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
            cur = self.conn.execute(sql, params)
            keep = [i for i, d in enumerate(cur.description) if d[0] not in TIMING_COLUMNS]
            return [tuple(r[i] for i in keep) for r in cur.fetchall()]

        marks = ", ".join("?" for _ in splits)
        return {
            "program": rows("SELECT * FROM program ORDER BY id"),
            "evaluation": rows(f"SELECT program_id, split, status, reason, score, metrics FROM evaluation "
                               f"WHERE split IN ({marks}) ORDER BY program_id, split", splits),
            "unit_metric": rows(f"SELECT * FROM unit_metric WHERE split IN ({marks}) "
                                f"ORDER BY program_id, split, unit, metric", splits),
        }

    def train_view(self) -> TrainView:
        """The holdout-free view used by selection and generators."""
        return TrainView(self.conn)


def _llm_call_stmt(pid: int | None, call: Mapping[str, Any]) -> tuple[str, list[Any]]:
    values = [pid]
    for col in LLM_CALL_COLUMNS:
        value = call.get(col, time.time() if col == "created" else None)
        values.append(_json(value) if col == "prompt" and not isinstance(value, str) and value is not None
                      else value)
    return (f"INSERT INTO llm_call (program_id, {', '.join(LLM_CALL_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in values)})", values)


GEN_STATE_LLM_PROGRAMS = """
    FROM program WHERE json_valid(gen_state)
      AND (json_extract(gen_state, '$.tokens_in') IS NOT NULL OR json_extract(gen_state, '$.tokens_out') IS NOT NULL
           OR json_extract(gen_state, '$.cost_usd') IS NOT NULL)"""
"""Programs whose ``gen_state`` records LLM use (a SQL ``FROM ... WHERE`` tail)."""
LEGACY_LLM_PROGRAMS = GEN_STATE_LLM_PROGRAMS + """
      AND id NOT IN (SELECT program_id FROM llm_call WHERE program_id IS NOT NULL)"""
"""Those stored before the ``llm_call`` table existed: their LLM use lives only in ``gen_state``."""


def llm_usage(conn: sqlite3.Connection) -> dict[str, Any]:
    """Totals over the run: ``calls`` (answered), ``failures`` (transport), ``tokens_in``, ``tokens_out``,
    ``tokens`` and ``usd`` (unpriced calls count 0), from ``llm_call`` plus legacy ``gen_state`` records."""
    row = conn.execute(
        "SELECT COALESCE(SUM(status != 'failed'), 0), COALESCE(SUM(status = 'failed'), 0), "
        "COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0), COALESCE(SUM(cost_usd), 0) FROM llm_call"
    ).fetchone()
    legacy = conn.execute(
        "SELECT COALESCE(SUM(COALESCE(json_extract(gen_state, '$.calls'), 1)), 0), "
        "COALESCE(SUM(json_extract(gen_state, '$.tokens_in')), 0), "
        "COALESCE(SUM(json_extract(gen_state, '$.tokens_out')), 0), "
        f"COALESCE(SUM(json_extract(gen_state, '$.cost_usd')), 0) {LEGACY_LLM_PROGRAMS}").fetchone()
    out = {"calls": int(row[0]) + int(legacy[0]), "failures": int(row[1]), "tokens_in": int(row[2]) + int(legacy[1]),
           "tokens_out": int(row[3]) + int(legacy[2]), "usd": float(row[4]) + float(legacy[3])}
    out["tokens"] = out["tokens_in"] + out["tokens_out"]
    return out


class TrainView:
    """Read-only access to programs and their probe/smoke/train evaluations; no holdout rows."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def programs(self, generation: int | None = None) -> list[dict[str, Any]]:
        """Programs (all, or of one generation) in id order with train ``score`` and ``metrics``."""
        where = "" if generation is None else "WHERE p.generation = ?"
        rows = self._conn.execute(
            "SELECT p.*, e.score AS score, e.metrics AS metrics, e.status AS train_status "
            "FROM program p LEFT JOIN evaluation e ON e.program_id = p.id AND e.split = 'train' "
            f"{where} ORDER BY p.id", [] if generation is None else [generation]
        ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["metrics"] = json.loads(d["metrics"]) if d["metrics"] else {}
            d["parent_ids"] = json.loads(d["parent_ids"] or "[]")
            d["gen_state"] = json.loads(d["gen_state"] or "{}")
            if d["score"] is not None and not math.isfinite(d["score"]):
                d["score"] = None
            out.append(d)
        return out

    def evaluations(self, pid: int) -> list[dict[str, Any]]:
        """The probe/smoke/train evaluation rows of ``pid``."""
        marks = ", ".join("?" for _ in TRAIN_SPLITS)
        rows = self._conn.execute(
            f"SELECT * FROM evaluation WHERE program_id = ? AND split IN ({marks}) ORDER BY id",
            [pid, *TRAIN_SPLITS],
        ).fetchall()
        return [dict(r) for r in rows]
