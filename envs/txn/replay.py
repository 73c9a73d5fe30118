"""``adrs replay txn-scheduling[-online] --policy P --trace ID [--split S] [--plot out.png] [--json]``.

One workload (``--trace`` is a workload id such as ``ycsb-s101``, or an index into the set), seed 0:

* offline: the policy's order is run through :func:`.evaluate.run_once` (validated, makespan recomputed
  by the env's kernel) and drawn with ``adrs run``'s Gantt chart (:func:`.cli.plot_schedule`);
* online: one seeded episode of the online env (:func:`.online_eval.run_episode`); the Gantt chart adds
  each transaction's arrival and its wait, since start times depend on when it was committed.

``--split`` names the workload set (``train``, ``holdout``, ``ref``, a .json path or a generator spec);
``--set key=value`` overrides :class:`.config.TxnConfig` / :class:`.config.TxnOnlineConfig` fields.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from adrs.config import build_config, config_to_dict, parse_assignments
from adrs.simulators.txn import kernel as K
from adrs.units import find_unit

from .config import TxnConfig, TxnOnlineConfig, budget_calls
from .sources import Instance, load_instances

ONLINE_IDS = ("txn-scheduling-online", "adrs/TxnSchedulingOnline-v0")
SEED = 0
"""The seed of the replayed run (``adrs run --plot`` draws seed 0 as well)."""


def config_from_args(args: argparse.Namespace) -> TxnConfig | TxnOnlineConfig:
    """``--set`` overrides, then ``--split`` (the workload set) for the offline or the online env."""
    cls = TxnOnlineConfig if args.env in ONLINE_IDS else TxnConfig
    overrides = parse_assignments(cls, args.assignments)
    if args.split:
        overrides["workload"] = args.split
    return build_config(cls, overrides)


def resolve_online(spec: str) -> tuple[str, Callable[..., int]]:
    """``(name, choose)`` for an online baseline name or a file defining ``choose(obs, oracle, rng)``."""
    from .loading import PolicyLoadError, load_entry_point
    from .online_eval import ONLINE_BASELINES

    if spec in ONLINE_BASELINES:
        return spec, ONLINE_BASELINES[spec]
    try:
        return spec, load_entry_point(spec, "choose")
    except PolicyLoadError as exc:
        raise PolicyLoadError(f"{exc}; online baselines: {', '.join(ONLINE_BASELINES)}") from None


def pick_instance(config: TxnConfig | TxnOnlineConfig, trace: str) -> tuple[int, Instance]:
    """``(index, instance)`` of the workload named ``trace``; ValueError listing valid ids."""
    instances = load_instances(config.workload, config.relabel, config.cc)
    i = find_unit([inst.id for inst in instances], trace, "workload", f"workload set {config.workload!r}")
    return i, instances[i]


def _common(env: str, name: str, config: Any, inst: Instance, makespan: float) -> dict[str, Any]:
    return {"env": env, "policy": name, "workload_set": config.workload, "workload_id": inst.id,
            "n": inst.workload.n, "seed": SEED, "makespan": makespan, "lb": inst.bounds.lb, "fifo": inst.fifo,
            "smf": inst.smf, "gap_to_bound": makespan / inst.bounds.lb - 1, "gain_vs_smf": 1 - makespan / inst.smf}


def replay_offline(policy_spec: str, trace: str, config: TxnConfig) -> dict[str, Any]:
    """Seed-0 run of an offline policy on one workload: order, start/end slots and the metrics."""
    from .evaluate import run_once
    from .loading import resolve_policy

    _, inst = pick_instance(config, trace)
    name, policy = resolve_policy(policy_spec)
    K.warm_up()
    budget = budget_calls(config.budget, inst.workload.n)
    res = run_once(policy, inst, budget, SEED, config.cpu_s, config.cc)
    starts, ends = K.times(inst.workload.arrays, res["order"], cc=config.cc)
    return {**_common("txn-scheduling", name, config, inst, res["makespan"]), "budget": config.budget,
            "budget_calls": budget, "oracle_calls": res["calls"], "budget_violations": res["violations"],
            "cpu_s": res["cpu_s"], "delayed": int((starts > 1).sum()), "order": res["order"].tolist(),
            "starts": starts.tolist(), "ends": ends.tolist()}


def replay_online(policy_spec: str, trace: str, config: TxnOnlineConfig) -> dict[str, Any]:
    """One seed-0 episode of an online policy on one workload: schedule, arrivals, start/end slots."""
    from .online import TxnSchedulingOnlineEnv
    from .online_eval import run_episode

    index, inst = pick_instance(config, trace)
    name, policy = resolve_online(policy_spec)
    env = TxnSchedulingOnlineEnv(**{**config_to_dict(config), "workload": config.workload, "instance_index": index,
                                    "arrival_times": tuple(config.arrival_times)})
    run = run_episode(policy, env, SEED)
    order = np.asarray(env.schedule, dtype=np.int64)
    ends = env.ends[order]
    starts = ends - env.arrays.length[order] + 1
    dec = run["decision_ms"]
    return {**_common("txn-scheduling-online", name, config, inst, float(run["makespan"])),
            "arrival": config.arrival, "window": config.window, "latency_mean": run["latency_mean"],
            "latency_p95": run["latency_p95"], "budget_violations": run["budget_violations"],
            "fallbacks": run["fallbacks"], "decisions": len(dec),
            "mean_decision_ms": float(np.mean(dec)) if dec else 0.0,
            "order": order.tolist(), "arrivals": env.arrived_at[order].tolist(), "starts": starts.tolist(),
            "ends": ends.tolist()}


def plot_online(rec: dict[str, Any], path: str) -> None:
    """Gantt chart of an online episode: the wait from arrival to start in grey, the run in blue (red when
    it started after its arrival slot, as the offline chart marks starts after slot 1), arrivals as ticks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(rec["order"])
    fig, ax = plt.subplots(figsize=(10, max(3, n * 0.08)))
    for row, (t, a, s, e) in enumerate(zip(rec["order"], rec["arrivals"], rec["starts"], rec["ends"], strict=True)):
        ax.barh(row, max(0.0, s - 1 - a), left=a, color="0.85", height=0.8)
        ax.barh(row, e - s + 1, left=s - 1, color="tab:red" if s > np.floor(a) + 1 else "tab:blue", height=0.8)
        ax.plot([a, a], [row - 0.4, row + 0.4], color="k", lw=0.6)
        if n <= 40:
            ax.text(s - 1, row, f"t{t}", va="center", fontsize=6)
    ax.set_xlabel("slot")
    ax.set_ylabel("commit position")
    ax.set_title(f"{rec['workload_id']} · {rec['policy']} · {rec['arrival']} arrivals, window {rec['window']}: "
                 f"makespan {rec['makespan']:.0f}, mean latency {rec['latency_mean']:.1f}\n"
                 "(tick = arrival, grey = waiting, red = started after its arrival slot)", fontsize=9)
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_offline(rec: dict[str, Any], config: TxnConfig, path: str) -> None:
    """``adrs run``'s Gantt chart (:func:`.cli.plot_schedule`) of the replayed order, pinned to its workload."""
    from .cli import plot_schedule

    spec = config.workload
    if spec in ("train", "holdout", "ref"):
        spec = f"{spec}:{rec['workload_id']}"
    order = list(rec["order"])
    plot_schedule(lambda wl, oracle, rng: order, dataclasses.replace(config, workload=spec), path)


