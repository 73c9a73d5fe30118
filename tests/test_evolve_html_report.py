"""Tests for ``adrs report`` (adrs.evolve.report_data / figures / html_report / report_cli).

Reports are built from small real evolve runs made here; every number checked against the Markdown is
read from ``run.sqlite`` independently with plain sqlite3.
"""

from __future__ import annotations

import argparse
import base64
import difflib
import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.image import imread

from adrs.evolve import run_evolve
from adrs.evolve.figures import SIZES, png_size
from adrs.evolve.html_report import COMPARE_SECTIONS, RUN_SECTIONS, fmt, run_labels, write_report
from adrs.evolve.report_cli import add_cli
from adrs.evolve.report_data import OFFLINE_COST_NOTE, best_so_far, load_run, outcome_expr

RUN_FIGURES = ("best_so_far", "train_vs_holdout", "outcomes", "generators", "lineage")


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Real runs: cant-be-late (evolve) and the toy task (evolve, random_mutation)."""
    base = tmp_path_factory.mktemp("html_report")
    out = {"spot": base / "spot", "toy": base / "toy", "toy_random": base / "toy_random"}
    run_evolve("cant-be-late", {"iterations": 16, "workers": 2}, out=out["spot"])
    run_evolve("adrs.evolve.toy:TASK", {"iterations": 16, "workers": 2, "checkpoint_every": 1}, out=out["toy"])
    run_evolve("adrs.evolve.toy:TASK", {"iterations": 16, "workers": 2, "checkpoint_every": 1,
                                        "strategy": "random_mutation"}, out=out["toy_random"])
    return out


@pytest.fixture(scope="module")
def spot_report(runs, tmp_path_factory) -> Path:
    """The report folder of the cant-be-late run."""
    out = tmp_path_factory.mktemp("spot_report")
    write_report([runs["spot"]], out)
    return out


# -- helpers ----------------------------------------------------------------------------------------
def db(run_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(run_dir / "run.sqlite")
    conn.row_factory = sqlite3.Row
    return conn


def md_sections(text: str) -> dict[str, str]:
    """Markdown body by ``## `` heading."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def md_tables(section: str) -> dict[str, list[dict[str, str]]]:
    """Tables of a section keyed by their ``_caption_`` line ("" when uncaptioned)."""
    tables: dict[str, list[dict[str, str]]] = {}
    caption = ""
    lines = section.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.fullmatch(r"_.+_", line.strip()):
            caption = line.strip()[1:-1]
        elif line.startswith("| "):
            header = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("| "):
                cells = [c.strip() for c in re.split(r"(?<!\\) \| ", lines[i].strip()[2:-2])]
                rows.append(dict(zip(header, cells, strict=True)))
                i += 1
            tables[caption] = rows
            caption = ""
            continue
        i += 1
    return tables


def num(cell: str) -> float | None:
    return None if cell == "-" else float(cell)


def close(cell: str, value: float | None) -> bool:
    if value is None:
        return cell == "-"
    return num(cell) == pytest.approx(value, rel=1e-5, abs=1e-12)  # 6 significant digits: rel error <= 5e-6


def ok_scores(conn: sqlite3.Connection, split: str) -> dict[int, float]:
    return {r[0]: r[1] for r in conn.execute(
        "SELECT program_id, score FROM evaluation WHERE split = ? AND status = 'ok'", [split])}


# -- sections and figures ---------------------------------------------------------------------------
def test_every_section_is_present_in_both_documents(spot_report):
    html = (spot_report / "report.html").read_text()
    md = (spot_report / "report.md").read_text()
    sections = md_sections(md)
    assert list(sections) == [title for _, title in RUN_SECTIONS]
    for anchor, title in RUN_SECTIONS:
        assert f'<h2 id="{anchor}">{title}</h2>' in html
        assert sections[title].strip(), title
    assert OFFLINE_COST_NOTE in sections["Summary"] and OFFLINE_COST_NOTE in html
    assert "```diff\n--- seed #1\n+++ best #" in sections["Diff of the best program against the seed"]
    assert 'class="diff"' in html


def test_html_is_self_contained_and_embeds_the_figures(spot_report):
    html = (spot_report / "report.html").read_text()
    srcs = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert len(srcs) == len(RUN_FIGURES)
    assert not re.search(r'(href|src)="(?!data:|#)', html), "external reference in the HTML"
    embedded = [base64.b64decode(s.split(",", 1)[1]) for s in srcs]
    files = [(spot_report / f"{stem}.png").read_bytes() for stem in RUN_FIGURES]
    assert embedded == files


