"""Resolve ``--policy NAME_OR_FILE.py`` to a function policy ``schedule(wl, oracle, rng)``.

A file may define ``schedule(wl, oracle, rng)`` or, for reference-style programs,
``get_best_schedule(workload, num_seqs)`` (run through :class:`~adrs.envs.txn.legacy.LegacyAdapter`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from adrs.policy_files import PolicyLoadError, exec_policy_file

from .baselines import BASELINES
from .legacy import LegacyAdapter

POLICY_NAMES = ("fifo", "random", "smf-5", "smf-10", "smf-all", "smf-deterministic", "greedy-insertion",
                "local-search")


__all__ = ["PolicyLoadError", "load_entry_point", "load_policy_file"]


def load_policy_file(path: str | Path) -> Callable:
    """Execute a policy file in a fresh namespace and return its ``schedule`` (or legacy adapter)."""
    namespace = exec_policy_file(path)
    if callable(namespace.get("schedule")):
        return namespace["schedule"]
    if callable(namespace.get("get_best_schedule")):
        return LegacyAdapter(namespace["get_best_schedule"])
    raise PolicyLoadError(f"{path} defines neither schedule(wl, oracle, rng) nor get_best_schedule(workload, "
                          "num_seqs)")


def load_entry_point(path: str | Path, entry_point: str) -> Callable:
    """Execute a policy file and return the function named ``entry_point`` (e.g. online ``choose``)."""
    path = Path(path)
    if not path.is_file():
        raise PolicyLoadError(f"unknown policy {str(path)!r} (not a file)")
    namespace = exec_policy_file(path)
    if not callable(namespace.get(entry_point)):
        raise PolicyLoadError(f"{path} does not define {entry_point}(obs, oracle, rng)")
    return namespace[entry_point]


def resolve_policy(name_or_file: str) -> tuple[str, Callable]:
    """``(display name, function policy)`` for a ``--policy`` argument."""
    if name_or_file.endswith(".py") or Path(name_or_file).is_file():
        return Path(name_or_file).stem, load_policy_file(name_or_file)
    if name_or_file not in BASELINES:
        raise PolicyLoadError(f"unknown policy {name_or_file!r}; baselines: {', '.join(POLICY_NAMES)} "
                              "(or a .py file defining schedule(wl, oracle, rng))")
    return name_or_file, BASELINES[name_or_file]
