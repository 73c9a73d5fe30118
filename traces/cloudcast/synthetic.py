"""Synthetic region graph (generator version 1): the embedded default needs no ``../shared`` data.

**Synthetic, not measured.** Regions are made-up names (``aws:syn-us-east``) placed at 17 public
metro coordinates. Prices follow the public per-provider list-price structure (egress within a
provider is cheap, leaving a provider costs about $0.09 AWS / $0.0875 Azure / $0.12 GCP per GB, more
from premium locations); throughputs are a smooth function of great-circle distance and provider NIC
class with a seeded per-pair jitter, in the same ranges as the real iperf3 grid (spec §4.2). The
numbers are deterministic in :data:`SYNTHETIC_SEED`.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from adrs.traces.cloudcast.importers import RegionMatrices

SYNTHETIC_SEED = 20_240_416
"""Seed of the per-pair throughput jitter."""
METROS: dict[str, tuple[float, float, str]] = {
    "us-east": (38.9, -77.4, "na"), "us-west": (45.6, -121.2, "na"), "us-central": (41.3, -95.9, "na"),
    "canada": (45.5, -73.6, "na"), "brazil": (-23.5, -46.6, "sa"), "ireland": (53.3, -6.3, "eu"),
    "frankfurt": (50.1, 8.7, "eu"), "stockholm": (59.3, 18.1, "eu"), "london": (51.5, -0.1, "eu"),
    "uae": (25.2, 55.3, "me"), "mumbai": (19.1, 72.9, "as"), "singapore": (1.35, 103.8, "as"),
    "tokyo": (35.7, 139.7, "as"), "seoul": (37.6, 127.0, "as"), "hongkong": (22.3, 114.2, "as"),
    "sydney": (-33.9, 151.2, "oc"), "johannesburg": (-26.2, 28.0, "af"),
}
"""Metro -> (lat, lon, continent); public approximate city coordinates."""
PRESENCE: dict[str, tuple[str, ...]] = {
    "aws": ("us-east", "us-west", "canada", "brazil", "ireland", "frankfurt", "stockholm", "london", "uae",
            "mumbai", "singapore", "tokyo", "seoul", "hongkong", "sydney", "johannesburg"),
    "azure": ("us-east", "us-west", "us-central", "canada", "brazil", "ireland", "frankfurt", "london", "uae",
              "mumbai", "singapore", "tokyo", "seoul", "hongkong", "sydney", "johannesburg"),
    "gcp": ("us-east", "us-west", "us-central", "canada", "brazil", "ireland", "frankfurt", "stockholm",
            "london", "mumbai", "singapore", "tokyo", "seoul", "hongkong", "sydney"),
}
"""Which metros each provider has a synthetic region in."""
PREMIUM = frozenset({"brazil", "johannesburg", "uae", "sydney"})
"""Metros whose outbound traffic is billed at the premium rate."""
# (same continent, other continent, premium source, leave provider, leave provider from premium)
PRICES: dict[str, tuple[float, float, float, float, float]] = {
    "aws": (0.02, 0.02, 0.138, 0.09, 0.154),
    "azure": (0.02, 0.05, 0.16, 0.0875, 0.181),
    "gcp": (0.02, 0.08, 0.15, 0.12, 0.19),
}
"""Synthetic $/GB price rules per source provider, shaped like the public list prices."""
NIC_GBPS = {"aws": 5.4, "azure": 28.0, "gcp": 33.0}
"""Synthetic per-VM best-case sending rate by source provider, Gbps."""


def region_table() -> list[tuple[str, float, float]]:
    """(name, lat, lon) of every synthetic region, sorted by name."""
    rows = [(f"{prov}:syn-{metro}", METROS[metro][0], METROS[metro][1])
            for prov, metros in PRESENCE.items() for metro in metros]
    return sorted(rows)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


@functools.lru_cache(maxsize=1)
def synthetic_matrices() -> RegionMatrices:
    """The synthetic ``RegionMatrices`` (names sorted; cost $/GB; per-VM thr in bit/s)."""
    table = region_table()
    names = tuple(r[0] for r in table)
    n = len(names)
    rng = np.random.default_rng(SYNTHETIC_SEED)
    jitter = np.exp(rng.uniform(-0.15, 0.15, size=(n, n)))
    cost = np.full((n, n), np.inf)
    thr = np.zeros((n, n))
    for i, (a, lat_a, lon_a) in enumerate(table):
        pa, ma = a.split(":")[0], a.split(":syn-")[1]
        for j, (b, lat_b, lon_b) in enumerate(table):
            if i == j:
                continue
            pb, mb = b.split(":")[0], b.split(":syn-")[1]
            same_cont = METROS[ma][2] == METROS[mb][2]
            rule = PRICES[pa]
            if pa == pb:
                price = rule[2] if ma in PREMIUM else (rule[0] if same_cont else rule[1])
            else:
                price = rule[4] if ma in PREMIUM else rule[3]
            cost[i, j] = price
            km = _km((lat_a, lon_a), (lat_b, lon_b))
            peak = NIC_GBPS[pa] if pa == pb else min(NIC_GBPS[pa], 9.0)
            gbps = peak * (0.2 + 0.8 / (1.0 + km / 5000.0))
            thr[i, j] = round(gbps * jitter[i, j] * 1e9, 3)
    return RegionMatrices(names, cost, thr)


def coordinates() -> dict[str, tuple[float, float]]:
    """Region name -> (lat, lon) for the synthetic regions (used by the overlay plot)."""
    return {name: (lat, lon) for name, lat, lon in region_table()}
