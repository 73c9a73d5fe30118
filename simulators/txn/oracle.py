"""What a scheduling policy sees: a read-only :class:`WorkloadView` and a metered :class:`CostOracle`.

One *cost call* is one makespan value returned: ``oracle.cost(seq)`` (a full sequence or a prefix),
one ``prefix.peek(t)``, each element of ``prefix.peek_many(ts)``, and ``prefix.append(t)`` unless ``t``
was peeked since the last append. Calls beyond the budget raise :class:`BudgetExceeded`; the oracle
remembers the violation even if the policy catches the exception. The oracle only answers questions:
the env recomputes the makespan of the returned order itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from . import kernel as K
from .kernel import TxnArrays

READ, WRITE = 1, 2


class BudgetExceeded(RuntimeError):
    """A policy asked for more cost calls than its budget allows."""


class WorkloadView:
    """Read-only view of an instance: ``n``, ``num_keys``, ``lengths``, ``ops[i]`` as ``(kind, key, pos)``
    tuples (kind 1 read, 2 write; key a dense id; pos 1-based) and :meth:`as_arrays`."""

    __slots__ = ("n", "num_keys", "lengths", "ops", "_arrays")

    def __init__(self, arrays: TxnArrays) -> None:
        ptr, key, pos, wr = (x.tolist() for x in (arrays.op_ptr, arrays.op_key, arrays.op_pos, arrays.op_write))
        self.n = arrays.n
        self.num_keys = arrays.num_keys
        self.lengths = tuple(arrays.length.tolist())
        self.ops = tuple(tuple((WRITE if wr[o] else READ, key[o], pos[o]) for o in range(ptr[t], ptr[t + 1]))
                         for t in range(arrays.n))
        self._arrays = arrays

    def as_arrays(self) -> dict[str, np.ndarray]:
        """Read-only copies of the CSR arrays: op_ptr, op_key, op_pos, op_write, length."""
        out = {}
        for name in ("op_ptr", "op_key", "op_pos", "op_write", "length"):
            arr = np.array(getattr(self._arrays, name))
            arr.setflags(write=False)
            out[name] = arr
        return out


def _check_ids(seq: Iterable, n: int) -> np.ndarray:
    arr = np.asarray(list(seq) if not isinstance(seq, np.ndarray) else seq)
    if arr.size and (arr.dtype.kind not in "iu" or arr.ndim != 1):
        raise ValueError("a sequence must be a 1-d list of integer transaction ids")
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(f"transaction id out of range [0, {n})")
    return arr.astype(np.int32)


class CostOracle:
    """Metered access to the cost model of one instance under variant ``cc`` (spec §2; see the module
    docstring)."""

    __slots__ = ("_a", "_budget", "_calls", "_violations", "_cc", "_code")

    def __init__(self, arrays: TxnArrays, budget: int | None, cc: str = "opt") -> None:
        self._a = arrays
        self._cc = cc
        self._code = K.cc_code(cc)
        self._budget = budget
        self._calls = 0
        self._violations = 0

    def _charge(self, k: int) -> None:
        if self._budget is not None and self._calls + k > self._budget:
            self._violations += 1
            raise BudgetExceeded(f"cost-call budget of {self._budget} exceeded")
        self._calls += k

    @property
    def calls(self) -> int:
        """Cost calls charged so far."""
        return self._calls

    @property
    def violations(self) -> int:
        """Times the budget was exceeded (counted even if the policy caught :class:`BudgetExceeded`)."""
        return self._violations

    def calls_left(self) -> int:
        """Remaining calls (a large number when unbudgeted)."""
        return (1 << 62) if self._budget is None else self._budget - self._calls

    def cost(self, seq: Sequence[int] | np.ndarray) -> int:
        """Makespan of a full sequence or prefix (1 call)."""
        arr = _check_ids(seq, self._a.n)
        self._charge(1)
        return K.cost(self._a, arr, self._cc)

    @property
    def cc(self) -> str:
        """The concurrency-control variant this oracle answers for."""
        return self._cc

    def prefix(self) -> Prefix:
        """An empty incremental schedule bound to this oracle."""
        return Prefix(self)


class Prefix:
    """An incremental partial schedule: ``peek``, ``peek_many``, ``append``; O(ops of t) per call."""

    __slots__ = ("_o", "_st", "_m", "_seq", "_placed", "_peeked")

    def __init__(self, oracle: CostOracle) -> None:
        self._o = oracle
        self._st = oracle._a.new_cc_state()
        self._m = 0
        self._seq: list[int] = []
        self._placed = np.zeros(oracle._a.n, dtype=bool)
        self._peeked: set[int] = set()

    @property
    def makespan(self) -> int:
        """Makespan of the prefix so far."""
        return self._m

    @property
    def sequence(self) -> tuple[int, ...]:
        """The appended transaction ids, in order."""
        return tuple(self._seq)

    def _id(self, t: int) -> int:
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, np.integer)):
            raise ValueError(f"transaction id must be an int, got {t!r}")
        t = int(t)
        if not 0 <= t < self._o._a.n:
            raise ValueError(f"transaction id {t} out of range [0, {self._o._a.n})")
        return t

    def peek(self, t: int) -> int:
        """Makespan after appending ``t`` (1 call; nothing changes)."""
        t = self._id(t)
        self._o._charge(1)
        _, e = K.peek_state(self._o._a, t, self._st, self._o._code)
        self._peeked.add(t)
        return max(self._m, int(e))

    def peek_many(self, ts: Sequence[int] | np.ndarray) -> np.ndarray:
        """Makespan after appending each of ``ts`` separately (``len(ts)`` calls, one kernel call)."""
        arr = _check_ids(ts, self._o._a.n)
        self._o._charge(int(arr.size))
        out = K.peek_many_state(self._o._a, arr, self._st, self._o._code, self._m)
        self._peeked.update(arr.tolist())
        return out

    def append(self, t: int) -> int:
        """Append ``t`` (free if peeked since the last append, else 1 call); returns the new makespan."""
        t = self._id(t)
        if self._placed[t]:
            raise ValueError(f"transaction {t} is already in the prefix")
        if t not in self._peeked:
            self._o._charge(1)
        s, e = K.peek_state(self._o._a, t, self._st, self._o._code)
        K.commit_state(self._o._a, t, s, self._st, self._o._code)
        self._m = max(self._m, int(e))
        self._seq.append(t)
        self._placed[t] = True
        self._peeked.clear()
        return self._m

    def copy(self) -> Prefix:
        """An independent copy of this prefix (free)."""
        other = Prefix.__new__(Prefix)
        other._o, other._m, other._seq = self._o, self._m, list(self._seq)
        other._st, other._placed = self._st.copy(), self._placed.copy()
        other._peeked = set(self._peeked)
        return other
