"""The ``adrs evolve`` command: :func:`add_cli` registers it on the main CLI's subparsers.

``adrs evolve ENV [--iterations N] [--minutes M] [--seed S] [--seed-program NAME_OR_FILE]
[--generator offline|llm|llm:0.7,offline:0.3] [--model NAME[@WEIGHT] ...] [--api-base URL]
[--model-price NAME=IN,OUT ...] [--max-usd X] [--max-llm-calls N] [--max-tokens N]
[--hints minimal|standard|detailed] [--strategy S]
[--early-reject DELTA [--early-reject-prefix N]] [--stagnation G]
[--workers K] [--executor local|ray|inline] [--ray-address ADDR]
[--out DIR] [--resume DIR] [--set KEY=VALUE ...]``

``python -m adrs.evolve ...`` runs the same command standalone.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from adrs.config import ConfigError, parse_assignments
from adrs.evolve.config import EXECUTORS, HINT_LEVELS, STRATEGIES, EvolveConfig

FLAG_FIELDS = {"iterations": "iterations", "minutes": "minutes", "seed": "seed", "seed_program": "seed_program",
               "generator": "generator", "workers": "workers", "strategy": "strategy",
               "max_evaluations": "max_evaluations", "executor": "executor", "ray_address": "ray_address",
               "model": "model", "api_base": "api_base", "max_usd": "max_usd", "hints": "hints",
               "model_price": "model_price", "max_llm_calls": "max_llm_calls", "max_tokens": "max_tokens",
               "early_reject": "early_reject_delta", "early_reject_prefix": "early_reject_prefix",
               "stagnation": "stagnation_generations"}


def _configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("env", nargs="?", help="env id (e.g. cant-be-late) or module:ATTR of an EvolveTask")
    p.add_argument("--iterations", type=int, help="proposals to make (evaluated or rejected)")
    p.add_argument("--minutes", type=float, help="wall-clock budget in minutes")
    p.add_argument("--max-evaluations", type=int, help="train-evaluation budget")
    p.add_argument("--seed", type=int, help="run seed")
    p.add_argument("--seed-program", help="name in the task's seed programs, or a file")
    p.add_argument("--generator", metavar="SPEC",
                   help="solution generator: offline (default), llm (needs --model) or a seeded mix such as "
                        "llm:0.7,offline:0.3")
    p.add_argument("--model", action="append", metavar="NAME[@WEIGHT]",
                   help="litellm model string (e.g. openai/gpt-4o-mini); repeat for a weighted ensemble: "
                        "--model M1@0.8 --model M2@0.2. Implies --generator llm unless --generator is given")
    p.add_argument("--api-base", metavar="URL", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--model-price", action="append", metavar="NAME=IN,OUT",
                   help="price of a model in USD per million input and output tokens (e.g. "
                        "hosted_vllm/qwen=0.5,1.5), for models litellm does not know or to override its price; "
                        "repeat per model. Saved with the run and used again on --resume")
    p.add_argument("--max-usd", type=float, metavar="X",
                   help="hard stop before LLM spend exceeds X USD (every model needs a price)")
    p.add_argument("--max-llm-calls", type=int, metavar="N", help="stop after N answered LLM calls (whole run)")
    p.add_argument("--max-tokens", type=int, metavar="N",
                   help="stop once the run's LLM tokens (prompt + answer) reach N")
    p.add_argument("--hints", choices=HINT_LEVELS, help="prompt hint level (default standard)")
    p.add_argument("--strategy", choices=STRATEGIES, help="evolve (default), best_of_n, random_mutation")
    p.add_argument("--early-reject", type=float, metavar="DELTA",
                   help="score candidates on a train prefix first; reject ('early_reject') those more than DELTA "
                        "below their parent there (default off)")
    p.add_argument("--early-reject-prefix", type=int, metavar="N", help="train units in that prefix (default 4)")
    p.add_argument("--stagnation", type=int, metavar="G",
                   help="reseed an island from the best other island after G generations without improvement "
                        "(default off)")
    p.add_argument("--workers", type=int, help="concurrent sandboxed evaluations")
    p.add_argument("--executor", choices=EXECUTORS,
                   help="where jobs run: local (sandboxed process pool, default), ray (sandboxed children in "
                        "Ray tasks; needs the ray extra), inline (in-process, NO isolation or limits: debugging)")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="join a Ray cluster (implies --executor ray): 'auto' (the cluster on this machine) or "
                        "ray://HOST:PORT (Ray Client); default: RAY_ADDRESS, else a new private local instance")
    p.add_argument("--out", help="run folder (holds run.sqlite, summary.json, best_program.py)")
    p.add_argument("--resume", metavar="DIR", help="continue the run in DIR")
    p.add_argument("--replay", metavar="RUN_DB",
                   help="re-run a recorded LLM run (its run.sqlite) from the stored answers: same config and seed, "
                        "no model calls, no cost; labelled as a replay (gen_state.replay_of)")
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
    if "model_price" in out:
        out["model_price"] = tuple(out["model_price"])
    if "model" in out:
        out["model"] = tuple(out["model"])
        if getattr(args, "generator", None) is None:
            out["generator"] = "llm"  # --model alone implies --generator llm
    if "ray_address" in out and getattr(args, "executor", None) is None:
        out["executor"] = "ray"  # --ray-address alone implies --executor ray
    return out


def replay_overrides(run_db: str, overrides: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(task spec, config) of the recorded run ``run_db`` with ``replay`` set; ``overrides`` may change budgets."""
    import json
    import sqlite3
    from pathlib import Path

    path = Path(run_db)
    if path.is_dir():
        path = path / "run.sqlite"
    if not path.is_file():
        raise FileNotFoundError(f"no recorded run database at {run_db}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        spec, config_json = conn.execute("SELECT task_spec, config_json FROM run").fetchone()
    finally:
        conn.close()
    return spec, {**json.loads(config_json), **overrides, "replay": str(path.resolve())}


def cmd_evolve(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    from rich.console import Console

    from adrs.evolve import run_evolve
    from adrs.evolve.generators.base import GeneratorStop
    from adrs.evolve.progress import RichProgress
    from adrs.evolve.report import render

    console = Console()
    try:
        overrides = overrides_from_args(args)
        if getattr(args, "replay", None):
            args.env, overrides = replay_overrides(args.replay, overrides)
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
    except GeneratorStop as exc:
        console.print(f"[red]run stopped:[/red] {exc.reason}")
        console.print(f"the report is written; after fixing the cause continue with --resume {args.resume or args.out}")
        return 1
    console.print()
    console.print(render(summary))
    note = llm_cost_note(summary.run_dir)
    if note:
        console.print(note)
    console.print(f"best program: {summary.run_dir}/best_program.py  (summary.json beside it)")
    return 0


def llm_cost_note(run_dir: Any) -> str:
    """One line on LLM use over the whole run (``llm_call`` totals; unpriced models and fallbacks from the
    ``llm_summary`` events); '' for offline runs."""
    import json
    import sqlite3
    from pathlib import Path

    from adrs.evolve.store import llm_usage

    db = Path(run_dir) / "run.sqlite"
    if not db.is_file():
        return ""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = [json.loads(r[0]) for r in conn.execute("SELECT payload FROM event WHERE kind = 'llm_summary'")]
        has_calls = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'llm_call'").fetchone()
        usage = llm_usage(conn) if has_calls else None
    finally:
        conn.close()
    if not rows:
        return ""
    unpriced = sorted({m for r in rows for m in r.get("unpriced", [])})
    if usage is None:  # a run stored before the llm_call table
        calls = sum(c.get("calls", 0) for r in rows for c in r.get("models", {}).values())
        usd = sum(c.get("usd", 0.0) for r in rows for c in r.get("models", {}).values())
        text = f"LLM: {calls} calls, ${usd:.4f}"
    else:
        failed = f" (+{usage['failures']} failed)" if usage["failures"] else ""
        text = f"LLM: {usage['calls']} calls{failed}, {usage['tokens']} tokens, ${usage['usd']:.4f}"
    if unpriced:
        text += f"; unpriced models counted as $0: {', '.join(unpriced)}"
    if any(r.get("fallback") for r in rows):
        text += "; the circuit breaker switched to the offline generator"
    return text


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: ``python -m adrs.evolve``."""
    parser = _configure(argparse.ArgumentParser(prog="adrs evolve", description=__doc__,
                                                formatter_class=argparse.RawDescriptionHelpFormatter))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
