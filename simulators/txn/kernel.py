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

The optional variants of spec §2 (``cc="2pl"``, ``cc="occ"``) use :func:`peek_cc` / :func:`commit_cc`
over a ``state`` int32[4, K] (:meth:`TxnArrays.new_cc_state`; for ``opt`` rows 0 and 1 are LW and LA):

* ``2pl``: row 0 is the release of the latest lock on k (its holder's end; the later end for a shared
  read lock), row 1 the slot of the latest read while the lock is shared (0 if it is exclusive or
  there is none). A write, a read after the same transaction's write on k, or a read while the lock is
  exclusive needs slot ``row0 + 1``; a read while the lock is shared needs ``row1`` (it shares). After
  placing T, a key T writes becomes exclusive with release E; a key T only reads stays/becomes shared
  with release ``max(row0, E)`` and latest-read slot ``max(row1, T's read slot)``.
* ``occ``: rows 0/1 are LW/LA as in ``opt`` and rows 2/3 the end of the transaction that owns that
  latest write / latest entry (the later end on a slot tie). A write needs slot ``row3 + 1``, a read
  ``row2 + 1``: a conflict involving a write waits for the owning transaction's end.

The Python wrappers take ``cc``; :func:`peek_state`, :func:`commit_state` and :func:`peek_many_state`
dispatch on a state array for the incremental users (oracle prefixes, the sequential envs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

CC_MODES = ("opt", "2pl", "occ")
"""Concurrency-control variants the kernel implements (spec §2; ``opt`` is the default and the only one
with parity numbers)."""

CC_CODE = {"opt": 0, "2pl": 1, "occ": 2}
"""Integer code of each variant, as passed to the ``*_cc`` kernels."""


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

    def new_cc_state(self) -> np.ndarray:
        """Fresh int32[4, num_keys] state for :func:`peek_state` / :func:`commit_state` (all 0)."""
        return np.zeros((4, max(1, self.num_keys)), dtype=np.int32)


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


@njit(cache=True, nogil=True)
def _writes_key(lo, hi, k, before, op_key, op_pos, op_write):  # pragma: no cover
    """Whether ops ``lo:hi`` hold a write on key ``k`` at a position < ``before``."""
    for o in range(lo, hi):
        if op_write[o] and op_key[o] == k and op_pos[o] < before:
            return True
    return False


@njit(cache=True, nogil=True)
def peek_cc(t, op_ptr, op_key, op_pos, op_write, length, state, cc, release):  # pragma: no cover
    """(start, end) of ``t`` after ``state`` under variant ``cc`` (a :data:`CC_CODE`); mutates nothing."""
    s = release if release > 1 else 1
    lo = op_ptr[t]
    hi = op_ptr[t + 1]
    for o in range(lo, hi):
        k = op_key[o]
        if cc == 0:
            q = state[1, k] + 1 if op_write[o] else state[0, k] + 1
        elif cc == 1:
            if state[1, k] == 0 or op_write[o] or _writes_key(lo, hi, k, op_pos[o], op_key, op_pos, op_write):
                q = state[0, k] + 1
            else:
                q = state[1, k]
        else:
            q = state[3, k] + 1 if op_write[o] else state[2, k] + 1
        c = q - op_pos[o] + 1
        if c > s:
            s = c
    return s, s + length[t] - 1


@njit(cache=True, nogil=True)
def commit_cc(t, start, op_ptr, op_key, op_pos, op_write, length, state, cc):  # pragma: no cover
    """Record ``t`` started at ``start`` in ``state`` under variant ``cc``."""
    lo = op_ptr[t]
    hi = op_ptr[t + 1]
    end = start + length[t] - 1
    for o in range(lo, hi):
        k = op_key[o]
        slot = start + op_pos[o] - 1
        if cc == 0:
            if slot > state[1, k]:
                state[1, k] = slot
            if op_write[o] and slot > state[0, k]:
                state[0, k] = slot
        elif cc == 1:
            if _writes_key(lo, hi, k, 1 << 30, op_key, op_pos, op_write):
                state[0, k] = end  # exclusive until T's end (T started after the previous release)
                state[1, k] = 0
            else:
                if end > state[0, k]:
                    state[0, k] = end
                if slot > state[1, k]:
                    state[1, k] = slot
        else:
            if slot > state[1, k] or (slot == state[1, k] and end > state[3, k]):
                state[1, k] = slot
                state[3, k] = end
            if op_write[o] and (slot > state[0, k] or (slot == state[0, k] and end > state[2, k])):
                state[0, k] = slot
                state[2, k] = end


@njit(cache=True, nogil=True)
def sequence_times_cc(seq, op_ptr, op_key, op_pos, op_write, length, num_keys, release, cc):  # pragma: no cover
    """:func:`sequence_times` under variant ``cc``."""
    state = np.zeros((4, max(1, num_keys)), dtype=np.int32)
    starts = np.zeros(seq.shape[0], dtype=np.int32)
    ends = np.zeros(seq.shape[0], dtype=np.int32)
    for i in range(seq.shape[0]):
        t = seq[i]
        s, e = peek_cc(t, op_ptr, op_key, op_pos, op_write, length, state, cc, release[t])
        commit_cc(t, s, op_ptr, op_key, op_pos, op_write, length, state, cc)
        starts[i] = s
        ends[i] = e
    return starts, ends


@njit(cache=True, nogil=True)
def sequence_cost_cc(seq, op_ptr, op_key, op_pos, op_write, length, num_keys, cc):  # pragma: no cover
    """:func:`sequence_cost` under variant ``cc``."""
    state = np.zeros((4, max(1, num_keys)), dtype=np.int32)
    m = 0
    for i in range(seq.shape[0]):
        t = seq[i]
        s, e = peek_cc(t, op_ptr, op_key, op_pos, op_write, length, state, cc, 1)
        commit_cc(t, s, op_ptr, op_key, op_pos, op_write, length, state, cc)
        if e > m:
            m = e
    return m


@njit(cache=True, nogil=True)
def peek_many_cc(ts, op_ptr, op_key, op_pos, op_write, length, state, cc, makespan):  # pragma: no cover
    """:func:`peek_many` under variant ``cc``."""
    out = np.empty(ts.shape[0], dtype=np.int32)
    for i in range(ts.shape[0]):
        _, e = peek_cc(ts[i], op_ptr, op_key, op_pos, op_write, length, state, cc, 1)
        out[i] = e if e > makespan else makespan
    return out


def cc_code(cc: str) -> int:
    """The :data:`CC_CODE` of ``cc`` (ValueError for an unknown variant)."""
    try:
        return CC_CODE[cc]
    except KeyError:
        raise ValueError(f"cc must be one of {', '.join(CC_MODES)}, got {cc!r}") from None


def peek_state(arrays: TxnArrays, t: int, state: np.ndarray, cc: int = 0, release: int = 1) -> tuple[int, int]:
    """(start, end) of ``t`` after ``state`` (an int32[4, K] from :meth:`TxnArrays.new_cc_state`)."""
    a = arrays
    if cc == 0:
        return peek(t, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, state[0], state[1], release)
    return peek_cc(t, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, state, cc, release)


def commit_state(arrays: TxnArrays, t: int, start: int, state: np.ndarray, cc: int = 0) -> None:
    """Record ``t`` started at ``start`` in ``state``."""
    a = arrays
    if cc == 0:
        commit(t, start, a.op_ptr, a.op_key, a.op_pos, a.op_write, state[0], state[1])
    else:
        commit_cc(t, start, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, state, cc)


def peek_many_state(arrays: TxnArrays, ts: np.ndarray, state: np.ndarray, cc: int, makespan: int) -> np.ndarray:
    """Makespan after appending each of ``ts`` separately to ``state``."""
    a = arrays
    if cc == 0:
        return peek_many(ts, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, state[0], state[1], makespan)
    return peek_many_cc(ts, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, state, cc, makespan)


def cost(arrays: TxnArrays, seq: np.ndarray | list[int], cc: str = "opt") -> int:
    """Makespan of ``seq`` on ``arrays`` under variant ``cc`` (no validation: callers check ids)."""
    a = arrays
    s = np.asarray(seq, dtype=np.int32)
    code = cc_code(cc)
    if code == 0:
        return int(sequence_cost(s, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, a.num_keys))
    return int(sequence_cost_cc(s, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, a.num_keys, code))


def times(arrays: TxnArrays, seq: np.ndarray | list[int], release: np.ndarray | None = None, cc: str = "opt"
          ) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of ``seq`` in schedule order under variant ``cc``."""
    a = arrays
    rel = np.ones(a.n, dtype=np.int32) if release is None else np.asarray(release, dtype=np.int32)
    code = cc_code(cc)
    s = np.asarray(seq, dtype=np.int32)
    if code == 0:
        return sequence_times(s, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, a.num_keys, rel)
    return sequence_times_cc(s, a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length, a.num_keys, rel, code)


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
    for code in (1, 2):
        cost(a, seq, CC_MODES[code])
        times(a, seq, cc=CC_MODES[code])
        st = a.new_cc_state()
        peek_many_state(a, seq, st, code, 0)
        s, _ = peek_state(a, 0, st, code)
        commit_state(a, 0, s, st, code)
