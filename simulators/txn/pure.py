"""Plain-Python implementations of the §2 cost model, for cross-checks and the speed benchmark.

* :func:`array_cost` is the same two-integer array model as the numba kernel, in plain Python over
  lists (the fallback when numba is unavailable and the benchmark's "plain Python" baseline).
* :func:`cc_times` / :func:`cc_cost` implement every variant of spec §2 (``opt``, ``2pl``, ``occ``)
  independently of the kernel (the twin the variant tests compare the kernel with).
* :func:`reference_cost` re-implements the reference's list-based model: per key a slot-sorted list
  of ``(type, slot)`` entries, scanned on every placement (O(ops × history)). It is the independent
  oracle the differential tests compare the kernel with.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from .kernel import TxnArrays


def array_cost(arrays: TxnArrays, seq: Sequence[int]) -> int:
    """Makespan of ``seq`` under the two-integer model, in plain Python."""
    ptr = arrays.op_ptr.tolist()
    keys = arrays.op_key.tolist()
    pos = arrays.op_pos.tolist()
    wr = arrays.op_write.tolist()
    length = arrays.length.tolist()
    return array_cost_lists(ptr, keys, pos, wr, length, arrays.num_keys, seq)


def array_cost_lists(ptr: list[int], keys: list[int], pos: list[int], wr: list[int], length: list[int],
                     num_keys: int, seq: Sequence[int]) -> int:
    """:func:`array_cost` on pre-converted Python lists (what the benchmark times)."""
    lw = [0] * max(1, num_keys)
    la = [0] * max(1, num_keys)
    m = 0
    for t in seq:
        lo, hi = ptr[t], ptr[t + 1]
        s = 1
        for o in range(lo, hi):
            k = keys[o]
            c = (la[k] if wr[o] else lw[k]) + 2 - pos[o]
            if c > s:
                s = c
        for o in range(lo, hi):
            k = keys[o]
            slot = s + pos[o] - 1
            if slot > la[k]:
                la[k] = slot
            if wr[o] and slot > lw[k]:
                lw[k] = slot
        e = s + length[t] - 1
        if e > m:
            m = e
    return m


def reference_cost(txns: Sequence[Sequence[tuple[str, str, int]]], lengths: Sequence[int],
                   seq: Sequence[int]) -> int:
    """Makespan under the reference's sorted-list model. ``txns[t]`` lists ``(type, key, pos)`` with
    type ``"r"``/``"w"``, key a string and pos 1-based."""
    hist: dict[str, list[tuple[int, str]]] = {}
    m = 0
    for t in seq:
        start = 1
        for typ, key, p in txns[t]:
            entries = hist.get(key, [])
            if not entries:
                continue
            if typ == "w" or entries[-1][1] == "w":
                after = entries[-1][0]
            else:
                after = 0
                for slot, kind in reversed(entries):  # the write preceding the trailing reads
                    if kind == "w":
                        after = slot
                        break
            start = max(start, after + 1 - p + 1)
        for typ, key, p in txns[t]:
            bisect.insort(hist.setdefault(key, []), (start + p - 1, typ))
        m = max(m, start + lengths[t] - 1)
    return m


def cc_times(txns: Sequence[Sequence[tuple[str, str, int]]], lengths: Sequence[int], seq: Sequence[int],
             cc: str) -> list[tuple[int, int]]:
    """(start, end) per scheduled transaction under ``cc`` in ``("opt", "2pl", "occ")``, written
    independently of the kernel: ``2pl`` keeps a lock record per key, ``occ`` (and ``opt``) the full
    per-key history of ``(slot, kind, owner's end)`` entries. ``txns`` as for :func:`reference_cost`."""
    locks: dict[str, dict[str, int | str]] = {}  # 2pl: key -> {"mode": "S"|"X", "release": E, "read": slot}
    hist: dict[str, list[tuple[int, str, int]]] = {}  # opt/occ: key -> [(slot, kind, end of owner)]
    out = []
    for t in seq:
        ops, length = txns[t], lengths[t]
        start = 1
        for typ, key, p in ops:
            if cc == "2pl":
                lock = locks.get(key)
                if lock is None:
                    continue
                own_write_before = any(ty == "w" and k2 == key and p2 < p for ty, k2, p2 in ops)
                if typ == "w" or own_write_before or lock["mode"] == "X":
                    need = int(lock["release"]) + 1
                else:
                    need = int(lock["read"])
            else:
                entries = hist.get(key, [])
                pool = entries if typ == "w" else [e for e in entries if e[1] == "w"]
                if not pool:
                    continue
                slot, _, end = max(pool, key=lambda e: (e[0], e[2]))
                need = (slot if cc == "opt" else end) + 1
            start = max(start, need - p + 1)
        end = start + length - 1
        for typ, key, p in ops:
            slot = start + p - 1
            if cc == "2pl":
                writes = any(ty == "w" and k2 == key for ty, k2, _ in ops)
                lock = locks.get(key)
                if writes:
                    locks[key] = {"mode": "X", "release": end, "read": 0}
                elif lock is None or lock["mode"] == "X":
                    locks[key] = {"mode": "S", "release": end, "read": slot}
                else:
                    locks[key] = {"mode": "S", "release": max(int(lock["release"]), end),
                                  "read": max(int(lock["read"]), slot)}
            else:
                hist.setdefault(key, []).append((slot, typ, end))
        out.append((start, end))
    return out


def cc_cost(txns: Sequence[Sequence[tuple[str, str, int]]], lengths: Sequence[int], seq: Sequence[int],
            cc: str) -> int:
    """Makespan under ``cc`` (see :func:`cc_times`)."""
    return max((e for _, e in cc_times(txns, lengths, seq, cc)), default=0)