def replay_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs replay txn-scheduling`` and ``adrs replay txn-scheduling-online``."""
    config = config_from_args(args)
    online = isinstance(config, TxnOnlineConfig)
    rec = replay_online(args.policy, args.trace, config) if online else replay_offline(args.policy, args.trace, config)
    if args.plot:
        plot_online(rec, args.plot) if online else plot_offline(rec, config, args.plot)
        rec["plot"] = args.plot
    if args.json:
        print(json.dumps(rec))
        return 0
    head = (f"{rec['env']} {rec['policy']} workload {rec['workload_id']} (n={rec['n']}, seed {SEED}): makespan "
            f"{rec['makespan']:.0f} (LB {rec['lb']}, FIFO {rec['fifo']}, SMF {rec['smf']:.1f}); gap_to_bound "
            f"{rec['gap_to_bound']:.4f}, gain_vs_smf {rec['gain_vs_smf']:.4f}")
    if online:
        tail = (f"{rec['arrival']} arrivals, window {rec['window']}: mean latency {rec['latency_mean']:.2f}, p95 "
                f"{rec['latency_p95']:.2f}; {rec['decisions']} decisions, mean {rec['mean_decision_ms']:.3f} ms; "
                f"peek-budget violations {rec['budget_violations']}")
    else:
        tail = (f"{rec['delayed']} of {rec['n']} transactions delayed by a conflict; oracle calls "
                f"{rec['oracle_calls']} of {rec['budget_calls']} (budget {rec['budget']}), violations "
                f"{rec['budget_violations']}, policy CPU {rec['cpu_s']:.3f} s")
    print(f"{head}\n  {tail}" + (f"\n  plot: {args.plot}" if args.plot else ""))
    return 0
