"""Picking one evaluation unit (trace, instance, workload, scenario) by id or index for ``adrs replay``.

>>> find_unit(["a-000", "a-001"], "1", "instance", "split 'a'")
1
>>> find_unit(["a-000", "a-001"], "a-001", "instance", "split 'a'")
1
"""

from __future__ import annotations

from collections.abc import Sequence

SHOWN = 6
"""How many valid ids an unknown-id error lists."""


def find_unit(ids: Sequence[str], key: str, what: str, source: str) -> int:
    """Index of ``key`` in ``ids`` (an exact id, else a non-negative index); ValueError naming a few valid ids."""
    key = str(key).strip()
    if key in ids:
        return list(ids).index(key)
    if key.isdigit() and int(key) < len(ids):
        return int(key)
    more = " ..." if len(ids) > SHOWN else ""
    raise ValueError(f"unknown {what} {key!r} in {source}; it has {len(ids)} {what}s "
                     f"(an id or an index 0..{len(ids) - 1}): {', '.join(ids[:SHOWN])}{more}")