def test_figures_are_nonempty_pngs_of_the_expected_size(spot_report):
    md = (spot_report / "report.md").read_text()
    for stem in RUN_FIGURES:
        assert f"]({stem}.png)" in md
        data = (spot_report / f"{stem}.png").read_bytes()
        assert png_size(data) == SIZES[stem]
        pixels = imread(spot_report / f"{stem}.png")
        assert pixels.shape[:2] == (SIZES[stem][1], SIZES[stem][0])
        assert float(np.asarray(pixels[..., :3]).std()) > 0.02, f"{stem} looks blank"


def test_png_size_rejects_other_data():
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + b"\0" * 30)


# -- tables against the database --------------------------------------------------------------------
def test_split_table_matches_the_database(runs, spot_report):
    table = md_tables(md_sections((spot_report / "report.md").read_text())
                      ["Seed, baselines and best evolved per split"])
    rows = next(iter(table.values()))
    conn = db(runs["spot"])
    kinds = conn.execute("SELECT id, kind FROM program WHERE kind IN ('seed', 'baseline') ORDER BY id").fetchall()
    best_id, best_train = conn.execute(
        "SELECT p.id, e.score FROM program p JOIN evaluation e ON e.program_id = p.id AND e.split = 'train' "
        "AND e.status = 'ok' WHERE p.kind IN ('seed', 'candidate') ORDER BY e.score DESC, p.id LIMIT 1").fetchone()
    assert [int(r["id"]) for r in rows] == [k["id"] for k in kinds] + [best_id]
    assert rows[-1]["program"] == f"best evolved (#{best_id})" and close(rows[-1]["train"], best_train)
    scores = {s: ok_scores(conn, s) for s in ("smoke", "train", "holdout")}
    seed = kinds[0]["id"]
    for row in rows:
        pid = int(row["id"])
        for split in ("smoke", "train", "holdout"):
            assert close(row[split], scores[split].get(pid)), (pid, split)
        assert close(row["gap"], scores["train"][pid] - scores["holdout"][pid])
        assert close(row["Δholdout vs seed"], scores["holdout"][pid] - scores["holdout"][seed])
    conn.close()


def test_train_vs_holdout_table_lists_every_program_scored_on_both(runs, spot_report):
    section = md_sections((spot_report / "report.md").read_text())["Train vs holdout"]
    rows = md_tables(section)["every program scored on train and holdout"]
    conn = db(runs["spot"])
    train, holdout = ok_scores(conn, "train"), ok_scores(conn, "holdout")
    both = sorted(set(train) & set(holdout))
    assert [int(r["id"]) for r in rows] == both and len(both) >= 5
    for r in rows:
        pid = int(r["id"])
        assert close(r["train"], train[pid]) and close(r["holdout"], holdout[pid])
        assert close(r["gap"], train[pid] - holdout[pid])
    assert f"{len(both)} programs were scored on both" in section
    conn.close()


def test_unit_and_scenario_tables_match_unit_metric(runs, spot_report):
    tables = md_tables(md_sections((spot_report / "report.md").read_text())["Per scenario and per unit"])
    units = tables["per-unit metrics (unit_metric table)"]
    scen = tables["mean over the units of each scenario (unit id up to the last '/')"]
    conn = db(runs["spot"])
    label_ids = {r["program"]: int(r["id"]) for r in md_tables(md_sections(
        (spot_report / "report.md").read_text())["Seed, baselines and best evolved per split"]).popitem()[1]}
    values = {(r["program_id"], r["split"], r["unit"], r["metric"]): r["value"]
              for r in conn.execute("SELECT * FROM unit_metric WHERE split IN ('train', 'holdout')")}
    n_units = conn.execute("SELECT COUNT(DISTINCT split || unit || metric) FROM unit_metric "
                           "WHERE split IN ('train', 'holdout')").fetchone()[0]
    assert len(units) == n_units
    for row in units:
        for label, pid in label_ids.items():
            assert close(row[label], values[(pid, row["split"], row["unit"], row["metric"])]), (label, row["unit"])
    for row in scen:
        for label, pid in label_ids.items():
            members = [v for (p, s, u, m), v in values.items()
                       if p == pid and s == row["split"] and u.rsplit("/", 1)[0] == row["scenario"]]
            assert int(row["units"]) == len(members) > 1
            assert close(row[label], sum(members) / len(members))
    conn.close()


