"""``adrs replay cloudcast --policy P --trace ID [--split S] [--plot out.png] [--json]``: one plan, in detail.

The policy plans one instance of the split (``--trace`` is an instance id such as ``train-003``, or an
index); the plan is validated and simulated exactly as in ``adrs run cloudcast`` (:func:`.scoring.run_policy`).
The text summary gives cost, egress and VM dollars against the direct plan and the lower bound; the JSON
adds the overlay (edges with partitions and flow, relays); ``--plot`` draws the overlay on the lon/lat
map of :mod:`.plot` (one panel).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from adrs.config import build_config, parse_assignments
from adrs.simulators.cloudcast.model import simulate
from adrs.traces.cloudcast.embedded import Case, load_split
from adrs.units import find_unit

from .config import CloudcastConfig
from .policies import resolve_policy
from .scoring import run_policy


def config_from_args(args: argparse.Namespace) -> CloudcastConfig:
    """``--set`` overrides, then ``--split`` (the instance set)."""
    overrides = parse_assignments(CloudcastConfig, args.assignments)
    if args.split:
        overrides["split"] = args.split
    return build_config(CloudcastConfig, overrides)


def pick_case(split: str, trace: str) -> Case:
    """The case of ``split`` named by ``trace`` (id or index); ValueError listing valid ids."""
    cases = load_split(split)
    ids = [c.instance.instance_id for c in cases]
    return cases[find_unit(ids, trace, "instance", f"cloudcast split {split!r}")]


def replay(policy_spec: str, trace: str, config: CloudcastConfig) -> tuple[dict[str, Any], Case, Any]:
    """``(record, case, parents or None)`` of ``policy_spec`` on one instance."""
    case = pick_case(config.split, trace)
    name, fn = resolve_policy(policy_spec)
    plans: list = []
    row = run_policy(fn, case, plans)
    inst, parents = case.instance, plans[0]
    rec: dict[str, Any] = {
        "env": "cloudcast", "policy": name, "split": config.split, "instance_id": inst.instance_id,
        "source": inst.names[inst.source], "dests": [inst.names[d] for d in inst.dests],
        "data_vol_gb": inst.data_vol_gb, "num_partitions": inst.num_partitions, "num_vms": inst.num_vms,
        "summary": {k: v for k, v in row.items() if k != "wall_s"}, "policy_wall_s": row["wall_s"],
        "cost_vs_direct": row["total_cost_usd"] / row["direct_cost"] if row["valid"] else None,
    }
    if parents is not None:
        res = simulate(inst, parents)
        terminals = {inst.source, *inst.dests}
        rec["overlay"] = res.to_json(inst.names)
        rec["relays"] = [inst.names[v] for v in res.overlay_nodes if v not in terminals]
        rec["partition_edges"] = [[[inst.names[int(parents[p, v])], inst.names[v]]
                                   for v in range(inst.n) if parents[p, v] >= 0] for p in range(inst.num_partitions)]
    return rec, case, parents


def summary_line(rec: dict[str, Any]) -> str:
    """One human-readable paragraph of the record."""
    s = rec["summary"]
    head = (f"cloudcast {rec['policy']} instance {rec['instance_id']} (split {rec['split']}): {rec['source']} -> "
            f"{len(rec['dests'])} destinations, {rec['data_vol_gb']:g} GB in {rec['num_partitions']} partitions")
    if not s["valid"]:
        return f"{head}\n  INVALID plan: {s['reason']} (score -1; direct plan ${s['direct_cost']:.2f})"
    ov = rec["overlay"]
    relays = ", ".join(rec["relays"]) if rec["relays"] else "none"
    return (f"{head}\n  total ${s['total_cost_usd']:.3f} = egress ${s['egress_cost_usd']:.3f} + VMs "
            f"${s['instance_cost_usd']:.3f}; makespan {s['makespan_s']:.1f} s\n"
            f"  direct plan ${s['direct_cost']:.3f} (cost vs direct {rec['cost_vs_direct']:.4f}), lower bound "
            f"${s['lower_bound']:.3f} (gap {s['gap']:.4f}); score {s['score']:.4f}\n"
            f"  overlay: {len(ov['overlay_nodes'])} regions, {len(ov['edges'])} edges, relays: {relays}")


def replay_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs replay cloudcast``."""
    config = config_from_args(args)
    rec, case, parents = replay(args.policy, args.trace, config)
    if args.plot:
        from .plot import plot_overlays

        plot_overlays([case.instance], [parents], args.plot,
                      title=f"cloudcast · {rec['policy']} · {rec['instance_id']} · split={config.split}")
        rec["plot"] = args.plot
    if args.json:
        print(json.dumps(rec))
    else:
        print(summary_line(rec) + (f"\n  plot: {args.plot}" if args.plot else ""))
    return 0
