"""``adrs report`` documents: a self-contained HTML report and a Markdown summary, built only from the store.

One run (:func:`write_run_report`): ``report.html`` (figures embedded as base64 PNG data URIs, no external
assets) and ``report.md`` with the same figures written as PNG files beside it. Sections, in order
(:data:`RUN_SECTIONS`): summary, best so far, train vs holdout, seed/baselines/best per split, per
scenario and per unit, outcomes and rejection reasons over time, generator mix and cost, lineage of the
best program, diff of the best program against the seed.

Several runs (:func:`write_comparison`): one combined best-so-far figure and one table with each run's
strategy, budget used, best train, best holdout and gap (:data:`COMPARE_SECTIONS`).

Numbers are printed with :func:`fmt` (6 significant digits) in both documents.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from adrs.evolve import figures
from adrs.evolve.report_data import OFFLINE_COST_NOTE, RunData, load_run

RUN_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("best-so-far", "Best so far"),
    ("train-vs-holdout", "Train vs holdout"),
    ("splits", "Seed, baselines and best evolved per split"),
    ("units", "Per scenario and per unit"),
    ("outcomes", "Rejection reasons over time"),
    ("generators", "Generator mix and cost"),
    ("lineage", "Lineage of the best program"),
    ("diff", "Diff of the best program against the seed"),
)
"""``(anchor, title)`` of every section of a single-run report, in order."""

COMPARE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("runs", "Runs side by side"),
    ("best-so-far", "Best so far"),
    ("splits", "Seed, baselines and best evolved per run"),
)
"""``(anchor, title)`` of every section of a multi-run report, in order."""

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}th{background:#f3f3f3}
td.t,th.t{text-align:left}img{max-width:100%;border:1px solid #eee}
.banner{background:#fff6d6;border:1px solid #e6c200;padding:.5em .8em;margin:.6em 0}
pre.diff{background:#fafafa;border:1px solid #ddd;padding:.6em;overflow-x:auto;font-size:.8em}
.add{color:#116329;background:#e6ffec}.del{color:#82071e;background:#ffebe9}.hunk{color:#6f42c1}
details{margin:.5em 0}
"""


def fmt(value: object) -> str:
    """A table cell: ``-`` for missing, 6 significant digits for floats, ``str`` otherwise."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:.6g}"
    return str(value)


def _md_cell(value: object) -> str:
    return fmt(value).replace("|", "\\|").replace("\n", " ")


def table_md(df: pl.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (text columns left-aligned, others right)."""
    if not df.width:
        return "_(empty)_\n"
    align = [":---" if df[c].dtype == pl.String else "---:" for c in df.columns]
    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in df.columns) + " |", "| " + " | ".join(align) + " |"]
    for row in df.iter_rows():
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def table_html(df: pl.DataFrame) -> str:
    """An HTML table of ``df`` (escaped; text columns left-aligned)."""
    text = {c for c in df.columns if df[c].dtype == pl.String}
    head = "".join(f'<th class="t">{html.escape(c)}</th>' if c in text else f"<th>{html.escape(c)}</th>"
                   for c in df.columns)
    body = []
    for row in df.iter_rows(named=True):
        cells = "".join(f'<td class="t">{html.escape(fmt(v))}</td>' if c in text else f"<td>{html.escape(fmt(v))}</td>"
                        for c, v in row.items())
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def diff_html(diff: str) -> str:
    """A unified diff as a coloured ``<pre>`` block."""
    out = []
    for line in diff.splitlines():
        cls = ("add" if line.startswith("+") and not line.startswith("+++") else
               "del" if line.startswith("-") and not line.startswith("---") else
               "hunk" if line.startswith("@@") else "")
        text = html.escape(line)
        out.append(f'<span class="{cls}">{text}</span>' if cls else text)
    return '<pre class="diff">' + "\n".join(out) + "</pre>"


