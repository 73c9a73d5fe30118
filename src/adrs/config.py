"""Frozen-dataclass configs: one docstring per field, unknown keys are errors.

Every environment and the evolve loop describe their settings with a frozen dataclass whose fields are
declared with :func:`doc_field`. The same object is the env's kwargs and is saved with every result.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Demo:
...     deadline_hours: float = doc_field(52.0, "Deadline R in hours from t = 0.")
>>> build_config(Demo, {"deadline_hours": 70}).deadline_hours
70
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, get_type_hints

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration key or value is invalid."""


def doc_field(default: Any = dataclasses.MISSING, doc: str = "", **kwargs: Any) -> Any:
    """A dataclass field carrying its own documentation in ``metadata["doc"]``."""
    if not doc:
        raise ValueError("every config field needs a docstring")
    if isinstance(default, (list, dict, set)):
        raise TypeError("use an immutable default (tuple) for config fields")
    return dataclasses.field(default=default, metadata={"doc": doc}, **kwargs)


def field_docs(cls: type) -> dict[str, str]:
    """Map each field name of a config class to its docstring."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(cls)}


def build_config(cls: type[T], overrides: Mapping[str, Any] | None = None, base: T | None = None) -> T:
    """Build ``cls`` from ``overrides``; unknown keys raise :class:`ConfigError` naming the valid keys."""
    overrides = dict(overrides or {})
    valid = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown config key(s) {', '.join(map(repr, unknown))} for {cls.__name__}; "
            f"valid keys: {', '.join(valid)}"
        )
    if base is not None:
        return dataclasses.replace(base, **overrides)
    try:
        return cls(**overrides)
    except TypeError as exc:  # missing required field
        raise ConfigError(f"{cls.__name__}: {exc}") from exc


def _coerce(text: str, annotation: Any) -> Any:
    name = getattr(annotation, "__name__", str(annotation))
    if annotation is bool or name == "bool":
        if text.lower() in {"1", "true", "yes", "on"}:
            return True
        if text.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"expected a boolean, got {text!r}")
    if annotation is int or name == "int":
        return int(text)
    if annotation is float or name == "float":
        return float(text)
    if annotation is str or name == "str":
        return text
    # tuples, optionals and unions: accept JSON, else the raw string
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return tuple(value) if isinstance(value, list) else value


def parse_assignments(cls: type, assignments: Iterable[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings (CLI ``--set``) into typed overrides for ``cls``."""
    hints = get_type_hints(cls)
    out: dict[str, Any] = {}
    for item in assignments:
        if "=" not in item:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        key, text = item.split("=", 1)
        key = key.strip()
        if key not in hints:
            valid = ", ".join(f.name for f in dataclasses.fields(cls))
            raise ConfigError(f"unknown config key {key!r} for {cls.__name__}; valid keys: {valid}")
        try:
            out[key] = _coerce(text.strip(), hints[key])
        except ValueError as exc:
            raise ConfigError(f"bad value for {key}: {exc}") from exc
    return out


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready dict of a config (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config), default=list))


def config_from_run_args(cls: type[T], presets: Mapping[str, Mapping[str, Any]], args: Any, env_id: str) -> T:
    """Config for ``adrs run`` of an env whose data comes by ``--preset`` or ``--split`` (no trace files).

    ``--preset`` applies a named override set, ``--split`` sets the ``split`` field, ``--set key=value``
    overrides any field; ``--traces`` is refused with a clear error.
    """
    overrides: dict[str, Any] = {}
    if getattr(args, "preset", None):
        if args.preset not in presets:
            raise ConfigError(f"unknown preset {args.preset!r} for {env_id}; presets: {', '.join(presets)}")
        overrides.update(presets[args.preset])
    elif getattr(args, "traces", None):
        raise ConfigError(f"{env_id} has no trace files; use --preset ({', '.join(presets)}) or --split")
    elif getattr(args, "split", None):
        overrides["split"] = args.split
    overrides.update(parse_assignments(cls, getattr(args, "assignments", []) or []))
    return build_config(cls, overrides)
