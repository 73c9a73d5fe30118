"""Broadcast plans: the accepted output forms, coercion to ``parents[P, N]`` and the verifier (spec §3.3).

A policy returns one of

(a) an int array / nested list ``[P, N]`` of parent pointers (``-1`` = not in the tree; extra rows
    beyond the instance's P are ignored, as in the env's ``(P_MAX, N)`` action);
(b) a list of P edge lists ``[(u, v), ...]`` with region indices or names;
(c) the reference layout ``{dest: {partition: [[u, v, attrs], ...]}}`` (keys int or str, attrs ignored).

:func:`validate` returns ``(ok, reason, parents)``. Destinations, P, prices and throughputs come only
from the :class:`Instance`; anything else in the output is ignored. It never raises on bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from adrs.simulators.cloudcast.instance import Instance

Parents = np.ndarray
"""``int64 [P, N]``: ``parents[p, v]`` is v's parent in partition p's arborescence, or -1."""
EdgeLists = list[list[tuple[int | str, int | str]]]
"""Form (b): per partition, the tree's edges as (u, v) index or name pairs."""
ReferenceTopology = Mapping[Any, Mapping[Any, list]]
"""Form (c): destination -> partition -> ordered ``[u, v, attrs]`` path edges from s to the destination."""
REASONS: tuple[str, ...] = ("bad_type", "bad_shape", "missing_partition", "missing_destination", "bad_edge",
                            "edge_into_source", "self_loop", "two_parents", "bad_path", "cycle", "unreachable",
                            "dangling_branch")
"""Reason codes :func:`validate` can return (a code, then ': detail')."""

_NP_INTS = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)


