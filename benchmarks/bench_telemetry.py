"""Benchmark: a full evaluation of a baseline over 1,000 generated telemetry-repair scenarios.

  (a) ``adrs.envs.telemetry.evaluate.evaluate`` (in-process: a fresh, isolating copy of every observation,
      strict validation, every reference and proper metric, pooled Brier/ECE/status Brier/AUROC);
      "cold" is the first call on the scenario list (it flattens the truth and plans the observation
      copies), "warm" a later call on the same list (both cached with the list);
  (b) the reference metric written as plain Python loops (the reference evaluator's style: per-interface
      dict walks, no validation, no copy, the policy sees the shared observation), as a baseline.

Both include the policy's own time, so the script also times the policy alone and the scoring alone:
``score_actions`` (validation + every metric) against the plain loop's body on the same precomputed
actions. Times are CPU seconds of this process (best of ``--repeat``), steadier than wall time on a
shared machine. Scenario generation (draws over the 12 train WANs, campaign masters 1..) is timed
separately. Checks that (a) and (b) agree on the reference combined score. Needs no ../shared data.
Run:  python benchmarks/bench_telemetry.py [--policy symmetry] [--n 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from adrs.envs.telemetry.evaluate import evaluate, score_actions
from adrs.simulators.telemetry.baselines import BASELINES
from adrs.simulators.telemetry.metrics import ref_calibration_item
from adrs.traces.telemetry.embedded import load_split


def plain_combined(rep, s) -> float:
    """The reference ``combined`` of one action on one scenario, plain loops (no validation, no numpy)."""
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
    return 0.75 * counter + 0.05 * ok / len(s["truth"]) + 0.20 * sum(cal) / len(cal)


def plain_python(policy, scenarios) -> float:
    """Mean reference ``combined``, running the policy and scoring scenario by scenario."""
    return sum(plain_combined(policy(s["obs"]), s) for s in scenarios) / len(scenarios)


def plain_score(reps, scenarios) -> float:
    """The same on precomputed actions (scoring only)."""
    return sum(plain_combined(rep, s) for s, rep in zip(scenarios, reps, strict=True)) / len(scenarios)


def _cpu(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", default="symmetry")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    scenarios = []
    master = 1
    while len(scenarios) < args.n:
        scenarios += list(load_split.__wrapped__("train", master=master))
        master += 1
    scenarios = scenarios[: args.n]
    t_gen = time.perf_counter() - t0
    policy = BASELINES[args.policy]
    t_cold, (summary, _) = _cpu(lambda: evaluate(args.policy, scenarios, isolate=False), 1)
    t_warm, _ = _cpu(lambda: evaluate(args.policy, scenarios, isolate=False), args.repeat)
    t_plain, plain = _cpu(lambda: plain_python(policy, scenarios), args.repeat)
    t_pol, _ = _cpu(lambda: [policy(s["obs"]) and None for s in scenarios], args.repeat)  # actions dropped
    actions = [policy(s["obs"]) for s in scenarios]
    t_score, per = _cpu(lambda: score_actions(scenarios, actions), args.repeat)
    t_plain_score, plain2 = _cpu(lambda: plain_score(actions, scenarios), args.repeat)
    assert abs(plain - summary["combined"]) < 1e-9, (plain, summary["combined"])
    assert abs(plain2 - summary["combined"]) < 1e-9 and len(per) == len(scenarios)
    print(f"scenarios {len(scenarios)}  generation {t_gen:.2f} s (wall)   CPU seconds, best of {args.repeat}:")
    print(f"policy alone ({args.policy}, shared obs): {t_pol:.3f} s")
    print(f"end to end:  adrs evaluate cold {t_cold:.3f} s  warm {t_warm:.3f} s   plain-Python loops {t_plain:.3f} s"
          f"   ratio plain/adrs = {t_plain / t_cold:.2f} cold, {t_plain / t_warm:.2f} warm")
    print(f"scoring only: adrs score_actions {t_score:.3f} s   plain loop body {t_plain_score:.3f} s"
          f"   ratio plain/adrs = {t_plain_score / t_score:.2f}")
    print(f"score {summary['score']:.4f}  combined {summary['combined']:.4f}  brier {summary['brier']:.4f}  "
          f"status_brier {summary['status_brier']:.4f}  detection_auroc {summary['detection_auroc']:.4f}")


if __name__ == "__main__":
    main()
