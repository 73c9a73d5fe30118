"""Scoring a policy on a scenario list (spec §6): per-scenario metrics, means, pooled Brier/ECE/AUROC,
per-seed-group scores (§10).

Validation and metrics are vectorised over the whole list (:mod:`adrs.simulators.telemetry.metrics`):
the truth is flattened once, each action is validated by one tight loop, and every metric of every
scenario comes from a few ``np.bincount`` calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adrs.simulators.telemetry.metrics import (
    PLAIN_TYPES,
    BatchScores,
    ScoreBatch,
    TruthTable,
    brier,
    detection_auroc,
    ece,
    leaderboard,
)

from .runner import PolicyRef, resolve, run_isolated

MEAN_KEYS = ("counter_repair_accuracy", "status_repair_accuracy", "confidence_calibration", "combined",
             "counter_accuracy", "hit_rate")


def score_actions(scenarios: Sequence[dict], actions: Sequence[Any], tau: float = 0.05) -> list[dict]:
    """Metrics of each action on its scenario (None = the policy failed), with validation counts.

    Each dict holds the §6 metrics (``detection_auroc`` is None when the scenario has no labelled or no
    unlabelled counter), ``conf`` / ``event`` / ``faulted`` per counter for pooling, ``n_interfaces``,
    ``invalid_items``, ``extra_items``, ``failed`` and, when ``labels["seed_group"]`` is set, ``seed_group``.
    """
    batch = ScoreBatch(TruthTable.of(scenarios))
    for a in actions:
        batch.add(a)
    return batch.scores(tau).per_scenario()


def score_action(scenario: dict, action: Any, tau: float = 0.05) -> dict:
    """Metrics of one action on one scenario (:func:`score_actions`)."""
    return score_actions([scenario], [action], tau)[0]


def reward_of(m: dict, variant: str, weights: tuple[float, float, float] = (0.75, 0.05, 0.20)) -> float:
    """Reward (spec §6.3): reference ``combined`` in the reference variant, else the proper mix."""
    if variant == "reference" or m.get("failed"):
        return float(m["combined"])
    w1, w2, w3 = weights
    return w1 * m["counter_accuracy"] + w2 * m["status_repair_accuracy"] + w3 * (1.0 - m["brier"])


def summarize(per: Sequence[dict], variant: str, scores: BatchScores | None = None) -> dict:
    """Means over scenarios plus pooled Brier/ECE/status Brier/detection AUROC and the leaderboard score.

    When every scenario carries a seed group (``labels["seed_group"]``), also ``score_by_seed_group``
    (mean score per group, keyed by ``str(group)``), ``score_group_mean`` and ``score_group_std`` (mean
    and sample standard deviation of the group means; std 0 for one group) and ``n_seed_groups``.
    ``scores``, the batch that ``per`` came from, saves re-pooling its arrays (same result).
    """
    out: dict[str, Any] = {"n_runs": len(per)}
    for k in MEAN_KEYS:
        out[k] = float(np.mean([m[k] for m in per])) if per else 0.0
    if scores is not None:
        conf, event, faulted = scores.conf, scores.event, scores.table.faulted
    else:
        conf = np.concatenate([m["conf"] for m in per]) if per else np.zeros(0)
        event = np.concatenate([m["event"] for m in per]) if per else np.zeros(0)
        faulted = np.concatenate([m["faulted"] for m in per]) if per else np.zeros(0, dtype=bool)
    out["brier"] = brier(conf, event)
    out["ece"] = ece(conf, event)
    n_if = np.array([m["n_interfaces"] for m in per], dtype=float)
    sb = np.array([m["status_brier"] for m in per], dtype=float)
    out["status_brier"] = float(np.sum(sb * n_if) / np.sum(n_if)) if n_if.sum() > 0 else 0.0
    out["detection_auroc"] = detection_auroc(conf, faulted) if scores is None else scores.pooled()
    out["status_accuracy"] = out["status_repair_accuracy"]
    out["calibration"] = out["confidence_calibration"]
    out["leaderboard_score"] = leaderboard(out["combined"])
    rewards = [reward_of(m, variant) for m in per]
    out["reward"] = float(np.mean(rewards)) if per else 0.0
    out["score"] = out["combined"] if variant == "reference" else out["reward"]
    out["invalid_items"] = int(sum(m["invalid_items"] for m in per))
    out["extra_items"] = int(sum(m["extra_items"] for m in per))
    out["failed_runs"] = int(sum(bool(m["failed"]) for m in per))
    groups = [m.get("seed_group") for m in per]
    if per and all(g is not None for g in groups):
        scores = [m["combined"] for m in per] if variant == "reference" else rewards
        by: dict[Any, list[float]] = {}
        for g, v in zip(groups, scores, strict=True):
            by.setdefault(g, []).append(v)
        try:
            order = sorted(by)
        except TypeError:
            order = sorted(by, key=str)
        means = [float(np.mean(by[g])) for g in order]
        out["score_by_seed_group"] = {str(g): v for g, v in zip(order, means, strict=True)}
        out["score_group_mean"] = float(np.mean(means))
        out["score_group_std"] = float(np.std(means, ddof=1)) if len(means) > 1 else 0.0
        out["n_seed_groups"] = len(means)
    return out


def fault_breakdown(scenarios: Sequence[dict], actions: Sequence[Any], tau: float = 0.05) -> dict:
    """Per fault label (``clean`` = unlabelled): counters, mean proper error and hit rate of the repair.

    Missing / invalid items count as error 1, no hit; a failed scenario counts all its counters so.
    """
    batch = ScoreBatch(TruthTable.of(scenarios))
    for a in actions:
        batch.add(a)
    return batch.scores(tau).fault_breakdown()


class _NotPlain(Exception):
    pass


_ATOM, _FLAT, _OF_FLAT = "atom", "flat", "of_flat"


def _flat(x: Any) -> bool:
    """A dict (str keys) or list holding plain values only."""
    if x.__class__ is dict:
        for k, v in x.items():
            if k.__class__ is not str or v.__class__ not in PLAIN_TYPES:
                return False
        return True
    if x.__class__ is list:
        for v in x:
            if v.__class__ not in PLAIN_TYPES:
                return False
        return True
    return False


def copy_plan(x: Any) -> Any:
    """How to deep-copy the JSON-plain ``x`` with a few ``.copy()`` calls; raises _NotPlain for anything a
    JSON round trip would change (tuples, non-str keys, subclasses, numpy scalars, other types)."""
    cls = x.__class__
    if cls in PLAIN_TYPES:
        return _ATOM
    if _flat(x):
        return _FLAT
    if cls is dict:
        for k in x:
            if k.__class__ is not str:
                raise _NotPlain
        vals = list(x.values())
    elif cls is list:
        vals = x
    else:
        raise _NotPlain
    if all(_flat(v) for v in vals):
        return _OF_FLAT
    return ("dict" if cls is dict else "list", [copy_plan(v) for v in vals])


def apply_plan(plan: Any, x: Any) -> Any:
    """A fresh deep copy of ``x`` following :func:`copy_plan` (equal to its JSON round trip)."""
    if plan is _ATOM:
        return x
    if plan is _FLAT:
        return x.copy()
    if plan is _OF_FLAT:
        return {k: v.copy() for k, v in x.items()} if x.__class__ is dict else [v.copy() for v in x]
    kind, subs = plan
    if kind == "dict":
        return {k: apply_plan(p, v) for (k, v), p in zip(x.items(), subs, strict=True)}
    return [apply_plan(p, v) for p, v in zip(subs, x, strict=True)]


def fresh_obs(obs: dict, plan: Any = None) -> dict:
    """What the policy receives in-process: the observation's JSON round trip, built as a plain deep copy
    (:func:`copy_plan`) when the observation is JSON-plain, as generated scenarios always are, so the
    policy can neither touch the shared scenario nor see anything the isolated worker would not."""
    if plan is None:
        try:
            plan = copy_plan(obs)
        except _NotPlain:
            return json.loads(json.dumps(obs))
    return apply_plan(plan, obs)


def _run_inprocess(policy: Callable[[dict], Any], scenarios: Sequence[dict], batch: ScoreBatch) -> None:
    """Call the policy on a fresh copy of each observation and validate each action straight away.

    Same outcome as the isolated worker's JSON round trips (an exception or an unserialisable action
    fails the scenario): plain actions are validated as they are, anything else is round-tripped first.
    The observations' copy plans are cached with the scenario list's truth table (scenarios are treated
    as immutable).
    """
    plans = batch.table.cache.setdefault("obs_plans", {})  # kept with the cached table of this list
    for i, s in enumerate(scenarios):
        obs = s["obs"]
        hit = plans.get(i)
        if hit is None or hit[0] is not obs:
            try:
                hit = plans[i] = (obs, copy_plan(obs))
            except _NotPlain:
                hit = plans[i] = (obs, None)
        obs = apply_plan(hit[1], obs) if hit[1] is not None else json.loads(json.dumps(obs))
        try:
            action = policy(obs)
        except Exception:  # noqa: BLE001 - a raising policy fails the scenario
            batch.add_failed()
            continue
        if not batch.add(action, plain_only=True):
            try:
                action = json.loads(json.dumps(action, allow_nan=True))
            except Exception:  # noqa: BLE001 - unserialisable output fails the scenario
                batch.add_failed()
                continue
            batch.add(action)


def evaluate(ref: PolicyRef, scenarios: Sequence[dict], variant: str = "default", isolate: bool = True,
             timeout_s: float = 2.0, breakdown: bool = False, tau: float = 0.05) -> tuple[dict, list[dict]]:
    """``(summary, per-scenario metrics)`` of a policy; the policy only ever receives ``obs``.
    ``breakdown`` adds ``summary["by_fault"]`` (per fault label: counters, mean error, hit rate)."""
    batch = ScoreBatch(TruthTable.of(scenarios))
    if isolate:
        for a in run_isolated(ref, [s["obs"] for s in scenarios], timeout_s):
            batch.add(a)
    else:
        _run_inprocess(resolve(ref), scenarios, batch)
    scores = batch.scores(tau)
    per = scores.per_scenario()
    summary = summarize(per, variant, scores)
    if breakdown:
        summary["by_fault"] = scores.fault_breakdown()
    return summary, per
