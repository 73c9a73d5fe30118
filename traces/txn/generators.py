"""Seeded workload generators (spec §4): ``generate(template, n, seed, **params) -> Workload``.

Each instance is a pure function of (template, params, seed) through
``numpy.random.Generator(PCG64(SeedSequence([template_id, seed])))`` and records its params, seed and
:data:`GENERATOR_VERSION` in ``meta``. Templates: ``ycsb`` (W1-like Zipf with hot keys and positional
affinity), ``tpcc`` (W2-like NewOrder/Payment hot keys), ``smallbank`` (the held-out template) and
``twoclass`` (W3-like adversarial ping-pong).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .workload import Workload

GENERATOR_VERSION = 1
TEMPLATE_IDS = {"ycsb": 1, "tpcc": 2, "smallbank": 3, "twoclass": 4}

DEFAULTS: dict[str, dict[str, Any]] = {
    "ycsb": {"length": 16, "keyed_frac": 1.0, "num_keys": 5270, "hot_keys": (1, 2, 3, 4), "zipf_theta": 1.75,
             "write_ratio": 0.55, "positions": "affinity", "jitter": 1.5, "id_order": "shuffled"},
    "tpcc": {"warehouses": 4, "districts": 10, "cold_neworder": 18, "cold_payment": 1, "p_neworder": 0.5,
             "remote": 0.0, "materialize_cold": False, "id_order": "shuffled"},
    "smallbank": {"customers": 1000, "hot_customers": 10, "p_hot": 0.5, "mix": (15, 15, 15, 25, 15, 15),
                  "think": 2, "id_order": "shuffled"},
    "twoclass": {"group": 5, "classes": 2, "gap": 7, "id_order": "shuffled"},
}
"""Default params per template (calibrated to the reference workloads)."""


def _order(rng: np.random.Generator, txns: list[str], id_order: str) -> list[str]:
    if id_order == "grouped":
        return txns
    if id_order != "shuffled":
        raise ValueError(f"id_order must be 'shuffled' or 'grouped', got {id_order!r}")
    return [txns[i] for i in rng.permutation(len(txns))]


def _ycsb(rng: np.random.Generator, n: int, p: dict[str, Any]) -> list[str]:
    length, hot = int(p["length"]), [int(h) for h in p["hot_keys"]]
    keyed = max(len(hot), round(p["keyed_frac"] * length))
    cold = np.array([k for k in range(1, int(p["num_keys"]) + 1) if k not in set(hot)])
    prob = cold.astype(np.float64) ** -float(p["zipf_theta"])  # rank = key id in the whole key space
    prob /= prob.sum()
    home: dict[int, float] = {}
    out = []
    for _ in range(n):
        keys = hot + [int(k) for k in cold[rng.choice(cold.size, keyed - len(hot), replace=False, p=prob)]]
        for k in keys:
            if k not in home:
                home[k] = float(rng.uniform(1, length))
        if p["positions"] == "affinity":
            keys.sort(key=lambda k: home[k] + rng.normal(0.0, float(p["jitter"])))
        else:
            keys = [keys[i] for i in rng.permutation(len(keys))]
        slots = sorted(rng.choice(length, keyed, replace=False).tolist())
        toks = ["*"] * length
        for k, s in zip(keys, slots, strict=True):
            toks[s] = f"{'w' if rng.random() < p['write_ratio'] else 'r'}-{k}"
        out.append(" ".join(toks))
    return out


def _tpcc(rng: np.random.Generator, n: int, p: dict[str, Any]) -> list[str]:
    wh, nd = int(p["warehouses"]), int(p["districts"])
    n_new = round(n * float(p["p_neworder"]))
    out = []
    for i in range(n):
        w = int(rng.integers(1, wh + 1))
        dw = w
        if i >= n_new and wh > 1 and rng.random() < float(p["remote"]):
            dw = int(rng.choice([x for x in range(1, wh + 1) if x != w]))
        d = 10 * dw + int(rng.integers(nd))
        if i < n_new:
            toks, cold = [f"r-{w}", f"r-{d}", f"w-{d}"], int(p["cold_neworder"])
        else:
            toks, cold = [f"r-{w}", f"w-{w}", f"r-{d}", f"w-{d}"], int(p["cold_payment"])
        for _ in range(cold):
            toks.append(f"{'w' if rng.random() < 0.3 else 'r'}-{100000 + int(rng.integers(10**6))}"
                        if p["materialize_cold"] else "*")
        out.append(" ".join(toks))
    return out


_SMALLBANK = ("amalgamate", "balance", "deposit_checking", "send_payment", "transact_savings", "write_check")


def _smallbank(rng: np.random.Generator, n: int, p: dict[str, Any]) -> list[str]:
    cust, hot, p_hot = int(p["customers"]), int(p["hot_customers"]), float(p["p_hot"])
    mix = np.array(p["mix"], dtype=np.float64)

    def customer(exclude: int = -1) -> int:
        while True:
            c = int(rng.integers(hot)) if rng.random() < p_hot else int(rng.integers(hot, cust))
            if c != exclude:
                return c

    out = []
    for _ in range(n):
        kind = _SMALLBANK[int(rng.choice(len(mix), p=mix / mix.sum()))]
        c1 = customer()
        ch1, sv1 = 2 * c1 + 1, 2 * c1 + 2
        if kind in ("amalgamate", "send_payment"):
            ch2 = 2 * customer(c1) + 1
        ops = {"balance": [f"r-{sv1}", f"r-{ch1}"], "deposit_checking": [f"r-{ch1}", f"w-{ch1}"],
               "transact_savings": [f"r-{sv1}", f"w-{sv1}"],
               "write_check": [f"r-{sv1}", f"r-{ch1}", f"w-{ch1}"],
               "send_payment": [f"r-{ch1}", f"r-{ch2}", f"w-{ch1}", f"w-{ch2}"] if kind == "send_payment" else [],
               "amalgamate": [f"r-{sv1}", f"r-{ch1}", f"r-{ch2}", f"w-{sv1}", f"w-{ch1}", f"w-{ch2}"]
               if kind == "amalgamate" else []}[kind]
        out.append(" ".join(ops + ["*"] * int(p["think"])))
    return out


def _twoclass(rng: np.random.Generator, n: int, p: dict[str, Any]) -> list[str]:
    g, c, gap = int(p["group"]), int(p["classes"]), int(p["gap"])
    out = []
    for i in range(n):
        j = min(c - 1, i * c // n)
        r = j * g + 1 + int(rng.integers(g))
        w = ((j + 1) % c) * g + 1 + int(rng.integers(g))
        out.append(" ".join([f"r-{r}"] + ["*"] * gap + [f"w-{w}"]))
    return out


_TEMPLATES: dict[str, Callable[[np.random.Generator, int, dict[str, Any]], list[str]]] = {
    "ycsb": _ycsb, "tpcc": _tpcc, "smallbank": _smallbank, "twoclass": _twoclass}


def generate(template: str, n: int = 100, seed: int = 0, **params: Any) -> Workload:
    """One instance of ``template`` with ``n`` transactions; unknown params raise ``ValueError``."""
    if template not in _TEMPLATES:
        raise ValueError(f"unknown template {template!r}; templates: {', '.join(_TEMPLATES)}")
    unknown = sorted(set(params) - set(DEFAULTS[template]))
    if unknown:
        raise ValueError(f"unknown param(s) {unknown} for {template}; valid: {', '.join(DEFAULTS[template])}")
    if n < 1:
        raise ValueError("n must be at least 1")
    p = {**DEFAULTS[template], **params}
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([TEMPLATE_IDS[template], int(seed)])))
    txns = _order(rng, _TEMPLATES[template](rng, int(n), p), p["id_order"])
    meta = {"template": template, "n": int(n), "seed": int(seed), "params": _plain(p),
            "generator_version": GENERATOR_VERSION}
    return Workload(f"{template}-n{n}-s{seed}", tuple(txns), meta)


def _plain(p: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(p.items())}


def from_spec(spec: dict[str, Any]) -> Workload:
    """``{"template": "ycsb", "n": 100, "seed": 7, ...params}`` → :func:`generate`."""
    spec = dict(spec)
    if "template" not in spec:
        raise ValueError("a generator spec needs a 'template' key")
    return generate(spec.pop("template"), int(spec.pop("n", 100)), int(spec.pop("seed", 0)), **spec)