class PlanError(ValueError):
    """A plan is invalid; ``reason`` starts with one of :data:`REASONS`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _int(x: Any) -> int:
    if type(x) is int or type(x) in _NP_INTS:
        return int(x)
    raise PlanError(f"bad_type: expected a plain int, got {type(x).__name__}")


def _node(inst: Instance, x: Any) -> int:
    if type(x) is str:
        try:
            return inst.index(x)
        except KeyError:
            raise PlanError(f"bad_edge: unknown region {x!r}") from None
    v = _int(x)
    if not 0 <= v < inst.n:
        raise PlanError(f"bad_edge: region index {v} out of range")
    return v


def _set_parent(inst: Instance, row: np.ndarray, u: int, v: int) -> None:
    if u == v:
        raise PlanError(f"self_loop: {inst.names[u]}")
    if v == inst.source:
        raise PlanError(f"edge_into_source: {inst.names[u]} -> {inst.names[v]}")
    if not inst.edge_mask[u, v]:
        raise PlanError(f"bad_edge: {inst.names[u]} -> {inst.names[v]} is not a graph edge")
    if row[v] >= 0 and row[v] != u:
        raise PlanError(f"two_parents: {inst.names[v]} has parents {inst.names[row[v]]} and {inst.names[u]}")
    row[v] = u


def _from_array(inst: Instance, out: Any) -> np.ndarray:
    if isinstance(out, np.ndarray):
        if type(out) is not np.ndarray or out.dtype.type not in _NP_INTS:
            raise PlanError(f"bad_type: parents must be a plain integer ndarray, got {type(out).__name__} "
                            f"of {out.dtype}")
        arr = out.astype(np.int64)
    else:
        arr = np.array([[_int(x) for x in row] for row in out], dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != inst.n:
        raise PlanError(f"bad_shape: parents must be [P, {inst.n}], got {arr.shape}")
    if arr.shape[0] < inst.num_partitions:
        raise PlanError(f"missing_partition: {arr.shape[0]} rows for P = {inst.num_partitions}")
    arr = arr[: inst.num_partitions].copy()
    if ((arr < -1) | (arr >= inst.n)).any():
        raise PlanError("bad_edge: parent index out of range")
    return arr


def _from_edges(inst: Instance, out: list) -> np.ndarray:
    if len(out) < inst.num_partitions:
        raise PlanError(f"missing_partition: {len(out)} edge lists for P = {inst.num_partitions}")
    parents = np.full((inst.num_partitions, inst.n), -1, dtype=np.int64)
    for p in range(inst.num_partitions):
        if type(out[p]) not in (list, tuple):
            raise PlanError(f"bad_type: partition {p} must be a list of edges")
        for edge in out[p]:
            if type(edge) not in (list, tuple) or len(edge) < 2:
                raise PlanError(f"bad_type: edge {edge!r} must be (u, v)")
            _set_parent(inst, parents[p], _node(inst, edge[0]), _node(inst, edge[1]))
    return parents


def _lookup(mapping: Mapping, keys: tuple) -> Any:
    for k in keys:
        if type(k) in (int, str) and k in mapping:
            return mapping[k]
    return None


def _from_reference(inst: Instance, out: Mapping) -> np.ndarray:
    parents = np.full((inst.num_partitions, inst.n), -1, dtype=np.int64)
    s = inst.source
    for d in inst.dests:
        per_part = _lookup(out, (inst.names[d], d, str(d)))
        if not isinstance(per_part, Mapping):
            raise PlanError(f"missing_destination: no paths for {inst.names[d]}")
        for p in range(inst.num_partitions):
            edges = _lookup(per_part, (p, str(p)))
            if not edges or type(edges) not in (list, tuple):
                raise PlanError(f"missing_partition: no path for partition {p} of {inst.names[d]}")
            nodes = [s]
            for edge in edges:
                if type(edge) not in (list, tuple) or len(edge) < 2:
                    raise PlanError(f"bad_type: edge {edge!r} must be [u, v, ...]")
                u, v = _node(inst, edge[0]), _node(inst, edge[1])
                if u != nodes[-1]:
                    raise PlanError(f"bad_path: path to {inst.names[d]} (partition {p}) is not contiguous "
                                    f"from the source")
                if v in nodes:
                    raise PlanError(f"bad_path: path to {inst.names[d]} (partition {p}) repeats a node")
                nodes.append(v)
                _set_parent(inst, parents[p], u, v)
            if nodes[-1] != d:
                raise PlanError(f"bad_path: path for {inst.names[d]} (partition {p}) ends at "
                                f"{inst.names[nodes[-1]]}")
    return parents


def to_parents(inst: Instance, out: Any) -> np.ndarray:
    """Coerce a policy output (forms a-c) to ``parents[P, N]``; raises :class:`PlanError`."""
    if isinstance(out, Mapping):
        return _from_reference(inst, out)
    if isinstance(out, np.ndarray):
        return _from_array(inst, out)
    if type(out) not in (list, tuple) or not out:
        raise PlanError(f"bad_type: unsupported plan of type {type(out).__name__}")
    first = out[0]
    if type(first) in (list, tuple) and first and type(first[0]) in (list, tuple):
        return _from_edges(inst, out)
    if type(first) in (list, tuple) and len(first) == inst.n and all(type(x) is int for x in first):
        return _from_array(inst, out)
    return _from_edges(inst, out)


def check_parents(inst: Instance, parents: np.ndarray) -> None:
    """Raise :class:`PlanError` unless every row is an arborescence from s over graph edges that
    contains every destination and only ancestors-or-self of destinations (V3, V4)."""
    P, n, s = inst.num_partitions, inst.n, inst.source
    if parents.shape != (P, n):
        raise PlanError(f"bad_shape: expected [{P}, {n}], got {parents.shape}")
    if (parents[:, s] != -1).any():
        raise PlanError("edge_into_source: the source has a parent")
    for p, v in zip(*np.nonzero(parents >= 0), strict=True):
        _set_parent(inst, np.full(n, -1, dtype=np.int64), int(parents[p, v]), int(v))
    dest = np.asarray(inst.dests)
    missing = np.nonzero(parents[:, dest] < 0)[0]
    if missing.size:
        raise PlanError(f"missing_destination: partition {int(missing[0])} does not reach every destination")
    cur = np.where(parents >= 0, np.arange(n), -1)
    for _ in range(n):
        step = (cur >= 0) & (cur != s)
        cur = np.where(step, np.take_along_axis(parents, np.maximum(cur, 0), axis=1), cur)
    member = parents >= 0
    if ((cur == -1) & member).any():
        p, v = (int(x[0]) for x in np.nonzero((cur == -1) & member))
        raise PlanError(f"unreachable: {inst.names[v]} (partition {p}) is not connected to the source")
    if ((cur != s) & member).any():
        raise PlanError("cycle: following parents never reaches the source")
    keep = np.zeros_like(member)
    keep[:, dest] = True
    for _ in range(n):
        par = np.where(keep, parents, -1)
        new = keep.copy()
        pr, pv = np.nonzero(par >= 0)
        new[pr, par[pr, pv]] = True
        if (new == keep).all():
            break
        keep = new
    if (member & ~keep).any():
        p, v = (int(x[0]) for x in np.nonzero(member & ~keep))
        raise PlanError(f"dangling_branch: {inst.names[v]} (partition {p}) leads to no destination")


def validate(inst: Instance, out: Any) -> tuple[bool, str, np.ndarray | None]:
    """``(ok, reason, parents)`` for any policy output; never raises on malformed input."""
    try:
        parents = to_parents(inst, out)
        check_parents(inst, parents)
    except PlanError as exc:
        return False, exc.reason, None
    except (TypeError, ValueError, IndexError, KeyError, OverflowError, RecursionError) as exc:
        return False, f"bad_type: {type(exc).__name__}: {exc}"[:300], None
    return True, "", parents
