"""Hodor's Democratic Trust Propagation (DTP) repair (spec §1, §8.4).

A *link* is one direction of traffic: ``(a, b)`` for every interface pair (readings: ``tx`` of
``a_to_b`` at ``a`` and ``rx`` of ``b_to_a`` at ``b``), plus two *external* links per router,
origination (outside -> router) and termination (router -> outside), read from ``obs["external"]``.
When ``obs["demand"]`` (and ``obs["paths"]`` for the internal links) are observed, every link also
gets the demand x paths prediction as a candidate.

Candidates (R3, alternative signals): an exact-zero reading is dropped from a link's candidates when
another candidate shows traffic, or when the link is internal and neither end reports "down" (a live
link reading exactly 0 at both ends is a zeroed counter: on the train split 185 of 187 such link
directions carry traffic). A genuinely failed link reports "down" and keeps its zeros.

The loop (after the reference's ref_impl, rewritten; every choice below is documented because the
spec leaves it open):

1. **Router beliefs.** For every router, :data:`TRIALS` trials pick one candidate per incident link
   uniformly at random (a locked link always contributes its locked value), multiply each pick by
   an independent U(1 - :data:`NOISE`, 1 + :data:`NOISE`) factor (the counters' own +-2 %
   measurement noise, so that a derivation through a large router is as uncertain as it really is
   and cannot pin a small link) and re-derive each unlocked incident link by flow conservation,
   ``x_l = x_l - sign_l * S`` with ``S`` the signed in - out sum. A remainder below ``-floor`` is an
   inconsistent trial for that link (no value); smaller negatives are clipped to 0. An unlocked
   link without any candidate (both readings missing or dropped as above, or an unobserved external
   counter) is an *unknown*: with exactly one unknown the router derives only that link; with two
   or more (e.g. no ``obs["external"]``, as in the reference variant, where conservation is off by
   15-30 %, §2) the router casts no beliefs. A belief is the heaviest clump of the trial values
   (its mean), weighted by the clump's share of all trials.
2. **Votes.** Each unlocked link gets its candidates as measurement votes of weight
   :data:`MEASUREMENT_WEIGHT` (0.66) plus the beliefs of its one or two routers.
3. **Lock** the unlocked link whose heaviest vote clump has the largest weight fraction (ties: the
   heavier clump, then the lower link index); internal links are locked before external ones. The
   link takes the clump's weighted mean, and confidence = the clump's weight fraction (clump weight
   / all vote weight). Only the routers at the locked link's ends recompute their beliefs (a
   router's beliefs depend only on its own incident links), which keeps a run
   ``O(links x trials)``. Repeat until every link is locked. When no unlocked link has a vote but
   internal unknowns remain (e.g. all four counters of a link zeroed: conservation fixes only
   x(A->B) - x(B->A)), the first unknown is guessed idle (0) with confidence 0 and the loop goes on,
   so its reverse direction gets the difference.

Clumps: values sorted ascending; a clump is a window ``[v, max(v / (1 - tol), v + tol * floor)]``,
so its members are pairwise within ``tol`` (5 %, relative to the larger value, with a 1 Mbps floor
as in the metric); the heaviest window wins, ties go to the larger value (a zeroed counter is the
most common fault, as in the symmetry rule's "take the larger").

Output per counter: when the counter's own reading agrees with the locked value within ``tol`` it
is kept (its truth is the healthy reading itself), else the locked value; the confidence is the
link's. (A link left unlocked, which the loop above does not produce, would fall back to the
symmetry rule.) Status: an interface whose repaired traffic (either direction) exceeds the
floor is "up"; otherwise it is "down" if at least one end reports "down" and neither reports "up"
(a true failure shows "down" at both ends with zero counters), else "up".

Randomness comes only from a private ``numpy.random.Generator`` seeded from a fixed seed and a
hash of the observation: the output is a pure function of ``obs`` and no global RNG is touched.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

TRIALS = 30
MEASUREMENT_WEIGHT = 0.66
TOL = 0.05
FLOOR = 1.0
"""Mbps below which values count as zero traffic (the metric's floor)."""
SEED = 20240826
NOISE = 0.02
"""Half-width of the multiplicative jitter on every trial pick (the counters' +-2 % noise)."""
_ZERO = 1e-6


def _rng(obs: dict) -> np.random.Generator:
    digest = hashlib.sha256(json.dumps(obs, sort_keys=True, default=str).encode()).digest()
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([SEED, *digest[:16]])))


