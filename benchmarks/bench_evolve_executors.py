"""Benchmark: evolve throughput (candidates/min) on the local process pool vs Ray, 1 and 2 workers.

Runs ``adrs evolve cant-be-late`` (offline generator, seed 0) with a fixed iteration budget on each
executor and worker count, prints candidates/min side by side, and checks that every run stored the
same results (the store fingerprint) -- the executor never changes the trajectory.

Ray is started once (``ray.init(num_cpus=max(2, workers))`` on this machine, or ``--ray-address``),
outside the timed runs; its start-up time is printed separately. A short untimed warm-up run starts
the Ray workers and their sandbox zygotes first (a long-lived cluster keeps them warm), so the timed
Ray runs measure steady state, like the local pool whose zygote start-up (about 1 s) is inside its timing.

    python benchmarks/bench_evolve_executors.py [--env cant-be-late] [--iterations 48] [--ray-address ADDR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from adrs.evolve import run_evolve
from adrs.evolve.store import Store


def timed_run(env: str, iterations: int, executor: str, workers: int, out: Path) -> tuple[float, int, dict]:
    t0 = time.perf_counter()
    summary = run_evolve(env, {"iterations": iterations, "seed": 0, "workers": workers, "executor": executor},
                         out=out)
    wall = time.perf_counter() - t0
    store = Store(out / "run.sqlite")
    try:
        fp = store.fingerprint()
    finally:
        store.close()
    return wall, summary.funnel["proposed"], fp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", default="cant-be-late")
    ap.add_argument("--iterations", type=int, default=48)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--ray-address", default="", help="join this cluster instead of starting a local instance")
    args = ap.parse_args()

    import ray

    t0 = time.perf_counter()
    if args.ray_address:
        ray.init(address=args.ray_address, log_to_driver=False)
    else:
        ray.init(num_cpus=max(2, *args.workers), include_dashboard=False, log_to_driver=False)
    ray_start = time.perf_counter() - t0
    results: dict[tuple[str, int], tuple[float, int]] = {}
    fingerprints = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_evolve(args.env, {"iterations": 8, "seed": 1, "workers": max(args.workers), "executor": "ray"},
                       out=Path(tmp) / "warmup")
            warmup = time.perf_counter() - t0
            for executor in ("local", "ray"):
                for workers in args.workers:
                    wall, proposed, fp = timed_run(args.env, args.iterations, executor, workers,
                                                   Path(tmp) / f"{executor}-{workers}")
                    results[executor, workers] = (wall, proposed)
                    fingerprints.append(fp)
                    print(f"  {executor:5s} workers={workers}: {proposed} proposals in {wall:.1f} s", flush=True)
    finally:
        ray.shutdown()

    cpus = os.cpu_count()
    print(f"\n## adrs evolve {args.env} --iterations {args.iterations} (seed 0), {cpus} CPUs")
    print(f"Ray start-up {ray_start:.1f} s, warm-up run (8 iterations, starts workers + zygotes) {warmup:.1f} s "
          "(both untimed)")
    print("| workers | local pool: wall s | local: candidates/min | Ray: wall s | Ray: candidates/min |")
    print("|---|---|---|---|---|")
    for workers in args.workers:
        lw, lp = results["local", workers]
        rw, rp = results["ray", workers]
        print(f"| {workers} | {lw:.1f} | {lp / lw * 60:.0f} | {rw:.1f} | {rp / rw * 60:.0f} |")
    same = all(fp == fingerprints[0] for fp in fingerprints)
    print(f"identical stored results across all {len(fingerprints)} runs: {same}")


if __name__ == "__main__":
    main()
