"""``adrs replay telemetry-repair --policy P --trace ID [--split S] [--plot out.png] [--json]``: one scenario.

``--trace`` is a scenario id ``SPLIT-NNN`` (the evolve task's unit ids, e.g. ``train-017``) or an index.
The policy repairs that scenario's observation and the repair is scored by the env's own
:func:`.evaluate.evaluate` (in this process, so the action can be kept; the policy still only receives
``obs``). The record lists every counter: ground truth, the observed reading, the repaired value and its
confidence, the fault label (``labels["faults"]``, ``clean`` when unlabelled) and whether the repair is
within tau. ``--plot`` draws observed vs truth and repaired vs truth (log-log, coloured by fault label)
and the confidence histogram split by hit / miss.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from adrs.config import build_config, parse_assignments
from adrs.units import find_unit

from .config import TelemetryConfig
from .evaluate import evaluate, summarize
from .runner import resolve
from .sources import load_scenarios

FLOOR = 0.1
"""Values below this (zeros, missing readings) are drawn at this level on the log axes."""
PALETTE = ("tab:orange", "tab:purple", "tab:blue", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "gold", "navy")
"""Fault-label colours (green and red are the hit / miss colours)."""
METRIC_KEYS = ("score", "counter_accuracy", "counter_repair_accuracy", "status_repair_accuracy",
               "confidence_calibration", "combined", "brier", "ece", "hit_rate", "failed_runs", "invalid_items")


def config_from_args(args: argparse.Namespace) -> TelemetryConfig:
    """``--set`` overrides, then ``--split`` (the scenario set)."""
    overrides = parse_assignments(TelemetryConfig, args.assignments)
    if args.split:
        overrides["split"] = args.split
    return build_config(TelemetryConfig, overrides)


def policy_ref(spec: str) -> tuple[str, str]:
    """``(display name, policy reference)`` of a ``--policy`` argument, with ``adrs run``'s aliases."""
    from . import cli

    ref = getattr(cli, "ALIASES", {}).get(spec, spec)
    resolve(ref)  # fail early on unknown names / broken files
    if ref.endswith(".py"):
        return Path(ref).stem, str(Path(ref).resolve())
    return ref, ref


def scenario_ids(split: str, n: int) -> list[str]:
    """Scenario ids of a split: ``SPLIT-NNN`` in order."""
    return [f"{split}-{i:03d}" for i in range(n)]


def tau_kwargs(config: TelemetryConfig) -> dict[str, float]:
    """``evaluate``'s ``tau`` when the config overrides it (the default is evaluate's own, as in ``adrs run``)."""
    return {} if config.tau == TelemetryConfig().tau else {"tau": config.tau}


def scenario_score(m: dict, variant: str) -> float:
    """The per-scenario score: what ``summarize`` reports as ``score`` for that scenario alone."""
    return float(summarize([m], variant)["score"])


def replay(policy_spec: str, trace: str, config: TelemetryConfig) -> dict[str, Any]:
    """Repair one scenario and return its per-counter record and metrics."""
    scenarios = load_scenarios(config)
    ids = scenario_ids(config.split, len(scenarios))
    index = find_unit(ids, trace, "scenario", f"telemetry-repair split {config.split!r}")
    scen = scenarios[index]
    name, ref = policy_ref(policy_spec)
    policy = resolve(ref)
    actions: list = []

    def recording(obs: dict) -> Any:  # keeps the action that evaluate scores
        actions.append(None)  # stays None if the policy raises
        actions[-1] = policy(obs)
        return actions[-1]

    summary, per = evaluate(recording, [scen], config.variant, isolate=False, **tau_kwargs(config))
    failed = bool(per[0].get("failed")) or not actions
    action = None if failed else json.loads(json.dumps(actions[0], allow_nan=True))  # as the worker sends it
    faults = (scen.get("labels") or {}).get("faults", {})
    counters = []
    for iface, t in scen["truth"].items():
        seen = scen["obs"]["telemetry"].get(iface, {})
        for field, key in (("rx_rate", "rx"), ("tx_rate", "tx")):
            g = float(t[key])
            rep, conf = (None, None) if failed else repaired_item(action, iface, field)
            hit = rep is not None and abs(rep - g) <= config.tau * max(g, 1.0)
            counters.append({"interface": iface, "field": field, "truth": g, "observed": _num(seen.get(field)),
                             "repaired": rep, "confidence": conf, "fault": faults.get(f"{iface}.{key}", "clean"),
                             "hit": bool(hit)})
    metrics = {k: summary[k] for k in METRIC_KEYS if k in summary}
    metrics["score"] = scenario_score(per[0], config.variant)
    labels = scen.get("labels") or {}
    return {"env": "telemetry-repair", "policy": name, "variant": config.variant, "split": config.split,
            "scenario_id": ids[index], "bug": labels.get("bug"), "failed_link": labels.get("failed_link"),
            "n_interfaces": len(scen["truth"]), "failed": failed, "tau": config.tau, "metrics": metrics,
            "counters": counters}


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def repaired_item(action: Any, iface: str, field: str) -> tuple[float | None, float | None]:
    """``(repaired, confidence)`` of one counter of an action, or ``(None, None)`` when the item is missing
    or malformed (spec §5: a 3-sequence ``(original, repaired >= 0, confidence in [0, 1])``)."""
    entry = action.get(iface) if isinstance(action, dict) else None
    val = entry.get(field) if isinstance(entry, dict) else None
    if not (isinstance(val, list) and len(val) == 3):
        return None, None
    rep, conf = _num(val[1]), _num(val[2])
    if rep is None or rep < 0 or conf is None or not 0 <= conf <= 1:
        return None, None
    return rep, conf