def test_outcomes_generators_and_funnel_match_the_database(runs, spot_report):
    sections = md_sections((spot_report / "report.md").read_text())
    conn = db(runs["spot"])
    outcomes = md_tables(sections["Rejection reasons over time"])["proposals per generation and outcome"]
    per_gen = dict(conn.execute("SELECT generation, COUNT(*) FROM program WHERE kind = 'candidate' "
                                "GROUP BY generation").fetchall())
    ok_gen = dict(conn.execute("SELECT generation, COUNT(*) FROM program WHERE kind = 'candidate' AND status = 'ok' "
                               "GROUP BY generation").fetchall())
    assert [int(r["generation"]) for r in outcomes] == sorted(per_gen)
    for r in outcomes:
        g = int(r["generation"])
        assert sum(int(v) for k, v in r.items() if k != "generation") == per_gen[g]
        assert int(r.get("ok", "0")) == ok_gen.get(g, 0)

    gens = md_tables(sections["Generator mix and cost"])
    rows = gens["per generator label; improved = train above its first parent's train"]
    expected = {r[0]: (r[1], r[2]) for r in conn.execute(
        "SELECT generator, COUNT(*), SUM(status = 'ok') FROM program WHERE kind = 'candidate' GROUP BY generator")}
    assert {r["generator"]: (int(r["proposed"]), int(r["train-evaluated"])) for r in rows} == expected
    for r in rows:
        assert close(r["acceptance"], int(r["train-evaluated"]) / int(r["proposed"]))
    assert f"Cost: {OFFLINE_COST_NOTE}." in sections["Generator mix and cost"]

    funnel = {r["stage"]: int(r["programs"]) for r in md_tables(sections["Summary"])["funnel of the proposals"]}
    assert funnel["proposed"] == sum(per_gen.values()) == 16
    assert funnel["duplicate"] == conn.execute("SELECT COUNT(*) FROM program WHERE status = 'duplicate'").fetchone()[0]
    conn.close()


def test_best_so_far_lineage_and_diff_match_the_database(runs, spot_report):
    sections = md_sections((spot_report / "report.md").read_text())
    conn = db(runs["spot"])
    train = ok_scores(conn, "train")
    progs = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM program")}
    evaluated = [pid for (pid,) in conn.execute(
        "SELECT p.id FROM program p JOIN evaluation e ON e.program_id = p.id AND e.split = 'train' "
        "WHERE p.kind = 'candidate' ORDER BY p.id")]
    seed = next(pid for pid, p in progs.items() if p["kind"] == "seed")
    best, steps = seed, [(0, seed)]
    for i, pid in enumerate(evaluated, start=1):
        if pid in train and train[pid] > train[best]:
            best = pid
            steps.append((i, pid))
    rows = md_tables(sections["Best so far"])["improvements of the best so far"]
    assert [(int(r["evaluated"]), int(r["best_id"])) for r in rows] == steps
    for r in rows:
        assert close(r["best_train"], train[int(r["best_id"])])

    chain = [seed] if best == seed else [best]
    while chain[-1] != seed:
        chain.append(json.loads(progs[chain[-1]]["parent_ids"])[0])
    lineage = md_tables(sections["Lineage of the best program"])
    assert [int(r["id"]) for r in lineage["first-parent chain from the best program back to the seed"]] == chain

    diff = "".join(difflib.unified_diff(progs[seed]["code"].splitlines(keepends=True),
                                       progs[best]["code"].splitlines(keepends=True),
                                       fromfile=f"seed #{seed}", tofile=f"best #{best}"))
    block = re.search(r"```diff\n(.*?)```", sections["Diff of the best program against the seed"], re.S)
    assert block and block.group(1) == diff.rstrip("\n") + "\n"
    conn.close()


def test_lineage_graph_edges_follow_parent_ids(runs):
    data = load_run(runs["toy"])
    conn = db(runs["toy"])
    parents = {r[0]: json.loads(r[1]) for r in conn.execute("SELECT id, parent_ids FROM program")}
    conn.close()
    graph = data.lineage
    assert data.best_id in graph and data.seed_id in graph
    for u, v, attrs in graph.edges(data=True):
        assert u in parents[v]
        assert attrs["primary"] == (parents[v][0] == u)
    for node in graph.nodes:
        if graph.nodes[node]["expanded"]:
            assert set(graph.predecessors(node)) == set(parents[node])


