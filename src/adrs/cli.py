"""The ``adrs`` command line: ``envs``, ``run``, ``traces``, ``evolve``.

Each problem family contributes its own subcommand handlers; this module only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from adrs.config import ConfigError


def _cmd_envs(args: argparse.Namespace) -> int:
    from adrs.registry import list_envs, spec

    for env_id, desc in list_envs().items():
        print(f"{env_id:24s} {spec(env_id).gym_id:28s} {desc}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from adrs.registry import spec

    module = importlib.import_module(spec(args.env).package + ".cli")
    return module.run_command(args)


def _cmd_compare(args: argparse.Namespace) -> int:
    from adrs.registry import spec

    module = importlib.import_module(spec(args.env).package + ".compare")
    return module.compare_command(args)


def _cmd_replay(args: argparse.Namespace) -> int:
    from adrs.registry import spec

    module = importlib.import_module(spec(args.env).package + ".replay")
    return module.replay_command(args)


def build_parser() -> argparse.ArgumentParser:
    """The ``adrs`` argument parser (subcommands register themselves)."""
    parser = argparse.ArgumentParser(prog="adrs", description="AI-driven research for systems.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("envs", help="list environments")
    p.set_defaults(func=_cmd_envs)

    p = sub.add_parser("run", help="replay a policy on traces and score it")
    p.add_argument("env", help="environment id (see `adrs envs`)")
    p.add_argument("--policy", required=True, help="baseline name or a .py file defining decide(obs, state)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", help="named evaluation set, e.g. reference or leaderboard")
    src.add_argument("--traces", help="path to an adrs .npz trace file")
    src.add_argument("--split", choices=["train", "holdout"], help="embedded split (default train)")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config field (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--per-run", action="store_true", help="include every run in the JSON output")
    p.add_argument("--mode", choices=["auto", "compiled", "python"], default="auto",
                   help="batch path: compiled (numba) when the policy compiles, else Python")
    p.add_argument("--plot", help="write a picture of the result here (envs that draw one, e.g. txn-scheduling)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="compare policies on the same traces with bootstrap CIs")
    p.add_argument("env", help="environment id")
    p.add_argument("--policies", required=True, help="comma-separated baseline names or .py files; the first is "
                   "the reference of the paired differences")
    p.add_argument("--split", help="trace source (train, holdout, or another source the env knows)")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("replay", help="run one policy on one trace and draw what happened")
    p.add_argument("env", help="environment id")
    p.add_argument("--policy", required=True, help="baseline name or .py file")
    p.add_argument("--trace", required=True, help="trace id (or index) in the trace source")
    p.add_argument("--split", help="trace source (default: the env's train split)")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--plot", help="write a PNG picture of the run here")
    p.add_argument("--json", action="store_true", help="print the per-tick record as JSON")
    p.set_defaults(func=_cmd_replay)

    from adrs.traces.spot import calibrate

    p = sub.add_parser("traces", help="generate, import and calibrate traces")
    calibrate.add_cli(p.add_subparsers(dest="traces_command", required=True))

    try:
        from adrs.evolve import cli as evolve_cli
    except ImportError:  # the evolve loop is optional while it is being built
        evolve_cli = None
    if evolve_cli is not None and hasattr(evolve_cli, "add_cli"):
        evolve_cli.add_cli(sub)
    from adrs.evolve import report_cli

    report_cli.add_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``adrs`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ConfigError, ValueError, FileNotFoundError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        if getattr(args, "json", False):
            print(json.dumps({"error": message}))
        print(f"adrs: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
