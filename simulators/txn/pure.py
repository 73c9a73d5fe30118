"""Plain-Python implementations of the §2 cost model, for cross-checks and the speed benchmark.

* :func:`array_cost` is the same two-integer array model as the numba kernel, in plain Python over
  lists (the fallback when numba is unavailable and the benchmark's "plain Python" baseline).
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
