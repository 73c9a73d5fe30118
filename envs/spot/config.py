"""Configuration of the spot-scheduling environments (one frozen dataclass per env)."""

from __future__ import annotations

from dataclasses import dataclass

from adrs.config import ConfigError, doc_field


def _as_grid(value: float | tuple[float, ...], name: str) -> tuple[float, ...]:
    grid = tuple(float(v) for v in value) if isinstance(value, (tuple, list)) else (float(value),)
    if not grid or any(v < 0 for v in grid):
        raise ConfigError(f"{name} must be a non-negative number or a non-empty tuple of them")
    return grid


class _SpotGrid:
    """Validation and the (deadline, overhead) grid, shared by both spot configs."""

    deadline_hours: float | tuple[float, ...]
    overhead_hours: float | tuple[float, ...]
    guard: str

    def _validate_common(self) -> None:
        _as_grid(self.deadline_hours, "deadline_hours")
        _as_grid(self.overhead_hours, "overhead_hours")
        if self.guard not in ("strict", "reference", "off"):
            raise ConfigError(f"guard must be 'strict', 'reference' or 'off', got {self.guard!r}")

    @property
    def deadlines(self) -> tuple[float, ...]:
        """The deadline grid in hours."""
        return _as_grid(self.deadline_hours, "deadline_hours")

    @property
    def overheads(self) -> tuple[float, ...]:
        """The overhead grid in hours."""
        return _as_grid(self.overhead_hours, "overhead_hours")


@dataclass(frozen=True)
class SpotConfig(_SpotGrid):
    """``cant-be-late``: one job on one region's spot market (spec §2)."""

    traces: str = doc_field("train", "Trace source: 'train' or 'holdout' (the embedded sets), "
                            "'reference', 'leaderboard', 'real-train' or 'real-holdout' (real data via "
                            "ADRS_DATA), or a path to an adrs .npz trace file.")
    deadline_hours: float | tuple[float, ...] = doc_field(
        (52.0, 70.0, 92.0), "Deadline R in hours from submission; a tuple is a grid that `adrs run` "
        "evaluates in full and the env samples once per episode.")
    overhead_hours: float | tuple[float, ...] = doc_field(
        (0.02, 0.2, 0.4), "Restart overhead d in hours paid on every (re)launch; float or grid.")
    job_hours: float = doc_field(48.0, "Compute C the job needs, in hours.")
    price_od_per_hour: float = doc_field(3.06, "On-demand price in $/h (p3.2xlarge).")
    guard: str = doc_field("strict", "Deadline guard: 'strict' (env-owned safety net, never misses), "
                           "'reference' (the reference's rules, for parity only: its 1-tick-late override and, "
                           "in multi-region, free moves that keep the instance type) or 'off' (research).")
    trace_index: int | None = doc_field(None, "Env only: replay this trace index; None draws one per "
                                        "episode from the reset seed.")
    max_decision_ms: float = doc_field(100.0, "Per-decision wall budget for Python policies, ms.")
    max_mean_decision_ms: float = doc_field(5.0, "Mean per-decision budget for Python policies, ms.")

    def __post_init__(self) -> None:
        self._validate_common()
        if self.job_hours <= 0 or self.price_od_per_hour <= 0:
            raise ConfigError("job_hours and price_od_per_hour must be positive")

    @property
    def multi(self) -> bool:
        return False


@dataclass(frozen=True)
class MultiSpotConfig(_SpotGrid):
    """``cant-be-late-multi``: the job over N time-aligned regions (spec §2.3, §3.5)."""

    traces: str = doc_field("train", "Trace source: 'train' or 'holdout' (embedded), 'reference' "
                            "(the 6 reference scenarios), 'real-train' or 'real-holdout' (real data), "
                            "or a path to an adrs .npz trace file.")
    observation: str = doc_field("local", "'local': only the current region's availability is seen "
                                 "(another region is revealed by a real move); 'global': the full "
                                 "availability vector is in every observation. Ranked separately.")
    deadline_hours: float | tuple[float, ...] = doc_field(52.0, "Deadline R in hours; float or grid.")
    overhead_hours: float | tuple[float, ...] = doc_field(0.2, "Overhead d in hours, paid on every "
                                                           "(re)launch and every live region move.")
    job_hours: float = doc_field(48.0, "Compute C the job needs, in hours.")
    price_od_per_hour: float = doc_field(3.06, "On-demand price in $/h, the same in every region.")
    guard: str = doc_field("strict", "Deadline guard: 'strict', 'reference' or 'off' (see SpotConfig).")
    trace_index: int | None = doc_field(None, "Env only: replay this trace index; None draws one.")
    max_decision_ms: float = doc_field(100.0, "Per-decision wall budget for Python policies, ms.")
    max_mean_decision_ms: float = doc_field(5.0, "Mean per-decision budget for Python policies, ms.")

    def __post_init__(self) -> None:
        self._validate_common()
        if self.observation not in ("local", "global"):
            raise ConfigError(f"observation must be 'local' or 'global', got {self.observation!r}")
        if self.job_hours <= 0 or self.price_od_per_hour <= 0:
            raise ConfigError("job_hours and price_od_per_hour must be positive")

    @property
    def multi(self) -> bool:
        return True


PRESETS: dict[str, dict[str, dict]] = {
    "cant-be-late": {
        "reference": {"traces": "reference", "deadline_hours": (52.0, 70.0, 92.0),
                      "overhead_hours": (0.02, 0.2, 0.4)},
        "leaderboard": {"traces": "leaderboard", "deadline_hours": (52.0, 70.0),
                        "overhead_hours": (0.02, 0.05, 0.10)},
    },
    "cant-be-late-multi": {
        "reference": {"traces": "reference", "deadline_hours": 52.0, "overhead_hours": 0.2},
    },
}
"""Named evaluation sets (``--preset``): config overrides per env id."""
