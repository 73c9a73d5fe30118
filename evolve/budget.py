"""Budgets: proposals (iterations), train evaluations and wall minutes, all recomputed from the store.

Iterations count proposals whether evaluated or rejected; a generation is shrunk so that neither the
proposal nor the evaluation budget can be overshot (each proposal costs at most one train
evaluation). Wall time is checked only between generations and accumulates across resumptions.
Holdout evaluations have their own line and never consume the search budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from adrs.evolve.config import EvolveConfig
from adrs.evolve.store import Store


@dataclass
class Budget:
    """Budget state of a run."""

    iterations: int
    max_evaluations: int = 0
    minutes: float = 0.0
    proposals: int = 0
    evaluations: int = 0
    previous_s: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def from_store(cls, store: Store, cfg: EvolveConfig) -> Budget:
        """Counters recomputed from completed work in ``store``."""
        info = store.run_info() or {}
        budget = cls(cfg.iterations, cfg.max_evaluations, cfg.minutes, previous_s=float(info.get("elapsed_s") or 0))
        budget.refresh(store)
        return budget

    def refresh(self, store: Store) -> None:
        """Recount proposals and completed train evaluations of candidates from ``store``."""
        conn = store.conn
        self.proposals = conn.execute("SELECT COUNT(*) FROM program WHERE kind = 'candidate'").fetchone()[0]
        self.evaluations = conn.execute(
            "SELECT COUNT(*) FROM evaluation e JOIN program p ON p.id = e.program_id "
            "WHERE e.split = 'train' AND p.kind = 'candidate'"
        ).fetchone()[0]

    @property
    def elapsed_s(self) -> float:
        """Wall seconds used, over all sessions of the run."""
        return self.previous_s + time.monotonic() - self.started

    def stop_reason(self) -> str | None:
        """Why the run must stop now, or None."""
        if self.proposals >= self.iterations:
            return "iterations"
        if self.max_evaluations and self.evaluations >= self.max_evaluations:
            return "evaluations"
        if self.minutes and self.elapsed_s >= self.minutes * 60:
            return "minutes"
        return None

    def next_batch(self, batch_size: int) -> int:
        """Size of the next generation (0 when a budget is exhausted)."""
        if self.stop_reason():
            return 0
        n = min(batch_size, self.iterations - self.proposals)
        if self.max_evaluations:
            n = min(n, self.max_evaluations - self.evaluations)
        return max(0, n)
