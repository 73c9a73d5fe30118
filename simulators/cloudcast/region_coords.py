"""Approximate (latitude, longitude) of every cloud region the Cloudcast data and generator use.

Public facts: each region's advertised location city (e.g. ``aws:us-east-1`` = N. Virginia), rounded
to about 0.1 degree. Used only to draw overlays (``adrs run cloudcast --plot``); no map tiles, no
downloads. The synthetic regions (``aws:syn-*``) take their metro coordinates from
:mod:`adrs.traces.cloudcast.synthetic`. GCP names carry a zone suffix in the data (``-a``, ``-b``);
:func:`coordinate` also accepts the bare region or any other zone of it.
"""

from __future__ import annotations

import functools
import re

REAL_REGIONS: dict[str, tuple[float, float]] = {
    # AWS
    "aws:af-south-1": (-33.9, 18.4),         # Cape Town
    "aws:ap-east-1": (22.3, 114.2),          # Hong Kong
    "aws:ap-northeast-1": (35.7, 139.7),     # Tokyo
    "aws:ap-northeast-2": (37.6, 127.0),     # Seoul
    "aws:ap-northeast-3": (34.7, 135.5),     # Osaka
    "aws:ap-south-1": (19.1, 72.9),          # Mumbai
    "aws:ap-south-2": (17.4, 78.5),          # Hyderabad
    "aws:ap-southeast-1": (1.35, 103.8),     # Singapore
    "aws:ap-southeast-2": (-33.9, 151.2),    # Sydney
    "aws:ap-southeast-3": (-6.2, 106.8),     # Jakarta
    "aws:ap-southeast-4": (-37.8, 145.0),    # Melbourne
    "aws:ca-central-1": (45.5, -73.6),       # Montreal
    "aws:eu-central-1": (50.1, 8.7),         # Frankfurt
    "aws:eu-central-2": (47.4, 8.5),         # Zurich
    "aws:eu-north-1": (59.3, 18.1),          # Stockholm
    "aws:eu-south-1": (45.5, 9.2),           # Milan
    "aws:eu-south-2": (41.6, -0.9),          # Aragon (Zaragoza)
    "aws:eu-west-1": (53.3, -6.3),           # Dublin
    "aws:eu-west-2": (51.5, -0.1),           # London
    "aws:eu-west-3": (48.9, 2.4),            # Paris
    "aws:il-central-1": (32.1, 34.8),        # Tel Aviv
    "aws:me-central-1": (24.5, 54.4),        # UAE (Abu Dhabi)
    "aws:me-south-1": (26.1, 50.6),          # Bahrain
    "aws:sa-east-1": (-23.5, -46.6),         # Sao Paulo
    "aws:us-east-1": (38.9, -77.4),          # N. Virginia
    "aws:us-east-2": (40.0, -83.0),          # Ohio (Columbus)
    "aws:us-west-1": (37.4, -121.9),         # N. California
    "aws:us-west-2": (45.8, -119.7),         # Oregon (Boardman)
    # Azure
    "azure:australiaeast": (-33.9, 151.2),   # New South Wales (Sydney)
    "azure:australiasoutheast": (-37.8, 145.0),  # Victoria (Melbourne)
    "azure:brazilsouth": (-23.5, -46.6),     # Sao Paulo State
    "azure:canadacentral": (43.7, -79.4),    # Toronto
    "azure:canadaeast": (46.8, -71.2),       # Quebec City
    "azure:centralindia": (18.6, 73.9),      # Pune
    "azure:centralus": (41.6, -93.6),        # Iowa (Des Moines)
    "azure:eastasia": (22.3, 114.2),         # Hong Kong
    "azure:eastus": (37.4, -79.8),           # Virginia
    "azure:eastus2": (36.7, -78.4),          # Virginia (Boydton)
    "azure:francecentral": (48.9, 2.4),      # Paris
    "azure:germanywestcentral": (50.1, 8.7),  # Frankfurt
    "azure:japaneast": (35.7, 139.7),        # Tokyo
    "azure:koreacentral": (37.6, 127.0),     # Seoul
    "azure:northcentralus": (41.9, -87.6),   # Illinois (Chicago)
    "azure:northeurope": (53.3, -6.3),       # Ireland (Dublin)
    "azure:norwayeast": (59.9, 10.8),        # Oslo
    "azure:qatarcentral": (25.3, 51.5),      # Doha
    "azure:southafricanorth": (-26.2, 28.0),  # Johannesburg
    "azure:southcentralus": (29.4, -98.5),   # Texas (San Antonio)
    "azure:southeastasia": (1.35, 103.8),    # Singapore
    "azure:swedencentral": (60.7, 17.1),     # Gavle
    "azure:switzerlandnorth": (47.5, 8.6),   # Zurich
    "azure:uaenorth": (25.3, 55.3),          # Dubai
    "azure:uksouth": (51.5, -0.1),           # London
    "azure:westeurope": (52.4, 4.9),         # Netherlands (Amsterdam)
    "azure:westus": (37.8, -122.4),          # California (San Francisco)
    "azure:westus2": (47.2, -119.9),         # Washington (Quincy)
    "azure:westus3": (33.4, -112.1),         # Arizona (Phoenix)
    # GCP (region names; the data's zone suffixes are resolved by coordinate())
    "gcp:asia-east1": (24.1, 120.5),         # Changhua County, Taiwan
    "gcp:asia-east2": (22.3, 114.2),         # Hong Kong
    "gcp:asia-northeast1": (35.7, 139.7),    # Tokyo
    "gcp:asia-northeast2": (34.7, 135.5),    # Osaka
    "gcp:asia-northeast3": (37.6, 127.0),    # Seoul
    "gcp:asia-south1": (19.1, 72.9),         # Mumbai
    "gcp:asia-south2": (28.6, 77.2),         # Delhi
    "gcp:asia-southeast1": (1.35, 103.7),    # Jurong West, Singapore
    "gcp:asia-southeast2": (-6.2, 106.8),    # Jakarta
    "gcp:australia-southeast1": (-33.9, 151.2),  # Sydney
    "gcp:australia-southeast2": (-37.8, 145.0),  # Melbourne
    "gcp:europe-central2": (52.2, 21.0),     # Warsaw
    "gcp:europe-north1": (60.6, 27.2),       # Hamina, Finland
    "gcp:europe-southwest1": (40.4, -3.7),   # Madrid
    "gcp:europe-west1": (50.5, 3.8),         # St. Ghislain, Belgium
    "gcp:europe-west2": (51.5, -0.1),        # London
    "gcp:europe-west3": (50.1, 8.7),         # Frankfurt
    "gcp:europe-west4": (53.4, 6.8),         # Eemshaven, Netherlands
    "gcp:europe-west6": (47.4, 8.5),         # Zurich
    "gcp:europe-west8": (45.5, 9.2),         # Milan
    "gcp:europe-west9": (48.9, 2.4),         # Paris
    "gcp:me-west1": (32.1, 34.8),            # Tel Aviv
    "gcp:northamerica-northeast1": (45.5, -73.6),  # Montreal
    "gcp:northamerica-northeast2": (43.7, -79.4),  # Toronto
    "gcp:southamerica-east1": (-23.5, -46.8),  # Osasco (Sao Paulo)
    "gcp:southamerica-west1": (-33.4, -70.7),  # Santiago
    "gcp:us-central1": (41.3, -95.9),        # Council Bluffs, Iowa
    "gcp:us-east1": (33.2, -80.0),           # Moncks Corner, South Carolina
    "gcp:us-east4": (39.0, -77.5),           # Ashburn, N. Virginia
    "gcp:us-east5": (40.0, -83.0),           # Columbus, Ohio
    "gcp:us-south1": (32.8, -96.8),          # Dallas
    "gcp:us-west1": (45.6, -121.2),          # The Dalles, Oregon
    "gcp:us-west2": (34.1, -118.2),          # Los Angeles
    "gcp:us-west3": (40.8, -111.9),          # Salt Lake City
    "gcp:us-west4": (36.2, -115.1),          # Las Vegas
}
"""Real provider regions -> (lat, lon), approximate public location city (GCP keyed by region, not zone)."""

_GCP_ZONE = re.compile(r"^(gcp:[a-z]+-[a-z]+\d+)-[a-z]$")


@functools.lru_cache(maxsize=1)
def region_coords() -> dict[str, tuple[float, float]]:
    """Every known region (real and synthetic) -> (lat, lon)."""
    from adrs.traces.cloudcast.synthetic import coordinates

    return {**REAL_REGIONS, **coordinates()}


def coordinate(name: str) -> tuple[float, float]:
    """(lat, lon) of a region name (a GCP zone such as ``gcp:us-east1-b`` maps to its region);
    KeyError if the table has no entry."""
    table = region_coords()
    if name in table:
        return table[name]
    m = _GCP_ZONE.match(name)
    if m and m.group(1) in table:
        return table[m.group(1)]
    raise KeyError(f"no coordinate for region {name!r}; add it to adrs.simulators.cloudcast.region_coords")
