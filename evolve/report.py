"""End-of-run summary, built only from the store: ``summary.json``, ``best_program.py`` and a table.

The table lists the seed, every heuristic baseline and the best evolved program (best by *train*;
holdout never picks it) with train score, holdout score and the generalisation gap ``train - holdout``
(positive means overfitting), plus the funnel of what happened to the proposals.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from adrs.evolve import queries


@dataclass
class Row:
    """One line of the summary table."""

    label: str
    program_id: int
    train: float | None
    holdout: float | None

    @property
    def gap(self) -> float | None:
        """train - holdout (higher-is-better orientation)."""
        if self.train is None or self.holdout is None:
            return None
        return self.train - self.holdout


@dataclass
class RunSummary:
    """What a run produced; also written to ``summary.json``."""

    run_dir: str
    env: str
    strategy: str
    seed: int
    generator: str
    stop_reason: str | None
    rows: list[Row]
    best: Row
    funnel: dict[str, int]
    generators: dict[str, dict[str, int]]
    timing: dict[str, float]
    best_code: str = field(repr=False, default="")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (with gaps)."""
        data = asdict(self)
        data.pop("best_code")
        data["rows"] = [dict(asdict(r), gap=r.gap) for r in self.rows]
        data["best"] = dict(asdict(self.best), gap=self.best.gap)
        return data


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def build_summary(run_dir: str | Path) -> RunSummary:
    """Summarise the run in ``run_dir`` from its database."""
    conn = queries.connect(run_dir)
    try:
        run = queries.table(conn, "run").row(0, named=True)
        df = queries.scores(conn)
        codes = dict(conn.execute("SELECT id, code FROM program").fetchall())
        timing = queries.timing(conn)
    finally:
        conn.close()
    seed = df.filter(pl.col("kind") == "seed").row(0, named=True)
    rows = [Row(f"seed ({seed['name']})", seed["id"], _num(seed["train"]), _num(seed["holdout"]))]
    for b in df.filter(pl.col("kind") == "baseline").iter_rows(named=True):
        rows.append(Row(f"baseline {b['name']}", b["id"], _num(b["train"]), _num(b["holdout"])))
    pool = df.filter(pl.col("kind").is_in(["seed", "candidate"]) & pl.col("train").is_not_null())
    best = pool.sort(["train", "id"], descending=[True, False]).row(0, named=True)
    best_row = Row(f"best evolved (#{best['id']})", best["id"], _num(best["train"]), _num(best["holdout"]))
    rows.append(best_row)
    cands = df.filter(pl.col("kind") == "candidate")
    parents = df.select(pl.col("id").alias("parent"), pl.col("train").alias("parent_train"))
    improved = cands.join(parents, on="parent", how="left").filter(pl.col("train") > pl.col("parent_train"))
    reason = pl.col("reason").fill_null("")
    funnel = {
        "proposed": cands.height,
        "static_rejected": cands.filter(pl.col("status") == "rejected").height,
        "duplicate": cands.filter(pl.col("status") == "duplicate").height,
        "probe_failed": cands.filter(reason.str.starts_with("probe:")).height,
        "smoke_failed": cands.filter(reason.str.starts_with("smoke:")).height,
        "train_failed": cands.filter(reason.str.starts_with("train:")).height,
        "timeouts": cands.filter(pl.col("status") == "timeout").height,
        "train_evaluated": cands.filter(pl.col("status") == "ok").height,
        "improved": improved.height,
    }
    gens: dict[str, dict[str, int]] = {}
    for r in cands.group_by("generator").agg(pl.len().alias("n"), (pl.col("status") == "ok").sum().alias("ok"),
                                             ).sort("generator").iter_rows(named=True):
        gens[str(r["generator"])] = {"proposed": int(r["n"]), "ok": int(r["ok"])}
    for r in improved.group_by("generator").agg(pl.len().alias("n")).iter_rows(named=True):
        gens.setdefault(str(r["generator"]), {})["improved"] = int(r["n"])
    config = json.loads(run["config_json"])
    return RunSummary(str(run_dir), run["env"], run["strategy"], int(run["seed"]), config.get("generator", ""),
                      run["stop_reason"], rows, best_row, funnel, gens, timing, codes[best["id"]])


def write_outputs(summary: RunSummary, run_dir: str | Path) -> None:
    """Write ``summary.json`` and ``best_program.py`` into ``run_dir``."""
    folder = Path(run_dir)
    (folder / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2, sort_keys=True) + "\n")
    (folder / "best_program.py").write_text(summary.best_code)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def render(summary: RunSummary) -> Any:
    """A rich renderable: the train/holdout/gap table and the funnel."""
    from rich.console import Group
    from rich.table import Table

    label = "offline generator, no LLM" if summary.generator == "offline" else summary.generator
    table = Table(title=f"adrs evolve {summary.env} - {summary.strategy}, seed {summary.seed} ({label})")
    for col in ("program", "train", "holdout", "gap (train-holdout)"):
        table.add_column(col, justify="left" if col == "program" else "right")
    for row in summary.rows:
        table.add_row(row.label, _fmt(row.train), _fmt(row.holdout), _fmt(row.gap))
    funnel = Table(title=f"funnel (stop: {summary.stop_reason})")
    for key in summary.funnel:
        funnel.add_column(key.replace("_", " "), justify="right")
    funnel.add_row(*(str(v) for v in summary.funnel.values()))
    return Group(table, funnel)