# -- pure pieces ------------------------------------------------------------------------------------
def test_best_so_far_is_best_by_train_with_ties_to_the_lower_id():
    frame = pl.DataFrame({"id": [1, 5, 6, 7, 8], "kind": ["seed", "candidate", "candidate", "candidate", "candidate"],
                          "generation": [-1, 0, 0, 1, 1], "train_status": ["ok", "ok", "error", "ok", "ok"],
                          "train": [0.1, 0.3, None, 0.3, 0.2]})
    curve = best_so_far(frame, {5: 0.25, 7: 0.9})
    assert curve["evaluated"].to_list() == [0, 1, 2, 3, 4]
    assert curve["best_id"].to_list() == [1, 5, 5, 5, 5]
    assert curve["best_train"].to_list() == [0.1, 0.3, 0.3, 0.3, 0.3]
    assert curve["best_holdout"].to_list() == [None, 0.25, 0.25, 0.25, 0.25]  # never the 0.9 of #7


def test_outcome_categories():
    frame = pl.DataFrame({"status": ["ok", "duplicate", "rejected", "invalid", "timeout", "error"],
                          "reason": ["", "same behaviour as program 3", "syntax: bad", "probe: run 0 tick 1: boom",
                                     "train: cpu limit", "weird"]})
    assert frame.select(outcome_expr())["outcome"].to_list() == [
        "ok", "duplicate", "rejected (static)", "invalid (probe)", "timeout (train)", "error (?)"]


def test_fmt_and_run_labels(tmp_path):
    assert fmt(None) == "-" and fmt(float("nan")) == "-" and fmt(0.123456789) == "0.123457" and fmt(3) == "3"
    assert run_labels([tmp_path / "a" / "run", tmp_path / "b" / "run"]) == ["a/run", "b/run"]
    assert run_labels([tmp_path / "x", tmp_path / "y"]) == ["x", "y"]


