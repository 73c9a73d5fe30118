"""``adrs traces …`` subcommands: ``calibrate``, ``generate``, ``import`` and ``export``.

The core CLI calls :func:`add_cli` with the subparsers object of ``adrs traces``; every registered
parser sets ``func`` (``args -> int`` exit status). ``python -m adrs.traces.spot.cli …`` runs them
standalone.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from adrs.traces.spot.format import TraceFormatError, TraceSet, save

SINGLE_PRESETS = ("reference-single", "leaderboard-single", "train-single", "holdout-single")
MULTI_PRESETS = ("multi-train", "multi-holdout")


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from adrs.traces.spot.calibrate import calibration_table, format_table

    rows = calibration_table(seed=args.seed)
    print(format_table(rows))
    return 0 if all(row.ok for row in rows) else 1


def _cmd_generate(args: argparse.Namespace) -> int:
    from adrs.traces.spot.embedded import EMBEDDED_SETS, embedded_path, embedded_relpath, generate_embedded

    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate_embedded(Path(tmp))
            stale = [embedded_relpath(k, s) for k, s in EMBEDDED_SETS
                     if not filecmp.cmp(Path(tmp) / embedded_relpath(k, s), embedded_path(k, s), shallow=False)]
        for rel in stale:
            print(f"differs from the committed file: {rel}", file=sys.stderr)
        print(f"{len(stale)} embedded file(s) differ" if stale else "embedded trace sets are up to date")
        return 1 if stale else 0
    for path in generate_embedded(Path(args.out) if args.out else None):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


def _probe_traceset(env: str) -> TraceSet:
    from adrs.traces.spot.importers import SINGLE_GAP_SECONDS, SINGLE_SPOT_PRICE, load_probes

    probe = load_probes(env)
    n = len(probe.bits)
    meta = {"id": f"{env}/probes", "family": env, "zones": [env], "source":
            f"real:cant-be-late/probes-2022-10-26/{env}.txt", "period": [0, n], "start_tick": 0,
            "utc": [f"{probe.times[0]}Z", f"{probe.times[-1]}Z"]}
    return TraceSet(f"probes-{env}", np.asarray(probe.bits).reshape(1, 1, n).copy(),
                    np.full((1, 1), SINGLE_SPOT_PRICE), SINGLE_GAP_SECONDS, (meta,))


def _preset(name: str, tarball: str | None) -> TraceSet:
    from adrs.traces.spot import importers as imp

    if name in ("reference-single", "leaderboard-single"):
        envs = imp.REFERENCE_ENVS if name == "reference-single" else imp.LEADERBOARD_ENVS
        return imp.load_single_tarball_windows(envs, imp.reference_window_indices(), tarball, name=name)
    if name == "train-single":
        return imp.real_train_single() if tarball is None else imp.load_single_tarball_windows(
            imp.SINGLE_ENVS, imp.reference_window_indices(), tarball, name="real-train-single")
    if name == "holdout-single":
        return imp.real_holdout_single()
    if name in MULTI_PRESETS:
        return imp.real_split(name.removeprefix("multi-"), tarball=tarball)
    zones, windows = imp.REFERENCE_MULTI_SCENARIOS[name]
    return imp.load_multi_tarball(zones, list(windows), tarball, name=name, family=name)


def _cmd_import(args: argparse.Namespace) -> int:
    ts = _probe_traceset(args.probes) if args.probes else _preset(args.preset, args.tarball)
    path = save(ts, args.out)
    print(f"wrote {path}: {ts.n_traces} traces × {ts.n_regions} regions × {ts.n_ticks} ticks "
          f"@ {ts.gap_seconds:g} s")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from adrs.traces.spot.embedded import load_embedded
    from adrs.traces.spot.export import export_sky_spot
    from adrs.traces.spot.format import load

    if args.source.endswith(".npz"):
        ts = load(args.source)
    else:
        kind, _, split = args.source.partition("-")
        if kind not in ("single", "multi") or split not in ("train", "holdout"):
            raise ValueError(f"source must be a .npz file or one of single-train, single-holdout, multi-train, "
                             f"multi-holdout; got {args.source!r}")
        ts = load_embedded(kind, split)  # type: ignore[arg-type]
    files = export_sky_spot(ts, args.out)
    print(f"wrote {len(files)} sky_spot JSON files under {args.out} ({ts.n_traces} traces × {ts.n_regions} regions)")
    return 0


def _guard(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (OSError, TraceFormatError, ValueError) as exc:  # DataNotFoundError is an OSError
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return run


def add_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``calibrate``, ``generate``, ``import`` and ``export`` on an argparse subparsers object."""
    from adrs.traces.spot.real_multi import REFERENCE_MULTI_SCENARIOS

    cal = subparsers.add_parser("calibrate", help="compare generated vs real trace statistics (§4.3/4.4)")
    cal.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    cal.set_defaults(func=_guard(_cmd_calibrate))

    gen = subparsers.add_parser("generate", help="regenerate the embedded synthetic trace sets")
    gen.add_argument("--out", help="write under DIR/traces/spot and DIR/holdout/spot instead of the package")
    gen.add_argument("--check", action="store_true", help="only verify the committed files are byte-identical")
    gen.set_defaults(func=_guard(_cmd_generate))

    imp = subparsers.add_parser("import", help="convert real traces into an adrs .npz trace set")
    src = imp.add_mutually_exclusive_group(required=True)
    src.add_argument("--preset", choices=[*SINGLE_PRESETS, *MULTI_PRESETS, *REFERENCE_MULTI_SCENARIOS],
                     help="a reference / split set of §4.2 / §8")
    src.add_argument("--probes", metavar="ENV", help="the whole probe series of one env (3895 ticks)")
    imp.add_argument("--tarball", help="read this real_traces.tar.gz instead of the shared one")
    imp.add_argument("--out", required=True, help="output .npz file")
    imp.set_defaults(func=_guard(_cmd_import))

    exp = subparsers.add_parser("export", help="write a trace set as sky_spot JSON files (the reference's layout)")
    exp.add_argument("source", help="an adrs .npz trace set, or single-train / single-holdout / multi-train / "
                                    "multi-holdout (the embedded sets)")
    exp.add_argument("--out", required=True, help="output folder")
    exp.set_defaults(func=_guard(_cmd_export))


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``python -m adrs.traces.spot.cli {calibrate,generate,import,export} …``."""
    parser = argparse.ArgumentParser(prog="adrs traces")
    add_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
