"""Scenario lists for a config (spec §7, §10); the variant decides whether externals are observed."""

from __future__ import annotations

import functools

from adrs.simulators.telemetry.scenarios import abilene_scenarios, fair_set, fingerprint, reference_set

from .config import TelemetryConfig


def restrict(scenario: dict) -> dict:
    """The reference variant's view of a scenario: links only (no external counters)."""
    if "external" not in scenario["obs"]:
        return scenario
    obs = {k: v for k, v in scenario["obs"].items() if k != "external"}
    return {**scenario, "obs": obs, "fingerprint": fingerprint(obs)}


@functools.lru_cache(maxsize=16)
def _raw(split: str, holdout_seed: int | None) -> tuple[dict, ...]:
    if split == "reference":
        return tuple(reference_set())
    if split in ("fair-train", "fair-holdout"):
        return tuple(fair_set(split.split("-")[1]))
    if split in ("abilene-train", "abilene-holdout"):
        return tuple(abilene_scenarios(split.split("-")[1], 200))
    from adrs.traces.telemetry.embedded import load_split

    return tuple(load_split(split, master=holdout_seed))


def load_scenarios(config: TelemetryConfig) -> list[dict]:
    """The scenarios of ``config.split`` as the variant observes them (materialised before any policy)."""
    raw = _raw(config.split, config.holdout_seed if config.split == "holdout" else None)
    return [restrict(s) for s in raw] if config.variant == "reference" else list(raw)
