"""telemetry-repair policy programs as module source text: the evolve seed and the heuristic library.

Each program is self-contained (standard library / numpy only; candidates may not import ``adrs``) and
defines ``repair(obs)`` inside one EVOLVE-BLOCK. ``tests/test_telemetry_evolve.py`` checks that each
reproduces the built-in baseline of the same name.
"""

from __future__ import annotations

import inspect
from pathlib import Path

HEADER = '''"""{title}

obs["telemetry"]: {{iface: {{interface_status: "up"|"down"|None, rx_rate: float|None, tx_rate: float|None,
connected_to, local_router, remote_router}}}}; obs["topology"]: {{router: [iface, ...]}};
obs["external"] (default variant): {{router: {{origination, termination}}}}.
Return {{iface: {{"rx_rate": (orig, repaired, conf), "tx_rate": (...), "interface_status": (orig, "up"|"down", conf)}}}}
for every interface; confidences in [0, 1]; a missing or malformed item scores as the worst case.
"""

'''

BODIES: dict[str, str] = {
    "passthrough": '''def repair(obs):
    out = {}
    for f, t in obs["telemetry"].items():
        st = t["interface_status"] if t["interface_status"] in ("up", "down") else "up"
        out[f] = {k: (t[k], float(t[k]) if t[k] is not None else 0.0, 1.0) for k in ("rx_rate", "tx_rate")}
        out[f]["interface_status"] = (t["interface_status"], st, 1.0)
    return out
''',
    "passthrough-0.5": '''def repair(obs):
    out = {}
    for f, t in obs["telemetry"].items():
        st = t["interface_status"] if t["interface_status"] in ("up", "down") else "up"
        out[f] = {k: (t[k], float(t[k]) if t[k] is not None else 0.0, 0.5) for k in ("rx_rate", "tx_rate")}
        out[f]["interface_status"] = (t["interface_status"], st, 0.5)
    return out
''',
    "symmetry": '''def repair_value(own, mirror):
    if own is None:
        return (float(mirror), 0.8) if mirror is not None else (0.0, 0.3)
    if mirror is None:
        return float(own), 0.8
    a, b = float(own), float(mirror)
    if abs(a - b) <= 0.05 * max(a, b):
        return a, 0.95
    if a < 1e-6 < b:
        return b, 0.8
    if b < 1e-6 < a:
        return a, 0.8
    return max(a, b), 0.5


def repair(obs):
    tele = obs["telemetry"]
    out = {}
    for f, t in tele.items():
        peer = tele.get(t["connected_to"], {})
        out[f] = {}
        for k, m in (("rx_rate", "tx_rate"), ("tx_rate", "rx_rate")):
            out[f][k] = (t[k], *repair_value(t[k], peer.get(m)))
        st = t["interface_status"]
        if st not in ("up", "down"):
            st = peer.get("interface_status") if peer.get("interface_status") in ("up", "down") else "up"
        out[f]["interface_status"] = (t["interface_status"], st, 1.0)
    return out
''',
}


FUTURE = "from __future__ import annotations\n\n"
"""Put before the EVOLVE-BLOCK of bodies copied from typed library code (annotations stay unevaluated)."""


def _least_squares_body() -> str:
    """The built-in ``least-squares`` baseline with what it calls, copied from the library source."""
    from adrs.simulators.telemetry import baselines, demand

    parts = [inspect.getsource(f) for f in (demand.demand_prediction, baselines._mirror_key,
                                             baselines.symmetry_value, baselines.symmetry, baselines.least_squares)]
    return ("import numpy as np\n\n_EPS = 1e-6\n\n\n" + "\n\n".join(parts)
            + "\n\ndef repair(obs):\n    return least_squares(obs)\n")


def _hodor_body() -> str:
    """The built-in ``hodor`` baseline (module ``hodor.py``; its docstring becomes a comment block)."""
    from adrs.simulators.telemetry import baselines, hodor

    text = Path(hodor.__file__).read_text()
    doc, rest = text.split('"""', 2)[1], text.split('"""', 2)[2]
    rest = rest.split("from __future__ import annotations\n", 1)[1]
    comment = "".join(f"# {line}".rstrip() + "\n" for line in doc.strip().splitlines())
    local_import = "    from .baselines import symmetry_value\n"
    if local_import not in rest:
        raise RuntimeError("hodor.py changed: update programs._hodor_body")
    rest = rest.replace(local_import, "")
    helper = "_EPS = 1e-6\n\n\n" + inspect.getsource(baselines.symmetry_value)
    return (comment + rest.lstrip("\n") + "\n\n" + helper
            + "\n\ndef repair(obs):\n    return dtp(obs)\n")


GENERATED = {"least-squares": _least_squares_body, "hodor": _hodor_body}
"""Library programs whose body is the baseline's own source (so they cannot drift apart)."""


def program(name: str) -> str:
    """Full module source of library program ``name`` with its EVOLVE-BLOCK markers."""
    head = HEADER.format(title=f"telemetry-repair policy: {name}")
    if name in GENERATED:
        return head + FUTURE + "# EVOLVE-BLOCK-START\n" + GENERATED[name]() + "# EVOLVE-BLOCK-END\n"
    return head + "# EVOLVE-BLOCK-START\n" + BODIES[name] + "# EVOLVE-BLOCK-END\n"


def programs() -> dict[str, str]:
    """Every library program by name."""
    return {name: program(name) for name in (*BODIES, *GENERATED)}
