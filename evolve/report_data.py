"""The data behind ``adrs report``: every table of a run report, read only from the run's store.

:func:`load_run` turns a run folder into a :class:`RunData` of polars frames (plus the lineage graph and
the diff of the best program against the seed). Figures (:mod:`.figures`) and documents
(:mod:`.html_report`) only format these; nothing here draws or writes files.

Definitions used throughout:

* **candidates evaluated**: candidate programs with a train evaluation (any status), in proposal (id)
  order; the x axis of the best-so-far curves. The seed is the starting point (x = 0).
* **best so far** is best by *train* (ties to the lower id, as in :func:`.report.build_summary`); its
  holdout curve shows the holdout score of that train-selected program where it was scored, never a
  maximum over holdout.
* **gap** = train - holdout (higher-is-better orientation; positive means overfitting).
* **outcome** of a proposal: ``ok``, ``duplicate``, ``rejected (static)``, ``rejected (early_reject)`` (train
  prefix more than ``early_reject_delta`` below the parent's), or ``STATUS (STAGE)`` for
  failures, where the stage is the reason prefix (``probe``, ``smoke``, ``train``).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl

from adrs.evolve import queries
from adrs.evolve.report import RunSummary, build_summary

STAGES = ("probe", "smoke", "train", "holdout")
"""Reason prefixes that name the stage a program failed in."""

MAX_LINEAGE_NODES = 60
"""Ancestors drawn in the lineage figure at most (closest generations first)."""

OFFLINE_COST_NOTE = "offline generator, no LLM, $0"
"""What the cost section says when no LLM was used."""


@dataclass
class RunData:
    """Everything a run report shows, as plain data built from ``run.sqlite``."""

    run_dir: Path
    summary: RunSummary
    run: dict[str, Any]
    config: dict[str, Any]
    scores: pl.DataFrame
    best_so_far: pl.DataFrame
    both: pl.DataFrame
    split_table: pl.DataFrame
    unit_table: pl.DataFrame
    scenario_table: pl.DataFrame
    outcomes: pl.DataFrame
    reasons: pl.DataFrame
    generators: pl.DataFrame
    cost_note: str
    lineage: nx.DiGraph
    chain: pl.DataFrame
    diff: str
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def best_id(self) -> int:
        """Id of the best evolved program (best by train)."""
        return self.summary.best.program_id

    @property
    def seed_id(self) -> int:
        """Id of the seed program."""
        return self.summary.rows[0].program_id

    @property
    def candidates_evaluated(self) -> int:
        """Candidates with a train evaluation (the budget actually used, in evaluations)."""
        return int(self.best_so_far["evaluated"].max() or 0)

    @property
    def proposals(self) -> int:
        """Candidate proposals made."""
        return int(self.summary.funnel.get("proposed", 0))

    @property
    def uses_llm(self) -> bool:
        """Whether any program came from an LLM generator or recorded LLM usage."""
        return self.cost_note != OFFLINE_COST_NOTE


def outcome_expr() -> pl.Expr:
    """Polars expression mapping ``status`` / ``reason`` to the outcome category (see module doc)."""
    stage = pl.col("reason").fill_null("").str.extract(r"^(\w+):", 1)
    stage = pl.when(stage.is_in(list(STAGES))).then(stage).otherwise(pl.lit("?"))
    status = pl.col("status")
    return (pl.when(status.is_in(["ok", "duplicate", "pending"])).then(status)
            .when((status == "rejected") & pl.col("reason").fill_null("").str.starts_with("early_reject"))
            .then(pl.lit("rejected (early_reject)"))
            .when(status == "rejected").then(pl.lit("rejected (static)"))
            .otherwise(pl.concat_str([status, pl.lit(" ("), stage, pl.lit(")")]))
            .alias("outcome"))


def _normalise_reason(reason: str) -> str:
    """A reason with numbers replaced by ``N`` (so "same behaviour as program 6" groups), cut to 90 chars."""
    text = re.sub(r"\d+(\.\d+)?", "N", reason.strip())
    return text if len(text) <= 90 else text[:87] + "..."


def best_so_far(train_evals: pl.DataFrame, holdout: dict[int, float | None]) -> pl.DataFrame:
    """The best-so-far curve: one row per candidate evaluated (x = 0 is the seed).

    Columns: evaluated, program_id (the evaluated candidate), best_id, best_train, best_holdout (the
    holdout score of ``best_id`` if it was scored on holdout, else null).
    """
    seed = train_evals.filter(pl.col("kind") == "seed")
    cands = train_evals.filter(pl.col("kind") == "candidate")
    rows: list[dict[str, Any]] = []
    best_id: int | None = None
    best_train: float | None = None
    if seed.height:
        s = seed.row(0, named=True)
        if s["train"] is not None:
            best_id, best_train = s["id"], s["train"]
        rows.append({"evaluated": 0, "program_id": s["id"], "best_id": best_id, "best_train": best_train})
    for i, c in enumerate(cands.iter_rows(named=True), start=1):
        score = c["train"]
        if score is not None and (best_train is None or score > best_train):
            best_id, best_train = c["id"], score
        rows.append({"evaluated": i, "program_id": c["id"], "best_id": best_id, "best_train": best_train})
    for row in rows:
        row["best_holdout"] = holdout.get(row["best_id"]) if row["best_id"] is not None else None
    schema = {"evaluated": pl.Int64, "program_id": pl.Int64, "best_id": pl.Int64, "best_train": pl.Float64,
              "best_holdout": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def _lineage(programs: pl.DataFrame, best_id: int) -> tuple[nx.DiGraph, list[int]]:
    """Ancestry graph of ``best_id`` (edges parent -> child) and its primary-parent chain (best first)."""
    info = {r["id"]: r for r in programs.iter_rows(named=True)}
    graph = nx.DiGraph()
    frontier = [best_id]
    while frontier and graph.number_of_nodes() < MAX_LINEAGE_NODES:
        nxt: list[int] = []
        for pid in frontier:
            if pid in graph and graph.nodes[pid].get("expanded"):
                continue
            row = info.get(pid)
            if row is None:
                continue
            graph.add_node(pid, kind=row["kind"], generation=row["generation"], train=row["train"],
                           holdout=row["holdout"], generator=row["generator"], expanded=True)
            for rank, parent in enumerate(row["parents"]):
                if parent in info:
                    graph.add_edge(parent, pid, primary=rank == 0)
                    nxt.append(parent)
        frontier = nxt
    for pid in list(graph.nodes):
        if not graph.nodes[pid].get("expanded"):
            row = info[pid]
            graph.add_node(pid, kind=row["kind"], generation=row["generation"], train=row["train"],
                           holdout=row["holdout"], generator=row["generator"], expanded=False)
    chain = [best_id]
    seen = {best_id}
    while True:
        parents = info[chain[-1]]["parents"] if chain[-1] in info else []
        if not parents or parents[0] in seen or parents[0] not in info:
            break
        chain.append(parents[0])
        seen.add(parents[0])
    for pid in chain:  # the chain is always drawn in full
        if pid not in graph:
            row = info[pid]
            graph.add_node(pid, kind=row["kind"], generation=row["generation"], train=row["train"],
                           holdout=row["holdout"], generator=row["generator"], expanded=False)
    for child, parent in zip(chain, chain[1:], strict=False):
        graph.add_edge(parent, child, primary=True)
    for pid in graph.nodes:
        graph.nodes[pid]["on_chain"] = pid in seen
    return graph, chain


def _wide(df: pl.DataFrame, order: list[int], labels: dict[int, str], index: list[str]) -> pl.DataFrame:
    """Pivot long ``program_id, value`` rows to one column per program (in ``order``, named by label)."""
    present = [pid for pid in order if pid in set(df["program_id"].to_list())]
    wide = df.with_columns(pl.col("program_id").cast(pl.String)).pivot(
        on="program_id", index=index, values="value", aggregate_function="first")
    return wide.select(*index, *[pl.col(str(pid)).alias(labels[pid]) for pid in present])


def scenario_of(unit: str) -> str:
    """The scenario a unit belongs to: the part before the last ``/`` (the unit itself without one)."""
    return unit.rsplit("/", 1)[0] if "/" in unit else unit


def load_run(run_dir: str | Path) -> RunData:
    """Read every report table of the run in ``run_dir`` from its database."""
    run_dir = Path(run_dir)
    summary = build_summary(run_dir)
    conn = queries.connect(run_dir)
    try:
        run = queries.table(conn, "run").row(0, named=True)
        scores = queries.scores(conn)
        extra = pl.read_database("SELECT id, parent_ids, mutation, edit_summary, code FROM program ORDER BY id",
                                 conn)
        train_evals = queries.train_evaluations(conn)
        rows = summary.rows
        ids = list(dict.fromkeys(r.program_id for r in rows))
        split_long = queries.split_scores(conn, ids)
        units_long = queries.unit_metrics(conn, ids)
        costs = queries.llm_costs(conn)
    finally:
        conn.close()
    config = json.loads(run["config_json"] or "{}")
    labels: dict[int, str] = {}
    for r in rows:
        labels.setdefault(r.program_id, r.label)
    scores = scores.join(extra.select("id", "parent_ids", "mutation", "edit_summary"), on="id", how="left")
    scores = scores.with_columns(
        pl.col("parent_ids").fill_null("[]").str.json_decode(pl.List(pl.Int64)).alias("parents"))
    holdout = {r["id"]: r["holdout"] for r in scores.iter_rows(named=True)}
    curve = best_so_far(train_evals, holdout)

    both = (scores.filter(pl.col("train").is_not_null() & pl.col("holdout").is_not_null())
            .select("id", "kind", "name", "generator", "train", "holdout",
                    (pl.col("train") - pl.col("holdout")).alias("gap")))

    # seed, baselines and best evolved per split
    split_rows = []
    seed_scores = {s["split"]: s["score"] for s in split_long.filter(
        (pl.col("program_id") == summary.rows[0].program_id) & (pl.col("status") == "ok")).iter_rows(named=True)}
    for r in rows:
        ev = {s["split"]: (s["score"] if s["status"] == "ok" else None)
              for s in split_long.filter(pl.col("program_id") == r.program_id).iter_rows(named=True)}
        d_train = None if ev.get("train") is None or seed_scores.get("train") is None \
            else ev["train"] - seed_scores["train"]
        d_hold = None if ev.get("holdout") is None or seed_scores.get("holdout") is None \
            else ev["holdout"] - seed_scores["holdout"]
        split_rows.append({"program": r.label, "id": r.program_id, "smoke": ev.get("smoke"),
                           "train": ev.get("train"), "holdout": ev.get("holdout"), "gap": r.gap,
                           "Δtrain vs seed": d_train, "Δholdout vs seed": d_hold})
    split_table = pl.DataFrame(split_rows, schema={
        "program": pl.String, "id": pl.Int64, "smoke": pl.Float64, "train": pl.Float64, "holdout": pl.Float64,
        "gap": pl.Float64, "Δtrain vs seed": pl.Float64, "Δholdout vs seed": pl.Float64})

    # per unit and per scenario (train and holdout units; smoke units are a subset of train)
    units = units_long.filter(pl.col("split").is_in(["train", "holdout"]))
    unit_table = _wide(units, ids, labels, ["split", "unit", "metric"])
    scen = (units.with_columns(pl.col("unit").map_elements(scenario_of, return_dtype=pl.String).alias("scenario"))
            .group_by("program_id", "split", "scenario", "metric", maintain_order=True)
            .agg(pl.col("value").mean(), pl.len().alias("units")))
    counts = scen.group_by("split", "scenario", "metric", maintain_order=True).agg(pl.col("units").first())
    scenario_table = _wide(scen.drop("units"), ids, labels, ["split", "scenario", "metric"])
    if scenario_table.height:
        scenario_table = scenario_table.join(counts, on=["split", "scenario", "metric"], how="left") \
            .select("split", "scenario", "units", *scenario_table.columns[3:])

    # outcomes per generation, and the reasons behind failures
    cands = scores.filter(pl.col("kind") == "candidate").with_columns(outcome_expr())
    outcomes = (cands.group_by("generation", "outcome").agg(pl.len().alias("n"))
                .pivot(on="outcome", index="generation", values="n").fill_null(0).sort("generation"))
    order = ["ok", "duplicate", "rejected (static)", "rejected (early_reject)"]
    other = sorted(c for c in outcomes.columns if c not in order and c != "generation")
    outcomes = outcomes.select("generation", *[c for c in order if c in outcomes.columns], *other)
    outcomes = outcomes.with_columns(pl.col(c).cast(pl.Int64) for c in outcomes.columns)
    reasons = (cands.filter(pl.col("outcome") != "ok")
               .with_columns(pl.col("reason").fill_null("").map_elements(_normalise_reason, return_dtype=pl.String))
               .group_by("outcome", "reason")
               .agg(pl.len().alias("count"), pl.col("generation").min().alias("first gen"),
                    pl.col("generation").max().alias("last gen"))
               .sort(["count", "outcome", "reason"], descending=[True, False, False]))

    # generator mix and cost
    parents = scores.select(pl.col("id").alias("parent"), pl.col("train").alias("parent_train"))
    cands = cands.join(parents, on="parent", how="left").join(costs, left_on="id", right_on="program_id",
                                                               how="left")
    gen = (cands.group_by("generator")
           .agg(pl.len().alias("proposed"), (pl.col("status") == "ok").sum().alias("train-evaluated"),
                (pl.col("status") == "duplicate").sum().alias("duplicate"),
                (~pl.col("status").is_in(["ok", "duplicate"])).sum().alias("failed"),
                (pl.col("train") > pl.col("parent_train")).fill_null(False).sum().alias("improved"),
                pl.col("train").max().alias("best train"),
                pl.col("calls").sum().alias("LLM calls"), pl.col("tokens_in").sum().alias("tokens in"),
                pl.col("tokens_out").sum().alias("tokens out"), pl.col("cost_usd").sum().alias("USD"))
           .with_columns((pl.col("train-evaluated") / pl.col("proposed")).alias("acceptance"))
           .sort("generator"))
    gen = gen.select("generator", "proposed", "train-evaluated", "acceptance", "duplicate", "failed", "improved",
                     "best train", "LLM calls", "tokens in", "tokens out", "USD")
    gen = gen.with_columns(pl.col(c).cast(pl.Int64) for c in
                           ("proposed", "train-evaluated", "duplicate", "failed", "improved", "LLM calls",
                            "tokens in", "tokens out"))
    llm_labels = [g for g in gen["generator"].to_list() if g and str(g).startswith("llm")]
    tokens = int((gen["tokens in"].sum() or 0) + (gen["tokens out"].sum() or 0))
    usd = gen["USD"].sum() or 0.0
    if not llm_labels and tokens == 0 and not usd:
        cost_note = OFFLINE_COST_NOTE
        gen = gen.drop("LLM calls", "tokens in", "tokens out", "USD")
    else:
        calls = int(gen["LLM calls"].sum() or 0)
        cost_note = f"LLM used: {calls} calls, {tokens} tokens, ${usd:.4f}"

    graph, chain_ids = _lineage(scores, summary.best.program_id)
    info = {r["id"]: r for r in scores.iter_rows(named=True)}
    chain = pl.DataFrame([{"id": pid, "generation": info[pid]["generation"], "kind": info[pid]["kind"],
                           "generator": info[pid]["generator"], "edit": info[pid]["edit_summary"] or "",
                           "train": info[pid]["train"], "holdout": info[pid]["holdout"]} for pid in chain_ids],
                         schema={"id": pl.Int64, "generation": pl.Int64, "kind": pl.String, "generator": pl.String,
                                 "edit": pl.String, "train": pl.Float64, "holdout": pl.Float64})

    codes = dict(zip(extra["id"].to_list(), extra["code"].to_list(), strict=True))
    seed_id, best_id = summary.rows[0].program_id, summary.best.program_id
    diff = "".join(difflib.unified_diff(codes[seed_id].splitlines(keepends=True),
                                        codes[best_id].splitlines(keepends=True),
                                        fromfile=f"seed #{seed_id}", tofile=f"best #{best_id}"))
    return RunData(run_dir, summary, run, config, scores, curve, both, split_table, unit_table, scenario_table,
                   outcomes, reasons, gen, cost_note, graph, chain, diff, labels)