@dataclass
class _Doc:
    """A report being assembled in both formats at once."""

    title: str
    md: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    figures: dict[str, bytes] = field(default_factory=dict)

    def section(self, anchor: str, title: str) -> None:
        self.md.append(f"\n## {title}\n")
        self.html.append(f'<h2 id="{anchor}">{html.escape(title)}</h2>')

    def para(self, text: str) -> None:
        self.md.append(text + "\n")
        self.html.append(f"<p>{html.escape(text)}</p>")

    def banner(self, text: str) -> None:
        self.md.append(f"> **{text}**\n")
        self.html.append(f'<div class="banner"><b>{html.escape(text)}</b></div>')

    def table(self, df: pl.DataFrame, caption: str = "", fold: bool = False) -> None:
        if caption:
            self.md.append(f"_{caption}_\n")
        self.md.append(table_md(df))
        body = table_html(df)
        if fold:
            self.html.append(f"<details><summary>{html.escape(caption or 'table')} ({df.height} rows)</summary>"
                             f"{body}</details>")
        else:
            if caption:
                self.html.append(f"<p><i>{html.escape(caption)}</i></p>")
            self.html.append(body)

    def figure(self, stem: str, png: bytes, alt: str) -> None:
        self.figures[f"{stem}.png"] = png
        self.md.append(f"![{alt}]({stem}.png)\n")
        data = base64.b64encode(png).decode("ascii")
        self.html.append(f'<p><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></p>')

    def write(self, out: Path, md_name: str, html_name: str) -> ReportFiles:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, png in self.figures.items():
            (out / name).write_bytes(png)
            written.append(out / name)
        md_path = out / md_name
        md_path.write_text(f"# {self.title}\n" + "\n".join(self.md))
        html_path = out / html_name
        html_path.write_text(
            f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(self.title)}"
            f"</title><style>{CSS}</style></head><body><h1>{html.escape(self.title)}</h1>\n"
            + "\n".join(self.html) + "\n</body></html>\n")
        return ReportFiles(html_path, md_path, written)


@dataclass
class ReportFiles:
    """Paths written by a report."""

    html: Path
    markdown: Path
    figures: list[Path]


def _overview(data: RunData) -> pl.DataFrame:
    run, cfg, s = data.run, data.config, data.summary
    items = [
        ("env", run["env"]), ("strategy", run["strategy"]), ("seed", run["seed"]),
        ("generator", cfg.get("generator", "")),
        ("generator labels", ", ".join(str(g) for g in data.generators["generator"].to_list())),
        ("config hash", run["config_hash"]), ("versions", run["versions_json"]),
        ("stop reason", run["stop_reason"]), ("elapsed (s)", run["elapsed_s"]),
        ("proposals", data.proposals), ("candidates evaluated (train)", data.candidates_evaluated),
        ("iterations budget", cfg.get("iterations")), ("max evaluations budget", cfg.get("max_evaluations")),
        ("best evolved", f"#{s.best.program_id}"), ("best train", s.best.train), ("best holdout", s.best.holdout),
        ("best gap (train - holdout)", s.best.gap),
    ]
    return pl.DataFrame({"item": [k for k, _ in items], "value": [fmt(v) for _, v in items]})


def _funnel(data: RunData) -> pl.DataFrame:
    return pl.DataFrame({"stage": list(data.summary.funnel), "programs": list(data.summary.funnel.values())},
                        schema={"stage": pl.String, "programs": pl.Int64})


