"""Shared pieces of ``adrs compare``: per-unit score tables to rows with bootstrap CIs, and the printed table.

An env's ``compare`` module evaluates every policy on the same units (instances, workloads, scenarios),
builds a ``policies x units`` table of its per-unit score and hands it to :func:`paired_rows`; the CIs
are over units and the differences are paired by unit against the first policy (see
:mod:`adrs.stats`). :func:`print_table` draws the common columns plus the env's own.

>>> rows = paired_rows(["a", "b"], [[0.1, 0.2, 0.3], [0.2, 0.2, 0.4]], n_boot=200)
>>> rows[0]["diff_vs_first"], round(rows[1]["diff_vs_first"], 4), round(rows[1]["wins_vs_first"], 4)
(0.0, 0.0667, 0.6667)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from adrs.stats import bootstrap_means, paired_differences

T = TypeVar("T")


def split_policies(text: str) -> list[str]:
    """``--policies A,B,C`` as a list (blanks dropped); at least one is required."""
    out = [p.strip() for p in text.split(",") if p.strip()]
    if not out:
        raise ValueError("--policies needs at least one policy")
    return out


def evaluate_distinct(specs: Sequence[str], run: Callable[[str], T]) -> list[T]:
    """``run(spec)`` for every spec, evaluating a repeated spec once (evaluations are deterministic)."""
    cache: dict[str, T] = {}
    for spec in specs:
        if spec not in cache:
            cache[spec] = run(spec)
    return [cache[s] for s in specs]


def paired_rows(names: Sequence[str], table: Any, n_boot: int = 2000, seed: int = 0,
                extra: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per policy from a ``policies x units`` score table (higher is better).

    Each row: ``policy``, ``score_mean`` and ``score_ci`` (bootstrap over units), ``diff_vs_first`` and
    ``diff_ci`` (paired by unit, row minus the first policy), ``wins_vs_first`` (share of units where the
    row scores strictly higher than the first policy). ``extra`` maps a name to another ``policies x
    units`` table (e.g. relative cost); its ``NAME_mean`` and ``NAME_ci`` use the same resampled units.
    """
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 2 or table.shape[1] == 0:
        raise ValueError("compare needs at least one unit per policy")
    ci = bootstrap_means(table, n_boot=n_boot, seed=seed)
    diffs = paired_differences(table, reference=0, n_boot=n_boot, seed=seed)
    extra_ci = {k: bootstrap_means(np.asarray(v, dtype=np.float64), n_boot=n_boot, seed=seed)
                for k, v in (extra or {}).items()}
    rows = []
    for i, name in enumerate(names):
        row: dict[str, Any] = {"policy": name, "score_mean": float(ci[i, 0]),
                               "score_ci": [float(ci[i, 1]), float(ci[i, 2])],
                               "diff_vs_first": float(diffs[i, 0]), "diff_ci": [float(diffs[i, 1]), float(diffs[i, 2])],
                               "wins_vs_first": float(diffs[i, 3])}
        for k, c in extra_ci.items():
            row[f"{k}_mean"] = float(c[i, 0])
            row[f"{k}_ci"] = [float(c[i, 1]), float(c[i, 2])]
        rows.append(row)
    return rows


def ci_text(ci: Sequence[float], fmt: str = ".4f") -> str:
    """``[low, high]`` with ``fmt``."""
    return f"[{ci[0]:{fmt}}, {ci[1]:{fmt}}]"


def print_table(title: str, rows: Sequence[Mapping[str, Any]],
                extra: Sequence[tuple[str, Callable[[Mapping[str, Any]], str]]] = ()) -> None:
    """A rich table: policy, score mean and CI, the ``extra`` columns (header, cell function), then the
    paired difference vs the first policy, its CI and the share of units won."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    headers = ["policy", "score", "score 95 % CI", *(h for h, _ in extra), "Δ vs first", "Δ 95 % CI", "wins"]
    for col in headers:
        table.add_column(col, justify="left" if col == "policy" else "right", no_wrap=col == "policy")
    for r in rows:
        table.add_row(r["policy"], f"{r['score_mean']:.4f}", ci_text(r["score_ci"]), *(fn(r) for _, fn in extra),
                      f"{r['diff_vs_first']:+.4f}", ci_text(r["diff_ci"], "+.4f"), f"{r['wins_vs_first']:.0%}")
    console = Console()
    if not console.is_terminal:  # piped or captured: wide enough that no column is squeezed
        console = Console(width=180)
    console.print(table)
