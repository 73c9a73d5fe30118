"""The Cloudcast instance: one broadcast problem over a region graph (spec §2.1-§2.2).

Regions are indexed in the order of ``names`` (sorted by name for the real data). Prices are in $/GB
per ordered pair, throughputs are per-VM iperf3 rates in bit/s; the instance's edge throughput in
Gbps is ``num_vms * thr_bps / 1e9`` exactly as in the reference evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

PROVIDERS: tuple[str, ...] = ("aws", "azure", "gcp")
"""Provider index order used by ``Instance.provider`` (0 = aws, 1 = azure, 2 = gcp)."""
SKYPLANE_INGRESS: tuple[float, float, float] = (10.0, 16.0, 16.0)
"""Per-VM ingress NIC limit in Gbps for (aws, azure, gcp) (Skyplane's values)."""
SKYPLANE_EGRESS: tuple[float, float, float] = (5.0, 16.0, 7.0)
"""Per-VM egress NIC limit in Gbps for (aws, azure, gcp) (Skyplane's values)."""
USD_PER_VM_HOUR = 0.54
"""m5.8xlarge spot price, charged for every provider."""


def provider_of(name: str) -> int:
    """Provider index of a ``provider:region`` name; raises ValueError on an unknown provider."""
    prov = name.split(":", 1)[0]
    if prov not in PROVIDERS:
        raise ValueError(f"region {name!r}: provider {prov!r} not in {PROVIDERS}")
    return PROVIDERS.index(prov)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Instance:
    """One broadcast instance. Arrays are read-only copies; every derived quantity is computed here.

    ``cost`` is $/GB with ``inf`` (or nan) marking a missing edge; ``thr_bps`` is the per-VM rate in
    bit/s (0 marks a missing edge). Limits are per VM and per provider; :attr:`ingress_gbps` and
    :attr:`egress_gbps` apply ``num_vms``.
    """

    names: tuple[str, ...]
    cost: np.ndarray
    thr_bps: np.ndarray
    source: int
    dests: tuple[int, ...]
    data_vol_gb: float
    num_partitions: int
    num_vms: int = 2
    ingress_per_vm: tuple[float, float, float] = SKYPLANE_INGRESS
    egress_per_vm: tuple[float, float, float] = SKYPLANE_EGRESS
    usd_per_vm_hour: float = USD_PER_VM_HOUR
    instance_id: str = ""
    provider: np.ndarray = field(init=False, repr=False)
    throughput: np.ndarray = field(init=False, repr=False)
    edge_mask: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.names)
        cost, thr = _readonly(self.cost), _readonly(self.thr_bps)
        if cost.shape != (n, n) or thr.shape != (n, n):
            raise ValueError(f"cost/thr_bps must be [{n}, {n}], got {cost.shape} / {thr.shape}")
        dests = tuple(int(d) for d in self.dests)
        if not 0 <= int(self.source) < n or any(not 0 <= d < n for d in dests):
            raise ValueError("source and destinations must be region indices")
        if int(self.source) in dests or len(set(dests)) != len(dests) or not dests:
            raise ValueError("destinations must be distinct, non-empty and exclude the source")
        if int(self.num_partitions) < 1 or int(self.num_vms) < 1 or not self.data_vol_gb > 0:
            raise ValueError("num_partitions, num_vms and data_vol_gb must be positive")
        mask = np.isfinite(cost) & (thr > 0) & ~np.eye(n, dtype=bool)
        mask.setflags(write=False)
        throughput = np.where(mask, int(self.num_vms) * thr / 1e9, 0.0)
        throughput.setflags(write=False)
        prov = np.array([provider_of(x) for x in self.names], dtype=np.int64)
        prov.setflags(write=False)
        for key, value in (("cost", cost), ("thr_bps", thr), ("dests", dests), ("provider", prov),
                           ("throughput", throughput), ("edge_mask", mask), ("source", int(self.source)),
                           ("num_partitions", int(self.num_partitions)), ("num_vms", int(self.num_vms)),
                           ("data_vol_gb", float(self.data_vol_gb)), ("names", tuple(self.names))):
            object.__setattr__(self, key, value)

    @property
    def n(self) -> int:
        """Number of regions N."""
        return len(self.names)

    @property
    def ingress_gbps(self) -> np.ndarray:
        """Per-region ingress limit I(n) = num_vms x ingress(provider(n)), Gbps."""
        return self.num_vms * np.asarray(self.ingress_per_vm, dtype=np.float64)[self.provider]

    @property
    def egress_gbps(self) -> np.ndarray:
        """Per-region egress limit E(n) = num_vms x egress(provider(n)), Gbps."""
        return self.num_vms * np.asarray(self.egress_per_vm, dtype=np.float64)[self.provider]

    @property
    def partition_gb(self) -> float:
        """Size of one partition, V / P GB."""
        return self.data_vol_gb / self.num_partitions

    def index(self, name: str) -> int:
        """Region index of ``name``; KeyError if unknown."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown region {name!r}") from None

    def graph(self, exclude_source_in: bool = False) -> nx.DiGraph:
        """A fresh networkx DiGraph on region names with ``cost`` ($/GB) and ``throughput`` (Gbps).

        Nodes in index order, edges in row-major order. Mutating it changes nothing in the instance.
        """
        g = nx.DiGraph()
        g.add_nodes_from(self.names)
        us, vs = np.nonzero(self.edge_mask)
        for u, v in zip(us.tolist(), vs.tolist(), strict=True):
            if exclude_source_in and v == self.source:
                continue
            g.add_edge(self.names[u], self.names[v], cost=float(self.cost[u, v]),
                       throughput=float(self.throughput[u, v]))
        return g

    def with_changes(self, **changes: object) -> Instance:
        """A copy with some init fields replaced (e.g. ``num_vms``, ``dests``)."""
        fields = {k: getattr(self, k) for k in ("names", "cost", "thr_bps", "source", "dests", "data_vol_gb",
                                                 "num_partitions", "num_vms", "ingress_per_vm",
                                                 "egress_per_vm", "usd_per_vm_hour", "instance_id")}
        fields.update(changes)
        return Instance(**fields)  # type: ignore[arg-type]