def _run_doc(data: RunData, title: str) -> _Doc:
    doc = _Doc(title)
    s = data.summary
    doc.section(*RUN_SECTIONS[0])
    if not data.uses_llm:
        doc.banner(OFFLINE_COST_NOTE)
    doc.table(_overview(data))
    doc.table(_funnel(data), "funnel of the proposals")

    doc.section(*RUN_SECTIONS[1])
    doc.para("Best-so-far train score (best by train; ties to the lower id) against candidates evaluated, the "
             "seed at 0, and the holdout score of that same program wherever it was scored on holdout. Holdout "
             "never selects.")
    doc.figure("best_so_far", figures.best_so_far(data), "best so far")
    steps = data.best_so_far.filter(pl.col("best_id") != pl.col("best_id").shift(1).fill_null(-1))
    doc.table(steps.select("evaluated", "best_id", "best_train", "best_holdout"), "improvements of the best so far")

    doc.section(*RUN_SECTIONS[2])
    doc.para(f"{data.both.height} programs were scored on both train and holdout. gap = train - holdout "
             "(positive means overfitting).")
    doc.figure("train_vs_holdout", figures.train_vs_holdout(data), "train vs holdout")
    doc.table(data.both, "every program scored on train and holdout")

    doc.section(*RUN_SECTIONS[3])
    doc.table(data.split_table, f"best evolved is #{s.best.program_id} (best by train)")

    doc.section(*RUN_SECTIONS[4])
    grouped = data.scenario_table.height and data.scenario_table["units"].max() > 1  # type: ignore[operator]
    if grouped:
        doc.table(data.scenario_table, "mean over the units of each scenario (unit id up to the last '/')")
    else:
        doc.para("Each unit is its own scenario.")
    doc.table(data.unit_table, "per-unit metrics (unit_metric table)", fold=bool(grouped))

    doc.section(*RUN_SECTIONS[5])
    doc.para("Proposals per generation by outcome: ok (train-evaluated), duplicate, rejected by the static "
             "checks, or STATUS (STAGE) for a failure at the probe, smoke or train stage.")
    doc.figure("outcomes", figures.outcomes(data), "outcomes per generation")
    doc.table(data.outcomes, "proposals per generation and outcome")
    doc.table(data.reasons, "reasons (numbers replaced by N)")

    doc.section(*RUN_SECTIONS[6])
    if data.uses_llm:
        doc.banner(data.cost_note)
    else:
        doc.para(f"Cost: {OFFLINE_COST_NOTE}.")
    doc.figure("generators", figures.generators(data), "generator mix")
    doc.table(data.generators, "per generator label; improved = train above its first parent's train")

    doc.section(*RUN_SECTIONS[7])
    doc.figure("lineage", figures.lineage(data), "lineage of the best program")
    doc.table(data.chain, "first-parent chain from the best program back to the seed")

    doc.section(*RUN_SECTIONS[8])
    seed_label = s.rows[0].label
    if data.diff:
        doc.md.append(f"Unified diff, {seed_label} #{data.seed_id} -> best #{data.best_id}:\n")
        doc.md.append("```diff\n" + data.diff.rstrip("\n") + "\n```\n")
        doc.html.append(f"<p>Unified diff, {html.escape(seed_label)} #{data.seed_id} → best #{data.best_id}:</p>")
        doc.html.append(diff_html(data.diff))
    else:
        doc.para("The best program is the seed: no diff.")
    return doc


def write_run_report(run_dir: str | Path, out: str | Path | None = None) -> ReportFiles:
    """Write ``report.html``, ``report.md`` and its PNG figures for the run in ``run_dir``.

    ``out`` defaults to ``RUN_DIR/report``.
    """
    data = load_run(run_dir)
    folder = Path(out) if out is not None else Path(run_dir) / "report"
    title = f"adrs report: {data.run['env']} / {data.run['strategy']} (seed {data.run['seed']})"
    return _run_doc(data, title).write(folder, "report.md", "report.html")


def run_labels(run_dirs: Sequence[str | Path]) -> list[str]:
    """Short unique labels for runs: folder names, prefixed by parents where they clash."""
    paths = [Path(d).resolve() for d in run_dirs]
    depth = 1
    while True:
        labels = ["/".join(p.parts[-depth:]) for p in paths]
        if len(set(labels)) == len(labels) or depth >= max(len(p.parts) for p in paths):
            return labels if len(set(labels)) == len(labels) else [f"{lab} [{i}]" for i, lab in enumerate(labels)]
        depth += 1


