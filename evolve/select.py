"""Solution selection: islands with ring migration, an elite archive, weighted parent sampling, and
the loop's own baseline strategies (``best_of_n``, ``random_mutation``).

The :class:`Selector` is a pure function of the train results applied to it (in proposal order) and of
the ``select`` RNG stream, so a resumed run rebuilds it exactly by replaying the store. It never sees a
holdout number: :meth:`Selector.apply` takes the train score only.

Parent weight (ShinkaEvolve): ``sigmoid((score - median) / (1.4826 * MAD)) / (1 + children)``.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field

ALL_ISLANDS = -1
"""Island id of the seed, which belongs to every island."""


@dataclass
class Node:
    """One program as the selector sees it."""

    id: int
    island: int
    score: float | None
    signature: str | None = None
    parent_ids: tuple[int, ...] = ()
    children: int = 0
    sigma: float = 0.3
    migrant: bool = False

    @property
    def valid(self) -> bool:
        """Only programs with a finite train score can be parents."""
        return self.score is not None and math.isfinite(self.score)


@dataclass(frozen=True)
class Pick:
    """A selector decision for one proposal slot."""

    island: int
    parent_id: int
    inspiration_ids: tuple[int, ...] = ()


@dataclass
class Selector:
    """Islands, archive and sampling; see the module docstring."""

    n_islands: int = 3
    archive_size: int = 8
    exploit_prob: float = 0.2
    migration_fraction: float = 0.1
    n_inspirations: int = 3
    nodes: dict[int, Node] = field(default_factory=dict)
    members: list[list[int]] = field(default_factory=list)
    island_best: list[float | None] = field(default_factory=list)
    """Stagnation tracking (only once :meth:`reseed_stagnant` runs): best train score seen per island."""
    last_improved: list[int] = field(default_factory=list)
    """Stagnation tracking: the generation in which each island's best last improved (or was reseeded)."""

    SUCCESS = 1.5
    FAILURE = 1.5 ** -0.25  # the 1/5 success rule: SUCCESS**(1/5) * FAILURE**(4/5) == 1

    def __post_init__(self) -> None:
        if not self.members:
            self.members = [[] for _ in range(self.n_islands)]

    # -- state updates ----------------------------------------------------------------------------
    def add(self, node: Node, step_size_rule: bool = False) -> None:
        """Apply one evaluated program (in proposal order). Invalid programs are kept but never chosen."""
        self.nodes[node.id] = node
        islands = range(self.n_islands) if node.island == ALL_ISLANDS else [node.island]
        for i in islands:
            self.members[i].append(node.id)
        parents = [self.nodes[p] for p in node.parent_ids if p in self.nodes]
        for parent in parents:
            parent.children += 1
        if step_size_rule and parents:
            first = parents[0]
            improved = node.valid and first.valid and node.score > first.score  # type: ignore[operator]
            node.sigma = min(2.0, max(0.01, first.sigma * (self.SUCCESS if improved else self.FAILURE)))

    def migrate(self) -> list[tuple[int, int, int]]:
        """Ring migration: each island's top fraction (non-migrants) is copied to both neighbours."""
        moves: list[tuple[int, int, int]] = []
        if self.n_islands < 2:
            return moves
        for i in range(self.n_islands):
            natives = [self.nodes[p] for p in self.members[i]
                       if self.nodes[p].island == i and self.nodes[p].valid and not self.nodes[p].migrant]
            if not natives:
                continue
            k = max(1, math.ceil(self.migration_fraction * len(natives)))
            for node in self._ranked(natives)[:k]:
                for j in {(i - 1) % self.n_islands, (i + 1) % self.n_islands}:
                    if node.id not in self.members[j]:
                        moves.append((node.id, i, j))
        for pid, _src, dst in moves:
            self.members[dst].append(pid)
            self.nodes[pid].migrant = True
        return moves

    def reseed_stagnant(self, generation: int, patience: int) -> list[tuple[int, int, int]]:
        """FunSearch-style reset after ``generation``; returns ``(island, donor island, program)`` per reseed.

        An island whose best train score has not improved for ``patience`` generations loses its members
        and restarts from the best program of the best other island (ties: lower island), provided that
        program scores strictly higher than the island's own best. Donors are ranked on the state before
        any reseed of this generation. A pure function of the replayed state, so resume rebuilds it.
        """
        if not self.island_best:
            self.island_best = [None] * self.n_islands
            self.last_improved = [generation] * self.n_islands
        bests: list[Node | None] = []
        for i in range(self.n_islands):
            ranked = self._ranked([self.nodes[p] for p in self.members[i] if self.nodes[p].valid])
            best = ranked[0] if ranked else None
            bests.append(best)
            old = self.island_best[i]
            if best is not None and (old is None or best.score > old):  # type: ignore[operator]
                self.island_best[i], self.last_improved[i] = best.score, generation
        moves: list[tuple[int, int, int]] = []
        for i in range(self.n_islands):
            if generation - self.last_improved[i] < patience:
                continue
            donors = [(j, b) for j, b in enumerate(bests) if j != i and b is not None]
            if not donors:
                continue
            j, donor = min(donors, key=lambda jb: (-jb[1].score, jb[0]))  # type: ignore[operator]
            own = self.island_best[i]
            if own is not None and not donor.score > own:  # type: ignore[operator]
                continue
            self.members[i] = [donor.id]
            self.island_best[i], self.last_improved[i] = donor.score, generation
            moves.append((i, j, donor.id))
        return moves

    # -- queries ----------------------------------------------------------------------------------
    @staticmethod
    def _ranked(nodes: list[Node]) -> list[Node]:
        return sorted(nodes, key=lambda n: (-(n.score if n.valid else -math.inf), n.id))

    def valid_nodes(self, island: int | None = None) -> list[Node]:
        """Valid programs (of one island, or all) in id order."""
        ids = self.nodes if island is None else self.members[island]
        return [self.nodes[p] for p in sorted(set(ids)) if self.nodes[p].valid]

    def top_k(self, k: int) -> list[Node]:
        """The best ``k`` valid programs by train score (ties: earlier id first)."""
        return self._ranked(self.valid_nodes())[:k]

    def archive(self) -> list[Node]:
        """The elite archive: the best ``archive_size`` programs."""
        return self.top_k(self.archive_size)

    def weights(self, island: int) -> list[tuple[int, float]]:
        """Parent weights of the island's valid programs (ids in order)."""
        nodes = self.valid_nodes(island)
        if not nodes:
            return []
        scores = [n.score for n in nodes]
        med = statistics.median(scores)
        mad = statistics.median(abs(s - med) for s in scores) * 1.4826
        scale = mad if mad > 0 else 1.0
        return [(n.id, _sigmoid((n.score - med) / scale) / (1 + n.children)) for n in nodes]  # type: ignore

    def sample_parent(self, island: int, rng: random.Random) -> int:
        """Draw a parent for ``island``: elites with ``exploit_prob``, else weighted sampling."""
        weighted = self.weights(island)
        if not weighted:
            raise LookupError(f"island {island} has no valid program")
        if rng.random() < self.exploit_prob:
            elite_ids = {n.id for n in self.archive()}
            elites = [pid for pid, _ in weighted if pid in elite_ids]
            if elites:
                return rng.choice(elites)
        ids, ws = zip(*weighted, strict=True)
        return rng.choices(ids, weights=ws)[0]

    def inspirations(self, island: int, parent_id: int, rng: random.Random) -> tuple[int, ...]:
        """Same-island context: a weight-drawn mate first, then the best, then a diverse pick."""
        weighted = [(p, w) for p, w in self.weights(island) if p != parent_id]
        if not weighted or self.n_inspirations == 0:
            return ()
        ids, ws = zip(*weighted, strict=True)
        chosen = [rng.choices(ids, weights=ws)[0]]
        parent_sig = self.nodes[parent_id].signature
        for node in self._ranked([self.nodes[p] for p in ids]):
            if len(chosen) >= self.n_inspirations:
                break
            if node.id not in chosen and (node.signature != parent_sig or len(chosen) < 2):
                chosen.append(node.id)
        return tuple(chosen[: self.n_inspirations])

    def snapshot(self) -> dict:
        """Plain-data state (for checkpoints and replay tests)."""
        out: dict = {
            "members": [list(m) for m in self.members],
            "nodes": {str(n.id): [n.island, n.score, n.children, round(n.sigma, 12), n.migrant]
                      for n in self.nodes.values()},
        }
        if self.island_best:
            out["stagnation"] = {"island_best": list(self.island_best), "last_improved": list(self.last_improved)}
        return out


def _sigmoid(x: float) -> float:
    if x < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def plan(strategy: str, selector: Selector, seed_id: int, generation: int, batch: int,
         rng: random.Random) -> list[Pick]:
    """Pick (island, parent, inspirations) for each of ``batch`` slots of ``generation``."""
    picks: list[Pick] = []
    for slot in range(batch):
        if strategy == "best_of_n":
            picks.append(Pick(0, seed_id))
        elif strategy == "random_mutation":
            node = rng.choice(selector.valid_nodes())
            picks.append(Pick(0 if node.island == ALL_ISLANDS else node.island, node.id))
        elif strategy == "evolve":
            island = (generation * batch + slot) % selector.n_islands
            parent = selector.sample_parent(island, rng)
            picks.append(Pick(island, parent, selector.inspirations(island, parent, rng)))
        else:
            raise ValueError(f"unknown strategy {strategy!r}")
    return picks
