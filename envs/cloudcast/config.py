"""Configuration of the ``cloudcast`` environment (one frozen dataclass, spec §3.1)."""

from __future__ import annotations

from dataclasses import dataclass

from adrs.config import ConfigError, doc_field

SPLITS: tuple[str, ...] = ("train", "holdout", "paper", "reference")
"""Instance sets: the generated train / holdout manifests, or the five real configs (paper = reference)."""
PRESETS: dict[str, dict] = {
    "reference": {"split": "paper"},
    "paper": {"split": "paper"},
    "train": {"split": "train"},
    "holdout": {"split": "holdout"},
}
"""``adrs run cloudcast --preset NAME``: named evaluation sets."""


@dataclass(frozen=True)
class CloudcastConfig:
    """``cloudcast``: one broadcast instance per episode, one step (the plan)."""

    split: str = doc_field("train", "Instance set: 'train' or 'holdout' (embedded generated sets on the "
                           "synthetic region graph) or 'paper' / 'reference' (the five real configs via ADRS_DATA).")
    sim_mode: str = doc_field("reference", "Simulation model; only 'reference' (spec §2.4) exists in v1.")
    reward: str = doc_field("score", "'score' (per-instance s in [-1, 1]) or 'neg_cost' (-total $, an invalid "
                            "plan gets -2 x the direct cost).")
    instance_id: str | None = doc_field(None, "Env only: always use this instance; None draws one per reset.")
    p_max: int = doc_field(32, "Rows of the action's parent array (P_MAX); only the instance's P rows are read.")

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        if self.sim_mode != "reference":
            raise ConfigError(f"sim_mode {self.sim_mode!r} is not implemented (v1: 'reference')")
        if self.reward not in ("score", "neg_cost"):
            raise ConfigError(f"reward must be 'score' or 'neg_cost', got {self.reward!r}")
        if self.p_max < 1:
            raise ConfigError("p_max must be positive")
