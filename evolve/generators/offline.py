"""The offline generator: a seeded portfolio of params, AST, recombination and crossover operators.

Each proposal draws one operator family from the ``offline`` RNG stream with weights (default params
0.5, ast 0.25, recombine 0.15, crossover 0.1; renormalised over the families that apply). If the drawn
operator cannot produce a child (no constants, no mate, no library), the next family is drawn from the
remaining ones. Labels: ``offline/params``, ``offline/ast``, ``offline/recombine``, ``offline/crossover``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from adrs.evolve.generators.astops import crossover, mutate
from adrs.evolve.generators.base import Context, OperatorFailed, Proposal
from adrs.evolve.generators.params import tune
from adrs.evolve.generators.recombine import recombine

FAMILIES = ("params", "ast", "recombine", "crossover")


DEFAULT_OFFLINE_WEIGHTS = (0.5, 0.25, 0.15, 0.1)
"""Operator weights (params, ast, recombine, crossover) for tasks that declare none."""


class OfflineGenerator:
    """Propose children without any model: see the module docstring."""

    name = "offline"

    def __init__(self, weights: Sequence[float] = DEFAULT_OFFLINE_WEIGHTS) -> None:
        if len(weights) != len(FAMILIES):
            raise ValueError("offline weights: params, ast, recombine, crossover")
        self.weights = dict(zip(FAMILIES, (float(w) for w in weights), strict=True))

    def _families(self, ctx: Context) -> dict[str, float]:
        weights = dict(self.weights)
        if not ctx.library:
            weights.pop("recombine")
        if not ctx.inspirations:
            weights.pop("crossover")
        return {k: w for k, w in weights.items() if w > 0}

    def propose(self, context: Context, n: int, rng: random.Random) -> list[Proposal]:
        """``n`` children of ``context.parent``."""
        return [self._one(context, rng) for _ in range(n)]

    def _one(self, ctx: Context, rng: random.Random) -> Proposal:
        families = self._families(ctx)
        parent = ctx.parent
        while families:
            names = list(families)
            family = rng.choices(names, weights=[families[k] for k in names])[0]
            families.pop(family)
            try:
                if family == "params":
                    source, summary = tune(parent.code, parent.sigma, rng)
                    return Proposal(source, "offline/params", "params", summary, (parent.id,),
                                    {"sigma": parent.sigma})
                if family == "ast":
                    donors = [p.code for p in ctx.inspirations] + list(ctx.library.values())
                    source, summary = mutate(parent.code, donors, rng)
                    return Proposal(source, "offline/ast", "ast", summary, (parent.id,))
                if family == "recombine":
                    source, summary = recombine(ctx, rng)
                    return Proposal(source, "offline/recombine", "recombine", summary, (parent.id,))
                mate = ctx.inspirations[0]
                source, summary = crossover(parent.code, mate.code, rng)
                return Proposal(source, "offline/crossover", "crossover", summary, (parent.id, mate.id))
            except (OperatorFailed, SyntaxError, ValueError, TypeError, AttributeError, RecursionError):
                continue  # the operator does not apply to this program; draw another family
        return Proposal(parent.code, "offline/params", "none", "no operator applied", (parent.id,))
