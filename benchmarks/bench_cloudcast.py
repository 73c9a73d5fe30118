"""Benchmark: evaluating one plan on the five reference configs, the adrs simulator vs plain networkx.

  (a) ``adrs.simulators.cloudcast.model.simulate`` on the canonical parents array;
  (b) the same reference model written the usual way: a networkx DiGraph of the region graph with edge
      attributes (built per config, as the reference evaluator does), an overlay DiGraph of the plan,
      and the NIC-cap pass over ``in_edges`` / ``out_edges`` with attribute dicts.

Also times the exact min-egress Steiner tree per config, HiGHS MILP (``scipy.optimize.milp``) against the
Dreyfus-Wagner DP, and a full reference evaluation of a baseline policy (``adrs run cloudcast --preset reference``
without process start-up). Checks that (a) and (b) agree. Needs ADRS_DATA or ../shared/data.
Run:  python benchmarks/bench_cloudcast.py
"""

from __future__ import annotations

import time

import networkx as nx

from adrs.envs.cloudcast.policies import POLICIES
from adrs.envs.cloudcast.scoring import evaluate_cases
from adrs.simulators.cloudcast.instance import Instance
from adrs.simulators.cloudcast.model import simulate
from adrs.simulators.cloudcast.steiner import steiner_tree
from adrs.simulators.cloudcast.steiner_milp import scipy_available, steiner_milp
from adrs.traces.cloudcast.embedded import load_split


def networkx_cost(inst: Instance, parents) -> float:
    """Plain networkx evaluation of the reference model (graph built from scratch)."""
    g = inst.graph()
    names, s = inst.names, inst.names[inst.source]
    overlay = nx.DiGraph()
    part_gb = inst.data_vol_gb / inst.num_partitions
    for d in inst.dests:
        for p in range(inst.num_partitions):
            path, v = [d], d
            while v != inst.source:
                v = int(parents[p][v])
                path.append(v)
            path = [names[x] for x in reversed(path)]
            assert path[0] == s
            for a, b in zip(path[:-1], path[1:], strict=True):
                if not overlay.has_edge(a, b):
                    overlay.add_edge(a, b, flow=g[a][b]["throughput"], cost=g[a][b]["cost"], parts=set())
                overlay[a][b]["parts"].add(p)
    for n in overlay.nodes:
        prov = inst.provider[inst.index(n)]
        cap_in, cap_out = inst.num_vms * inst.ingress_per_vm[prov], inst.num_vms * inst.egress_per_vm[prov]
        ins, outs = list(overlay.in_edges(n, data=True)), list(overlay.out_edges(n, data=True))
        s_in, s_out = sum(e[2]["flow"] for e in ins), sum(e[2]["flow"] for e in outs)
        if s_in > cap_in:
            for e in ins:
                e[2]["flow"] = min(e[2]["flow"], cap_in / len(ins))
        if s_out > cap_out:
            for e in outs:
                e[2]["flow"] = min(e[2]["flow"], cap_out / len(outs))
    t = max(len(e["parts"]) * part_gb * 8 / e["flow"] for _, _, e in overlay.edges(data=True))
    egress = sum(len(e["parts"]) * part_gb * e["cost"] for _, _, e in overlay.edges(data=True))
    return egress + overlay.number_of_nodes() * inst.num_vms * (inst.usd_per_vm_hour / 3600) * round(t, 2)


def main(repeats: int = 20) -> None:
    cases = load_split("paper")
    plans = [POLICIES["closure-arborescence"](c.instance) for c in cases]
    a = [simulate(c.instance, p).total_cost for c, p in zip(cases, plans, strict=True)]
    b = [networkx_cost(c.instance, p) for c, p in zip(cases, plans, strict=True)]
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-9, (a, b)
    t0 = time.perf_counter()
    for _ in range(repeats):
        for c, p in zip(cases, plans, strict=True):
            simulate(c.instance, p)
    ta = (time.perf_counter() - t0) / repeats
    t0 = time.perf_counter()
    for _ in range(max(1, repeats // 4)):
        for c, p in zip(cases, plans, strict=True):
            networkx_cost(c.instance, p)
    tb = (time.perf_counter() - t0) / max(1, repeats // 4)
    print(f"one plan x 5 configs: adrs {ta * 1e3:.2f} ms, networkx {tb * 1e3:.2f} ms, ratio {tb / ta:.1f}x")
    bench_steiner(cases)
    for name in ("direct", "closure-arborescence", "steiner-milp"):
        t0 = time.perf_counter()
        summary, _ = evaluate_cases(POLICIES[name], cases, paper=True)
        print(f"full reference evaluation of {name}: {time.perf_counter() - t0:.3f} s "
              f"(total ${summary['total_cost_usd']:.3f}, score {summary['score']:.4f})")


def bench_steiner(cases) -> None:
    """Per-config MILP solve time, optimum and tree cost, beside the DP's time and optimum."""
    if not scipy_available():
        print("steiner MILP: scipy not installed (pip install 'scipy>=1.11'); DP only")
    milp_total, egress, total = 0.0, 0.0, 0.0
    for c in cases:
        inst = c.instance
        t0 = time.perf_counter()
        dp = steiner_tree(inst)
        t_dp = time.perf_counter() - t0
        if not scipy_available():
            print(f"  {inst.instance_id:<12} DP {dp.opt_per_gb:.4f} $/GB in {t_dp * 1e3:.1f} ms")
            continue
        r = steiner_milp(inst)
        res = simulate(inst, [r.parents_row] * inst.num_partitions)
        milp_total, egress, total = milp_total + r.wall_s, egress + res.egress_cost, total + res.total_cost
        print(f"  {inst.instance_id:<12} MILP {r.opt_per_gb:.4f} $/GB ({r.n_vars} vars, {r.n_rows} rows, "
              f"{'optimal' if r.optimal else 'time limit'}) in {r.wall_s:.2f} s; DP {dp.opt_per_gb:.4f} in "
              f"{t_dp * 1e3:.1f} ms; tree egress ${res.egress_cost:.2f} total ${res.total_cost:.3f}")
    if scipy_available():
        print(f"steiner MILP on {len(cases)} configs: {milp_total:.2f} s, egress ${egress:.2f}, total ${total:.3f}")


if __name__ == "__main__":
    main()