def budget_label(config: dict) -> str:
    """The search budget a run was given, e.g. ``48 iterations`` or ``40 evaluations, 5 min``."""
    parts = []
    for key, unit in (("iterations", "iterations"), ("max_evaluations", "evaluations"), ("minutes", "min")):
        value = config.get(key)
        if value:
            parts.append(f"{value:g} {unit}" if isinstance(value, float) else f"{value} {unit}")
    return ", ".join(parts) or "unbounded"


def comparison_table(runs: Sequence[RunData], labels: Sequence[str]) -> pl.DataFrame:
    """One row per run: strategy, budget used, seed and best scores, gap and holdout change over the seed."""
    rows = []
    for run, label in zip(runs, labels, strict=True):
        s = run.summary
        seed = s.rows[0]
        rows.append({
            "run": label, "env": run.run["env"], "strategy": run.run["strategy"], "seed": int(run.run["seed"]),
            "generator": str(run.config.get("generator", "")), "budget": budget_label(run.config),
            "proposals": run.proposals,
            "evaluated": run.candidates_evaluated, "stop": run.run["stop_reason"],
            "best id": s.best.program_id, "best train": s.best.train, "best holdout": s.best.holdout,
            "gap": s.best.gap,
            "Δholdout vs seed": None if s.best.holdout is None or seed.holdout is None
            else s.best.holdout - seed.holdout,
        })
    return pl.DataFrame(rows, schema={
        "run": pl.String, "env": pl.String, "strategy": pl.String, "seed": pl.Int64, "generator": pl.String,
        "budget": pl.String, "proposals": pl.Int64, "evaluated": pl.Int64, "stop": pl.String, "best id": pl.Int64,
        "best train": pl.Float64, "best holdout": pl.Float64, "gap": pl.Float64, "Δholdout vs seed": pl.Float64})


def write_comparison(run_dirs: Sequence[str | Path], out: str | Path | None = None) -> ReportFiles:
    """Write ``report.html`` / ``report.md`` comparing several runs side by side.

    ``out`` defaults to ``report-compare`` in the runs' common parent folder.
    """
    if len(run_dirs) < 2:
        raise ValueError("a comparison needs at least two run folders")
    runs = [load_run(d) for d in run_dirs]
    labels = run_labels(run_dirs)
    folder = Path(out) if out is not None else \
        Path(os.path.commonpath([str(Path(d).resolve()) for d in run_dirs])) / "report-compare"
    envs = sorted({r.run["env"] for r in runs})
    doc = _Doc(f"adrs report: {len(runs)} runs of {', '.join(envs)}")
    table = comparison_table(runs, labels)

    doc.section(*COMPARE_SECTIONS[0])
    if len(envs) > 1:
        doc.banner(f"runs of different environments ({', '.join(envs)}): scores are not comparable")
    budgets = sorted(set(table["budget"].to_list()))
    if len(budgets) > 1:
        doc.banner(f"unequal budgets: {'; '.join(budgets)}")
    if all(not r.uses_llm for r in runs):
        doc.banner(OFFLINE_COST_NOTE)
    doc.table(table, "best = best by train in each run; gap = train - holdout; budget = what the run was given; "
              "proposals and evaluated (candidates with a train evaluation) = what it used")

    doc.section(*COMPARE_SECTIONS[1])
    legend = [f"{label} ({run.run['strategy']})" for run, label in zip(runs, labels, strict=True)]
    doc.figure("compare_best_so_far", figures.compare_best_so_far(runs, legend), "best so far, all runs")

    doc.section(*COMPARE_SECTIONS[2])
    for run, label in zip(runs, labels, strict=True):
        doc.table(run.split_table, f"{label} ({run.run['strategy']})")
    return doc.write(folder, "report.md", "report.html")


def write_report(run_dirs: Sequence[str | Path], out: str | Path | None = None) -> ReportFiles:
    """One run folder: the run report; several: the side-by-side comparison."""
    writer: Callable[..., ReportFiles] = write_run_report if len(run_dirs) == 1 else write_comparison
    return writer(run_dirs[0] if len(run_dirs) == 1 else run_dirs, out)
