"""``adrs run cant-be-late[-multi]``: evaluate one policy and print a table or one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from adrs.config import build_config, parse_assignments
from adrs.simulators.spot.batch import PolicyError

from .config import PRESETS, MultiSpotConfig, SpotConfig
from .evaluate import Evaluation, evaluate
from .loading import PolicyLoadError, resolve_policy


def config_from_args(args: argparse.Namespace) -> SpotConfig | MultiSpotConfig:
    """The env config implied by ``--preset``/``--traces``/``--split`` and ``--set`` overrides."""
    cls = MultiSpotConfig if args.env in ("cant-be-late-multi", "adrs/CantBeLateMulti-v0") else SpotConfig
    env_key = "cant-be-late-multi" if cls is MultiSpotConfig else "cant-be-late"
    overrides: dict = {}
    if args.preset:
        if args.preset not in PRESETS[env_key]:
            raise ValueError(f"unknown preset {args.preset!r} for {env_key}; presets: "
                             f"{', '.join(PRESETS[env_key])}")
        overrides.update(PRESETS[env_key][args.preset])
    elif args.traces:
        overrides["traces"] = args.traces
    elif args.split:
        overrides["traces"] = args.split
    overrides.update(parse_assignments(cls, args.assignments))
    return build_config(cls, overrides)


class _Bar:
    """A stderr progress bar that appears only once a run has lasted more than a second."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.progress: Progress | None = None
        self.task = None

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.start < 1.0 or done >= total:
                return
            self.progress = Progress(TextColumn("runs"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                     TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("runs", total=total)
        self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def print_table(ev: Evaluation) -> None:
    """Human-readable per-scenario table and summary on stdout."""
    table = Table(title=f"{ev.env_id} · {ev.policy} · traces={ev.config['traces']}")
    for col in ("scenario", "runs", "mean $", "savings vs OD", "misses"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for key, row in ev.score.per_scenario.items():
        table.add_row(key, str(row["runs"]), f"{row['mean_cost_usd']:.2f}", f"{row['savings']:.4f}",
                      str(row["misses"]))
    console = Console()
    console.print(table)
    s = ev.score
    console.print(f"runs {s.n_runs}  mean_cost_usd {s.mean_cost_usd:.4f}  std {s.std_cost_usd:.3f}  "
                  f"deadline_misses {s.deadline_misses}  score {s.score:.4f}  "
                  f"combined_score {s.combined_score:.4f}  ({'compiled' if ev.compiled else 'python'} path)")


def run_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs run`` for the spot envs."""
    config = config_from_args(args)
    try:
        name, policy = resolve_policy(args.policy, config.multi, getattr(config, "observation", "local"))
    except PolicyLoadError as exc:
        return _fail(args, str(exc))
    bar = _Bar()
    try:
        ev = evaluate(policy, config, mode=args.mode, policy_name=name, env_id=args.env, progress=bar)
    except PolicyError as exc:
        return _fail(args, f"evaluation failed: {exc}")
    finally:
        bar.close()
    if args.json:
        print(json.dumps(ev.to_json(per_run=args.per_run)))
    else:
        print_table(ev)
    return 0


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print(json.dumps({"error": message}))
    print(f"adrs: error: {message}", file=sys.stderr)
    return 2
