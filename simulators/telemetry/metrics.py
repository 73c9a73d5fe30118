"""Validation and scoring of repairs (spec §5 validation, §6 metrics), vectorised over scenario lists.

A repaired item is a 3-sequence ``(original, repaired, confidence)``. Scoring has two stages:

1. :class:`ScoreBatch` validates each action with one tight loop (:meth:`ScoreBatch.add`) into flat
   per-counter / per-interface value lists, marking malformed items invalid (§5);
2. :meth:`ScoreBatch.scores` computes every metric of every scenario at once on flat numpy arrays
   (``np.bincount`` over the scenario index of each item) against a :class:`TruthTable`, the truth of
   the scenario list flattened once.

Invalid or missing items score as the worst case: counter error 1, confidence taken as 1, reference
calibration 0, Brier term 1, status wrong. A failed scenario (the policy raised, timed out or returned
something unserialisable) scores 0 on every reference metric and Brier 1.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

FIELDS = ("rx_rate", "tx_rate", "interface_status")
COUNTERS = ("rx_rate", "tx_rate")
_FIELD_SET = frozenset(FIELDS)
_INF = math.inf
PLAIN_TYPES = frozenset((str, int, float, bool, type(None)))
"""Exact types that a JSON round trip returns unchanged."""
_INVALID = -1.0
"""Confidence recorded for an invalid item (valid confidences are in [0, 1])."""
_RX, _TX, _STATUS = operator.itemgetter("rx"), operator.itemgetter("tx"), operator.itemgetter("status")
_STATUS_CODE = {"up": 1, "down": 0}
_TABLES: dict[tuple, tuple[list, TruthTable]] = {}
_TABLES_KEPT = 8


def _real(x: Any) -> float | None:
    """``float(x)`` for a finite real (bools, strings and huge ints are not), else None."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        return None
    try:
        v = float(x)
    except OverflowError:
        return None
    return v if math.isfinite(v) else None


def _item(val: Any, status: bool) -> tuple[Any, float] | None:
    """``(repaired, confidence)`` of a valid item of any (JSON or raw Python) type, else None."""
    if not (isinstance(val, (tuple, list)) and len(val) == 3):
        return None
    conf = _real(val[2])
    if conf is None or not 0.0 <= conf <= 1.0:
        return None
    rep = val[1]
    if status:
        return (rep, conf) if rep in ("up", "down") else None
    r = _real(rep)
    return (r, conf) if r is not None and r >= 0 else None


def _plain(val: Any) -> bool:
    """True if a JSON round trip returns ``val`` unchanged up to tuple -> list (so scoring it directly
    is the same as scoring its round trip)."""
    cls = val.__class__
    if cls in PLAIN_TYPES:
        return True
    return (cls is tuple or cls is list) and all(v.__class__ in PLAIN_TYPES for v in val)


