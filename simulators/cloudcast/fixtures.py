"""A tiny hand-checked instance for unit tests (8 regions, no real data needed).

Regions (sorted): aws:a, aws:b, aws:c, azure:x, azure:y, gcp:g, gcp:h, gcp:k. Prices follow the list-price
shape (aws->aws 0.02, aws->other 0.09, azure->azure 0.02, azure->other 0.0875, gcp->gcp 0.01, gcp->other
0.12); every per-VM throughput is 5 Gbps. Source aws:a, destinations azure:x, azure:y, gcp:g, V = 10 GB,
P = 2, one VM.

Hand-checked numbers (module constants below):

* direct: egress 3 x 10 x 0.09 = 2.7; a's out-edges sum to 15 > E(a) = 5, so f = 5/3 and
  T = 2 x 5 x 8 / (5/3) = 48 s; instance 4 x 1 x 0.00015 x 48 = 0.0288; total 2.7288.
* optimum a -> x -> {y, g}: OPT = 0.09 + 0.02 + 0.0875 = 0.1975 $/GB, egress 1.975, no cap binds
  (S_out(a) = 5 is not > 5), T = 16 s, instance 0.0096, total 1.9846.
"""

from __future__ import annotations

import numpy as np

from adrs.simulators.cloudcast.instance import Instance

NAMES = ("aws:a", "aws:b", "aws:c", "azure:x", "azure:y", "gcp:g", "gcp:h", "gcp:k")
DIRECT_TOTAL = 2.7288
DIRECT_MAKESPAN = 48.0
OPT_PER_GB = 0.1975
OPT_TREE_TOTAL = 1.9846
_PRICE = {("aws", "aws"): 0.02, ("aws", "x"): 0.09, ("azure", "azure"): 0.02, ("azure", "x"): 0.0875,
          ("gcp", "gcp"): 0.01, ("gcp", "x"): 0.12}


def tiny_matrices() -> tuple[np.ndarray, np.ndarray]:
    """(cost $/GB, per-VM throughput bit/s) of the 8-region fixture."""
    n = len(NAMES)
    cost = np.full((n, n), np.inf)
    for i, a in enumerate(NAMES):
        for j, b in enumerate(NAMES):
            if i != j:
                pa, pb = a.split(":")[0], b.split(":")[0]
                cost[i, j] = _PRICE[(pa, pb if pa == pb else "x")]
    thr = np.where(np.eye(n, dtype=bool), 0.0, 5e9)
    return cost, thr


def tiny_instance(**changes: object) -> Instance:
    """The fixture instance; keyword arguments replace fields (e.g. ``num_partitions=4``)."""
    cost, thr = tiny_matrices()
    fields: dict = {"names": NAMES, "cost": cost, "thr_bps": thr, "source": 0, "dests": (3, 4, 5),
                    "data_vol_gb": 10.0, "num_partitions": 2, "num_vms": 1, "instance_id": "tiny"}
    fields.update(changes)
    return Instance(**fields)
