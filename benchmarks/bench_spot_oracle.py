"""Benchmark: the omniscient DP (spec §6.5) on the 1080 reference runs of spec §5.1.

Prints the first-call time (which includes numba compilation when the on-disk cache is cold), then
the warm wall and CPU times for 1 and for all threads, and the mean, per-cell and per-env costs.
Needs the real traces (ADRS_DATA or ../shared/data).  Run:  python benchmarks/bench_spot_oracle.py
"""

from __future__ import annotations

import time

import numpy as np

from adrs.simulators.spot.oracle import omniscient_costs
from adrs.traces.spot.importers import load_reference_single

H = 3600.0
DEADLINES_H, OVERHEADS_H = (52, 70, 92), (0.02, 0.2, 0.4)


def main() -> None:
    ts = load_reference_single()
    rows = [(i, r, d) for i in range(ts.n_traces) for r in DEADLINES_H for d in OVERHEADS_H]
    avail = np.array([1 - ts.bits[i, 0] for i, _, _ in rows], dtype=np.uint8)
    R = np.array([r * H for _, r, _ in rows])
    d = np.array([o * H for _, _, o in rows])
    env = np.array([ts.meta[i]["family"] for i, _, _ in rows])

    def timed(n_threads: int | None) -> tuple[np.ndarray, float, float]:
        t, c = time.perf_counter(), time.process_time()
        out = omniscient_costs(avail, 600.0, 48 * H, R, d, 0.9731, 3.06, n_threads=n_threads)
        return out, time.perf_counter() - t, time.process_time() - c

    cost, wall, _ = timed(None)
    print(f"first call (compiles if the numba cache is cold): {wall:.2f} s for {len(rows)} runs")
    for n_threads in (1, None):
        again, wall, cpu = timed(n_threads)
        assert np.array_equal(again, cost)
        print(f"warm, threads={n_threads or 'all'}: wall {wall:.2f} s, cpu {cpu:.2f} s")
    print(f"mean {cost.mean():.4f} (spec 81.543)")
    for r in DEADLINES_H:
        cells = [cost[(R == r * H) & (d == o * H)].mean() for o in OVERHEADS_H]
        print(f"R = {r} h, d = {OVERHEADS_H}: " + " / ".join(f"{c:.2f}" for c in cells))
    for e in dict.fromkeys(env):
        print(f"{e}: {cost[env == e].mean():.2f}")


if __name__ == "__main__":
    main()
