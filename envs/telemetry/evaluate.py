"""Scoring a policy on a scenario list (spec §6): per-scenario metrics, means, pooled Brier/ECE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from adrs.simulators.telemetry.metrics import brier, ece, failed_scenario, leaderboard, score_scenario, validate

from .runner import PolicyRef, run_inprocess, run_isolated

MEAN_KEYS = ("counter_repair_accuracy", "status_repair_accuracy", "confidence_calibration", "combined",
             "counter_accuracy", "hit_rate")


def score_action(scenario: dict, action: Any, tau: float = 0.05) -> dict:
    """Metrics of one action on one scenario (None = the policy failed), with validation counts."""
    if action is None:
        m = failed_scenario(scenario["truth"])
        m.update(invalid_items=0, extra_items=0, failed=True)
        return m
    items, invalid, extra = validate(action, list(scenario["truth"]))
    m = score_scenario(items, scenario["truth"], tau)
    m.update(invalid_items=invalid, extra_items=extra, failed=False)
    return m


def reward_of(m: dict, variant: str, weights: tuple[float, float, float] = (0.75, 0.05, 0.20)) -> float:
    """Reward (spec §6.3): reference ``combined`` in the reference variant, else the proper mix."""
    if variant == "reference" or m.get("failed"):
        return float(m["combined"])
    w1, w2, w3 = weights
    return w1 * m["counter_accuracy"] + w2 * m["status_repair_accuracy"] + w3 * (1.0 - m["brier"])


def summarize(per: Sequence[dict], variant: str) -> dict:
    """Means over scenarios plus pooled Brier/ECE and the leaderboard score."""
    out: dict[str, Any] = {"n_runs": len(per)}
    for k in MEAN_KEYS:
        out[k] = float(np.mean([m[k] for m in per])) if per else 0.0
    conf = np.concatenate([m["conf"] for m in per]) if per else np.zeros(0)
    event = np.concatenate([m["event"] for m in per]) if per else np.zeros(0)
    out["brier"] = brier(conf, event)
    out["ece"] = ece(conf, event)
    out["status_accuracy"] = out["status_repair_accuracy"]
    out["calibration"] = out["confidence_calibration"]
    out["leaderboard_score"] = leaderboard(out["combined"])
    out["reward"] = float(np.mean([reward_of(m, variant) for m in per])) if per else 0.0
    out["score"] = out["combined"] if variant == "reference" else out["reward"]
    out["invalid_items"] = int(sum(m["invalid_items"] for m in per))
    out["extra_items"] = int(sum(m["extra_items"] for m in per))
    out["failed_runs"] = int(sum(bool(m["failed"]) for m in per))
    return out


def fault_breakdown(scenarios: Sequence[dict], actions: Sequence[Any], tau: float = 0.05) -> dict:
    """Per fault label (``clean`` = unlabelled): counters, mean proper error and hit rate of the repair.

    Missing / invalid items count as error 1, no hit; a failed scenario counts all its counters so.
    """
    acc: dict[str, list[float]] = {}
    for s, a in zip(scenarios, actions, strict=True):
        items = validate(a, list(s["truth"]))[0] if a is not None else {}
        faults = (s.get("labels") or {}).get("faults", {})
        for f, t in s["truth"].items():
            for field, key in (("rx_rate", "rx"), ("tx_rate", "tx")):
                label = faults.get(f"{f}.{key}", "clean")
                item = (items.get(f) or {}).get(field)
                g = float(t[key])
                err = 1.0 if item is None else min(abs(item[0] - g) / max(g, 1.0), 1.0)
                hit = 0.0 if item is None else float(abs(item[0] - g) <= tau * max(g, 1.0))
                row = acc.setdefault(label, [0.0, 0.0, 0.0])
                row[0] += 1
                row[1] += err
                row[2] += hit
    return {k: {"n": int(n), "error": e / n, "hit_rate": h / n} for k, (n, e, h) in sorted(acc.items())}


def evaluate(ref: PolicyRef, scenarios: Sequence[dict], variant: str = "default", isolate: bool = True,
             timeout_s: float = 2.0, breakdown: bool = False) -> tuple[dict, list[dict]]:
    """``(summary, per-scenario metrics)`` of a policy; the policy only ever receives ``obs``.
    ``breakdown`` adds ``summary["by_fault"]`` (:func:`fault_breakdown`)."""
    obs = [s["obs"] for s in scenarios]
    actions = run_isolated(ref, obs, timeout_s) if isolate else run_inprocess(ref, obs)
    per = [score_action(s, a) for s, a in zip(scenarios, actions, strict=True)]
    summary = summarize(per, variant)
    if breakdown:
        summary["by_fault"] = fault_breakdown(scenarios, actions)
    return summary, per
