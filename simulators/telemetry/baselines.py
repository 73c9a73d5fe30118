"""Named baselines (spec §8): ``repair(obs) -> action`` functions over plain observations."""

from __future__ import annotations

import numpy as np

from .demand import demand_prediction

_EPS = 1e-6


def _status(t: dict) -> str:
    s = t.get("interface_status")
    return s if s in ("up", "down") else "up"


def passthrough(obs: dict, confidence: float = 1.0) -> dict:
    """Copy every value and status with a fixed confidence (None readings become 0)."""
    out = {}
    for f, t in obs["telemetry"].items():
        out[f] = {k: (t[k], float(t[k]) if t[k] is not None else 0.0, confidence) for k in ("rx_rate", "tx_rate")}
        out[f]["interface_status"] = (t["interface_status"], _status(t), confidence)
    return out


def passthrough_half(obs: dict) -> dict:
    """Passthrough with confidence 0.5 (the leaderboard's 0-point baseline)."""
    return passthrough(obs, 0.5)


def _mirror_key(k: str) -> str:
    return "tx_rate" if k == "rx_rate" else "rx_rate"


def symmetry_value(own: float | None, mirror: float | None) -> tuple[float, float]:
    """The 15-line link-symmetry rule for one counter: ``(repaired, confidence)``."""
    if own is None:
        return (float(mirror), 0.8) if mirror is not None else (0.0, 0.3)
    if mirror is None:
        return float(own), 0.8
    a, b = float(own), float(mirror)
    if abs(a - b) <= 0.05 * max(a, b):
        return a, 0.95
    if a < _EPS < b:
        return b, 0.8
    if b < _EPS < a:
        return a, 0.8
    return max(a, b), 0.5


def symmetry(obs: dict) -> dict:
    """Compare each counter with its mirror on the peer interface (spec §8.2)."""
    tele = obs["telemetry"]
    out = {}
    for f, t in tele.items():
        peer = tele.get(t["connected_to"], {})
        out[f] = {}
        for k in ("rx_rate", "tx_rate"):
            out[f][k] = (t[k], *symmetry_value(t[k], peer.get(_mirror_key(k))))
        st = t["interface_status"]
        if st not in ("up", "down"):
            st = peer.get("interface_status") if peer.get("interface_status") in ("up", "down") else "up"
        out[f]["interface_status"] = (t["interface_status"], st, 1.0)
    return out


def least_squares(obs: dict, iters: int = 20) -> dict:
    """Robust (IRLS, L1-style) least squares over one unknown per directed link: the two readings of
    each link, the demand x paths prediction when ``obs["demand"]`` / ``obs["paths"]`` are observed, and,
    when ``obs["external"]`` is present, one conservation row per router (spec §8.3). Confidence counts
    the independent readings that agree with the estimate within 5 %: 2 -> 0.95, 1 -> 0.85, 0 -> 0.3."""
    tele = obs["telemetry"]
    ifs = sorted(tele)
    col = {f: i for i, f in enumerate(ifs)}  # unknown x_f = traffic local -> remote on link f
    rows, rhs, kinds = [], [], []
    for f in ifs:
        t = tele[f]
        peer = t["connected_to"]
        for j, v in ((col[f], t["tx_rate"]), (col.get(peer), t["rx_rate"])):
            if j is None or v is None:
                continue
            r = np.zeros(len(ifs))
            r[j] = 1.0
            rows.append(r)
            rhs.append(float(v))
            kinds.append(("read", f))
    if obs.get("demand") and obs.get("paths"):  # observe_demand: one demand x paths row per direction
        for (a, b), load in demand_prediction(obs).items():
            f = f"{a}_to_{b}"
            if f in col:
                r = np.zeros(len(ifs))
                r[col[f]] = 1.0
                rows.append(r)
                rhs.append(float(load))
                kinds.append(("demand", f))
    ext = obs.get("external")
    if ext:
        for router, lst in obs["topology"].items():
            e = ext.get(router, {})
            o, term = e.get("origination"), e.get("termination")
            if o is None or term is None:
                continue
            r = np.zeros(len(ifs))
            for f in lst:
                r[col[f]] -= 1.0  # out
                peer = tele[f]["connected_to"]
                if peer in col:
                    r[col[peer]] += 1.0  # in
            rows.append(r)
            rhs.append(float(term) - float(o))
            kinds.append(("cons", router))
    sym = symmetry(obs)
    x = np.array([sym[f]["tx_rate"][1] for f in ifs], dtype=float)
    if rows:
        a = np.array(rows)
        y = np.array(rhs)
        scale = np.array([max(abs(v), 1.0) for v in rhs])
        for i, (kind, _) in enumerate(kinds):
            if kind == "cons":
                scale[i] = max(1.0, float(np.abs(a[i]) @ np.abs(x)) / 2)
        is_read = np.array([k == "read" for k, _ in kinds])
        ridge = 1e-9 * np.eye(a.shape[1])
        for _ in range(iters):
            pred = a @ x
            rel = np.abs(pred - y) / np.maximum(scale, np.abs(pred))
            w = 1.0 / np.maximum(rel, 0.02)
            w = np.where((y == 0) & (np.abs(pred) > 1.0) & is_read, 1e-6, w) / scale**2
            aw = a * w[:, None]
            x = np.maximum(np.linalg.solve(a.T @ aw + ridge, aw.T @ y), 0.0)
    out = {}
    for f in ifs:
        t = tele[f]
        peer = t["connected_to"]
        est = {"tx_rate": x[col[f]], "rx_rate": x[col[peer]] if peer in col else sym[f]["rx_rate"][1]}
        reads = {"tx_rate": (t["tx_rate"], tele.get(peer, {}).get("rx_rate")),
                 "rx_rate": (t["rx_rate"], tele.get(peer, {}).get("tx_rate"))}
        out[f] = {}
        for k in ("rx_rate", "tx_rate"):
            v = float(est[k])
            agree = sum(1 for r in reads[k] if r is not None and abs(r - v) <= 0.05 * max(v, 1.0))
            out[f][k] = (t[k], v, {2: 0.95, 1: 0.85}.get(agree, 0.3))
        st = t["interface_status"]
        carries = est["tx_rate"] > 1.0 or est["rx_rate"] > 1.0
        rep = "up" if carries else ("down" if st == "down" or tele.get(peer, {}).get("interface_status") == "down"
                                    else "up")
        out[f]["interface_status"] = (st, rep, 0.9)
    return out


def hodor(obs: dict) -> dict:
    """Hodor's Democratic Trust Propagation (spec §8.4); see :mod:`.hodor`."""
    from .hodor import dtp

    return dtp(obs)


BASELINES = {
    "passthrough": passthrough,
    "passthrough-0.5": passthrough_half,
    "symmetry": symmetry,
    "least-squares": least_squares,
    "hodor": hodor,
}
"""CLI names -> ``repair(obs)`` functions."""