# -- cost -------------------------------------------------------------------------------------------
def _copy_run(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    src_conn = sqlite3.connect(src / "run.sqlite")
    dst_conn = sqlite3.connect(dst / "run.sqlite")
    src_conn.backup(dst_conn)
    src_conn.close()
    dst_conn.close()
    return dst


@pytest.mark.parametrize("source", ["llm_call", "gen_state"])
def test_llm_tokens_and_usd_are_reported(runs, tmp_path, source):
    run = _copy_run(runs["toy"], tmp_path / "run")
    conn = sqlite3.connect(run / "run.sqlite")
    cands = [r[0] for r in conn.execute("SELECT id FROM program WHERE kind = 'candidate' ORDER BY id LIMIT 3")]
    conn.execute(f"UPDATE program SET generator = 'llm/fake-model' WHERE id IN ({','.join(map(str, cands))})")
    if source == "llm_call":
        for i, pid in enumerate(cands):  # a failed call (no tokens, no cost) next to each answered one
            conn.execute("INSERT INTO llm_call (program_id, model, status, error) VALUES (?, 'fake', 'failed', "
                         "'InternalServerError: 500')", [pid])
            conn.execute("INSERT INTO llm_call (program_id, model, tokens_in, tokens_out, cost_usd) "
                         "VALUES (?, 'fake', ?, ?, ?)", [pid, 1000 + i, 200, 0.01])
    else:
        for i, pid in enumerate(cands):
            conn.execute("UPDATE program SET gen_state = ? WHERE id = ?",
                         [json.dumps({"tokens_in": 1000 + i, "tokens_out": 200, "cost_usd": 0.01}), pid])
    conn.commit()
    conn.close()
    files = write_report([run], tmp_path / "out")
    section = md_sections(files.markdown.read_text())["Generator mix and cost"]
    row = next(r for r in next(iter(md_tables(section).values())) if r["generator"] == "llm/fake-model")
    assert (int(row["LLM calls"]), int(row["tokens in"]), int(row["tokens out"])) == (3, 3003, 600)
    assert close(row["USD"], 0.03)
    assert "LLM used: 3 calls, 3603 tokens, $0.0300" in section
    assert OFFLINE_COST_NOTE not in files.markdown.read_text()


def test_report_needs_only_the_database_and_is_deterministic(runs, tmp_path):
    """A copy of run.sqlite alone (no summary.json, no best_program.py) gives the same report (CLI default --out)."""
    run = _copy_run(runs["toy"], tmp_path / "run")
    args = _parser().parse_args(["report", str(run)])
    assert args.func(args) == 0
    assert not (run / "summary.json").exists() and not (run / "best_program.py").exists()
    copy = (run / "report" / "report.md").read_text()
    original = write_report([runs["toy"]], tmp_path / "original").markdown.read_text()
    assert copy == original
    assert list(md_sections(copy)) == [title for _, title in RUN_SECTIONS]


def test_a_run_without_candidates_or_holdout_still_reports(runs, tmp_path):
    """Degenerate store (only seed and baselines, no holdout yet): every section, no diff, no crash."""
    run = _copy_run(runs["toy"], tmp_path / "run")
    conn = sqlite3.connect(run / "run.sqlite")
    cands = "SELECT id FROM program WHERE kind = 'candidate'"
    conn.execute(f"DELETE FROM unit_metric WHERE program_id IN ({cands})")
    conn.execute(f"DELETE FROM evaluation WHERE program_id IN ({cands}) OR split = 'holdout'")
    conn.execute("DELETE FROM program WHERE kind = 'candidate'")
    conn.commit()
    conn.close()
    files = write_report([run], tmp_path / "out")
    sections = md_sections(files.markdown.read_text())
    assert list(sections) == [title for _, title in RUN_SECTIONS]
    assert "The best program is the seed: no diff." in sections["Diff of the best program against the seed"]
    assert "0 programs were scored on both" in sections["Train vs holdout"]
    for stem in RUN_FIGURES:
        assert png_size((tmp_path / "out" / f"{stem}.png").read_bytes()) == SIZES[stem]


# -- several runs -----------------------------------------------------------------------------------
def test_multi_run_report_puts_runs_side_by_side(runs, tmp_path):
    files = write_report([runs["toy"], runs["toy_random"]], tmp_path / "cmp")
    md = files.markdown.read_text()
    html = files.html.read_text()
    sections = md_sections(md)
    assert list(sections) == [title for _, title in COMPARE_SECTIONS]
    for anchor, title in COMPARE_SECTIONS:
        assert f'<h2 id="{anchor}">{title}</h2>' in html
    assert [p.name for p in files.figures] == ["compare_best_so_far.png"]
    assert png_size(files.figures[0].read_bytes()) == SIZES["compare_best_so_far"]
    assert "unequal budgets" not in md and "different environments" not in md
    rows = next(iter(md_tables(sections["Runs side by side"]).values()))
    assert [r["run"] for r in rows] == ["toy", "toy_random"]
    for row, key in zip(rows, ("toy", "toy_random"), strict=True):
        conn = db(runs[key])
        strategy = conn.execute("SELECT strategy FROM run").fetchone()[0]
        best_id, best_train = conn.execute(
            "SELECT p.id, e.score FROM program p JOIN evaluation e ON e.program_id = p.id AND e.split = 'train' "
            "AND e.status = 'ok' WHERE p.kind IN ('seed', 'candidate') ORDER BY e.score DESC, p.id LIMIT 1"
        ).fetchone()
        holdout = ok_scores(conn, "holdout")
        evaluated = conn.execute("SELECT COUNT(*) FROM evaluation e JOIN program p ON p.id = e.program_id "
                                 "WHERE e.split = 'train' AND p.kind = 'candidate'").fetchone()[0]
        conn.close()
        assert row["strategy"] == strategy and row["budget"] == "16 iterations"
        assert int(row["evaluated"]) == evaluated and int(row["proposals"]) == 16
        assert int(row["best id"]) == best_id and close(row["best train"], best_train)
        assert close(row["best holdout"], holdout[best_id]) and close(row["gap"], best_train - holdout[best_id])
    assert {r["strategy"] for r in rows} == {"evolve", "random_mutation"}


def test_multi_run_flags_other_environments(runs, tmp_path):
    md = write_report([runs["toy"], runs["spot"]], tmp_path / "cmp").markdown.read_text()
    assert "runs of different environments (cant-be-late, toy)" in md


# -- command line -----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="adrs")
    add_cli(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cli_single_multi_and_missing(runs, tmp_path, capsys):
    parser = _parser()
    args = parser.parse_args(["report", str(runs["toy_random"]), "--out", str(tmp_path / "one")])
    assert args.func(args) == 0
    assert (tmp_path / "one" / "report.html").is_file() and (tmp_path / "one" / "lineage.png").is_file()
    assert "random_mutation" in (tmp_path / "one" / "report.md").read_text()
    args = parser.parse_args(["report", str(runs["toy"]), str(runs["toy_random"]), "--out", str(tmp_path / "two")])
    assert args.func(args) == 0
    assert "Runs side by side" in (tmp_path / "two" / "report.md").read_text()
    args = parser.parse_args(["report", str(tmp_path / "nothing")])
    assert args.func(args) == 2
    assert "no run.sqlite" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        parser.parse_args(["report"])
