"""A generator that replays fixed sources in order (tests and demos only; labelled ``scripted``)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from adrs.evolve.generators.base import Context, Proposal


class ScriptedGenerator:
    """Yield ``sources`` one after another (cycling), as children of whatever parent is given."""

    name = "scripted"

    def __init__(self, sources: Sequence[str], labels: Sequence[str] | None = None) -> None:
        self.sources = list(sources)
        self.labels = list(labels) if labels else [f"script[{i}]" for i in range(len(self.sources))]
        self.calls = 0
        self.contexts: list[Context] = []

    def propose(self, context: Context, n: int, rng: random.Random) -> list[Proposal]:
        """The next ``n`` scripted sources."""
        out = []
        for _ in range(n):
            i = self.calls % len(self.sources)
            self.calls += 1
            self.contexts.append(context)
            out.append(Proposal(self.sources[i], "scripted", "script", self.labels[i], (context.parent.id,)))
        return out
