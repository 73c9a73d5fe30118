"""Baselines of the offline env (spec §8), also the evolve loop's heuristic library.

Every baseline is a function policy ``(wl, oracle, rng) -> list[int]`` over the public
:class:`~adrs.simulators.txn.oracle.WorkloadView` / :class:`~adrs.simulators.txn.oracle.CostOracle`
API only (so its source can seed an evolve run). Call counts for n = 100: fifo/random 1, smf-5 486,
smf-10 946, smf-all 4,951, greedy insertion 5,051, local search up to the budget.
:func:`smf_reference` is the bit-exact ``reference`` protocol on Python's ``random`` (parity only).
"""

from __future__ import annotations

import random as pyrandom
from collections.abc import Callable
from typing import Any


def fifo(wl: Any, oracle: Any, rng: Any) -> list[int]:
    """The natural id order (1 call)."""
    order = list(range(wl.n))
    oracle.cost(order)
    return order


def random_order(wl: Any, oracle: Any, rng: Any) -> list[int]:
    """A uniformly random order from ``rng`` (1 call)."""
    order = [int(t) for t in rng.permutation(wl.n)]
    oracle.cost(order)
    return order


def smf(wl: Any, oracle: Any, rng: Any, k: int = 10) -> list[int]:
    """Shortest Makespan First, ``env`` protocol: random start, then k sampled candidates per step
    (all remaining when k ≥ remaining), the first drawn wins ties; losers go to the back."""
    n = wl.n
    start = int(rng.integers(n))
    remaining = [t for t in range(n) if t != start]
    prefix = oracle.prefix()
    prefix.append(start)
    while remaining:
        cands = []
        while len(cands) < k and remaining:
            if len(remaining) == 1:
                cands.append(remaining.pop())
                break
            cands.append(remaining.pop(int(rng.integers(len(remaining)))))
        costs = prefix.peek_many(cands)
        best = 0
        for i in range(1, len(cands)):
            if costs[i] < costs[best]:
                best = i
        prefix.append(cands[best])
        remaining.extend(c for i, c in enumerate(cands) if i != best)
    return list(prefix.sequence)


def smf_reference(wl: Any, oracle: Any, k: int, rand: pyrandom.Random) -> list[int]:
    """SMF with the reference's random-draw protocol (spec §7) on ``rand``: seed it once, run W1..W3."""
    n = wl.n
    start = rand.randint(0, n - 1)
    remaining = [t for t in range(n) if t != start]
    seq = [start]
    for _ in range(n - 1):
        rand.random()  # the sample-rate test (rate 1.0)
        cands: list[int] = []
        while len(cands) < k and remaining:
            if len(remaining) == 1:
                cands.append(remaining.pop())
                break
            cands.append(remaining.pop(rand.randint(0, len(remaining) - 1)))
        costs = [oracle.cost(seq + [c]) for c in cands]
        best = min(range(len(cands)), key=lambda i: (costs[i], i))
        seq.append(cands[best])
        remaining.extend(c for i, c in enumerate(cands) if i != best)
    oracle.cost(seq)
    return seq


def smf_deterministic(wl: Any, oracle: Any, rng: Any) -> list[int]:
    """Full greedy: start at txn 0, all candidates in ascending id order, lowest id wins ties."""
    prefix = oracle.prefix()
    prefix.append(0)
    remaining = list(range(1, wl.n))
    while remaining:
        costs = prefix.peek_many(remaining)
        best = min(range(len(remaining)), key=lambda i: (costs[i], i))
        prefix.append(remaining.pop(best))
    return list(prefix.sequence)


def insertion_schedule(wl: Any, oracle: Any, ids: list[int]) -> tuple[list[int], int]:
    """Insert ``ids`` one by one at the position minimising the partial makespan (earliest on ties);
    returns the schedule and its makespan (one final full call included). When the budget cannot pay for
    a transaction's positions, it and the rest are appended at the end."""
    seq: list[int] = []
    for t in ids:
        if oracle.calls_left() < len(seq) + 2:  # out of budget: append the rest, keep one call for the end
            seq.append(t)
            continue
        best_cost, best_j = None, 0
        for j in range(len(seq) + 1):
            c = oracle.cost(seq[:j] + [t] + seq[j:])
            if best_cost is None or c < best_cost:
                best_cost, best_j = c, j
        seq.insert(best_j, t)
    return seq, oracle.cost(seq)


def greedy_insertion(wl: Any, oracle: Any, rng: Any, order: str = "ids") -> list[int]:
    """Greedy insertion of ids ascending (or ``"length_desc"``); n(n + 1)/2 + 1 calls."""
    ids = list(range(wl.n))
    if order == "length_desc":
        ids.sort(key=lambda t: (-wl.lengths[t], t))
    return insertion_schedule(wl, oracle, ids)[0]


def local_search(wl: Any, oracle: Any, rng: Any, init: list[int] | None = None) -> list[int]:
    """First-improvement descent (relocations, then pair swaps, row-major) from greedy insertion (or
    ``init``) until a round brings no improvement or the call budget is spent."""
    if init is None:
        seq, best = insertion_schedule(wl, oracle, list(range(wl.n)))
    else:
        seq = list(init)
        best = oracle.cost(seq)
    n = len(seq)
    improved = True
    while improved:
        improved = False
        for i in range(n):
            for j in range(n):
                if j == i:
                    continue
                if oracle.calls_left() <= 0:
                    return seq
                rest = seq[:i] + seq[i + 1:]
                cand = rest[:j] + [seq[i]] + rest[j:]
                c = oracle.cost(cand)
                if c < best:
                    seq, best, improved = cand, c, True
        for i in range(n):
            for j in range(i + 1, n):
                if oracle.calls_left() <= 0:
                    return seq
                cand = list(seq)
                cand[i], cand[j] = cand[j], cand[i]
                c = oracle.cost(cand)
                if c < best:
                    seq, best, improved = cand, c, True
    return seq


BASELINES: dict[str, Callable[..., list[int]]] = {
    "fifo": fifo,
    "random": random_order,
    "smf-5": lambda wl, oracle, rng: smf(wl, oracle, rng, 5),
    "smf-10": lambda wl, oracle, rng: smf(wl, oracle, rng, 10),
    "smf-all": lambda wl, oracle, rng: smf(wl, oracle, rng, wl.n),
    "smf-deterministic": smf_deterministic,
    "greedy-insertion": greedy_insertion,
    "local-search": local_search,
}
"""Policy names accepted by ``--policy`` → function policies."""