class TruthTable:
    """The truth of a scenario list, flattened once.

    Counters are ordered scenario by scenario, interface by interface (truth order), rx before tx;
    ``g`` holds their truth and ``faulted`` whether ``labels["faults"]`` names them (``"iface.rx"``).
    ``status`` holds each interface's true status (1 up, 0 down, 2 anything else).
    """

    def __init__(self, scenarios: Sequence[dict]) -> None:
        ifaces: list[tuple[str, ...]] = []
        rx: list[float] = []
        tx: list[float] = []
        status: list[Any] = []
        marked: list[int] = []
        self._faults: list[Mapping] = []
        off = 0
        for s in scenarios:
            truth = s["truth"]
            labels = s.get("labels") or {}
            faults = labels.get("faults") or {}
            self._faults.append(faults)
            names = tuple(truth)
            ifaces.append(names)
            vals = truth.values()
            rx.extend(map(_RX, vals))
            tx.extend(map(_TX, vals))
            status.extend(map(_STATUS, vals))
            if faults:
                where = dict(zip(names, range(2 * off, 2 * (off + len(names)), 2), strict=True))
                for key in faults:
                    if key.__class__ is str and key[-3:] in (".rx", ".tx"):
                        i = where.get(key[:-3])
                        if i is not None:
                            marked.append(i if key[-2:] == "rx" else i + 1)
            off += len(names)
        self.ifaces = ifaces
        self._sets: list[frozenset | None] = [None] * len(ifaces)
        self.n_scenarios = len(ifaces)
        self.n_if = np.array([len(n) for n in ifaces], dtype=np.intp)
        self.g = np.empty(2 * off)
        self.g[0::2] = np.array(rx, dtype=float)
        self.g[1::2] = np.array(tx, dtype=float)
        self.status = np.array([_STATUS_CODE.get(x, 2) for x in status], dtype=np.int8)
        self.faulted = np.zeros(2 * off, dtype=bool)
        self.faulted[marked] = True
        self.iseg = np.repeat(np.arange(self.n_scenarios), self.n_if)
        self.cseg = np.repeat(np.arange(self.n_scenarios), 2 * self.n_if)
        self.if_start = np.concatenate(([0], np.cumsum(self.n_if)))
        for arr in (self.n_if, self.g, self.status, self.faulted, self.iseg, self.cseg, self.if_start):
            arr.flags.writeable = False  # shared by every evaluation of this list (cached): never mutated
        self._fault_names = [[faults.get(f + k, "clean") for f in names for k in (".rx", ".tx")] if faults else None
                             for names, faults in zip(ifaces, self._faults, strict=True)]
        self._scenarios = scenarios
        self.cache: dict[str, Any] = {}
        """Other per-list data derived from these scenarios (e.g. the evaluator's observation copy plans)."""

    def seed_groups(self) -> list[Any]:
        """Per scenario, ``labels["seed_group"]`` or None (read afresh: not cached)."""
        return [(s.get("labels") or {}).get("seed_group") for s in self._scenarios]

    @classmethod
    def of(cls, scenarios: Sequence[dict]) -> TruthTable:
        """The table of ``scenarios``, cached for the last few scenario lists (scenarios are treated as
        immutable: the cache checks that the same scenario, truth and label objects come back)."""
        scenarios = list(scenarios)
        key = tuple(map(id, scenarios))
        hit = _TABLES.get(key)
        if hit is not None and all(a is b and a["truth"] is t and a.get("labels") is lab
                                   for a, (b, t, lab) in zip(scenarios, hit[0], strict=True)):
            _TABLES[key] = _TABLES.pop(key)  # most recently used last
            return hit[1]
        table = cls(scenarios)
        _TABLES[key] = ([(s, s["truth"], s.get("labels")) for s in scenarios], table)
        while len(_TABLES) > _TABLES_KEPT:
            del _TABLES[next(iter(_TABLES))]
        return table

    def known(self, i: int) -> frozenset:
        """The interface names of scenario ``i`` as a set."""
        k = self._sets[i]
        if k is None:
            k = self._sets[i] = frozenset(self.ifaces[i])
        return k

    def fault_names(self) -> list[str]:
        """Per counter, its fault label (``clean`` if unlabelled), as snapshotted with the table."""
        out: list[str] = []
        for names, labels in zip(self.ifaces, self._fault_names, strict=True):
            out.extend(labels if labels is not None else ["clean"] * (2 * len(names)))
        return out


