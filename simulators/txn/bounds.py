"""Lower bounds on the makespan of any order (spec §3): longest transaction, per-key slot bound and
writer-chain bound. LB is their max; every schedule's makespan is at least LB."""

from __future__ import annotations

from dataclasses import dataclass

from .kernel import TxnArrays


@dataclass(frozen=True)
class Bounds:
    """The three lower bounds of one instance and their max ``lb``."""

    longest: int
    slot: int
    chain: int

    @property
    def lb(self) -> int:
        """The combined lower bound (max of the three)."""
        return max(self.longest, self.slot, self.chain)

    def as_dict(self) -> dict[str, int]:
        """Plain-data form for ``info`` and manifests."""
        return {"lb": self.lb, "lb_longest": self.longest, "lb_slot": self.slot, "lb_chain": self.chain}


def lower_bounds(a: TxnArrays) -> Bounds:
    """Compute :class:`Bounds` for a workload in CSR form."""
    ptr, keys, pos, wr, length = (x.tolist() for x in (a.op_ptr, a.op_key, a.op_pos, a.op_write, a.length))
    writes = [0] * a.num_keys
    reads = [0] * a.num_keys
    before = [1 << 30] * a.num_keys
    after = [1 << 30] * a.num_keys
    chain_sum = [0] * a.num_keys
    chain_before = [1 << 30] * a.num_keys
    chain_after = [1 << 30] * a.num_keys
    for t in range(a.n):
        first: dict[int, int] = {}
        last_w: dict[int, int] = {}
        for o in range(ptr[t], ptr[t + 1]):
            k, p = keys[o], pos[o]
            if wr[o]:
                writes[k] += 1
                last_w[k] = max(last_w.get(k, 0), p)
            else:
                reads[k] += 1
            first[k] = min(first.get(k, p), p)
            before[k] = min(before[k], p - 1)
            after[k] = min(after[k], length[t] - p)
        for k, pw in last_w.items():
            pf = first[k]
            chain_sum[k] += pw - pf + 1
            chain_before[k] = min(chain_before[k], pf - 1)
            chain_after[k] = min(chain_after[k], length[t] - pw)
    slot = max((writes[k] + (reads[k] > 0) + before[k] + after[k] for k in range(a.num_keys)
                if writes[k] + reads[k]), default=0)
    chain = max((chain_sum[k] + chain_before[k] + chain_after[k] for k in range(a.num_keys) if writes[k]),
                default=0)
    return Bounds(max(length), slot, chain)
