"""Transaction workloads: the reference JSON format, its parser and the canonical in-memory form.

Reference format (spec §2): one JSON object mapping ``txn0`` … ``txn{n-1}`` to slot strings of
space-separated tokens ``r-K`` (read key K), ``w-K`` (write key K) or ``*`` (an untracked step). Keys
are compared as literal strings and mapped to dense ids in order of first appearance (id order, then
position). Transaction ids are the integer suffixes; their order is the natural (FIFO) order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from adrs.simulators.txn.kernel import TxnArrays

_TXN_ID = re.compile(r"txn(0|[1-9][0-9]*)")


class WorkloadFormatError(ValueError):
    """A workload file or slot string is malformed."""


def parse_txn(text: str, where: str = "txn") -> list[tuple[str, str, int]]:
    """Parse one slot string into ``(type, key, pos)`` ops (``type`` ``"r"``/``"w"``, pos 1-based) and
    return them with ``*`` slots skipped. The length is ``len(text.split(" "))``."""
    if not isinstance(text, str):
        raise WorkloadFormatError(f"{where}: expected a slot string, got {type(text).__name__}")
    if text == "":
        raise WorkloadFormatError(f"{where}: empty transaction")
    ops = []
    for p, tok in enumerate(text.split(" "), start=1):
        if tok == "*":
            continue
        if tok == "":
            raise WorkloadFormatError(f"{where}: empty token at slot {p} (tokens are separated by single spaces)")
        if len(tok) < 3 or tok[1] != "-" or tok[0] not in "rw":
            raise WorkloadFormatError(f"{where}: bad token {tok!r} at slot {p}; expected r-KEY, w-KEY or *")
        ops.append((tok[0], tok[2:], p))
    return ops


@dataclass(frozen=True)
class Workload:
    """A batch of transactions in natural id order, plus metadata (template, seed, ...)."""

    name: str
    txns: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.txns:
            raise WorkloadFormatError(f"{self.name}: a workload needs at least one transaction")
        _ = self.parsed

    @cached_property
    def parsed(self) -> tuple[tuple[tuple[str, str, int], ...], ...]:
        """Per transaction, its keyed ops ``(type, key string, pos)``."""
        return tuple(tuple(parse_txn(s, f"{self.name}:txn{i}")) for i, s in enumerate(self.txns))

    @cached_property
    def lengths(self) -> tuple[int, ...]:
        """Slot count L_i of every transaction."""
        return tuple(len(s.split(" ")) for s in self.txns)

    @cached_property
    def key_names(self) -> tuple[str, ...]:
        """Key strings by dense id (first appearance)."""
        seen: dict[str, int] = {}
        for txn in self.parsed:
            for _, key, _ in txn:
                seen.setdefault(key, len(seen))
        return tuple(seen)

    @cached_property
    def arrays(self) -> TxnArrays:
        """The CSR integer arrays the kernel consumes."""
        ids = {k: i for i, k in enumerate(self.key_names)}
        ops = [[(int(t == "w"), ids[k], p) for t, k, p in txn] for txn in self.parsed]
        return TxnArrays.from_ops(ops, list(self.lengths), len(ids))

    @property
    def n(self) -> int:
        """Number of transactions."""
        return len(self.txns)

    def to_json_obj(self) -> dict[str, str]:
        """The reference-format mapping ``txn{i}`` → slot string."""
        return {f"txn{i}": s for i, s in enumerate(self.txns)}

    def relabel(self, seed: int) -> tuple[Workload, np.ndarray]:
        """A relabelled copy (seeded txn-id permutation and key renaming) and ``perm`` with
        ``new txn j = old txn perm[j]``; makespans are unchanged once ids are mapped back."""
        rng = np.random.default_rng(seed)
        perm = rng.permutation(self.n)
        keys = self.key_names
        new_names = {k: str(1000 + int(v)) for k, v in zip(keys, rng.permutation(len(keys)), strict=True)}

        def rename(text: str) -> str:
            return " ".join(tok if tok == "*" else f"{tok[0]}-{new_names[tok[2:]]}" for tok in text.split(" "))

        txns = tuple(rename(self.txns[int(i)]) for i in perm)
        return Workload(f"{self.name}~relabel{seed}", txns, {**self.meta, "relabel_seed": seed}), perm


def from_mapping(obj: Any, name: str = "workload") -> Workload:
    """Validate a reference-format mapping and build a :class:`Workload` (ids must be txn0..txn{n-1})."""
    if not isinstance(obj, Mapping):
        raise WorkloadFormatError(f"{name}: expected a JSON object mapping txn0..txn{{n-1}} to slot strings")
    ids = {}
    for key in obj:
        m = _TXN_ID.fullmatch(str(key))
        if not m:
            raise WorkloadFormatError(f"{name}: bad transaction id {key!r}; expected txn0, txn1, ...")
        ids[int(m.group(1))] = key
    missing = sorted(set(range(len(ids))) - set(ids))
    if missing:
        raise WorkloadFormatError(f"{name}: transaction ids must be txn0..txn{len(ids) - 1}; missing txn{missing[0]}")
    return Workload(name, tuple(obj[ids[i]] for i in range(len(ids))), {"source": name})


def load_json(path: str | Path) -> Workload:
    """Import a workload file in the reference JSON format, with clear errors for malformed files."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text())
    except OSError as exc:
        raise WorkloadFormatError(f"cannot read workload file {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise WorkloadFormatError(f"{path}: not valid JSON: {exc}") from exc
    return from_mapping(obj, path.stem)


def from_strings(txns: Sequence[str], name: str = "inline") -> Workload:
    """A workload from slot strings in id order."""
    return Workload(name, tuple(txns), {"source": name})
