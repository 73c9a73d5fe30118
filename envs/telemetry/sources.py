"""Scenario lists for a config (spec §7, §10); the variant decides whether externals are observed."""

from __future__ import annotations

import functools

from adrs.simulators.telemetry.scenarios import (
    DEFAULT_OPTIONS,
    ScenarioOptions,
    abilene_scenarios,
    fair_set,
    fingerprint,
    reference_set,
)

from .config import TelemetryConfig

RESTRICTED = ("external", "demand", "paths", "history")
"""Keys the reference variant never observes (links only)."""


def restrict(scenario: dict) -> dict:
    """The reference variant's view of a scenario: links only (no external counters, demand or history)."""
    if not any(k in scenario["obs"] for k in RESTRICTED):
        return scenario
    obs = {k: v for k, v in scenario["obs"].items() if k not in RESTRICTED}
    return {**scenario, "obs": obs, "fingerprint": fingerprint(obs)}


@functools.lru_cache(maxsize=16)
def _raw(split: str, holdout_seed: int | None, options: ScenarioOptions = DEFAULT_OPTIONS) -> tuple[dict, ...]:
    if split == "reference":
        return tuple(reference_set(observe_demand=options.observe_demand))
    if split in ("fair-train", "fair-holdout"):
        return tuple(fair_set(split.split("-")[1], observe_demand=options.observe_demand))
    if split in ("abilene-train", "abilene-holdout"):
        return tuple(abilene_scenarios(split.split("-")[1], 200, options=options))
    from adrs.traces.telemetry.embedded import load_split

    return tuple(load_split(split, master=holdout_seed, options=options))


def load_scenarios(config: TelemetryConfig) -> list[dict]:
    """The scenarios of ``config.split`` as the variant observes them (materialised before any policy)."""
    raw = _raw(config.split, config.holdout_seed if config.split == "holdout" else None, config.scenario_options)
    return [restrict(s) for s in raw] if config.variant == "reference" else list(raw)