class ScoreBatch:
    """Validated actions of a scenario list, added in scenario order, scored all at once."""

    def __init__(self, table: TruthTable) -> None:
        self.table = table
        self.rep: list[float] = []
        self.conf: list[float] = []
        self.st: list[int] = []
        self.st_conf: list[float] = []
        self.invalid: list[int] = []
        self.extra: list[int] = []
        self.failed: list[bool] = []

    def add_failed(self) -> None:
        """The next scenario failed (exception, timeout, unserialisable action): every item worst."""
        self._add_invalid(len(self.table.ifaces[len(self.failed)]))
        self.invalid.append(0)
        self.extra.append(0)
        self.failed.append(True)

    def add(self, action: Any, plain_only: bool = False) -> bool:
        """Validate the next scenario's action (spec §5) into the batch; None means the policy failed.

        Mappings, tuples / lists and real numbers of any type are judged as :func:`json.loads` would return
        them (tuples and lists alike). With ``plain_only`` nothing is added and False is returned as soon
        as the action holds anything that a JSON round trip could change or reject (a non-plain type, a
        non-str key, an extra key): the caller then round-trips it itself and adds the result.
        """
        if action is None:
            self.add_failed()
            return True
        if not plain_only:
            return self._add(action, False)
        n_rep, n_st = len(self.rep), len(self.st)
        try:
            if self._add(action, True):
                return True
        except Exception:  # noqa: BLE001 - e.g. a key whose __eq__ raises: the JSON path decides
            pass
        del self.rep[n_rep:], self.conf[n_rep:], self.st[n_st:], self.st_conf[n_st:]
        return False

    def _add_invalid(self, n: int) -> None:
        self.rep.extend([0.0] * (2 * n))
        self.conf.extend([_INVALID] * (2 * n))
        self.st.extend([-1] * n)
        self.st_conf.extend([_INVALID] * n)

    def _add(self, action: Any, plain_only: bool) -> bool:
        i = len(self.failed)
        ifaces = self.table.ifaces[i]
        invalid = extra = 0
        if action.__class__ is not dict:
            if plain_only and action.__class__ not in PLAIN_TYPES:
                return False
            if not isinstance(action, Mapping):
                self._add_invalid(len(ifaces))
                self.invalid.append(3 * len(ifaces))
                self.extra.append(0)
                self.failed.append(False)
                return True
        if plain_only:
            for key in action:
                if key.__class__ is not str:
                    return False
        else:
            known = self.table.known(i)
            extra = sum(1 for key in action if key not in known)
        rep, conf, st, st_conf = self.rep.append, self.conf.append, self.st.append, self.st_conf.append
        fields = _FIELD_SET
        get = action.get
        seen = 0
        for f in ifaces:
            entry = get(f)
            if entry.__class__ is dict:
                seen += 1
                if plain_only:
                    for k in entry:
                        if k.__class__ is not str or k not in fields:
                            return False
                else:
                    for k in entry:
                        if k not in fields:
                            extra += 1
                eget = entry.get
            elif entry is None or (plain_only and entry.__class__ in PLAIN_TYPES):
                seen += entry is not None
                rep(0.0)
                rep(0.0)
                conf(_INVALID)
                conf(_INVALID)
                st(-1)
                st_conf(_INVALID)
                invalid += 3
                continue
            elif plain_only:
                return False
            elif isinstance(entry, Mapping):
                extra += sum(1 for k in entry if k not in fields)
                eget = entry.get
            else:  # not a mapping: all three items invalid
                rep(0.0)
                rep(0.0)
                conf(_INVALID)
                conf(_INVALID)
                st(-1)
                st_conf(_INVALID)
                invalid += 3
                continue
            for field in COUNTERS:  # rx then tx (this loop is the hot path of an evaluation)
                val = eget(field)
                cls = val.__class__
                if ((cls is tuple or cls is list) and len(val) == 3 and val[1].__class__ is float
                        and val[2].__class__ is float and val[0].__class__ in PLAIN_TYPES):
                    r, c = val[1], val[2]
                    if 0.0 <= c <= 1.0 and 0.0 <= r < _INF:  # NaN fails both
                        rep(r)
                        conf(c)
                    else:
                        rep(0.0)
                        conf(_INVALID)
                        invalid += 1
                elif plain_only and not _plain(val):
                    return False
                else:
                    item = _item(val, False)
                    if item is None:
                        rep(0.0)
                        conf(_INVALID)
                        invalid += 1
                    else:
                        rep(item[0])
                        conf(item[1])
            val = eget("interface_status")
            cls = val.__class__
            if ((cls is tuple or cls is list) and len(val) == 3 and val[1].__class__ is str
                    and val[2].__class__ is float and val[0].__class__ in PLAIN_TYPES):
                r, c = val[1], val[2]
                if 0.0 <= c <= 1.0 and (r == "up" or r == "down"):
                    st(1 if r == "up" else 0)
                    st_conf(c)
                    continue
            elif plain_only and not _plain(val):
                return False
            else:
                item = _item(val, True)
                if item is not None:
                    st(1 if item[0] == "up" else 0)
                    st_conf(item[1])
                    continue
            st(-1)
            st_conf(_INVALID)
            invalid += 1
        if plain_only and seen != len(action) and not self.table.known(i).issuperset(action):
            return False  # extra keys: the caller round-trips and counts them
        self.invalid.append(invalid)
        self.extra.append(extra)
        self.failed.append(False)
        return True

    def scores(self, tau: float = 0.05) -> BatchScores:
        """Every metric of every added scenario (all scenarios of the table must have been added)."""
        if len(self.failed) != self.table.n_scenarios:
            raise ValueError(f"{len(self.failed)} actions for {self.table.n_scenarios} scenarios")
        return BatchScores(self, tau)


