"""Environment registry: ``adrs.make(env_id, **config)`` and gymnasium registration."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import gymnasium


@dataclass(frozen=True)
class EnvSpec:
    """One registered environment."""

    env_id: str
    """The adrs id, e.g. ``"cant-be-late"``."""
    gym_id: str
    """The gymnasium id, e.g. ``"adrs/CantBeLate-v0"``."""
    entry_point: str
    """``"module:ClassName"`` of the gymnasium.Env subclass."""
    description: str
    """One line for ``adrs envs``."""
    package: str
    """The problem package under ``adrs.envs`` (holds config, policies and the evolve task)."""


_SPECS: dict[str, EnvSpec] = {}


def register(spec: EnvSpec) -> None:
    """Register ``spec`` with adrs and with gymnasium (idempotent)."""
    _SPECS[spec.env_id] = spec
    if spec.gym_id not in gymnasium.registry:
        gymnasium.register(id=spec.gym_id, entry_point=spec.entry_point)


def _load_all() -> None:
    # Problem packages register themselves on import.
    importlib.import_module("adrs.envs")


def list_envs() -> dict[str, str]:
    """Registered env ids mapped to one-line descriptions."""
    _load_all()
    return {k: s.description for k, s in sorted(_SPECS.items())}


def spec(env_id: str) -> EnvSpec:
    """The :class:`EnvSpec` for ``env_id`` (an adrs id or a gymnasium id)."""
    _load_all()
    for s in _SPECS.values():
        if env_id in (s.env_id, s.gym_id):
            return s
    raise KeyError(f"unknown env {env_id!r}; registered: {', '.join(sorted(_SPECS))}")


def make(env_id: str, **config: Any) -> gymnasium.Env:
    """Create an environment by adrs id; ``config`` keys are the env's config dataclass fields.

    >>> env = make("cant-be-late", deadline_hours=70)
    >>> obs, info = env.reset(seed=0)
    """
    s = spec(env_id)
    module, cls = s.entry_point.split(":")
    env_cls = getattr(importlib.import_module(module), cls)
    return env_cls(**config)
