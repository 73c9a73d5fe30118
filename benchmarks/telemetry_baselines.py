"""Every telemetry-repair baseline under both metric sets, train and holdout (the README table).

Runs each baseline through :func:`adrs.envs.telemetry.evaluate.evaluate` in the isolated worker, exactly
as ``adrs run telemetry-repair --policy P [--split S] --json`` does, on:

- ``train`` / ``holdout``: the committed generated WANs (default variant: external counters observed);
  the proper score (0.75 counter accuracy + 0.05 status + 0.20 (1 - Brier)), mean ± std over the five
  seed groups, and the reference ``combined`` on the same repairs;
- ``reference``: the reference task's 30 parity scenarios (reference variant, needs ``ADRS_DATA``);
- with ``--demand``: ``train`` / ``holdout`` again with ``observe_demand=True`` (a separate leaderboard).

Then, per split, each baseline's mean error (spec §6.2: min(|r - g| / max(g, 1), 1)) restricted to the
counters of link directions whose two readings (own tx, peer rx) both carry a fault label, the case only
conservation (or demand) can repair.

Prints Markdown tables.  Run:  python benchmarks/telemetry_baselines.py [--demand]
"""

from __future__ import annotations

import argparse

from adrs.envs.telemetry.config import TelemetryConfig
from adrs.envs.telemetry.evaluate import evaluate
from adrs.envs.telemetry.sources import load_scenarios
from adrs.paths import DataNotFoundError
from adrs.simulators.telemetry.baselines import BASELINES
from adrs.simulators.telemetry.scenarios import doubly_faulted

POLICIES = ("passthrough", "passthrough-0.5", "symmetry", "least-squares", "hodor")


def both_ends_error(policy: str, scenarios: list[dict]) -> tuple[float, int]:
    """Mean proper error of ``policy`` on doubly faulted directions, and how many counters that is."""
    errors = []
    for s in scenarios:
        items = doubly_faulted(s)
        if items:
            act = BASELINES[policy](s["obs"])
            errors += [min(abs(act[f][k][1] - s["truth"][f][g]) / max(s["truth"][f][g], 1.0), 1.0)
                       for f, k, g in items]
    return sum(errors) / len(errors), len(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demand", action="store_true", help="also run with observe_demand=True")
    args = parser.parse_args()
    sets = {"train": TelemetryConfig(split="train"), "holdout": TelemetryConfig(split="holdout")}
    if args.demand:
        sets["train+demand"] = TelemetryConfig(split="train", observe_demand=True)
        sets["holdout+demand"] = TelemetryConfig(split="holdout", observe_demand=True)
    scenarios = {name: load_scenarios(cfg) for name, cfg in sets.items()}
    try:
        reference = load_scenarios(TelemetryConfig(variant="reference", split="reference"))
    except DataNotFoundError as exc:
        reference = None
        print(f"(reference set skipped: {exc})")
    head = ["policy"]
    for name in scenarios:
        head += [f"{name} score (± std over seed groups)", f"{name} combined"]
    if reference is not None:
        head += ["reference combined", "reference LB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for policy in POLICIES:
        cells = [f"`{policy}`"]
        for scen in scenarios.values():
            s, _ = evaluate(policy, scen, variant="default", timeout_s=30.0)
            cells += [f"{s['score']:.4f} ± {s['score_group_std']:.4f}", f"{s['combined']:.4f}"]
        if reference is not None:
            s, _ = evaluate(policy, reference, variant="reference", timeout_s=30.0)
            cells += [f"{s['combined']:.4f}", f"{s['leaderboard_score']:.1f}"]
        print("| " + " | ".join(cells) + " |")
    print()
    print("| policy | " + " | ".join(f"{name}: error on doubly faulted directions" for name in scenarios) + " |")
    print("|" + "---|" * (1 + len(scenarios)))
    for policy in POLICIES:
        cells = []
        for scen in scenarios.values():
            err, n = both_ends_error(policy, scen)
            cells.append(f"{err:.3f} ({n} counters)")
        print(f"| `{policy}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
