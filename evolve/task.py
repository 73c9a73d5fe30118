"""The contract between the evolve loop and an environment: :class:`EvolveTask`.

An environment plugs into ``adrs evolve`` by exposing a module-level ``TASK`` object in
``adrs.envs.<package>.evolve`` that satisfies :class:`EvolveTask`. The loop never imports simulator
internals; it only calls the methods below, and three of them (``prepare``, ``evaluate``, ``probe``)
run exclusively inside the sandboxed child process. ``score`` runs in the parent and is the only place
metrics are aggregated, always in unit order.

Optional attributes the offline recombination operator uses when present:

* ``gate_features: Mapping[str, Sequence[float]]`` -- expression text over the entry point's
  parameters (e.g. ``"obs['x']"``) mapped to candidate thresholds (train-probe quantiles);
* ``action_kind: str`` -- ``"continuous"`` enables the score blend ``w*A + (1-w)*B``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

SPLITS: tuple[str, ...] = ("smoke", "train", "holdout")
"""Evaluation splits a task must serve; ``smoke`` is a small prefix-like subset of ``train``."""


class PolicyError(Exception):
    """Raised by a task (in the child) when a policy breaks the contract: illegal or non-finite
    actions, wrong types, and so on. The candidate is stored as ``invalid`` with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class EvolveTask(Protocol):
    """What an environment provides to the evolve loop (see the module docstring)."""

    env_id: str
    description: str
    entry_point: str
    signature: str
    seed_programs: Mapping[str, str]
    baselines: Mapping[str, str]
    allowed_imports: tuple[str, ...]
    primary_metric: str

    def units(self, split: str) -> list[str]:
        """Ordered evaluation unit ids of ``split`` (``train``, ``holdout`` or ``smoke``)."""
        ...

    def evaluate(self, policy: Callable[..., Any], split: str, unit_ids: Sequence[str]) -> list[dict]:
        """Child only: per-unit plain-data metric dicts, in ``unit_ids`` order."""
        ...

    def prepare(self, policy: Callable[..., Any]) -> Callable[..., Any]:
        """Child only, untimed: e.g. numba-compile ``policy``; returns the callable to evaluate."""
        ...

    def probe(self, policy: Callable[..., Any]) -> list:
        """Child only: plain-data outputs of the raw policy on a fixed, train-derived probe set."""
        ...

    def score(self, split: str, records: list[dict]) -> tuple[float, dict]:
        """Parent only: aggregate unit records (in unit order) into (primary score, public metrics)."""
        ...


TASK_MEMBERS: tuple[str, ...] = (
    "env_id", "description", "entry_point", "signature", "seed_programs", "baselines",
    "allowed_imports", "primary_metric", "units", "evaluate", "prepare", "probe", "score",
)
"""Every attribute and method of :class:`EvolveTask`."""

_CACHE: dict[str, EvolveTask] = {}


def get_task(spec: str) -> EvolveTask:
    """Resolve ``spec`` to a task: an env id (``adrs.envs.<package>.evolve:TASK``) or ``"module:ATTR"``."""
    if spec in _CACHE:
        return _CACHE[spec]
    if ":" in spec:
        module_name, attr = spec.split(":", 1)
    else:
        from adrs.registry import spec as env_spec

        module_name, attr = f"{env_spec(spec).package}.evolve", "TASK"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise LookupError(f"no evolve task for {spec!r}: cannot import {module_name}: {exc}") from exc
    task = getattr(module, attr, None)
    by_env = getattr(module, "TASKS", None)
    if ":" not in spec and isinstance(by_env, Mapping):
        # a package serving several envs maps env id -> task (e.g. adrs.envs.spot)
        from adrs.registry import spec as env_spec

        task = by_env.get(env_spec(spec).env_id, task)
    if task is None:
        raise LookupError(f"{module_name} has no attribute {attr!r}")
    validate_task(task)
    _CACHE[spec] = task
    return task


def validate_task(task: Any) -> None:
    """Raise ``TypeError`` naming what ``task`` lacks to satisfy :class:`EvolveTask`."""
    missing = [name for name in TASK_MEMBERS if not hasattr(task, name)]
    if missing:
        raise TypeError(f"{type(task).__name__} is not an EvolveTask: missing {', '.join(sorted(missing))}")
    if "default" not in task.seed_programs:
        raise TypeError("task.seed_programs needs a 'default' entry")
    train, holdout = task.units("train"), task.units("holdout")
    if set(train) & set(holdout):
        raise TypeError("train and holdout units must be disjoint")


def manifest_hash(task: EvolveTask) -> str:
    """A hash of the split manifest (train, smoke and holdout unit ids)."""
    payload = {split: list(task.units(split)) for split in SPLITS}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def resolve_seed_program(task: EvolveTask, name_or_file: str) -> tuple[str, str]:
    """(name, source) of the seed program: a key of ``task.seed_programs`` or a path to a file."""
    if name_or_file in task.seed_programs:
        return name_or_file, task.seed_programs[name_or_file]
    from pathlib import Path

    path = Path(name_or_file)
    if path.is_file():
        return path.name, path.read_text()
    raise LookupError(
        f"seed program {name_or_file!r} is neither a file nor one of: {', '.join(task.seed_programs)}"
    )
