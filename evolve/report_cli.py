"""The ``adrs report`` command: :func:`add_cli` registers it on the main CLI's subparsers.

``adrs report RUN_DIR [--out DIR]`` writes ``report.html`` (self-contained, figures embedded) and
``report.md`` with its PNG figures beside it (default ``RUN_DIR/report``).
``adrs report RUN_DIR1 RUN_DIR2 ... [--out DIR]`` puts several runs side by side (default
``report-compare`` in their common parent folder). Everything is rebuilt from each ``run.sqlite``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from adrs.evolve.store import DB_NAME


def _configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run folder(s) holding run.sqlite")
    p.add_argument("--out", help="output folder (default RUN_DIR/report, or report-compare for several runs)")
    p.set_defaults(func=cmd_report)
    return p


def add_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``report`` on ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser("report", help="HTML + Markdown report of evolve run(s), built from the store",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    return _configure(p)


def cmd_report(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code (2 when a folder is not a run)."""
    from adrs.evolve.html_report import write_report

    missing = [d for d in args.run_dirs if not (Path(d) / DB_NAME).is_file()]
    if missing:
        print(f"error: no {DB_NAME} in: {', '.join(missing)}")
        return 2
    files = write_report(args.run_dirs, args.out)
    print(f"wrote {files.html}")
    print(f"wrote {files.markdown} (+ {len(files.figures)} figures)")
    return 0
