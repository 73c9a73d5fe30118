"""matplotlib figures of ``adrs report`` (Agg canvas, no pyplot state), each returned as PNG bytes.

Every figure has a fixed pixel size (:data:`SIZES`, at :data:`DPI`), so reports are reproducible and
tests can check the PNG header. The inputs are the frames of :class:`.report_data.RunData`.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence

import networkx as nx
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from adrs.evolve.report_data import RunData

DPI = 100
"""Dots per inch of every figure."""

SIZES: dict[str, tuple[int, int]] = {
    "best_so_far": (900, 450),
    "train_vs_holdout": (1000, 450),
    "outcomes": (900, 400),
    "generators": (1000, 400),
    "lineage": (900, 450),
    "compare_best_so_far": (1000, 450),
}
"""Pixel size (width, height) of each figure."""

KIND_COLOURS = {"seed": "#444444", "baseline": "#1f77b4", "candidate": "#ff7f0e"}
OUTCOME_COLOURS = {"ok": "#2ca02c", "duplicate": "#9e9e9e", "rejected (static)": "#d62728",
                   "rejected (early_reject)": "#ff7f0e", "pending": "#bcbd22"}


def _figure(name: str) -> Figure:
    width, height = SIZES[name]
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)  # never bbox_inches="tight": the size must stay fixed
    return buf.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` from a PNG's IHDR chunk; ValueError if ``data`` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def best_so_far(data: RunData) -> bytes:
    """Best-so-far train score, and the holdout score of that train-selected program, per candidate evaluated."""
    fig = _figure("best_so_far")
    ax = fig.add_subplot(1, 1, 1)
    curve = data.best_so_far
    x = curve["evaluated"].to_list()
    ax.step(x, curve["best_train"].to_list(), where="post", color="#1f77b4", lw=2, label="best so far (train)")
    hold = curve.filter(pl.col("best_holdout").is_not_null())
    if hold.height:
        ax.step(hold["evaluated"].to_list(), hold["best_holdout"].to_list(), where="post", color="#d62728", lw=1.5,
                ls="--", marker="o", ms=3, label="holdout of that program")
    seed_row = data.split_table.row(0, named=True)
    if seed_row["train"] is not None:
        ax.axhline(seed_row["train"], color="#444444", lw=0.8, ls=":", label="seed (train)")
    ax.set_xlabel("candidates evaluated")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(f"score ({data.run['env']}, higher is better)")
    ax.set_title(f"best so far: {data.run['env']} / {data.run['strategy']}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _png(fig)


def train_vs_holdout(data: RunData) -> bytes:
    """Scatter of train vs holdout for every program scored on both, and their generalisation gaps."""
    fig = _figure("train_vs_holdout")
    ax, gap_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    both = data.both
    for kind, colour in KIND_COLOURS.items():
        sub = both.filter(pl.col("kind") == kind)
        if sub.height:
            ax.scatter(sub["train"].to_list(), sub["holdout"].to_list(), c=colour, s=28, label=kind,
                       edgecolors="white", linewidths=0.5)
    if both.height:
        lo = min(both["train"].min(), both["holdout"].min())  # type: ignore[type-var]
        hi = max(both["train"].max(), both["holdout"].max())  # type: ignore[type-var]
        pad = 0.05 * ((hi - lo) or 1.0)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="#888888", lw=0.8, ls="--", label="holdout = train")
        best = both.filter(pl.col("id") == data.best_id)
        if best.height:
            b = best.row(0, named=True)
            ax.scatter([b["train"]], [b["holdout"]], s=120, facecolors="none", edgecolors="black", lw=1.5,
                       label=f"best #{b['id']} (gap {b['gap']:+.4g})")
    ax.set_xlabel("train score")
    ax.set_ylabel("holdout score")
    ax.set_title("train vs holdout")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="best")
    ordered = both.sort("train")
    labels = [f"#{i}" for i in ordered["id"].to_list()]
    colours = [KIND_COLOURS.get(k, "#888888") for k in ordered["kind"].to_list()]
    gap_ax.bar(range(len(labels)), ordered["gap"].to_list(), color=colours)
    gap_ax.axhline(0, color="black", lw=0.8)
    gap_ax.set_xticks(range(len(labels)))
    gap_ax.set_xticklabels(labels, rotation=90, fontsize=7)
    gap_ax.set_ylabel("gap = train - holdout")
    gap_ax.set_title("generalisation gap (sorted by train)")
    gap_ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _png(fig)


def outcomes(data: RunData) -> bytes:
    """Proposals per generation stacked by outcome (ok, duplicate, rejected, failures by stage)."""
    fig = _figure("outcomes")
    ax = fig.add_subplot(1, 1, 1)
    table = data.outcomes
    gens = table["generation"].to_list() if table.height else []
    bottom = [0] * len(gens)
    cmap = iter(["#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#aec7e8", "#ffbb78"])
    for col in table.columns[1:]:
        values = table[col].to_list()
        colour = OUTCOME_COLOURS.get(col) or next(cmap, "#555555")
        ax.bar(gens, values, bottom=bottom, color=colour, label=col, width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xlabel("generation")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("proposals")
    ax.set_title("outcome of proposals per generation")
    if table.width > 1:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _png(fig)


def generators(data: RunData) -> bytes:
    """Per generator label: proposals, train-evaluated and improvements (left); acceptance rate (right)."""
    fig = _figure("generators")
    ax, acc_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    table = data.generators
    names = [str(g) for g in table["generator"].to_list()]
    xs = list(range(len(names)))
    width = 0.27
    for offset, col, colour in ((-width, "proposed", "#9e9e9e"), (0.0, "train-evaluated", "#2ca02c"),
                                (width, "improved", "#1f77b4")):
        ax.bar([x + offset for x in xs], table[col].to_list(), width=width, label=col, color=colour)
    for ax_ in (ax, acc_ax):
        ax_.set_xticks(xs)
        ax_.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
        ax_.grid(alpha=0.3, axis="y")
    ax.set_ylabel("programs")
    ax.set_title("generator mix")
    if names:
        ax.legend(fontsize=8)
    acc_ax.bar(xs, table["acceptance"].to_list(), color="#ff7f0e")
    acc_ax.set_ylim(0, 1)
    acc_ax.set_ylabel("train-evaluated / proposed")
    acc_ax.set_title(data.cost_note, fontsize=9)
    fig.tight_layout()
    return _png(fig)


def lineage(data: RunData) -> bytes:
    """The ancestry of the best program as a tree (generations left to right, primary chain in bold)."""
    fig = _figure("lineage")
    ax = fig.add_subplot(1, 1, 1)
    graph = data.lineage.copy()
    for node in graph.nodes:
        graph.nodes[node]["layer"] = graph.nodes[node]["generation"]
    pos = nx.multipartite_layout(graph, subset_key="layer", align="vertical") if graph.number_of_nodes() > 1 \
        else {n: (0.0, 0.0) for n in graph.nodes}
    primary = [(u, v) for u, v, d in graph.edges(data=True) if d.get("primary")]
    chain_edges = [(u, v) for u, v in primary if graph.nodes[u]["on_chain"] and graph.nodes[v]["on_chain"]]
    other_primary = [e for e in primary if e not in chain_edges]
    secondary = [(u, v) for u, v, d in graph.edges(data=True) if not d.get("primary")]
    nx.draw_networkx_edges(graph, pos, edgelist=secondary, ax=ax, style="dashed", edge_color="#aaaaaa",
                           arrows=True, arrowsize=8)
    nx.draw_networkx_edges(graph, pos, edgelist=other_primary, ax=ax, edge_color="#888888", arrows=True,
                           arrowsize=8)
    nx.draw_networkx_edges(graph, pos, edgelist=chain_edges, ax=ax, width=2.5, edge_color="black", arrows=True,
                           arrowsize=12)
    nodes = list(graph.nodes)
    colours = [KIND_COLOURS.get(graph.nodes[n]["kind"], "#888888") for n in nodes]
    sizes = [900 if n == data.best_id else 600 for n in nodes]
    nx.draw_networkx_nodes(graph, pos, nodelist=nodes, node_color=colours, node_size=sizes, ax=ax,
                           edgecolors=["black" if graph.nodes[n]["on_chain"] else "white" for n in nodes])
    for n in nodes:
        node = graph.nodes[n]
        train = f"\n{node['train']:.4g}" if node["train"] is not None else ""
        ax.annotate(f"#{n} gen {node['generation']}\n{node['generator']}{train}", xy=pos[n], xytext=(0, -17),
                    textcoords="offset points", ha="center", va="top", fontsize=7)
    ax.set_title(f"lineage of best #{data.best_id}: id, generation, generator, train score "
                 "(generations left to right; bold = first-parent chain, dashed = second parent)", fontsize=9)
    ax.axis("off")
    ax.margins(0.12)
    fig.tight_layout()
    return _png(fig)


def compare_best_so_far(runs: Sequence[RunData], labels: Sequence[str]) -> bytes:
    """Best-so-far train (left) and the holdout of each run's train-selected incumbent (right), one line per run."""
    fig = _figure("compare_best_so_far")
    tr_ax, ho_ax = fig.subplots(1, 2, sharex=True)
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        colour = colours[i % len(colours)]
        curve = run.best_so_far
        tr_ax.step(curve["evaluated"].to_list(), curve["best_train"].to_list(), where="post", color=colour,
                   lw=2, label=label)
        hold = curve.filter(pl.col("best_holdout").is_not_null())
        if hold.height:
            ho_ax.step(hold["evaluated"].to_list(), hold["best_holdout"].to_list(), where="post", color=colour,
                       lw=1.5, ls="--", marker="o", ms=3, label=label)
    tr_ax.set_title("best so far (train)")
    ho_ax.set_title("holdout of the train-selected best")
    for ax in (tr_ax, ho_ax):
        ax.set_xlabel("candidates evaluated")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="lower right")
    tr_ax.set_ylabel("score (higher is better)")
    fig.tight_layout()
    return _png(fig)


RUN_FIGURES = {"best_so_far": best_so_far, "train_vs_holdout": train_vs_holdout, "outcomes": outcomes,
               "generators": generators, "lineage": lineage}
"""The figures of a single-run report, by file stem."""
