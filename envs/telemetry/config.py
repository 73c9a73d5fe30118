"""Configuration of the ``telemetry-repair`` environment (one frozen dataclass, spec §5-§6)."""

from __future__ import annotations

from dataclasses import dataclass

from adrs.config import ConfigError, doc_field

VARIANTS: tuple[str, ...] = ("default", "reference")
SPLITS: tuple[str, ...] = ("train", "holdout", "reference", "fair-train", "fair-holdout", "abilene-train",
                           "abilene-holdout")
"""Scenario sets: ``train``/``holdout`` are the committed generated WANs (no ``../shared`` needed);
``reference`` is the reference's 30 parity scenarios; ``fair-*`` the §7 fair harness; ``abilene-*`` the
default-variant scenarios on the real Abilene rows (0-27 train, 28-39 holdout). All but the first two
read ``ADRS_DATA``."""
PRESETS: dict[str, dict] = {
    "reference": {"variant": "reference", "split": "reference"},
    "fair-train": {"variant": "reference", "split": "fair-train"},
    "fair-holdout": {"variant": "reference", "split": "fair-holdout"},
    "train": {"split": "train"},
    "holdout": {"split": "holdout"},
}
"""``adrs run telemetry-repair --preset NAME``."""


@dataclass(frozen=True)
class TelemetryConfig:
    """``telemetry-repair``: one faulted telemetry snapshot per episode, one step (the repair)."""

    variant: str = doc_field("default", "'default' (external counters observed, proper reward) or "
                             "'reference' (links only, the reference's combined score as reward). 'ref' is "
                             "accepted as an alias.")
    split: str = doc_field("train", "Scenario set: " + ", ".join(SPLITS) + ".")
    holdout_seed: int | None = doc_field(None, "Draw a fresh holdout campaign with this master seed instead "
                                         "of the committed one (split 'holdout' only).")
    scenario_index: int | None = doc_field(None, "Env only: always use this scenario; None draws one per reset.")
    tau: float = doc_field(0.05, "Relative band of the 'repair within tau' event used by Brier and ECE.")
    reward_weights: tuple[float, float, float] = doc_field(
        (0.75, 0.05, 0.20), "Weights of counter_accuracy, status accuracy and (1 - brier) in the default reward.")
    timeout_s: float = doc_field(2.0, "Per-scenario policy timeout in the isolated worker (seconds).")

    def __post_init__(self) -> None:
        if self.variant == "ref":
            object.__setattr__(self, "variant", "reference")
        if self.variant not in VARIANTS:
            raise ConfigError(f"variant must be one of {', '.join(VARIANTS)}, got {self.variant!r}")
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        if not 0 < self.tau < 1:
            raise ConfigError("tau must be in (0, 1)")
        if len(self.reward_weights) != 3:
            raise ConfigError("reward_weights needs three numbers")
        object.__setattr__(self, "reward_weights", tuple(float(w) for w in self.reward_weights))
