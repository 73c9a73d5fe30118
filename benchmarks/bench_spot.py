"""Benchmark: the full 1080-run `cant-be-late --preset reference` evaluation, three ways, in one run.

  (a) a numba-compilable policy through the compiled batch loop (timed after compilation),
  (b) the same policy as plain Python through the function-policy path,
  (c) a straightforward plain-Python tick loop: the same model and observation contract written the
      usual way (an observation object per tick, history lists), running the same greedy function.

Prints wall times and the ratios (c)/(a) and (c)/(b); checks that all three agree on the mean cost.
Needs the real traces (ADRS_DATA or ../shared/data).  Run:  python benchmarks/bench_spot.py
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from adrs.envs.spot.config import PRESETS, SpotConfig
from adrs.envs.spot.evaluate import evaluate
from adrs.envs.spot.policies import greedy
from adrs.traces.spot.importers import load_reference_single

H = 3600.0


@dataclass
class Obs:
    """The observation of the (c) baseline: the same §3.1 contract, built as an object per tick."""

    tick: int
    elapsed_s: float
    gap_s: float
    job_s: float
    deadline_s: float
    overhead_s: float
    spot_available: bool
    last_type: int
    cur_type: int
    preempted: bool
    progress_s: float
    remaining_work_s: float
    remaining_time_s: float
    pending_overhead_s: float
    price_od: float
    price_spot: float
    cost_so_far: float
    history_avail: list = field(default_factory=list)
    history_type: list = field(default_factory=list)


class PlainSim:
    """The (c) baseline: one run as a straightforward plain-Python object loop over the §2.2 model."""

    def __init__(self, bits, gap, job, deadline, overhead, p_spot, p_od):
        self.bits, self.gap, self.job, self.deadline, self.overhead = bits, gap, job, deadline, overhead
        self.p_spot, self.p_od = p_spot, p_od
        self.prices = {0: 0.0, 1: p_spot, 2: p_od}

    def run(self, policy) -> float:
        prev, r, progress, cost, k = 0, 0.0, 0.0, 0.0, 0
        hist_avail: list[bool] = []
        hist_type: list[int] = []
        kdl = math.floor(self.deadline / self.gap)
        while True:
            cost += self.prices[prev] * self.gap / 3600.0
            avail = self.bits[k] == 0
            hist_avail.append(avail)
            cur = 0 if (prev == 1 and not avail) else prev
            if prev != 0:
                p = max(self.gap - r, 0.0)
                r = r - (self.gap - p)
                r = 0.0 if r < 1e-3 else r
                progress += min(p, self.job - progress)
            if self.job - progress <= 1e-8:
                return cost
            t = k * self.gap
            obs = Obs(k, t, self.gap, self.job, self.deadline, self.overhead, avail, prev, cur,
                      prev == 1 and not avail, progress, self.job - progress, self.deadline - t,
                      r if cur else 0.0, self.p_od, self.p_spot, cost, hist_avail, hist_type)
            e = policy(obs, None)
            w = self.job - progress
            left = math.floor((self.deadline - t) / self.gap)
            if w > 1e-3 and math.ceil((w + self.overhead) / self.gap) >= left:
                if not (cur == 1 and r < 1e-3 and e == 1):
                    e = 2
            if e == 1 and not avail:
                e = 0
            if e != 0 and e != cur:
                r = self.overhead
            hist_type.append(e)
            prev = e
            k += 1
            assert k <= kdl + 1


def main() -> None:
    ts = load_reference_single()
    config = SpotConfig(**PRESETS["cant-be-late"]["reference"])
    t0 = time.perf_counter()
    evaluate(greedy, config, [ts], mode="compiled")
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    a = evaluate(greedy, config, [ts], mode="compiled")
    t_a = time.perf_counter() - t0
    t0 = time.perf_counter()
    b = evaluate(greedy, config, [ts], mode="python")
    t_b = time.perf_counter() - t0
    t0 = time.perf_counter()
    costs = []
    for i in range(ts.n_traces):
        bits = ts.bits[i, 0].tolist()
        for r in config.deadlines:
            for d in config.overheads:
                costs.append(PlainSim(bits, 600.0, 48 * H, r * H, d * H, 0.9731, 3.06).run(greedy))
    t_c = time.perf_counter() - t0
    n = a.score.n_runs
    print(f"cant-be-late --preset reference: {n} runs, policy greedy")
    print(f"  mean cost: compiled {a.score.mean_cost_usd:.4f}  python {b.score.mean_cost_usd:.4f}  "
          f"plain loop {np.mean(costs):.4f}")
    print(f"  (a) numba batch loop     {t_a:8.3f} s  (first call incl. compile {first:.2f} s)")
    print(f"  (b) Python function path {t_b:8.3f} s")
    print(f"  (c) plain-Python loop    {t_c:8.3f} s")
    print(f"  ratios: (c)/(a) = {t_c / t_a:.0f}x   (c)/(b) = {t_c / t_b:.2f}x   (b)/(a) = {t_b / t_a:.0f}x")
    assert a.score.mean_cost_usd == b.score.mean_cost_usd
    assert abs(np.mean(costs) - a.score.mean_cost_usd) < 1e-9


if __name__ == "__main__":
    main()
