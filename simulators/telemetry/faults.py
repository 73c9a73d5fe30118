"""Fault injection from private seeded generators (spec §4).

:func:`reference_scenarios` reproduces the reference's legacy evaluation path bit-exactly from a
private ``random.Random(42)``; :func:`inject` draws the default variant's faults from a private
``numpy.random.Generator``. Nothing here touches the global ``random`` or ``numpy.random`` state.
"""

from __future__ import annotations

import copy
import random

import numpy as np

from .network import Network

REF_TYPES = ("dropped", "scaled", "correlated_dropped", "correlated_scaled")
"""The reference's four bug types in the order its ``choice`` sees them."""


def _ref_factor(rng: random.Random) -> float:
    lo = rng.uniform(0.5, 0.8)
    hi = rng.uniform(1.2, 1.5)
    return rng.choice([lo, hi])


def reference_faults(rng: random.Random, net: Network, clean: dict, bug: str) -> dict:
    """Apply one reference bug type to ``clean`` counters (``{iface: {rx, tx, status}}``) in the
    reference draw order; returns the faulted counters."""
    out = copy.deepcopy(clean)
    for f in net.interfaces:
        c = out[f]
        c["rx"] = c["rx"] * rng.uniform(0.98, 1.02)
        c["tx"] = c["tx"] * rng.uniform(0.98, 1.02)
        if bug == "dropped":
            if rng.random() < 0.2:
                c["rx"] = 0.0
                c["tx"] = 0.0
        elif bug == "scaled":
            if rng.random() < 0.2:
                c["rx"] = c["rx"] * _ref_factor(rng)
                c["tx"] = c["tx"] * _ref_factor(rng)
    topo = net.topology()
    for r in net.routers:  # one draw per router for every bug type; the reference skips on < 0.8
        if rng.random() < 0.8 or not bug.startswith("correlated_"):
            continue
        for f in topo[r]:
            c = out[f]
            c["rx"], c["tx"] = clean[f]["rx"], clean[f]["tx"]
            if bug == "correlated_dropped":
                c["rx"] = 0.0
                c["tx"] = 0.0
            else:
                c["rx"] = c["rx"] * _ref_factor(rng)
                c["tx"] = c["tx"] * _ref_factor(rng)
    return out


def reference_scenarios(net: Network, rows: tuple[dict, ...], seed: int = 42, n: int = 30) -> list[dict]:
    """The reference's 30 parity scenarios: ``{"row", "bug", "observed", "truth"}`` (counters dicts)."""
    rng = random.Random(seed)
    picks = rng.sample(range(len(rows)), n)
    out = []
    for pos in picks:
        bug = rng.choice(list(REF_TYPES))
        clean = rows[pos]["counters"]
        out.append({"row": pos, "bug": bug, "observed": reference_faults(rng, net, clean, bug),
                    "truth": copy.deepcopy(clean)})
    return out


def fair_scenarios(net: Network, rows: tuple[dict, ...], seeds: tuple[int, ...] = (11, 22, 33),
                   positions: range = range(0, 20)) -> list[dict]:
    """The fair harness of spec §7: every row in ``positions`` under each seed (re-seeded per half)."""
    out = []
    for seed in seeds:
        rng = random.Random(seed)
        for pos in positions:
            bug = rng.choice(list(REF_TYPES))
            clean = rows[pos]["counters"]
            out.append({"row": pos, "bug": bug, "observed": reference_faults(rng, net, clean, bug),
                        "truth": copy.deepcopy(clean)})
    return out


def private_rng(master: int, split: int, index: int) -> np.random.Generator:
    """The private generator of scenario ``index`` of ``split`` (spec §4.3)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(master, spawn_key=(split, index))))
