"""Resolve ``--policy NAME_OR_FILE.py`` to a ``decide`` function, with clear errors for broken files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from adrs.policy_files import PolicyLoadError, exec_policy_file

from .policies import ALIASES, GLOBAL_ONLY, MULTI_BASELINES, SINGLE_BASELINES

__all__ = ["PolicyLoadError", "baseline_names", "load_policy_file", "resolve_policy"]


def baseline_names(multi: bool) -> list[str]:
    """Policy names accepted by ``--policy`` for the single- or multi-region env."""
    names = list(MULTI_BASELINES if multi else SINGLE_BASELINES)
    return names if multi else [*names, "omniscient"]


def load_policy_file(path: str | Path, entry_point: str = "decide") -> Callable:
    """Execute a policy file in a fresh namespace and return its ``decide`` function."""
    fn = exec_policy_file(path).get(entry_point)
    if not callable(fn):
        raise PolicyLoadError(f"{path} does not define a function {entry_point}(obs, state)")
    return fn


def resolve_policy(name_or_file: str, multi: bool, observation: str = "local") -> tuple[str, Callable | str]:
    """Return ``(display name, decide function or "omniscient")`` for a ``--policy`` argument."""
    if name_or_file.endswith(".py") or Path(name_or_file).is_file():
        return Path(name_or_file).stem, load_policy_file(name_or_file)
    name = ALIASES.get(name_or_file, name_or_file)
    table = MULTI_BASELINES if multi else SINGLE_BASELINES
    if not multi and name == "omniscient":
        return name, "omniscient"
    if name not in table:
        raise PolicyLoadError(f"unknown policy {name_or_file!r}; baselines: {', '.join(baseline_names(multi))} "
                              "(or a .py file defining decide(obs, state))")
    if multi and name in GLOBAL_ONLY and observation != "global":
        raise PolicyLoadError(f"policy {name!r} reads every region's availability; run it with "
                              "--set observation=global")
    return name, table[name]
