"""``adrs run cloudcast --plot out.png``: the chosen overlays on a lon/lat scatter, one panel per instance.

Coordinates come from the shipped table :mod:`adrs.simulators.cloudcast.region_coords` (approximate
public location cities; no map tiles, nothing downloaded). Each panel shows every region of the
instance as a small dot coloured by provider, the source as a star, destinations as triangles, relays
as circles, and one arrow per overlay edge (width grows with the number of partitions using it). At
most :data:`MAX_PANELS` instances are drawn (the first ones, in split order); the title says when the
set was capped. Co-located regions of different providers (e.g. three Hong Kong regions) are nudged
apart by a fixed per-provider offset of about one degree so that arrows between them stay visible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from adrs.simulators.cloudcast.instance import PROVIDERS, Instance
from adrs.simulators.cloudcast.model import simulate
from adrs.simulators.cloudcast.region_coords import coordinate

MAX_PANELS = 6
"""Largest number of instance panels drawn in one picture."""
NCOLS = 3
"""Panels per row."""
PANEL_INCHES = (5.0, 3.4)
"""Size of one panel in inches (width, height)."""
DPI = 100
"""Resolution of the PNG; the picture is ``ncols x 500`` by ``nrows x 340`` pixels."""
COLORS = {"aws": "tab:orange", "azure": "tab:blue", "gcp": "tab:green"}
"""Dot colour per provider."""
_NUDGE = {"aws": (-0.7, -0.9), "azure": (0.7, 0.0), "gcp": (-0.7, 0.9)}  # (dlat, dlon) degrees


def figure_size_px(n_panels: int) -> tuple[int, int]:
    """(width, height) in pixels of a picture with ``n_panels`` (after the cap)."""
    n = max(1, min(n_panels, MAX_PANELS))
    ncols = min(NCOLS, n)
    nrows = math.ceil(n / ncols)
    return round(ncols * PANEL_INCHES[0] * DPI), round(nrows * PANEL_INCHES[1] * DPI)


def lonlat(inst: Instance) -> np.ndarray:
    """``[N, 2]`` (lon, lat) of the instance's regions, with the per-provider nudge."""
    out = np.empty((inst.n, 2))
    for i, name in enumerate(inst.names):
        lat, lon = coordinate(name)
        dlat, dlon = _NUDGE[PROVIDERS[int(inst.provider[i])]]
        out[i] = lon + dlon, lat + dlat
    return out


def _panel(ax, inst: Instance, parents: np.ndarray | None, label: str) -> None:
    xy = lonlat(inst)
    for k, prov in enumerate(PROVIDERS):
        sel = inst.provider == k
        ax.scatter(xy[sel, 0], xy[sel, 1], s=6, color=COLORS[prov], alpha=0.35, label=prov, zorder=1)
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.set_xlabel("longitude", fontsize=7)
    ax.set_ylabel("latitude", fontsize=7)
    ax.tick_params(labelsize=6)
    if parents is None:
        ax.set_title(f"{label}: invalid plan", fontsize=8, color="tab:red")
        return
    res = simulate(inst, parents)
    P = inst.num_partitions
    for (u, v), n_e in zip(res.edges, res.n_e, strict=True):
        ax.annotate("", xy=xy[v], xytext=xy[u], zorder=2,
                    arrowprops={"arrowstyle": "-|>", "color": "0.25", "lw": 0.6 + 1.6 * n_e / P,
                                "shrinkA": 3, "shrinkB": 3, "alpha": 0.8})
    relays = [v for v in res.overlay_nodes if v != inst.source and v not in inst.dests]
    ax.scatter(*xy[inst.source], marker="*", s=140, color="tab:red", edgecolor="k", lw=0.5, zorder=3)
    ax.scatter(xy[list(inst.dests), 0], xy[list(inst.dests), 1], marker="^", s=40, color="gold",
               edgecolor="k", lw=0.5, zorder=3)
    if relays:
        ax.scatter(xy[relays, 0], xy[relays, 1], marker="o", s=30, color="white", edgecolor="k", lw=0.7, zorder=3)
    for v in res.overlay_nodes:
        ax.annotate(inst.names[v], xy[v], fontsize=5, xytext=(3, 3), textcoords="offset points", zorder=4)
    used = xy[list(res.overlay_nodes)]
    lo, hi = used.min(axis=0), used.max(axis=0)
    pad = np.maximum(8.0, 0.12 * (hi - lo))
    ax.set_xlim(max(-180.0, lo[0] - pad[0]), min(180.0, hi[0] + pad[0]))
    ax.set_ylim(max(-90.0, lo[1] - pad[1]), min(90.0, hi[1] + pad[1]))
    ax.set_title(f"{label}: \\${res.total_cost:.2f} (egress \\${res.egress_cost:.2f}), {len(relays)} relays",
                 fontsize=8)


def plot_overlays(instances: Sequence[Instance], plans: Sequence[np.ndarray | None], path: str,
                  title: str = "") -> int:
    """Draw up to :data:`MAX_PANELS` overlays into the PNG ``path``; returns the number of panels drawn.

    ``plans[i]`` is the validated ``parents[P, N]`` of ``instances[i]`` or None (drawn as invalid).
    Raises KeyError if a region has no coordinate in the shipped table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(instances) != len(plans) or not instances:
        raise ValueError("plot_overlays needs one plan per instance and at least one instance")
    n = min(len(instances), MAX_PANELS)
    ncols = min(NCOLS, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * PANEL_INCHES[0], nrows * PANEL_INCHES[1]),
                             dpi=DPI, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.axis("off")
            continue
        inst = instances[i]
        _panel(ax, inst, plans[i], inst.instance_id or f"instance {i}")
    capped = f" (first {n} of {len(instances)} instances; at most {MAX_PANELS} panels)" if len(instances) > n else ""
    fig.suptitle(f"{title}{capped}", fontsize=9)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="upper right", fontsize=7, markerscale=2)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return n
