"""``adrs run cloudcast``: evaluate one policy on an instance set; a table or one JSON object.

JSON fields: ``env``, ``policy``, ``split``, ``n_runs``, ``total_cost_usd``, ``egress_cost_usd``,
``instance_cost_usd``, ``mean_makespan_s``, ``gap_to_bound``, ``score``, ``invalid_rate``,
``leaderboard_score`` (paper split only) and ``instances`` (per-instance rows). With ``--plot out.png``
the chosen overlays are drawn (first :data:`~adrs.envs.cloudcast.plot.MAX_PANELS` instances, one panel
each; see :mod:`adrs.envs.cloudcast.plot`) and the JSON gains ``plot`` and ``plot_panels``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from adrs.config import ConfigError, config_from_run_args
from adrs.paths import DataNotFoundError
from adrs.traces.cloudcast.embedded import SPLIT_ALIASES, load_split

from .config import PRESETS, CloudcastConfig
from .policies import PolicyLoadError, resolve_policy
from .scoring import evaluate_cases


def config_from_args(args: argparse.Namespace) -> CloudcastConfig:
    """The config implied by ``--preset`` / ``--split`` and ``--set`` overrides."""
    return config_from_run_args(CloudcastConfig, PRESETS, args, "cloudcast")


def run_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs run cloudcast``."""
    try:
        config = config_from_args(args)
        name, policy = resolve_policy(args.policy)
        cases = load_split(config.split)
    except (ConfigError, PolicyLoadError, DataNotFoundError) as exc:
        return _fail(args, str(exc))
    start = time.perf_counter()
    paper = SPLIT_ALIASES[config.split] == "paper"
    plans: list = []
    summary, rows = evaluate_cases(policy, cases, paper=paper, plans=plans)
    out = {"env": "cloudcast", "policy": name, "split": config.split, **summary,
           "eval_wall_s": time.perf_counter() - start, "instances": rows}
    plot_note = ""
    if getattr(args, "plot", None):
        from .plot import plot_overlays

        try:
            panels = plot_overlays([c.instance for c in cases], plans, args.plot,
                                   title=f"cloudcast · {name} · split={config.split}")
        except (KeyError, OSError, ValueError) as exc:
            return _fail(args, f"--plot: {exc}")
        out.update(plot=args.plot, plot_panels=panels)
        capped = f", first {panels} of {len(cases)} instances" if panels < len(cases) else ""
        plot_note = f"plot: {args.plot} ({panels} panels{capped})"
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"cloudcast · {name} · split={config.split}")
    print(f"{'instance':<14}{'valid':>6}{'total $':>12}{'egress $':>12}{'inst $':>9}{'T s':>10}{'gap':>8}{'s':>8}")
    for r in rows:
        if r["valid"]:
            print(f"{r['instance_id']:<14}{'yes':>6}{r['total_cost_usd']:>12.3f}{r['egress_cost_usd']:>12.3f}"
                  f"{r['instance_cost_usd']:>9.3f}{r['makespan_s']:>10.2f}{r['gap']:>8.4f}{r['score']:>8.4f}")
        else:
            print(f"{r['instance_id']:<14}{'no':>6}  {r['reason']}")
    lb = f"  leaderboard {summary['leaderboard_score']:.2f}" if paper else ""
    gap = summary["gap_to_bound"]
    print(f"runs {summary['n_runs']}  total_cost_usd {summary['total_cost_usd']:.3f}  gap_to_bound "
          f"{gap if gap is None else round(gap, 4)}  score {summary['score']:.4f}  invalid_rate "
          f"{summary['invalid_rate']:.3f}{lb}")
    if plot_note:
        print(plot_note)
    return 0


def _fail(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    print(f"adrs: error: {message}", file=sys.stderr)
    return 2