def _upper(v, tol: float, floor: float):
    return np.maximum(v / (1.0 - tol), v + tol * floor)


def clump(values, weights, tol: float = TOL, floor: float = FLOOR) -> tuple[float, float, float]:
    """Heaviest clump of a few weighted values: ``(weighted mean, clump weight, total weight)``."""
    pairs = sorted(zip(values, weights, strict=True), key=lambda p: p[0])
    n = len(pairs)
    best = (-1.0, 0, 0)
    for lo in range(n):
        v = pairs[lo][0]
        top = max(v / (1.0 - tol), v + tol * floor)
        hi, w = lo, 0.0
        while hi < n and pairs[hi][0] <= top:
            w += pairs[hi][1]
            hi += 1
        if w >= best[0] - 1e-9:  # ties -> the larger value
            best = (w, lo, hi)
    w, lo, hi = best
    members = pairs[lo:hi]
    mean = sum(v * x for v, x in members) / w if w > 0 else pairs[lo][0]
    return float(mean), float(w), float(sum(x for _, x in pairs))


def _clump_columns(x: np.ndarray, tol: float, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Column-wise unweighted clumps of a ``trials x links`` matrix (NaN = no value):
    ``(mean, share of all trials)`` per column; share 0 where a column has no value."""
    n = x.shape[0]
    s = np.sort(x, axis=0)  # NaN last
    up = _upper(s, tol, floor)
    within = (s[None, :, :] >= s[:, None, :]) & (s[None, :, :] <= up[:, None, :])  # [i, j, col]
    count = within.sum(axis=1)
    best = n - 1 - np.argmax(count[::-1], axis=0)  # ties -> the larger value
    cols = np.arange(x.shape[1])
    members = within[best, :, cols]  # [col, j]
    cnt = count[best, cols]
    with np.errstate(invalid="ignore"):
        mean = np.where(members, s.T, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    return mean, cnt / n


def _paths_of(paths: dict, s: str, d: str) -> list[tuple[list, float]]:
    raw = paths.get(s, {}).get(d) or []
    if raw and isinstance(raw[0], str):  # a bare node list
        raw = [raw]
    out = []
    for p in raw:
        if isinstance(p, dict):
            out.append((list(p.get("path") or []), float(p.get("weight", 1.0))))
        elif len(p) == 2 and isinstance(p[0], list | tuple):
            out.append((list(p[0]), float(p[1])))
        else:
            out.append((list(p), 1.0))
    return out


def _predictions(obs: dict, index: dict) -> dict[int, float]:
    """Demand x paths prediction per link index, when ``obs["demand"]`` is observed (internal links
    only with ``obs["paths"]``)."""
    demand = obs.get("demand")
    if not isinstance(demand, dict):
        return {}
    paths = obs.get("paths") or {}
    if isinstance(paths.get("paths"), dict):
        paths = paths["paths"]
    pred: dict[int, float] = {}
    for s, row in demand.items():
        for d, v in (row or {}).items():
            if s == d or v is None:
                continue
            v = float(v)
            for key in ((None, s), (d, None)):
                if key in index:
                    pred[index[key]] = pred.get(index[key], 0.0) + v
            if paths:
                for nodes, w in _paths_of(paths, s, d):
                    for a, b in zip(nodes[:-1], nodes[1:], strict=False):
                        if (a, b) in index:
                            pred[index[(a, b)]] = pred.get(index[(a, b)], 0.0) + v * w
    if paths:  # a link no path crosses is predicted idle
        for key, i in index.items():
            if None not in key:
                pred.setdefault(i, 0.0)
    return pred


class _DTP:
    """The state of one DTP run: links, candidates, router beliefs, locks."""

    def __init__(self, obs: dict, tol: float, trials: int, rng: np.random.Generator):
        self.tol, self.trials, self.rng = tol, trials, rng
        tele = obs["telemetry"]
        routers = set(obs.get("topology") or {})
        for t in tele.values():
            routers.update((t["local_router"], t["remote_router"]))
        self.routers = sorted(routers)
        keys: list[tuple] = []
        reads: dict[tuple, list] = {}
        down: set[tuple] = set()  # internal links with an end reporting "down"
        for f in sorted(tele):
            t = tele[f]
            a, b = t["local_router"], t["remote_router"]
            peer = tele.get(t["connected_to"]) or {}
            if "down" in (t.get("interface_status"), peer.get("interface_status")):
                down.update(((a, b), (b, a)))
            for key, own_v, peer_v in (((a, b), t.get("tx_rate"), peer.get("rx_rate")),
                                       ((b, a), t.get("rx_rate"), peer.get("tx_rate"))):
                if key not in reads:
                    keys.append(key)
                    reads[key] = [own_v, peer_v]
        self.n_internal = len(keys)
        ext = obs.get("external") or {}
        for r in self.routers:
            e = ext.get(r) or {}
            keys += [(None, r), (r, None)]
            reads[(None, r)] = [e.get("origination")]
            reads[(r, None)] = [e.get("termination")]
        self.keys = keys
        self.index = {k: i for i, k in enumerate(keys)}
        pred = _predictions(obs, self.index)
        self.cands: list[list[float]] = []
        for i, k in enumerate(keys):
            c = [float(v) for v in reads[k] if v is not None] + ([pred[i]] if i in pred else [])
            # R3: an exact zero next to traffic, or on an internal link no end reports "down", is a fault
            if any(v > FLOOR for v in c) or (i < self.n_internal and k not in down):
                c = [v for v in c if v > _ZERO]
            self.cands.append(c)
        self.incident: dict[str, list[tuple[int, float]]] = {r: [] for r in self.routers}
        for i, (a, b) in enumerate(keys):
            if b is not None:
                self.incident[b].append((i, 1.0))  # into b
            if a is not None:
                self.incident[a].append((i, -1.0))  # out of a
        self.value: list[float | None] = [None] * len(keys)
        self.conf = [0.0] * len(keys)
        self.beliefs: dict[str, dict[int, tuple[float, float]]] = {}
        self.best: dict[int, tuple[float, float, float]] = {}

    def router_beliefs(self, r: str) -> dict[int, tuple[float, float]]:
        """``{link: (value, share of trials)}`` for the unlocked links of router ``r``."""
        inc = self.incident[r]
        unlocked = [j for j, (i, _) in enumerate(inc) if self.value[i] is None]
        unknown = [j for j in unlocked if not self.cands[inc[j][0]]]
        if not unlocked or len(unknown) > 1:
            return {}
        targets = unknown or unlocked
        k = len(inc)
        width = max(1, max(len(self.cands[i]) for i, _ in inc))
        table = np.zeros((k, width))
        count = np.ones(k)
        for j, (i, _) in enumerate(inc):
            if self.value[i] is not None:
                table[j, 0] = self.value[i]
            elif self.cands[i]:
                table[j, :len(self.cands[i])] = self.cands[i]
                count[j] = len(self.cands[i])
        pick = (self.rng.random((self.trials, k)) * count).astype(int)
        x = table[np.arange(k), pick]
        if NOISE > 0:
            x = x * self.rng.uniform(1.0 - NOISE, 1.0 + NOISE, size=x.shape)
        sign = np.array([s for _, s in inc])
        derived = x[:, targets] - sign[targets] * (x @ sign)[:, None]
        derived = np.where(derived < -FLOOR, np.nan, np.maximum(derived, 0.0))
        mean, share = _clump_columns(derived, self.tol, FLOOR)
        return {inc[j][0]: (float(m), float(s)) for j, m, s in zip(targets, mean, share, strict=True) if s > 0}

    def votes(self, i: int) -> tuple[float, float, float] | None:
        """The heaviest clump of link ``i``'s measurement votes and router beliefs."""
        vals = list(self.cands[i])
        wts = [MEASUREMENT_WEIGHT] * len(vals)
        for r in self.keys[i]:
            b = self.beliefs.get(r, {}).get(i)
            if b is not None:
                vals.append(b[0])
                wts.append(b[1])
        return clump(vals, wts, self.tol, FLOOR) if vals else None

    def refresh(self, routers) -> None:
        """Recompute the beliefs of ``routers`` and the votes of their unlocked links."""
        touched = set()
        for r in routers:
            if r is not None:
                self.beliefs[r] = self.router_beliefs(r)
                touched.update(i for i, _ in self.incident[r])
        for i in sorted(touched):
            v = self.votes(i) if self.value[i] is None else None
            if v is None:
                self.best.pop(i, None)
            else:
                self.best[i] = v

    def lock(self, i: int, value: float, conf: float) -> None:
        self.value[i], self.conf[i] = value, conf
        self.best.pop(i, None)
        self.refresh(self.keys[i])

    def run(self) -> None:
        self.refresh(self.routers)
        while True:
            pool = [i for i in self.best if i < self.n_internal] or list(self.best)
            if pool:
                i = max(pool, key=lambda k: (self.best[k][1] / self.best[k][2], self.best[k][1], -k))
                mean, weight, total = self.best[i]
                self.lock(i, mean, weight / total)
                continue
            unknown = [i for i in range(self.n_internal) if self.value[i] is None and not self.cands[i]]
            if not unknown:
                return
            self.lock(unknown[0], 0.0, 0.0)  # stalled: guess one unknown link idle, confidence 0


def dtp(obs: dict, tol: float = TOL, trials: int = TRIALS) -> dict:
    """Repair one observation with Democratic Trust Propagation (module docstring)."""
    from .baselines import symmetry_value

    if tol < 0.05:
        raise ValueError("DTP needs a threshold of at least 5 % on this data (spec §2)")
    tele = obs["telemetry"]
    state = _DTP(obs, tol, trials, _rng(obs))
    state.run()
    out = {}
    for f, t in tele.items():
        a, b = t["local_router"], t["remote_router"]
        peer = tele.get(t["connected_to"]) or {}
        out[f] = {}
        for k, key, mirror in (("tx_rate", (a, b), peer.get("rx_rate")), ("rx_rate", (b, a), peer.get("tx_rate"))):
            own = t.get(k)
            i = state.index[key]
            if state.value[i] is not None:
                v, c = float(state.value[i]), float(state.conf[i])
                if own is not None and abs(own - v) <= tol * max(v, own, FLOOR):
                    v = float(own)
            else:
                v, c = symmetry_value(own, mirror)
                if own is None and mirror is None:
                    c = 0.0
            out[f][k] = (own, max(v, 0.0), min(max(c, 0.0), 1.0))
        traffic = max(out[f]["tx_rate"][1], out[f]["rx_rate"][1])
        says = (t.get("interface_status"), peer.get("interface_status"))
        if traffic > FLOOR:
            status, sc = "up", 0.95
        elif "down" in says and "up" not in says:
            status, sc = "down", 0.9
        else:
            status, sc = "up", 0.7
        out[f]["interface_status"] = (t.get("interface_status"), status, sc)
    return out
