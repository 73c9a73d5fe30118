"""The generator interface and the (train-only) context it receives.

A :class:`Context` is built by the controller from the train view of the store. It has no holdout
field by construction; a test asserts that no field name mentions holdout.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ProgramView:
    """A stored program as a generator sees it (train numbers only)."""

    id: int
    code: str
    score: float | None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    generator: str = ""
    sigma: float = 0.3
    unit_scores: tuple[tuple[str, float], ...] = ()
    """Per-unit primary-metric values on the train split (for prompt feedback)."""


@dataclass(frozen=True)
class Attempt:
    """A recent proposal on the same island and what happened to it."""

    generator: str
    mutation: str
    status: str
    reason: str


@dataclass(frozen=True)
class Context:
    """Everything a generator may use to propose children of ``parent``."""

    task_description: str
    entry_point: str
    signature: str
    allowed_imports: tuple[str, ...]
    parent: ProgramView
    inspirations: tuple[ProgramView, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    library: Mapping[str, str] = field(default_factory=dict)
    gate_features: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    action_kind: str = "discrete"
    island: int = 0
    generation: int = 0


@dataclass(frozen=True)
class Proposal:
    """One candidate program with its provenance."""

    source: str
    generator: str
    mutation: str
    summary: str
    parent_ids: tuple[int, ...]
    gen_state: Mapping[str, Any] = field(default_factory=dict)
    llm_calls: tuple[Mapping[str, Any], ...] = ()
    """The LLM calls made for this proposal (rows of the store's ``llm_call`` table, written with it)."""


class Generator(Protocol):
    """Anything that proposes programs; the controller cannot tell generators apart."""

    name: str

    def propose(self, context: Context, n: int, rng: random.Random) -> list[Proposal]:
        """``n`` proposals derived from ``context``, drawing randomness only from ``rng``."""
        ...


class GeneratorStop(Exception):
    """A generator cannot continue (LLM outage, spend limit); the controller stops the run with ``reason``.

    ``loud`` stops are failures: :func:`adrs.evolve.run_evolve` writes the report, then raises.
    """

    def __init__(self, reason: str, loud: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.loud = loud
        self.llm_calls: tuple[Mapping[str, Any], ...] = ()
        """Calls made for the proposal that could not be finished (stored without a program)."""


class OperatorFailed(Exception):
    """An operator could not produce a child for this context (the portfolio tries another)."""
