"""Policy programs as module source text: the evolve seeds and the heuristic library.

The sources are built from the very functions in :mod:`.policies` (one source of truth), renamed to the
entry point ``decide`` and wrapped in EVOLVE-BLOCK markers, so a baseline can seed or inspire a run.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable

from . import policies as P

HEADER = '''"""{title}

Observation fields: see `adrs.simulators.spot.observation.OBS_FIELDS`. Return 0 NONE, 1 SPOT,
2 ON_DEMAND{multi_note}. `state` is a per-episode float64 array (32 slots) or record.
"""

import math

NONE = 0
SPOT = 1
ON_DEMAND = 2
'''

_DEPENDENCIES: dict[str, tuple[Callable, ...]] = {
    "uniform_progress_paper": (P.greedy, P.uniform_progress),
    "round_robin_up": (P.uniform_progress,),
}


def _function_source(fn: Callable, name: str | None = None) -> str:
    src = textwrap.dedent(inspect.getsource(fn))
    src = "\n".join(line for line in src.splitlines() if not line.startswith("@register_jitable"))
    if name:
        src = re.sub(rf"^def {fn.__name__}\(", f"def {name}(", src, count=1, flags=re.M)
    return src + "\n"


def program_source(fn: Callable, title: str, multi: bool = False) -> str:
    """A standalone module defining ``decide`` = ``fn`` (with its helpers) inside one EVOLVE-BLOCK."""
    helpers = "".join(_function_source(dep) + "\n\n" for dep in _DEPENDENCIES.get(fn.__name__, ()))
    body = helpers + _function_source(fn, "decide")
    note = " (or a (type, region) pair to pick the region)" if multi else ""
    return (HEADER.format(title=title, multi_note=note) + "\n\n# EVOLVE-BLOCK-START\n" + body
            + "# EVOLVE-BLOCK-END\n")


def single_programs() -> dict[str, str]:
    """Heuristic library of ``cant-be-late`` as module sources, by baseline name."""
    return {name: program_source(fn, f"Baseline `{name}` for cant-be-late.")
            for name, fn in P.SINGLE_BASELINES.items()}


def multi_programs(observation: str = "local") -> dict[str, str]:
    """Heuristic library of ``cant-be-late-multi`` usable under ``observation``."""
    return {name: program_source(fn, f"Baseline `{name}` for cant-be-late-multi.", multi=True)
            for name, fn in P.MULTI_BASELINES.items()
            if observation == "global" or name not in P.GLOBAL_ONLY}
