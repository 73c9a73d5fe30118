"""Benchmark: the full 1080-run `cant-be-late --preset reference` evaluation, three ways, in one run.

  (a) a numba-compilable policy through the compiled batch loop (timed after compilation):
      end to end through ``evaluate`` (run grid, per-run columns, scoring; serial and with 2 threads),
      and the batch loop alone
      (``run_batch`` over the same 1080 runs), serial and with 2 threads (``threads=2``),
  (b) the same policy as plain Python through the function-policy path,
  (c) a straightforward plain-Python tick loop: the same model and observation contract written the
      usual way (an observation object per tick, history lists), running the same greedy function.

Each is timed ``--repeat`` times (default 5) and the best and median are printed, with the ratios of
the medians, all measured in the same process; all paths must agree on the mean cost.
Needs the real traces (ADRS_DATA or ../shared/data).  Run:  python benchmarks/bench_spot.py
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import dataclass, field

import numba
import numpy as np

from adrs.envs.spot.config import PRESETS, SpotConfig
from adrs.envs.spot.evaluate import build_runs, evaluate
from adrs.envs.spot.policies import greedy
from adrs.simulators.spot.batch import compile_policy, run_batch
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


def plain_loop(ts, config) -> list[float]:
    """(c): every run through :class:`PlainSim`."""
    costs = []
    for i in range(ts.n_traces):
        bits = ts.bits[i, 0].tolist()
        for r in config.deadlines:
            for d in config.overheads:
                costs.append(PlainSim(bits, 600.0, 48 * H, r * H, d * H, 0.9731, 3.06).run(greedy))
    return costs


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(best, median) wall seconds over ``repeat`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per path (default 5)")
    args = parser.parse_args()
    ts = load_reference_single()
    config = SpotConfig(**PRESETS["cant-be-late"]["reference"])
    t0 = time.perf_counter()
    evaluate(greedy, config, [ts], mode="compiled")
    first = time.perf_counter() - t0
    runs, _ = build_runs(ts, config)
    jitted = compile_policy(greedy)
    t0 = time.perf_counter()
    run_batch(jitted, runs, threads=2)
    first_par = time.perf_counter() - t0
    rows = {}
    rows["a_eval"] = timed(lambda: evaluate(greedy, config, [ts], mode="compiled"), args.repeat)
    rows["a_eval2"] = timed(lambda: evaluate(greedy, config, [ts], mode="compiled", threads=2), args.repeat)
    rows["a_batch"] = timed(lambda: run_batch(jitted, runs), args.repeat)
    rows["a_batch2"] = timed(lambda: run_batch(jitted, runs, threads=2), args.repeat)
    rows["b"] = timed(lambda: evaluate(greedy, config, [ts], mode="python"), max(1, args.repeat // 5))
    rows["c"] = timed(lambda: plain_loop(ts, config), args.repeat)
    a, b, costs = rows["a_eval"][2], rows["b"][2], rows["c"][2]
    assert rows["a_eval2"][2].score == a.score
    n = a.score.n_runs
    med = {k: v[1] for k, v in rows.items()}
    print(f"cant-be-late --preset reference: {n} runs, policy greedy, best / median of {args.repeat} "
          f"(numba threads available: {numba.get_num_threads()})")
    print(f"  mean cost: compiled {a.score.mean_cost_usd:.4f}  python {b.score.mean_cost_usd:.4f}  "
          f"plain loop {np.mean(costs):.4f}")
    labels = {
        "a_eval": f"(a) evaluate(), compiled             (first call incl. compile {first:.2f} s)",
        "a_eval2": "(a) evaluate(), compiled, 2 threads",
        "a_batch": "(a) run_batch alone, serial",
        "a_batch2": f"(a) run_batch alone, 2 threads       (first call incl. compile {first_par:.2f} s)",
        "b": "(b) evaluate(), Python function path",
        "c": "(c) plain-Python loop",
    }
    for key, label in labels.items():
        best, median, _ = rows[key]
        print(f"  {label:<40s} {best * 1e3:9.2f} ms  {median * 1e3:9.2f} ms")
    c = med["c"]
    print(f"  ratios of medians: (c)/(a evaluate) = {c / med['a_eval']:.0f}x   "
          f"(c)/(a evaluate, 2 threads) = {c / med['a_eval2']:.0f}x   "
          f"(c)/(a run_batch) = {c / med['a_batch']:.0f}x   (c)/(a run_batch, 2 threads) = {c / med['a_batch2']:.0f}x"
          f"   (c)/(b) = {c / med['b']:.2f}x")
    assert a.score.mean_cost_usd == b.score.mean_cost_usd
    assert abs(np.mean(costs) - a.score.mean_cost_usd) < 1e-9
    serial, par = rows["a_batch"][2], rows["a_batch2"][2]
    assert np.array_equal(serial.cost_usd, par.cost_usd) and np.array_equal(serial.finish_tick, par.finish_tick)


if __name__ == "__main__":
    main()
