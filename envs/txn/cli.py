"""``adrs run txn-scheduling``: evaluate one policy and print a table or one JSON object.

Prints ``env``, ``policy``, ``n_runs``, ``total_makespan``, ``gap_to_bound``, ``oracle_calls``, ``score``
and per-workload rows (``workloads``). ``--plot out.png`` (when the main parser provides it) draws the
first workload's seed-0 schedule as a Gantt chart with conflicting transactions highlighted.
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from adrs.config import build_config, parse_assignments

from .config import PRESETS, TxnConfig, budget_calls
from .evaluate import Evaluation, evaluate, run_once
from .loading import PolicyLoadError, resolve_policy
from .sources import load_instances


def config_from_args(args: argparse.Namespace) -> TxnConfig:
    """The config implied by ``--preset``/``--traces``/``--split`` and ``--set`` overrides."""
    overrides: dict = {}
    if getattr(args, "preset", None):
        presets = PRESETS["txn-scheduling"]
        if args.preset not in presets:
            raise ValueError(f"unknown preset {args.preset!r} for txn-scheduling; presets: {', '.join(presets)}")
        overrides.update(presets[args.preset])
    elif getattr(args, "traces", None):
        overrides["workload"] = args.traces
    elif getattr(args, "split", None):
        overrides["workload"] = args.split
    overrides.update(parse_assignments(TxnConfig, getattr(args, "assignments", []) or []))
    return build_config(TxnConfig, overrides)


def print_table(ev: Evaluation) -> None:
    """Human-readable per-workload table and summary on stdout."""
    s = ev.summary()
    table = Table(title=f"{ev.env_id} · {ev.policy} · budget={ev.budget}")
    for col in ("workload", "n", "makespan", "LB", "FIFO", "SMF", "gap_to_bound", "gain_vs_smf", "calls"):
        table.add_column(col, justify="left" if col == "workload" else "right")
    for r in s["workloads"]:
        table.add_row(r["id"], str(r["n"]), f"{r['makespan']:.1f}", str(r["lb"]), str(r["fifo"]), f"{r['smf']:.1f}",
                      f"{r['gap_to_bound']:.3f}", f"{r['gain_vs_smf']:.3f}", f"{r['oracle_calls']:.0f}")
    console = Console()
    console.print(table)
    if not s["valid"]:
        console.print(f"INVALID: {s['reason']}")
        return
    console.print(f"runs {s['n_runs']}  total_makespan {s['total_makespan']:.1f} (FIFO {s['total_fifo']}, "
                  f"SMF {s['total_smf']:.1f}, LB {s['total_lb']})  gap_to_bound {s['gap_to_bound']:.4f}  "
                  f"score {s['score']:.4f}  oracle_calls {s['oracle_calls']:.0f}")


def plot_schedule(policy, config: TxnConfig, path: str) -> None:
    """Gantt chart of the first instance's seed-0 schedule; transactions that waited on a conflict
    (started later than slot 1) are highlighted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from adrs.simulators.txn import kernel as K

    inst = load_instances(config.workload, config.relabel, config.cc)[0]
    res = run_once(policy, inst, budget_calls(config.budget, inst.workload.n), 0, config.cpu_s, config.cc)
    starts, ends = K.times(inst.workload.arrays, res["order"], cc=config.cc)
    fig, ax = plt.subplots(figsize=(10, max(3, inst.workload.n * 0.08)))
    for row, (t, s, e) in enumerate(zip(res["order"].tolist(), starts.tolist(), ends.tolist(), strict=True)):
        ax.barh(row, e - s + 1, left=s - 1, color="tab:red" if s > 1 else "tab:blue", height=0.8)
        if inst.workload.n <= 40:
            ax.text(s - 1, row, f"t{t}", va="center", fontsize=6)
    ax.set_xlabel("slot")
    ax.set_ylabel("schedule position")
    ax.set_title(f"{inst.id}: makespan {res['makespan']} (red = delayed by a conflict)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


ONLINE_IDS = ("txn-scheduling-online", "adrs/TxnSchedulingOnline-v0")


def run_online(args: argparse.Namespace) -> int:
    """``adrs run txn-scheduling-online``: ``--policy window-fifo|window-smf|FILE.py`` (defining ``choose``)."""
    from .config import TxnOnlineConfig
    from .loading import load_entry_point
    from .online_eval import ONLINE_BASELINES, evaluate_online

    overrides: dict = {}
    if getattr(args, "preset", None) == "reference":
        overrides["workload"] = "ref"
    elif getattr(args, "preset", None):
        raise ValueError(f"unknown preset {args.preset!r} for txn-scheduling-online; presets: reference")
    elif getattr(args, "traces", None) or getattr(args, "split", None):
        overrides["workload"] = args.traces or args.split
    overrides.update(parse_assignments(TxnOnlineConfig, getattr(args, "assignments", []) or []))
    config = build_config(TxnOnlineConfig, overrides)
    if args.policy in ONLINE_BASELINES:
        name, policy = args.policy, ONLINE_BASELINES[args.policy]
    else:
        try:
            name, policy = args.policy, load_entry_point(args.policy, "choose")
        except PolicyLoadError as exc:
            return _fail(args, f"{exc}; online baselines: {', '.join(ONLINE_BASELINES)}")
    out = evaluate_online(policy, load_instances(config.workload, config.relabel, config.cc), config, name)
    if getattr(args, "json", False):
        print(json.dumps(out))
    else:
        for r in out["workloads"]:
            print(f"{r['id']:24s} makespan {r['makespan']:8.1f}  LB {r['lb']:4d}  FIFO {r['fifo']:4d}  "
                  f"latency {r['latency_mean']:8.2f}  violations {r['budget_violations']}")
        print(f"valid {out['valid']} {out['reason']}  total_makespan {out.get('total_makespan')}  "
              f"score {out.get('score')}")
    return 0 if out["valid"] else 1


def run_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs run txn-scheduling`` and ``adrs run txn-scheduling-online``."""
    if args.env in ONLINE_IDS:
        return run_online(args)
    config = config_from_args(args)
    try:
        name, policy = resolve_policy(args.policy)
    except PolicyLoadError as exc:
        return _fail(args, str(exc))
    ev = evaluate(policy, load_instances(config.workload, config.relabel, config.cc), config, policy_name=name,
                  env_id="txn-scheduling")
    if getattr(args, "plot", None):
        plot_schedule(policy, config, args.plot)
    if getattr(args, "json", False):
        print(json.dumps(ev.summary()))
    else:
        print_table(ev)
    return 0 if ev.valid else 1


def _fail(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    print(f"adrs: error: {message}", file=sys.stderr)
    return 2
