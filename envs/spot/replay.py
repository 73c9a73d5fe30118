"""``adrs replay cant-be-late[-multi] --policy P --trace ID [--plot out.png]``: one run, tick by tick.

The run goes through the gymnasium env (the same tick model as batch evaluation) and the picture shows
what happened over time: availability per region, the executed instance type and region, progress
against the deadline, and the cumulative cost.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

import adrs
from adrs.config import parse_assignments

from .config import MultiSpotConfig, SpotConfig
from .loading import resolve_policy

TYPE_NAMES = {0: "NONE", 1: "SPOT", 2: "ON_DEMAND"}


def replay(env_id: str, policy_spec: str, trace: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """Run ``policy_spec`` on one trace (an id or an index) and return the per-tick record."""
    multi = env_id.endswith("multi") or "Multi" in env_id
    cls = MultiSpotConfig if multi else SpotConfig
    probe = adrs.make(env_id, **{k: v for k, v in overrides.items() if k != "trace_index"})
    ids = probe.unwrapped._set.ids
    index = ids.index(trace) if trace in ids else int(trace) if trace.isdigit() else None
    if index is None or not 0 <= index < len(ids):
        raise ValueError(f"unknown trace {trace!r}; this source has {len(ids)} traces: {', '.join(ids[:6])} ...")
    config = dict(overrides, trace_index=index)
    for key, value in (("deadline_hours", cls().deadlines[0]), ("overhead_hours", cls().overheads[0])):
        config.setdefault(key, value)
    env = adrs.make(env_id, **config)
    name, fn = resolve_policy(policy_spec, multi, config.get("observation", "local"))
    if fn == "omniscient":
        raise ValueError("the omniscient bound is not a causal policy and cannot be replayed")
    env.reset(seed=0)
    state = np.zeros(32)
    record: dict[str, list] = {"progress_h": [], "avail": []}
    u = env.unwrapped
    while True:
        o = u.policy_observation
        record["progress_h"].append(o.progress_s / 3600)
        record["avail"].append(u._trace[o.tick].tolist())
        action = fn(o, state)
        if multi and not isinstance(action, tuple):
            action = (action, o.region)
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    record["progress_h"].append(u.policy_observation.progress_s / 3600)
    ledger = info.pop("ledger")
    return {"env": env_id, "policy": name, "trace_id": ids[index], "gap_s": u.gap_s, "job_h": u.job_s / 3600,
            "deadline_h": u.deadline_s / 3600, "overhead_h": u.overhead_s / 3600, "types": [e for e, _, _ in ledger],
            "regions": [r for _, r, _ in ledger], "cost_per_tick": [c for _, _, c in ledger], **record,
            "summary": {k: v for k, v in info.items() if k != "config"}}


def plot(rec: dict[str, Any], path: str) -> None:
    """Draw the replay as a 4-panel PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = np.arange(len(rec["types"])) * rec["gap_s"] / 3600
    avail = np.array(rec["avail"][: len(hours)])
    fig, axes = plt.subplots(4, 1, figsize=(10, 8), sharex=True, height_ratios=[1.2, 1, 1.4, 1.2])
    ax = axes[0]
    ax.imshow(avail.T, aspect="auto", cmap="Greens", vmin=0, vmax=1, interpolation="nearest",
              extent=(0, hours[-1] + rec["gap_s"] / 3600 if len(hours) else 1, avail.shape[1] - 0.5, -0.5))
    ax.set_ylabel("region")
    ax.set_yticks(range(avail.shape[1]))
    ax.set_title(f"{rec['env']} · {rec['policy']} · trace {rec['trace_id']} · R={rec['deadline_h']:g} h, "
                 f"d={rec['overhead_h']:g} h · cost ${rec['summary']['cost_usd']:.2f}")
    ax.plot(hours, rec["regions"], color="black", lw=1, drawstyle="steps-post", label="region run in")
    ax.legend(loc="upper right", fontsize=7)
    colors = {0: "lightgrey", 1: "tab:green", 2: "tab:red"}
    axes[1].bar(hours, 1, width=rec["gap_s"] / 3600, color=[colors[t] for t in rec["types"]], align="edge")
    axes[1].set_yticks([])
    axes[1].set_ylabel("type")
    for t, c in colors.items():
        axes[1].bar(0, 0, color=c, label=TYPE_NAMES[t])
    axes[1].legend(loc="upper right", fontsize=7, ncol=3)
    prog_hours = np.arange(len(rec["progress_h"])) * rec["gap_s"] / 3600
    axes[2].plot(prog_hours, rec["progress_h"], label="progress (h)")
    axes[2].plot([0, rec["deadline_h"]], [0, rec["job_h"]], "--", color="grey", label="uniform progress line")
    axes[2].axvline(rec["deadline_h"], color="red", lw=1, label="deadline")
    axes[2].set_ylabel("compute h")
    axes[2].legend(loc="upper left", fontsize=7)
    axes[3].plot(hours + rec["gap_s"] / 3600, np.cumsum(rec["cost_per_tick"]), color="tab:purple")
    axes[3].set_ylabel("cumulative $")
    axes[3].set_xlabel("hours since submission")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def replay_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs replay`` for the spot envs."""
    cls = MultiSpotConfig if args.env.endswith("multi") or "Multi" in args.env else SpotConfig
    overrides = parse_assignments(cls, args.assignments)
    if args.split:
        overrides["traces"] = args.split
    rec = replay(args.env, args.policy, args.trace, overrides)
    if args.plot:
        plot(rec, args.plot)
    if args.json:
        print(json.dumps(rec))
    else:
        s = rec["summary"]
        print(f"{rec['env']} {rec['policy']} trace {rec['trace_id']}: cost ${s['cost_usd']:.2f}, finish tick "
              f"{s['finish_tick']} (deadline tick {s['deadline_tick']}), preemptions {s['preemptions']}, spot "
              f"{s['spot_ticks']} / on-demand {s['od_ticks']} / idle {s['idle_ticks']} ticks, moves {s['moves']}"
              + (f"; plot: {args.plot}" if args.plot else ""))
    return 0
