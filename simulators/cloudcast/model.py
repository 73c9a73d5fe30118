"""The reference flow, makespan and cost model (spec §2.4, ``sim_mode="reference"``).

Input is the canonical plan ``parents[P, N]`` (``parents[p, v]`` = v's parent in partition p's tree or
-1), assumed valid (see :func:`adrs.envs.cloudcast.plan.validate`). Steps:

1. overlay = union of all tree edges, each starting at f_e = thr(e); node order = destinations in
   instance order, then partitions, then the s -> d path's edges from s (tail, then head, first seen);
2. one NIC-cap pass over the overlay nodes in that order (equal share, no redistribution);
3. t_e = n_e (V/P) 8 / f_e, makespan T = max_e t_e;
4. egress = sum n_e (V/P) c_e, instance = |nodes| num_vms (price/3600) round(T, 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adrs.simulators.cloudcast.instance import Instance


@dataclass(frozen=True)
class SimResult:
    """Outcome of one plan: dollars, time and the per-edge overlay."""

    total_cost: float
    egress_cost: float
    instance_cost: float
    makespan_s: float
    overlay_nodes: tuple[int, ...]
    edges: tuple[tuple[int, int], ...]
    n_e: tuple[int, ...]
    flow_gbps: tuple[float, ...]

    def to_json(self, names: tuple[str, ...] | None = None) -> dict:
        """Plain-data view; edge endpoints are names when ``names`` is given."""
        def lab(i: int) -> int | str:
            return names[i] if names else i
        return {"total_cost": self.total_cost, "egress_cost": self.egress_cost,
                "instance_cost": self.instance_cost, "makespan_s": self.makespan_s,
                "overlay_nodes": [lab(i) for i in self.overlay_nodes],
                "edges": [[lab(u), lab(v), n, f] for (u, v), n, f in
                          zip(self.edges, self.n_e, self.flow_gbps, strict=True)]}


def overlay_order(inst: Instance, parents: np.ndarray) -> tuple[list[int], list[tuple[int, int]]]:
    """Overlay nodes and edges in the reference's first-seen order (destinations, partitions, path)."""
    seen_nodes: dict[int, None] = {}
    seen_edges: dict[tuple[int, int], None] = {}
    s = inst.source
    for d in inst.dests:
        for p in range(inst.num_partitions):
            row = parents[p]
            path = [d]
            v = d
            while v != s:
                v = int(row[v])
                path.append(v)
            path.reverse()
            for a, b in zip(path[:-1], path[1:], strict=True):
                seen_nodes.setdefault(a)
                seen_nodes.setdefault(b)
                seen_edges.setdefault((a, b))
    return list(seen_nodes), list(seen_edges)


def simulate(inst: Instance, parents: np.ndarray) -> SimResult:
    """Reference cost of a valid plan ``parents[P, N]`` (rows beyond P are ignored)."""
    parents = np.asarray(parents)
    P = inst.num_partitions
    nodes, edges = overlay_order(inst, parents)
    us_all, vs_all = [], []
    for p in range(P):
        vs = np.nonzero(parents[p] >= 0)[0]
        us_all.append(parents[p, vs])
        vs_all.append(vs)
    n = inst.n
    counts = np.bincount(np.concatenate(us_all) * n + np.concatenate(vs_all), minlength=n * n)
    eu = np.fromiter((e[0] for e in edges), dtype=np.int64, count=len(edges))
    ev = np.fromiter((e[1] for e in edges), dtype=np.int64, count=len(edges))
    n_e = counts[eu * n + ev]
    flow = inst.throughput[eu, ev].copy()
    ingress, egress = inst.ingress_gbps, inst.egress_gbps
    for node in nodes:
        ins = ev == node
        outs = eu == node
        s_in = flow[ins].sum()
        s_out = flow[outs].sum()
        if s_in > ingress[node]:
            flow[ins] = np.minimum(flow[ins], ingress[node] / ins.sum())
        if s_out > egress[node]:
            flow[outs] = np.minimum(flow[outs], egress[node] / outs.sum())
    part_gb = inst.data_vol_gb / P
    t_e = n_e * part_gb * 8 / flow
    makespan = float(t_e.max()) if len(edges) else 0.0
    egress_cost = float((n_e * part_gb * inst.cost[eu, ev]).sum())
    instance_cost = len(nodes) * inst.num_vms * (inst.usd_per_vm_hour / 3600) * round(makespan, 2)
    return SimResult(total_cost=egress_cost + instance_cost, egress_cost=egress_cost,
                     instance_cost=instance_cost, makespan_s=makespan, overlay_nodes=tuple(nodes),
                     edges=tuple(edges), n_e=tuple(int(x) for x in n_e),
                     flow_gbps=tuple(float(x) for x in flow))
