"""Tests for adrs.evolve.select: weights, islands, migration, strategies."""

import math
import random
from collections import Counter

import pytest

from adrs.evolve.select import ALL_ISLANDS, Node, Selector, plan


def populated(scores_by_island):
    sel = Selector(n_islands=3, archive_size=2, exploit_prob=0.0)
    sel.add(Node(1, ALL_ISLANDS, 0.0))
    pid = 2
    for island, scores in enumerate(scores_by_island):
        for s in scores:
            sel.add(Node(pid, island, s, parent_ids=(1,)))
            pid += 1
    return sel


def test_weights_are_sigmoid_of_mad_scaled_score_over_children():
    sel = populated([[1.0, 2.0, 3.0], [], []])
    w = dict(sel.weights(0))
    # island 0 holds the seed (0.0, 3 children) and 1, 2, 3: median 1.5, MAD 1.0
    scale = 1.4826
    assert w[4] == pytest.approx(1 / (1 + math.exp(-(1.5 / scale))))
    assert w[1] == pytest.approx(1 / (1 + math.exp(1.5 / scale)) / 4)


def test_invalid_programs_are_never_parents():
    sel = populated([[None, None, 1.0], [], []])
    rng = random.Random(0)
    assert {sel.sample_parent(0, rng) for _ in range(200)} <= {1, 4}


def test_children_stay_on_their_island_and_inspirations_too():
    sel = populated([[1.0, 2.0], [5.0, 6.0], [3.0]])
    rng = random.Random(1)
    picks = plan("evolve", sel, 1, generation=0, batch=6, rng=rng)
    for pick in picks:
        assert pick.parent_id in sel.members[pick.island]
        assert set(pick.inspiration_ids) <= set(sel.members[pick.island])
    assert [p.island for p in picks] == [0, 1, 2, 0, 1, 2]


def test_ring_migration_copies_top_to_neighbours_once():
    sel = populated([[1.0, 2.0], [5.0, 6.0], [3.0]])
    moves = sel.migrate()
    assert sorted(moves) == [(3, 0, 1), (3, 0, 2), (5, 1, 0), (5, 1, 2), (6, 2, 0), (6, 2, 1)]
    assert all(sel.nodes[pid].migrant for pid, _, _ in moves)
    again = sel.migrate()  # migrants never migrate again: the next natives go instead
    assert again and not {pid for pid, _, _ in again} & {pid for pid, _, _ in moves}


def test_best_of_n_and_random_mutation():
    sel = populated([[1.0, None], [2.0], []])
    assert {p.parent_id for p in plan("best_of_n", sel, 1, 0, 8, random.Random(0))} == {1}
    parents = Counter(p.parent_id for p in plan("random_mutation", sel, 1, 0, 400, random.Random(0)))
    assert set(parents) == {1, 2, 4}  # uniform over valid programs, never the invalid one (3)
    assert min(parents.values()) > 90


def test_step_size_follows_the_one_fifth_rule():
    sel = Selector()
    sel.add(Node(1, ALL_ISLANDS, 1.0, sigma=0.3))
    sel.add(Node(2, 0, 2.0, parent_ids=(1,)), step_size_rule=True)
    sel.add(Node(3, 0, 0.5, parent_ids=(1,)), step_size_rule=True)
    assert sel.nodes[2].sigma == pytest.approx(0.45) and sel.nodes[3].sigma < 0.3
    assert Selector.SUCCESS ** 0.2 * Selector.FAILURE ** 0.8 == pytest.approx(1.0)


def test_top_k_and_archive_break_ties_by_id():
    sel = populated([[2.0, 2.0], [1.0], []])
    assert [n.id for n in sel.top_k(3)] == [2, 3, 4]
    assert [n.id for n in sel.archive()] == [2, 3]
