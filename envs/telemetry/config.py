"""Configuration of the ``telemetry-repair`` environment (one frozen dataclass, spec §5-§6)."""

from __future__ import annotations

from dataclasses import dataclass

from adrs.config import ConfigError, doc_field
from adrs.simulators.telemetry.network import PATH_SPLITS, ROUTINGS
from adrs.simulators.telemetry.scenarios import DEMAND_SOURCES, ScenarioOptions

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
    observe_demand: bool = doc_field(False, "Add obs['demand'] (the demand matrix {src: {dst: Mbps}} with "
                                     "measurement skew) and obs['paths'] ({src: {dst: [[nodes...], weight], ...]}}, "
                                     "the routing used). A strong signal: its own leaderboard. Default variant only.")
    history: int = doc_field(0, "Add obs['history']: the previous k observed snapshots (most recent first; "
                             "telemetry and external in the same schema, faulted alike) of a per-cell AR(1) "
                             "demand drift; stale/stuck faults then come from those steps. Generated splits only.")
    routing: str = doc_field("default", "Routing of generated scenarios: " + ", ".join(ROUTINGS) + " ('default' = "
                             "paths.json on Abilene, else shortest by dist; 'ksp' = k shortest paths by dist "
                             "with split weights).")
    k_paths: int = doc_field(3, "Paths per pair when routing='ksp'.")
    path_split: str = doc_field("inverse", "Demand split over the k paths: " + ", ".join(PATH_SPLITS) +
                                " ('inverse' = weight proportional to 1 / path km).")
    demand_source: str = doc_field("perturbed", "Demand of generated scenarios: " + ", ".join(DEMAND_SOURCES) +
                                   " (scaled + log-normal cells; gravity fit to the totals; plus AR(1) drift).")

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
        if self.history < 0:
            raise ConfigError("history must be >= 0")
        if self.k_paths < 1:
            raise ConfigError("k_paths must be >= 1")
        if self.routing not in ROUTINGS:
            raise ConfigError(f"routing must be one of {', '.join(ROUTINGS)}, got {self.routing!r}")
        if self.path_split not in PATH_SPLITS:
            raise ConfigError(f"path_split must be one of {', '.join(PATH_SPLITS)}, got {self.path_split!r}")
        if self.demand_source not in DEMAND_SOURCES:
            raise ConfigError(f"demand_source must be one of {', '.join(DEMAND_SOURCES)}, got {self.demand_source!r}")
        if self.variant == "reference" and (self.observe_demand or self.history):
            raise ConfigError("the reference variant observes links only: observe_demand and history need "
                              "variant='default'")
        fixed = self.split in ("reference", "fair-train", "fair-holdout")
        if fixed and (self.history or self.routing != "default" or self.demand_source != "perturbed"):
            raise ConfigError(f"split {self.split!r} is the fixed real rows: history, routing and demand_source "
                              "apply to generated splits only (observe_demand is allowed)")

    @property
    def scenario_options(self) -> ScenarioOptions:
        """The simulator options of generated scenarios."""
        return ScenarioOptions(observe_demand=self.observe_demand, history=self.history,
                               demand_source=self.demand_source, routing=self.routing, k_paths=self.k_paths,
                               path_split=self.path_split)
