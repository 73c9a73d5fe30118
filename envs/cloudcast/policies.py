"""Named policies (``--policy NAME``) and loading ``plan(instance)`` from a file.

A policy is a function ``plan(instance) -> plan`` (see :mod:`.plan` for the accepted forms). A file
may instead define the reference's ``search_algorithm(src, dsts, G, num_partitions)``; it is adapted
through form (c) (its ``.paths`` attribute or the returned mapping).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from adrs.policy_files import PolicyLoadError, exec_policy_file
from adrs.simulators.cloudcast.baselines import BASELINES
from adrs.simulators.cloudcast.instance import Instance
from adrs.simulators.cloudcast.steiner import steiner_parents
from adrs.simulators.cloudcast.steiner_milp import steiner_milp_parents

POLICIES: dict[str, Callable[[Instance], Any]] = {**BASELINES, "steiner-milp": steiner_milp_parents,
                                                  "steiner-dp": steiner_parents}
"""CLI names -> ``plan`` functions. ``steiner-milp`` is the exact min-egress tree from the HiGHS MILP
(``scipy.optimize.milp``; without scipy it warns and uses the DP); ``steiner-dp`` is the same optimum
from the Dreyfus-Wagner DP (equal egress, possibly a different equal-egress tree)."""
ALIASES = {"cheapest": "cheapest-path", "mdst": "min-arborescence", "closure": "closure-arborescence",
           "steiner": "steiner-milp", "steiner-exact": "steiner-dp"}
"""Short names accepted by ``--policy``."""


def adapt_search_algorithm(fn: Callable[..., Any]) -> Callable[[Instance], Any]:
    """Wrap a reference-style ``search_algorithm(src, dsts, G, num_partitions)`` as ``plan(instance)``."""
    def plan(inst: Instance) -> Any:
        topo = fn(inst.names[inst.source], [inst.names[d] for d in inst.dests], inst.graph(), inst.num_partitions)
        return getattr(topo, "paths", topo)
    return plan


def load_policy_file(path: str | Path) -> Callable[[Instance], Any]:
    """Execute a policy file in a fresh namespace and return its ``plan`` (or adapted search_algorithm)."""
    namespace = exec_policy_file(path)
    if callable(namespace.get("plan")):
        return namespace["plan"]
    if callable(namespace.get("search_algorithm")):
        return adapt_search_algorithm(namespace["search_algorithm"])
    raise PolicyLoadError(f"{path} defines neither plan(instance) nor search_algorithm(src, dsts, G, P)")


def resolve_policy(name_or_file: str) -> tuple[str, Callable[[Instance], Any]]:
    """``(display name, plan function)`` for a ``--policy`` argument."""
    if name_or_file.endswith(".py") or Path(name_or_file).is_file():
        return Path(name_or_file).stem, load_policy_file(name_or_file)
    name = ALIASES.get(name_or_file, name_or_file)
    if name not in POLICIES:
        raise PolicyLoadError(f"unknown policy {name_or_file!r}; choose one of {', '.join(POLICIES)} or a .py file")
    return name, POLICIES[name]
