"""The ``adrs evolve`` command: :func:`add_cli` registers it on the main CLI's subparsers.

``adrs evolve ENV [--iterations N] [--minutes M] [--seed S] [--seed-program NAME_OR_FILE]
[--generator offline] [--strategy S] [--workers K] [--executor local|ray|inline] [--ray-address ADDR]
[--out DIR] [--resume DIR] [--set KEY=VALUE ...]``

``python -m adrs.evolve ...`` runs the same command standalone.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from adrs.config import ConfigError, parse_assignments
from adrs.evolve.config import EXECUTORS, GENERATORS, STRATEGIES, EvolveConfig

FLAG_FIELDS = {"iterations": "iterations", "minutes": "minutes", "seed": "seed", "seed_program": "seed_program",
               "generator": "generator", "workers": "workers", "strategy": "strategy",
               "max_evaluations": "max_evaluations", "executor": "executor", "ray_address": "ray_address"}


def _configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("env", nargs="?", help="env id (e.g. cant-be-late) or module:ATTR of an EvolveTask")
    p.add_argument("--iterations", type=int, help="proposals to make (evaluated or rejected)")
    p.add_argument("--minutes", type=float, help="wall-clock budget in minutes")
    p.add_argument("--max-evaluations", type=int, help="train-evaluation budget")
    p.add_argument("--seed", type=int, help="run seed")
    p.add_argument("--seed-program", help="name in the task's seed programs, or a file")
    p.add_argument("--generator", choices=GENERATORS, help="solution generator (default offline)")
    p.add_argument("--strategy", choices=STRATEGIES, help="evolve (default), best_of_n, random_mutation")
    p.add_argument("--workers", type=int, help="concurrent sandboxed evaluations")
    p.add_argument("--executor", choices=EXECUTORS,
                   help="where jobs run: local (sandboxed process pool, default), ray (sandboxed children in "
                        "Ray tasks; needs the ray extra), inline (in-process, NO isolation or limits: debugging)")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="join a Ray cluster (implies --executor ray): 'auto' (the cluster on this machine) or "
                        "ray://HOST:PORT (Ray Client); default: RAY_ADDRESS, else a new private local instance")
    p.add_argument("--out", help="run folder (holds run.sqlite, summary.json, best_program.py)")
    p.add_argument("--resume", metavar="DIR", help="continue the run in DIR")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any EvolveConfig field")
    p.add_argument("--quiet", action="store_true", help="no live progress display")
    p.set_defaults(func=cmd_evolve)
    return p


def add_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``evolve`` on ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser("evolve", help="evolve policy code for an environment (offline by default)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    return _configure(p)


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Config overrides given on the command line (flags and ``--set``), nothing else."""
    out = parse_assignments(EvolveConfig, args.set)
    for attr, key in FLAG_FIELDS.items():
        value = getattr(args, attr, None)
        if value is not None:
            out[key] = value
    if "ray_address" in out and getattr(args, "executor", None) is None:
        out["executor"] = "ray"  # --ray-address alone implies --executor ray
    return out


def cmd_evolve(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    from rich.console import Console

    from adrs.evolve import run_evolve
    from adrs.evolve.progress import RichProgress
    from adrs.evolve.report import render

    console = Console()
    try:
        overrides = overrides_from_args(args)
        if not args.env and not args.resume:
            raise ConfigError("give an ENV, or --resume DIR")
        if args.quiet:
            summary = run_evolve(args.env, overrides, out=args.out, resume=args.resume)
        else:
            with RichProgress(f"adrs evolve {args.env or args.resume}") as progress:
                summary = run_evolve(args.env, overrides, out=args.out, resume=args.resume, progress=progress)
    except (ConfigError, FileExistsError, FileNotFoundError, LookupError, ImportError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    console.print()
    console.print(render(summary))
    console.print(f"best program: {summary.run_dir}/best_program.py  (summary.json beside it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: ``python -m adrs.evolve``."""
    parser = _configure(argparse.ArgumentParser(prog="adrs evolve", description=__doc__,
                                                formatter_class=argparse.RawDescriptionHelpFormatter))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
