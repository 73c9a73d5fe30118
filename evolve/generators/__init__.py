"""Solution generators: propose candidate programs from a :class:`~adrs.evolve.generators.base.Context`.

``offline`` (default) is a seeded portfolio of constant tuning, AST mutation, crossover and heuristic
recombination; ``scripted`` replays fixed sources (tests and demos only, always labelled).
"""

from adrs.evolve.generators.base import Attempt, Context, Generator, ProgramView, Proposal

__all__ = ["Attempt", "Context", "Generator", "ProgramView", "Proposal"]