def plot(rec: dict[str, Any], path: str) -> None:
    """Three panels: observed vs truth, repaired vs truth (log-log, by fault label), confidence by hit / miss."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = rec["counters"]
    labels = sorted({r["fault"] for r in rows}, key=lambda f: (f != "clean", f))
    colors = {f: ("0.6" if f == "clean" else PALETTE[i % len(PALETTE)]) for i, f in enumerate(labels)}
    truth = np.maximum([r["truth"] for r in rows], FLOOR)
    lo, hi = FLOOR / 2, max(float(truth.max()), FLOOR) * 3
    fig, axes = plt.subplots(1, 3, figsize=(15, 5), width_ratios=[1, 1, 0.9])
    for ax, key, what in ((axes[0], "observed", "observed reading"), (axes[1], "repaired", "repaired value")):
        low = 0
        for f in labels:
            sel = [r for r in rows if r["fault"] == f]
            x = [max(r["truth"], FLOOR) for r in sel]
            y = [FLOOR if r[key] is None else max(r[key], FLOOR) for r in sel]
            low += sum(r[key] is None or r[key] < FLOOR for r in sel)
            ax.scatter(x, y, s=12 if f == "clean" else 22, color=colors[f], alpha=0.7,
                       label=f"{f} ({len(sel)})", edgecolor="none" if f == "clean" else "k", lw=0.3)
        ax.plot([lo, hi], [lo, hi], color="k", lw=0.6)
        band = np.geomspace(lo, hi, 50)
        ax.fill_between(band, band * (1 - rec["tau"]), band * (1 + rec["tau"]), color="tab:green", alpha=0.12,
                        label=f"within tau = {rec['tau']:g}")
        ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), xlabel="ground truth (Mbps)",
               ylabel=f"{what} (Mbps)")
        note = f" ({low} missing or < {FLOOR:g} drawn at {FLOOR:g})" if low else ""
        ax.set_title(f"{what} vs truth{note}", fontsize=9)
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
    axes[0].legend(fontsize=7, loc="upper left")
    hits = [r["confidence"] for r in rows if r["confidence"] is not None and r["hit"]]
    misses = [r["confidence"] for r in rows if r["confidence"] is not None and not r["hit"]]
    bins = np.linspace(0, 1, 11)
    axes[2].hist([hits, misses], bins=bins, stacked=True, color=["tab:green", "tab:red"],
                 label=[f"hit ({len(hits)})", f"miss ({len(misses)})"])
    axes[2].set(xlabel="confidence", ylabel="counters", xlim=(0, 1))
    axes[2].legend(fontsize=8, loc="upper left")
    m = rec["metrics"]
    axes[2].set_title(f"confidence by outcome · brier {m['brier']:.3f}, ece {m['ece']:.3f}", fontsize=9)
    fig.suptitle(f"telemetry-repair · {rec['policy']} · {rec['scenario_id']} ({rec['variant']}) · bug "
                 f"{rec['bug']} · score {m['score']:.4f}, counter accuracy {m['counter_accuracy']:.4f}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def replay_command(args: argparse.Namespace) -> int:
    """Handler of ``adrs replay telemetry-repair``."""
    config = config_from_args(args)
    rec = replay(args.policy, args.trace, config)
    if args.plot:
        plot(rec, args.plot)
        rec["plot"] = args.plot
    if args.json:
        print(json.dumps(rec))
        return 0
    m, rows = rec["metrics"], rec["counters"]
    faulty = [r for r in rows if r["fault"] != "clean"]
    print(f"telemetry-repair {rec['policy']} scenario {rec['scenario_id']} ({rec['variant']}): {rec['n_interfaces']} "
          f"interfaces, bug {rec['bug']}, {len(faulty)} of {len(rows)} counters faulted"
          + (" · the policy FAILED on this scenario" if rec["failed"] else ""))
    print(f"  score {m['score']:.4f}  counter_accuracy {m['counter_accuracy']:.4f}  status "
          f"{m['status_repair_accuracy']:.4f}  brier {m['brier']:.4f}  ece {m['ece']:.4f}  "
          f"combined {m['combined']:.4f}")
    by: dict[str, list[int]] = {}
    for r in rows:
        by.setdefault(r["fault"], [0, 0])[0] += 1
        by[r["fault"]][1] += r["hit"]
    print("  hits within tau by fault: " + ", ".join(f"{f} {h}/{n}" for f, (n, h) in sorted(by.items())))
    if args.plot:
        print(f"  plot: {args.plot}")
    return 0