def _seg_sum(seg: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(seg, weights=w, minlength=n) if len(seg) else np.zeros(n)


def _seg_mean(total: np.ndarray, count: np.ndarray, empty: float) -> np.ndarray:
    return np.where(count > 0, total / np.maximum(count, 1), empty)


class BatchScores:
    """Per-scenario metric arrays (``metrics[name][i]``) and per-item arrays of a scored batch."""

    def __init__(self, batch: ScoreBatch, tau: float) -> None:
        t = batch.table
        n = t.n_scenarios
        g = t.g
        r = np.fromiter(batch.rep, dtype=float, count=len(batch.rep))
        c = np.fromiter(batch.conf, dtype=float, count=len(batch.conf))
        valid = c >= 0.0
        conf = np.where(valid, c, 1.0)
        diff = np.abs(r - g)
        scale = np.maximum(g, 1.0)
        pos = g > 0
        ref_err = np.where(valid & pos, np.minimum(diff / np.where(pos, g, 1.0), 1.0), 1.0)
        a = 1.0 - diff / np.maximum(np.maximum(np.abs(g), np.abs(r)), 1.0)
        s = np.where(a > 0.8, np.where(conf > 0.7, 1.0, 0.5 + (conf - 0.3) * 1.25),
                     np.where(conf < 0.3, 0.8, np.maximum(0.0, 0.8 - conf * (1.0 - a) * 2.0)))
        calib = np.where(valid, np.minimum(np.maximum(s, 0.0), 1.0), 0.0)
        abs_err = np.where(valid, np.minimum(diff / scale, 1.0), 1.0)
        event = (valid & (diff <= tau * scale)).astype(float)
        seg = t.cseg
        n_c = np.bincount(seg, minlength=n).astype(float) if len(seg) else np.zeros(n)
        n_pos = _seg_sum(seg, pos.astype(float), n)
        counter = np.where(n_pos > 0, np.maximum(0.0, 1.0 - _seg_sum(seg, ref_err * pos, n) / np.maximum(n_pos, 1)),
                           0.0)
        calibration = _seg_mean(_seg_sum(seg, calib, n), n_c, 1.0)
        counter_accuracy = 1.0 - _seg_mean(_seg_sum(seg, abs_err, n), n_c, 0.0)
        brier_s = _seg_mean(_seg_sum(seg, (conf - event) ** 2, n), n_c, 0.0)
        hit = _seg_mean(_seg_sum(seg, event, n), n_c, 1.0)
        st = np.fromiter(batch.st, dtype=np.int8, count=len(batch.st))
        sconf = np.where(st >= 0, np.fromiter(batch.st_conf, dtype=float, count=len(batch.st_conf)), 1.0)
        ok = (st == t.status).astype(float)
        n_i = t.n_if.astype(float)
        status = _seg_mean(_seg_sum(t.iseg, ok, n), n_i, 1.0)
        status_brier = _seg_mean(_seg_sum(t.iseg, (sconf - ok) ** 2, n), n_i, 0.0)
        failed = np.array(batch.failed, dtype=bool)
        if failed.any():
            for arr, worst in ((status, 0.0), (calibration, 0.0), (counter_accuracy, 0.0), (brier_s, 1.0),
                               (hit, 0.0), (status_brier, 1.0), (counter, 0.0)):
                arr[failed] = worst
        combined = 0.75 * counter + 0.05 * status + 0.20 * calibration
        self.metrics = {
            "counter_repair_accuracy": counter,
            "status_repair_accuracy": status,
            "confidence_calibration": calibration,
            "combined": combined,
            "counter_accuracy": counter_accuracy,
            "brier": brier_s,
            "hit_rate": hit,
            "status_brier": status_brier,
        }
        self.metrics["detection_auroc"], self.pooled_auroc = auroc_grouped_and_pooled(1.0 - conf, t.faulted, seg, n)
        self.table = t
        self.conf = conf
        self.event = event
        self.abs_err = abs_err
        self.invalid = batch.invalid
        self.extra = batch.extra
        self.failed = batch.failed

    def pooled(self) -> float | None:
        """Detection AUROC pooled over every counter of the batch (None if either class is empty)."""
        return None if math.isnan(self.pooled_auroc) else self.pooled_auroc

    def per_scenario(self) -> list[dict]:
        """One metrics dict per scenario, as :func:`adrs.envs.telemetry.evaluate.score_action` returns."""
        t = self.table
        cols = {k: v.tolist() for k, v in self.metrics.items()}
        auc = cols["detection_auroc"]
        bounds = (2 * t.if_start).tolist()
        n_if = t.n_if.tolist()
        groups = t.seed_groups()
        out = []
        for i in range(t.n_scenarios):
            m = {k: v[i] for k, v in cols.items()}
            if auc[i] != auc[i]:  # NaN: one class empty
                m["detection_auroc"] = None
            lo, hi = bounds[i], bounds[i + 1]
            m["conf"] = self.conf[lo:hi]
            m["event"] = self.event[lo:hi]
            m["faulted"] = t.faulted[lo:hi]
            m["n_interfaces"] = n_if[i]
            m["invalid_items"] = self.invalid[i]
            m["extra_items"] = self.extra[i]
            m["failed"] = self.failed[i]
            if groups[i] is not None:
                m["seed_group"] = groups[i]
            out.append(m)
        return out

    def fault_breakdown(self) -> dict:
        """Per fault label (``clean`` = unlabelled): counters, mean proper error and hit rate."""
        names = self.table.fault_names()
        labels, idx = np.unique(np.array(names, dtype=object), return_inverse=True) if names else ([], None)
        if idx is None:
            return {}
        k = len(labels)
        n = np.bincount(idx, minlength=k)
        err = np.bincount(idx, weights=self.abs_err, minlength=k)
        hit = np.bincount(idx, weights=self.event, minlength=k)
        return {str(lab): {"n": int(n[j]), "error": float(err[j] / n[j]), "hit_rate": float(hit[j] / n[j])}
                for j, lab in enumerate(labels)}


def _auroc_sorted(s: np.ndarray, gs: np.ndarray, lab: np.ndarray, n_groups: int) -> np.ndarray:
    """Per-group AUROC of items sorted by (group, score)."""
    out = np.full(n_groups, np.nan)
    m = len(s)
    if m == 0:
        return out
    new = np.empty(m, dtype=bool)
    new[0] = True
    new[1:] = (s[1:] != s[:-1]) | (gs[1:] != gs[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], m)
    mid = (starts + ends - 1) / 2.0  # 0-based mid-rank of each run of ties
    counts = np.bincount(gs, minlength=n_groups)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = mid[np.cumsum(new) - 1] - first[gs] + 1.0  # 1-based rank within the group
    n_pos = np.bincount(gs, weights=lab, minlength=n_groups)
    n_neg = counts - n_pos
    r_pos = np.bincount(gs, weights=rank * lab, minlength=n_groups)
    ok = (n_pos > 0) & (n_neg > 0)
    out[ok] = (r_pos[ok] - n_pos[ok] * (n_pos[ok] + 1) / 2.0) / (n_pos[ok] * n_neg[ok])
    return out


def auroc(score: np.ndarray, label: np.ndarray, group: np.ndarray | None = None, n_groups: int = 1) -> np.ndarray:
    """AUROC of ``score`` for the positive ``label`` within each group (ties count ½; Mann-Whitney with
    mid-ranks), NaN for a group whose positives or negatives are empty."""
    score = np.asarray(score, dtype=float)
    label = np.asarray(label, dtype=bool)
    group = np.zeros(len(score), dtype=np.intp) if group is None else np.asarray(group, dtype=np.intp)
    order = np.lexsort((score, group))
    return _auroc_sorted(score[order], group[order], label[order], n_groups)


def auroc_grouped_and_pooled(score: np.ndarray, label: np.ndarray, group: np.ndarray,
                             n_groups: int) -> tuple[np.ndarray, float]:
    """``(auroc(score, label, group, n_groups), auroc(score, label)[0])`` sharing one sort of ``score``."""
    order = np.argsort(score, kind="quicksort")
    pooled = float(_auroc_sorted(score[order], np.zeros(len(score), dtype=np.intp), label[order], 1)[0])
    if n_groups <= np.iinfo(np.uint16).max:  # stable sort of a 16-bit key is a radix sort
        order = order[np.argsort(group[order].astype(np.uint16), kind="stable")]
    else:
        order = np.lexsort((score, group))
    return _auroc_sorted(score[order], group[order], label[order], n_groups), pooled


def detection_auroc(conf: np.ndarray, faulted: np.ndarray) -> float | None:
    """AUROC of ``1 - conf`` against the fault labels (spec §6.2), None if either class is empty."""
    v = float(auroc(1.0 - np.asarray(conf, dtype=float), faulted)[0])
    return None if math.isnan(v) else v


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


def brier(conf: np.ndarray, event: np.ndarray) -> float:
    """Mean squared difference of confidence and event."""
    return float(np.mean((np.asarray(conf) - np.asarray(event)) ** 2)) if len(conf) else 0.0


def ece(conf: np.ndarray, event: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-width bins of confidence."""
    c = np.asarray(conf, dtype=float)
    e = np.asarray(event, dtype=float)
    if len(c) == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        idx = np.minimum((c * bins).astype(int), bins - 1)
    keep = idx >= 0
    if not keep.all():
        idx, c, e, n = idx[keep], c[keep], e[keep], len(c)
    else:
        n = len(c)
    count = np.bincount(idx, minlength=bins)
    m = count > 0
    k = count[m]
    mean_c = np.bincount(idx, weights=c, minlength=bins)[m] / k
    mean_e = np.bincount(idx, weights=e, minlength=bins)[m] / k
    gap = np.abs(mean_c - mean_e)
    return float(np.sum(k / n * gap))
