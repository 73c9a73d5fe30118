"""Validation and scoring of repairs (spec §5 validation, §6 metrics).

A repaired item is a 3-sequence ``(original, repaired, confidence)``. :func:`validate` turns an action
into per-item values, marking malformed ones invalid; invalid or missing items score as the worst case
(counter error 1, confidence 1, reference calibration 0, Brier term 1, status wrong).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

FIELDS = ("rx_rate", "tx_rate", "interface_status")
COUNTERS = ("rx_rate", "tx_rate")
_TRUTH_KEY = {"rx_rate": "rx", "tx_rate": "tx"}


def _real(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def validate(action: Any, interfaces: Sequence[str]) -> tuple[dict, int, int]:
    """``({iface: {field: (repaired, confidence) or None}}, invalid_items, extra_items)``."""
    items: dict[str, dict] = {}
    invalid = 0
    extra = 0
    if not isinstance(action, Mapping):
        return {f: dict.fromkeys(FIELDS) for f in interfaces}, len(interfaces) * len(FIELDS), 0
    for key in action:
        if key not in interfaces:
            extra += 1
    for f in interfaces:
        entry = action.get(f)
        row: dict[str, tuple | None] = {}
        for field in FIELDS:
            val = entry.get(field) if isinstance(entry, Mapping) else None
            ok = None
            if isinstance(val, (tuple, list)) and len(val) == 3:
                rep, conf = val[1], _real(val[2])
                if conf is not None and 0.0 <= conf <= 1.0:
                    if field == "interface_status":
                        if rep in ("up", "down"):
                            ok = (rep, conf)
                    else:
                        r = _real(rep)
                        if r is not None and r >= 0:
                            ok = (r, conf)
            if ok is None:
                invalid += 1
            row[field] = ok
        if isinstance(entry, Mapping):
            extra += sum(1 for k in entry if k not in FIELDS)
        items[f] = row
    return items, invalid, extra


def ref_calibration_item(g: float, r: float, c: float) -> float:
    """The reference's thresholded calibration score of one counter."""
    a = 1.0 - abs(g - r) / max(abs(g), abs(r), 1.0)
    if a > 0.8:
        s = 1.0 if c > 0.7 else 0.5 + (c - 0.3) * 1.25
    elif c < 0.3:
        s = 0.8
    else:
        s = max(0.0, 0.8 - c * (1.0 - a) * 2.0)
    return max(0.0, min(1.0, s))


def leaderboard(combined: float) -> float:
    """The reference's 0-100 rescale (0.80 -> 0, 0.82 -> 50, 1.0 -> 100)."""
    if combined <= 0.82:
        raw = (combined - 0.80) / 0.02 * 50.0
    else:
        raw = 50.0 + (combined - 0.82) / 0.18 * 50.0
    return max(0.0, min(100.0, raw))


def score_scenario(items: dict, truth: Mapping[str, Mapping[str, Any]], tau: float = 0.05) -> dict:
    """Per-scenario metrics of validated ``items`` against ``truth`` (``{iface: {rx, tx, status}}``).

    Also returns ``conf`` / ``event`` arrays (one entry per counter) for pooled Brier and ECE.
    """
    ref_err = []
    calib = []
    abs_err = []
    conf = []
    event = []
    status_ok = []
    for f, t in truth.items():
        row = items.get(f) or dict.fromkeys(FIELDS)
        for field in COUNTERS:
            g = float(t[_TRUTH_KEY[field]])
            item = row.get(field)
            if item is None:
                if g > 0:
                    ref_err.append(1.0)
                calib.append(0.0)
                abs_err.append(1.0)
                conf.append(1.0)
                event.append(0.0)
                continue
            r, c = item
            if g > 0:
                ref_err.append(min(abs(r - g) / g, 1.0))
            calib.append(ref_calibration_item(g, r, c))
            scale = max(g, 1.0)
            abs_err.append(min(abs(r - g) / scale, 1.0))
            conf.append(c)
            event.append(1.0 if abs(r - g) <= tau * scale else 0.0)
        st = row.get("interface_status")
        status_ok.append(1.0 if st is not None and st[0] == t["status"] else 0.0)
    counter = max(0.0, 1.0 - float(np.mean(ref_err))) if ref_err else 0.0
    status = float(np.mean(status_ok)) if status_ok else 1.0
    calibration = float(np.mean(calib)) if calib else 1.0
    c = np.asarray(conf)
    e = np.asarray(event)
    return {
        "counter_repair_accuracy": counter,
        "status_repair_accuracy": status,
        "confidence_calibration": calibration,
        "combined": 0.75 * counter + 0.05 * status + 0.20 * calibration,
        "counter_accuracy": 1.0 - float(np.mean(abs_err)) if abs_err else 1.0,
        "brier": float(np.mean((c - e) ** 2)) if len(c) else 0.0,
        "hit_rate": float(np.mean(e)) if len(e) else 1.0,
        "conf": c,
        "event": e,
    }


def failed_scenario(truth: Mapping[str, Any]) -> dict:
    """A scenario whose policy raised or timed out: 0 on every metric (as the reference), Brier 1."""
    n = 2 * len(truth)
    return {"counter_repair_accuracy": 0.0, "status_repair_accuracy": 0.0, "confidence_calibration": 0.0,
            "combined": 0.0, "counter_accuracy": 0.0, "brier": 1.0, "hit_rate": 0.0,
            "conf": np.ones(n), "event": np.zeros(n)}


def brier(conf: np.ndarray, event: np.ndarray) -> float:
    """Mean squared difference of confidence and event."""
    return float(np.mean((np.asarray(conf) - np.asarray(event)) ** 2)) if len(conf) else 0.0


def ece(conf: np.ndarray, event: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-width bins of confidence."""
    c = np.asarray(conf, dtype=float)
    e = np.asarray(event, dtype=float)
    if len(c) == 0:
        return 0.0
    idx = np.minimum((c * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(c) * abs(c[m].mean() - e[m].mean())
    return float(total)
