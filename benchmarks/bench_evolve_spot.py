"""Benchmark: the README's main job (`adrs evolve cant-be-late`), its throughput and its generalisation.

Runs the offline evolve loop exactly as the README does (seed 0, 200 iterations, 2 workers), then scores
the seed, every shipped online baseline and the best evolved program on the embedded holdout split and,
where the real data is available, on the real out-of-period probe ticks (spot doc §8: 30 windows x 8 envs
from probe ticks 1781-3894). Prints one table per env, candidates/min and where the time went.

    python benchmarks/bench_evolve_spot.py [--env cant-be-late|cant-be-late-multi|all] [--iterations N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from adrs.envs.spot import policies as P
from adrs.envs.spot.config import MultiSpotConfig, SpotConfig
from adrs.envs.spot.evaluate import evaluate
from adrs.envs.spot.loading import load_policy_file
from adrs.evolve import run_evolve
from adrs.paths import shared_data_dir

ITERATIONS = {"cant-be-late": 200, "cant-be-late-multi": 200}


def where_time_went(db: Path) -> dict[str, float]:
    conn = sqlite3.connect(db)
    out = {}
    for split, wall, cpu, compile_s, spawn in conn.execute(
            "SELECT split, SUM(wall_s), SUM(cpu_s), SUM(compile_s), SUM(spawn_s) FROM evaluation GROUP BY split"):
        out[f"{split}: child wall s"] = wall or 0.0
        out[f"{split}: simulate (child CPU) s"] = cpu or 0.0
        out[f"{split}: load+compile s"] = compile_s or 0.0
        out[f"{split}: spawn s"] = spawn or 0.0
    storage = static = 0.0
    for (payload,) in conn.execute("SELECT payload FROM event WHERE kind = 'generation'"):
        p = json.loads(payload)
        storage += p.get("storage_s", 0.0)
        static += p.get("static_s", 0.0)
    out["parent: static checks s"] = static
    out["parent: storage s"] = storage
    conn.close()
    return out


def bench(env: str, iterations: int) -> None:
    multi = env.endswith("multi")
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        t0 = time.perf_counter()
        summary = run_evolve(env, {"iterations": iterations, "workers": 2, "seed": 0}, out=run_dir)
        wall = time.perf_counter() - t0
        best = load_policy_file(run_dir / "best_program.py")
        timing = where_time_went(run_dir / "run.sqlite")
    table = P.MULTI_BASELINES if multi else P.SINGLE_BASELINES
    policies = {name: fn for name, fn in table.items() if name not in P.GLOBAL_ONLY or not multi}
    policies["best evolved"] = best
    splits = ["train", "holdout"]
    if shared_data_dir() is not None:
        splits.append("real-holdout")
    rows = {}
    for name, fn in policies.items():
        rows[name] = []
        for split in splits:
            cfg = MultiSpotConfig(traces=split) if multi else SpotConfig(traces=split)
            ev = evaluate(fn, cfg)
            rows[name].append((ev.score.score, ev.score.mean_cost_usd, ev.score.deadline_misses))
    print(f"\n## {env}: adrs evolve {env} --iterations {iterations} --workers 2 (seed 0)")
    print(f"wall {wall:.1f} s for {summary.funnel['proposed']} proposals = "
          f"{summary.funnel['proposed'] / wall * 60:.0f} candidates/min through the cascade "
          f"({summary.funnel['train_evaluated']} fully train-evaluated, {summary.funnel['duplicate']} behaviour "
          f"duplicates, {summary.funnel['static_rejected']} static rejects)")
    header = " | ".join(f"{s} S (mean $, misses)" for s in splits)
    print(f"| policy | {header} |")
    print("|---|" + "---|" * len(splits))
    for name, vals in rows.items():
        cells = " | ".join(f"{s:.4f} ({c:.2f}, {m})" for s, c, m in vals)
        print(f"| {name} | {cells} |")
    online = [n for n in rows if n not in ("best evolved", "on-demand")]
    for i, split in enumerate(splits):
        margin = rows["best evolved"][i][0] - max(rows[n][i][0] for n in online)
        print(f"best evolved minus best online baseline on {split}: {margin:+.4f}")
    print("where the time went (summed over candidates):")
    for key, value in timing.items():
        print(f"  {key:34s} {value:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="all", choices=["all", *ITERATIONS])
    parser.add_argument("--iterations", type=int)
    args = parser.parse_args()
    for env in ITERATIONS if args.env == "all" else [args.env]:
        bench(env, args.iterations or ITERATIONS[env])


if __name__ == "__main__":
    main()
