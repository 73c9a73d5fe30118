"""Per-policy observation specialisation for the compiled batch loop.

Building the full :class:`~.observation.SpotObservation` every tick costs the compiled loop more than
the whole tick model: its seven read-only array views (three of them fresh history slices) are
reference-counted on every construction. Most policies read scalar fields only, so the compiled loop
builds, per policy, an observation in which the array fields the policy provably never reads are
``None``; every field it does read has exactly the value of the full observation.

:func:`fields_read` finds those fields from the policy's source (``obs.<field>`` reads, following
``obs`` into helper functions it is passed to). Whenever the analysis is unsure (``obs`` stored,
returned, indexed, passed to a builtin or an unresolvable callee, ``getattr``, no source, ...) it
answers ``None`` and the full observation is used. A wrong answer cannot change a result silently:
reading a ``None`` field as an array fails numba typing, and the batch runner then retries with the
full observation. The Python path always passes the full observation.

The compiled loop selects the observation by the *type* of a marker (:func:`observation_spec`), so
:func:`build_observation` is resolved at compile time and inlined into the tick loop, where the
arrays are borrowed (not reference-counted) views.

>>> from adrs.envs.spot.policies import greedy, multi_region_up
>>> sorted(fields_read(greedy) & ARRAY_FIELDS), sorted(fields_read(multi_region_up) & ARRAY_FIELDS)
([], ['spot_available_by_region'])
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
import types
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numba
from numba.extending import overload

from .observation import OBS_FIELDS, SpotObservation

ARRAY_FIELDS = frozenset({"spot_prices", "spot_available_by_region", "last_seen_avail", "last_seen_tick",
                          "history_avail", "history_type", "history_region"})
"""The observation fields that are arrays (the only ones worth leaving out)."""

_HISTORY = {"history_avail": "[: tick + 1]", "history_type": "[:tick]", "history_region": "[:tick]"}
_MAX_DEPTH = 8


def fields_read(policy: Callable) -> frozenset[str] | None:
    """The observation fields ``policy(obs, state)`` can read, or None if that is not certain."""
    try:
        return _fields_read(policy, 0, 0, set())
    except _Unsure:
        return None
    except Exception:  # any surprise in the analysis itself: be conservative
        return None


class _Unsure(Exception):
    pass


def _python_function(obj: Any) -> types.FunctionType:
    if isinstance(obj, numba.core.registry.CPUDispatcher):
        obj = obj.py_func
    if not isinstance(obj, types.FunctionType):
        raise _Unsure
    return obj


def _function_node(func: types.FunctionType) -> ast.FunctionDef:
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as exc:
        raise _Unsure from exc
    tree = ast.parse(source)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(defs) != 1 or defs[0].name != func.__name__:
        raise _Unsure  # a lambda, or source that is not this one function
    node = defs[0]
    code = func.__code__
    params = [a.arg for a in node.args.posonlyargs + node.args.args]
    if params != list(code.co_varnames[: code.co_argcount]):
        raise _Unsure  # the source on disk is not the code that runs
    return node


def _fields_read(obj: Any, index: int, depth: int, seen: set[tuple[int, int]]) -> frozenset[str]:
    """Fields read through positional parameter ``index`` of function ``obj``."""
    if depth > _MAX_DEPTH:
        raise _Unsure
    func = _python_function(obj)
    if (id(func.__code__), index) in seen:
        return frozenset()  # recursion: already being counted
    seen.add((id(func.__code__), index))
    node = _function_node(func)
    params = node.args.posonlyargs + node.args.args
    if index >= len(params):
        raise _Unsure
    name = params[index].arg
    code = func.__code__
    if name in code.co_cellvars:
        raise _Unsure  # captured by an inner function
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(node):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.arg) and sub.arg == name and sub is not params[index]:
            raise _Unsure  # shadowed in an inner function or lambda
        if not (isinstance(sub, ast.Name) and sub.id == name):
            continue
        if not isinstance(sub.ctx, ast.Load):
            raise _Unsure  # rebound or deleted
        parent = parents.get(sub)
        if isinstance(parent, ast.Attribute) and parent.value is sub:
            if not isinstance(parent.ctx, ast.Load) or parent.attr not in OBS_FIELDS:
                raise _Unsure  # obs._fields, obs.count, an attempted write, ...
            out.add(parent.attr)
        elif isinstance(parent, ast.Call) and any(a is sub for a in parent.args):
            if any(isinstance(a, ast.Starred) for a in parent.args):
                raise _Unsure
            position = next(i for i, a in enumerate(parent.args) if a is sub)
            callee = _resolve(parent.func, func)
            out |= _fields_read(callee, position, depth + 1, seen)
        else:
            raise _Unsure  # stored, returned, indexed, compared, a keyword argument, ...
    return frozenset(out)


def _resolve(expr: ast.expr, func: types.FunctionType) -> Any:
    """The object a callee expression (``f`` or ``module.f``) names in ``func``'s scope, if certain."""
    code = func.__code__
    if isinstance(expr, ast.Name):
        name = expr.id
        if name in code.co_varnames or name in code.co_cellvars:
            raise _Unsure  # a local variable: its value is not known statically
        if name in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index(name)]  # type: ignore[index]
            return cell.cell_contents
        if name in func.__globals__:
            return func.__globals__[name]
        if hasattr(builtins, name):
            raise _Unsure  # len(obs), print(obs), ...
        raise _Unsure
    if isinstance(expr, ast.Attribute) and isinstance(expr.ctx, ast.Load):
        base = _resolve(expr.value, func)
        if not isinstance(base, types.ModuleType) or not hasattr(base, expr.attr):
            raise _Unsure
        return getattr(base, expr.attr)
    raise _Unsure


