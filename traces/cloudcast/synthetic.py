"""Synthetic region graph (matrices ``synthetic-v2``): the embedded default needs no ``../shared`` data.

**Synthetic, not measured.** Regions are made-up names (``aws:syn-us-east``) placed at 17 public
metro coordinates. Prices are rules shaped like the public per-provider list prices (not a copy of the
real matrix); throughputs are a smooth function of great-circle distance and provider NIC class with a
seeded per-pair jitter, in the same ranges as the real iperf3 grid (spec §4.2). The numbers are
deterministic in :data:`SYNTHETIC_SEED`.

Price rules ($/GB, see :func:`price`):

* **AWS, Azure** bill by *source* only: cheap within the provider (AWS 0.02; Azure 0.02 same continent,
  0.05 across), leaving the provider 0.09 (AWS) / 0.0875 (Azure), and a premium rate from the
  :data:`PREMIUM` metros.
* **GCP** bills by *destination* as well (v2; the real grid's structure):

  - within GCP: 0.01 inside North America, 0.02 inside Europe, 0.05 inside Asia, 0.08 between
    continents, 0.15 to or from Oceania (0.08 inside Oceania);
  - leaving GCP (internet egress): 0.12 to most destinations, 0.19 to Oceania
    (:data:`GCP_PREMIUM_DESTINATIONS`); a few APAC sources bill more for every destination
    (:data:`GCP_EGRESS_BY_SOURCE`: an APAC hub at 0.19, others at 0.14-0.147, as in the Skyplane
    price grid, where gcp:asia-southeast1 pays 0.19 to every other cloud). GCP's only premium
    source is Oceania (v1 also billed GCP Brazil at the premium rate; the real grid does not).

  As in the real data (112 of 4970 ordered pairs, all from GCP sources, median saving $0.02/GB, max
  $0.05), some GCP sources therefore reach a destination more cheaply through one relay: GCP ->
  AWS Sydney costs 0.19 direct but 0.12 + 0.02 through any other AWS region, and the APAC hub's 0.19
  egress is beaten by 0.05 + 0.12 through a sibling GCP Asia region. :func:`relay_savings` measures
  it: 54 of 2162 pairs (2.5 %), median saving $0.02/GB, max $0.05. ``synthetic-v1`` (every price
  depends on the source alone, so no relay ever pays off on a single path) stays loadable for old
  manifests.
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
"""Synthetic $/GB price rules per source provider, shaped like the public list prices (v1 for all
three providers; v2 uses them for AWS and Azure only, GCP follows :func:`gcp_price`)."""
GCP_WITHIN_CONTINENT = {"na": 0.01, "eu": 0.02, "as": 0.05}
"""GCP inter-region $/GB inside one continent (other continents: the inter-continent rate)."""
GCP_INTER_CONTINENT = 0.08
"""GCP inter-region $/GB between continents."""
GCP_OCEANIA = 0.15
"""GCP inter-region $/GB to or from Oceania (Oceania to Oceania: the inter-continent rate)."""
GCP_EGRESS = 0.12
"""GCP internet egress $/GB (leaving GCP) to most destinations."""
GCP_PREMIUM_DESTINATIONS = {"oc": 0.19}
"""Continent of the destination -> GCP internet egress $/GB there (destination-based pricing)."""
GCP_EGRESS_BY_SOURCE = {"singapore": 0.19, "sydney": 0.19, "seoul": 0.147, "tokyo": 0.14}
"""Source metro -> GCP internet egress $/GB from there (APAC sources billed above the default)."""
MATRICES_VERSIONS = (1, 2)
"""Price-model versions :func:`synthetic_matrices` can build (2 is current)."""
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


def gcp_price(src_metro: str, dst_provider: str, dst_metro: str) -> float:
    """$/GB of one GCP edge (v2): destination-based inter-region and internet egress rates."""
    ca, cb = METROS[src_metro][2], METROS[dst_metro][2]
    if dst_provider == "gcp":
        if (ca == "oc") != (cb == "oc"):
            return GCP_OCEANIA
        return GCP_WITHIN_CONTINENT.get(ca, GCP_INTER_CONTINENT) if ca == cb else GCP_INTER_CONTINENT
    return max(GCP_EGRESS_BY_SOURCE.get(src_metro, GCP_EGRESS), GCP_PREMIUM_DESTINATIONS.get(cb, GCP_EGRESS))


def price(src: str, dst: str, version: int = 2) -> float:
    """$/GB of the synthetic edge ``src -> dst`` (region names) under price-model ``version``."""
    pa, ma = src.split(":")[0], src.split(":syn-")[1]
    pb, mb = dst.split(":")[0], dst.split(":syn-")[1]
    if version >= 2 and pa == "gcp":
        return gcp_price(ma, pb, mb)
    rule = PRICES[pa]
    if pa == pb:
        return rule[2] if ma in PREMIUM else (rule[0] if METROS[ma][2] == METROS[mb][2] else rule[1])
    return rule[4] if ma in PREMIUM else rule[3]


@functools.lru_cache(maxsize=4)
def synthetic_matrices(version: int = 2) -> RegionMatrices:
    """The synthetic ``RegionMatrices`` of price-model ``version`` (names sorted; cost $/GB; per-VM
    thr in bit/s; the throughputs do not depend on the version)."""
    if version not in MATRICES_VERSIONS:
        raise ValueError(f"unknown synthetic matrices version {version}; choose from {MATRICES_VERSIONS}")
    table = region_table()
    names = tuple(r[0] for r in table)
    n = len(names)
    rng = np.random.default_rng(SYNTHETIC_SEED)
    jitter = np.exp(rng.uniform(-0.15, 0.15, size=(n, n)))
    cost = np.full((n, n), np.inf)
    thr = np.zeros((n, n))
    for i, (a, lat_a, lon_a) in enumerate(table):
        pa = a.split(":")[0]
        for j, (b, lat_b, lon_b) in enumerate(table):
            if i == j:
                continue
            pb = b.split(":")[0]
            cost[i, j] = price(a, b, version)
            km = _km((lat_a, lon_a), (lat_b, lon_b))
            peak = NIC_GBPS[pa] if pa == pb else min(NIC_GBPS[pa], 9.0)
            gbps = peak * (0.2 + 0.8 / (1.0 + km / 5000.0))
            thr[i, j] = round(gbps * jitter[i, j] * 1e9, 3)
    return RegionMatrices(names, cost, thr)


def relay_savings(cost: np.ndarray) -> np.ndarray:
    """Per ordered pair, direct price minus the cheapest price through one relay (0 where the direct
    edge is cheapest, and on the diagonal). Positive entries are the pairs where a relay pays off."""
    c = np.where(np.isfinite(cost), cost, np.inf)
    np.fill_diagonal(c, 0.0)
    two = np.min(c[:, :, None] + c[None, :, :], axis=1)
    out = np.where(c - two > 1e-9, c - two, 0.0)
    np.fill_diagonal(out, 0.0)
    return out


def coordinates() -> dict[str, tuple[float, float]]:
    """Region name -> (lat, lon) for the synthetic regions (used by the overlay plot)."""
    return {name: (lat, lon) for name, lat, lon in region_table()}
