"""Benchmark: a full evaluation of a baseline over 1,000 generated telemetry-repair scenarios.

  (a) ``adrs.envs.telemetry.evaluate.evaluate`` (in-process: JSON round trip, strict validation, all
      reference and proper metrics, pooled Brier/ECE);
  (b) the same scoring written as plain Python loops (the reference evaluator's style: per-interface
      dict walks, no validation), as a baseline in the same run.

Scenario generation (1,000 draws over the 12 train WANs, campaign masters 1..5) is timed separately.
Checks that (a) and (b) agree on the reference combined score. Needs no ../shared data.
Run:  python benchmarks/bench_telemetry.py [--policy symmetry] [--n 1000]
"""

from __future__ import annotations

import argparse
import time

from adrs.envs.telemetry.evaluate import evaluate
from adrs.simulators.telemetry.baselines import BASELINES
from adrs.simulators.telemetry.metrics import ref_calibration_item
from adrs.traces.telemetry.embedded import load_split


def plain_python(policy, scenarios) -> float:
    """Mean reference ``combined`` with plain loops (no validation, no numpy)."""
    total = 0.0
    for s in scenarios:
        rep = policy(s["obs"])
        err = n = 0
        cal = []
        ok = 0
        for f, t in s["truth"].items():
            for k, g in (("rx_rate", t["rx"]), ("tx_rate", t["tx"])):
                _, r, c = rep[f][k]
                if g > 0:
                    err += min(abs(r - g) / g, 1.0)
                    n += 1
                cal.append(ref_calibration_item(g, r, c))
            ok += rep[f]["interface_status"][1] == t["status"]
        counter = max(0.0, 1 - err / n) if n else 0.0
        total += 0.75 * counter + 0.05 * ok / len(s["truth"]) + 0.20 * sum(cal) / len(cal)
    return total / len(scenarios)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", default="symmetry")
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    scenarios = []
    master = 1
    while len(scenarios) < args.n:
        scenarios += list(load_split.__wrapped__("train", master=master))
        master += 1
    scenarios = scenarios[: args.n]
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary, _ = evaluate(args.policy, scenarios, isolate=False)
    t_adrs = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = plain_python(BASELINES[args.policy], scenarios)
    t_plain = time.perf_counter() - t0
    assert abs(plain - summary["combined"]) < 1e-9, (plain, summary["combined"])
    print(f"scenarios {len(scenarios)}  generation {t_gen:.2f} s")
    print(f"adrs evaluate ({args.policy}): {t_adrs:.3f} s   plain-Python loops: {t_plain:.3f} s   "
          f"ratio plain/adrs = {t_plain / t_adrs:.2f}")
    print(f"score {summary['score']:.4f}  combined {summary['combined']:.4f}  brier {summary['brier']:.4f}")


if __name__ == "__main__":
    main()
