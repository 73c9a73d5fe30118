"""The reference transaction cost model (spec §2, ``cc="opt"``) as numba kernels over integer arrays.

A workload is stored as CSR int32 arrays (:class:`TxnArrays`): transaction ``t`` owns the keyed ops
``op_ptr[t]:op_ptr[t+1]`` with dense key ids ``op_key``, 1-based positions ``op_pos`` and write flags
``op_write``; ``length[t]`` is its slot count. The per-key state is two int32 vectors, ``last_write``
(LW) and ``last_any`` (LA). Placing ``t`` after a prefix:

* each keyed op needs slot ``q = LA[k] + 1`` (write) or ``LW[k] + 1`` (read), so the start is
  ``S = max(release, 1, max(q - p + 1))`` and the end ``E = S + L - 1``;
* then every op raises ``LA[k]`` (and ``LW[k]`` for writes) to its slot ``S + p - 1``.

Makespan is the running max of ``E``. :func:`peek` and :func:`commit` cost O(ops of t); a full
sequence costs O(Σ ops). Kernels are compiled with ``cache=True`` on first use (:func:`warm_up`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

CC_MODES = ("opt",)
"""Concurrency-control variants the kernel implements (2PL and OCC are not built yet)."""


@dataclass(frozen=True)
class TxnArrays:
    """CSR integer form of a workload (read-only arrays, int32 / uint8)."""

    op_ptr: np.ndarray
    op_key: np.ndarray
    op_pos: np.ndarray
    op_write: np.ndarray
    length: np.ndarray
    num_keys: int

    @property
    def n(self) -> int:
        """Number of transactions."""
        return int(self.length.shape[0])

    @classmethod
    def from_ops(cls, ops: list[list[tuple[int, int, int]]], lengths: list[int], num_keys: int) -> TxnArrays:
        """Build from per-transaction ``(is_write, key, pos)`` lists (pos 1-based)."""
        ptr = np.zeros(len(ops) + 1, dtype=np.int32)
        ptr[1:] = np.cumsum([len(o) for o in ops]) if ops else []
        flat = [op for txn in ops for op in txn]
        arrs = [np.array([o[i] for o in flat], dtype=dt) for i, dt in ((1, np.int32), (2, np.int32), (0, np.uint8))]
        out = cls(ptr, arrs[0], arrs[1], arrs[2], np.array(lengths, dtype=np.int32), int(num_keys))
        for a in (out.op_ptr, out.op_key, out.op_pos, out.op_write, out.length):
            a.setflags(write=False)
        return out

    def new_state(self) -> tuple[np.ndarray, np.ndarray]:
        """Fresh ``(last_write, last_any)`` int32 vectors of length ``num_keys`` (all 0)."""
        k = max(1, self.num_keys)
        return np.zeros(k, dtype=np.int32), np.zeros(k, dtype=np.int32)


@njit(cache=True, nogil=True)
def peek(t, op_ptr, op_key, op_pos, op_write, length, last_write, last_any, release):  # pragma: no cover
    """(start, end) of transaction ``t`` placed after the state; mutates nothing."""
    s = release if release > 1 else 1
    for o in range(op_ptr[t], op_ptr[t + 1]):
        k = op_key[o]
        q = last_any[k] + 1 if op_write[o] else last_write[k] + 1
        c = q - op_pos[o] + 1
        if c > s:
            s = c
    return s, s + length[t] - 1


@njit(cache=True, nogil=True)
def commit(t, start, op_ptr, op_key, op_pos, op_write, last_write, last_any):  # pragma: no cover
    """Record transaction ``t`` started at ``start`` in the per-key state."""
    for o in range(op_ptr[t], op_ptr[t + 1]):
        k = op_key[o]
        slot = start + op_pos[o] - 1
        if slot > last_any[k]:
            last_any[k] = slot
        if op_write[o] and slot > last_write[k]:
            last_write[k] = slot


@njit(cache=True, nogil=True)
def run_sequence(seq, op_ptr, op_key, op_pos, op_write, length, last_write, last_any, makespan):  # pragma: no cover
    """Append ``seq`` to the state in order; returns the new makespan (running max of ends).
    (:func:`peek` and :func:`commit` inlined: this is the hot loop of every full-sequence cost.)"""
    m = makespan
    for i in range(seq.shape[0]):
        t = seq[i]
        lo = op_ptr[t]
        hi = op_ptr[t + 1]
        s = 1
        for o in range(lo, hi):
            k = op_key[o]
            c = (last_any[k] if op_write[o] else last_write[k]) + 2 - op_pos[o]
            if c > s:
                s = c
        for o in range(lo, hi):
            k = op_key[o]
            slot = s + op_pos[o] - 1
            if slot > last_any[k]:
                last_any[k] = slot
            if op_write[o] and slot > last_write[k]:
                last_write[k] = slot
        e = s + length[t] - 1
        if e > m:
            m = e
    return m


@njit(cache=True, nogil=True)
def sequence_cost(seq, op_ptr, op_key, op_pos, op_write, length, num_keys):  # pragma: no cover
    """Makespan of ``seq`` (a full schedule or a prefix) from the empty state."""
    lw = np.zeros(max(1, num_keys), dtype=np.int32)
    la = np.zeros(max(1, num_keys), dtype=np.int32)
    return run_sequence(seq, op_ptr, op_key, op_pos, op_write, length, lw, la, 0)


@njit(cache=True, nogil=True)
def sequence_times(seq, op_ptr, op_key, op_pos, op_write, length, num_keys, release):  # pragma: no cover
    """Start and end slot of every transaction of ``seq`` (in ``seq`` order); ``release[t]`` is the
    earliest start of ``t`` (all ones reproduces the offline model)."""
    lw = np.zeros(max(1, num_keys), dtype=np.int32)
    la = np.zeros(max(1, num_keys), dtype=np.int32)
    starts = np.zeros(seq.shape[0], dtype=np.int32)
    ends = np.zeros(seq.shape[0], dtype=np.int32)
    for i in range(seq.shape[0]):
        t = seq[i]
        s, e = peek(t, op_ptr, op_key, op_pos, op_write, length, lw, la, release[t])
        commit(t, s, op_ptr, op_key, op_pos, op_write, lw, la)
        starts[i] = s
        ends[i] = e
    return starts, ends


@njit(cache=True, nogil=True)
def peek_many(ts, op_ptr, op_key, op_pos, op_write, length, last_write, last_any, makespan):  # pragma: no cover
    """Makespan after appending each of ``ts`` (separately) to the state, in one kernel call."""
    out = np.empty(ts.shape[0], dtype=np.int32)
    for i in range(ts.shape[0]):
        _, e = peek(ts[i], op_ptr, op_key, op_pos, op_write, length, last_write, last_any, 1)
        out[i] = e if e > makespan else makespan
    return out


def cost(arrays: TxnArrays, seq: np.ndarray | list[int]) -> int:
    """Makespan of ``seq`` on ``arrays`` (no validation: callers check ids)."""
    a = arrays
    s = np.asarray(seq, dtype=np.int32)
    return int(sequence_cost(s, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, a.num_keys))


def times(arrays: TxnArrays, seq: np.ndarray | list[int], release: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of ``seq`` in schedule order."""
    a = arrays
    rel = np.ones(a.n, dtype=np.int32) if release is None else np.asarray(release, dtype=np.int32)
    return sequence_times(np.asarray(seq, dtype=np.int32), a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length,
                          a.num_keys, rel)


def warm_up() -> None:
    """Compile (or load from cache) every kernel so compilation is never billed to a policy."""
    a = TxnArrays.from_ops([[(1, 0, 1)], [(0, 0, 1)]], [1, 2], 1)
    seq = np.array([0, 1], dtype=np.int32)
    cost(a, seq)
    times(a, seq)
    lw, la = a.new_state()
    peek_many(seq, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, lw, la, 0)
    s, _ = peek(0, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, lw, la, 1)
    commit(0, s, a.op_ptr, a.op_key, a.op_pos, a.op_write, lw, la)