_ARGS = ", ".join(OBS_FIELDS)


def _builder_source(name: str, fields: frozenset[str] | None, first: str = "") -> str:
    values = []
    for field in OBS_FIELDS:
        if field in ARRAY_FIELDS and fields is not None and field not in fields:
            values.append("None")
        else:
            values.append(field + _HISTORY.get(field, ""))
    return f"def {name}({first}{_ARGS}):\n    return SpotObservation({', '.join(values)})\n"


def _make_builder(name: str, fields: frozenset[str] | None, first: str = "") -> Callable:
    namespace: dict[str, Any] = {"SpotObservation": SpotObservation}
    exec(compile(_builder_source(name, fields, first), f"<adrs.spot.{name}>", "exec"), namespace)
    return namespace[name]


full_observation = _make_builder("full_observation", None)
full_observation.__doc__ = """The tick's :class:`SpotObservation` from its fields in order; the three
history fields are passed as whole buffers and sliced to ticks ``0..tick`` (avail) and ``0..tick-1``."""


def _define(source: str, namespace: dict[str, Any]) -> Callable:
    name = source.split("(", 1)[0].removeprefix("def ")
    exec(compile(source, f"<adrs.spot.{name}>", "exec"), namespace)
    return namespace[name]


build_observation = _define(f"def build_observation(spec, {_ARGS}):\n    return full_observation({_ARGS})\n",
                            {"full_observation": full_observation})
build_observation.__doc__ = """``spec``'s observation of the tick: in Python always the full one
(:func:`full_observation`); compiled, the array fields ``spec`` leaves out are None (inlined)."""

_IMPLS: dict[frozenset[str] | None, Callable] = {}


def _impl_for(spec: Any) -> Callable | None:
    keep = getattr(getattr(spec, "instance_class", None), "keep", False)
    if keep is False:
        return None
    if keep not in _IMPLS:
        label = "all" if keep is None else "_".join(sorted(keep)) or "scalars"
        _IMPLS[keep] = _make_builder(f"observation_{label}", keep, first="spec, ")
    return _IMPLS[keep]


overload(build_observation, inline="always")(
    _define(f"def _build_observation_overload(spec, {_ARGS}):\n    return _impl_for(spec)\n",
            {"_impl_for": _impl_for}))

_SPECS: dict[frozenset[str] | None, Any] = {}


def observation_spec(fields: frozenset[str] | None) -> Any:
    """The compiled loop's marker for an observation whose array fields not in ``fields`` are None.

    ``fields=None`` gives the full observation. Specs are cached by their set of kept arrays; the
    compiled :func:`build_observation` is chosen (and inlined) from the spec's type.
    """
    key = None if fields is None else frozenset(fields & ARRAY_FIELDS)
    if key == ARRAY_FIELDS:
        key = None
    if key not in _SPECS:
        label = "all" if key is None else "_".join(sorted(key)) or "scalars"
        cls = namedtuple(f"ObservationSpec_{label}", ["marker"])  # type: ignore[misc]
        cls.keep = key
        _SPECS[key] = cls(0)
    return _SPECS[key]
