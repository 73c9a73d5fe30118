"""Policy programs as module source text: the evolve seed (SMF-10) and the heuristic library (§8).

Sources are built from the very functions in :mod:`.baselines` (one source of truth), renamed to the
entry point ``schedule(wl, oracle, rng)`` and wrapped in EVOLVE-BLOCK markers.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable

from . import baselines as B

HEADER = '''"""{title}

`schedule(wl, oracle, rng) -> list[int]` returns an order of all wl.n transactions (an exact
permutation of 0..n-1). wl: n, num_keys, lengths[i], ops[i] = ((kind, key, pos), ...) with kind 1 read,
2 write, pos 1-based; wl.as_arrays(). oracle.cost(seq) -> makespan of a sequence or prefix (1 call);
p = oracle.prefix(): p.peek(t) (1 call), p.peek_many(ts) (len(ts) calls), p.append(t) (free after a
peek of t), p.makespan, p.sequence, p.copy(); oracle.calls_left(). rng: numpy Generator.
"""

'''


def _source(fn: Callable, name: str | None = None) -> str:
    """The function's source without annotations (programs may not import ``typing``)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            node.returns = None
        elif isinstance(node, ast.arg):
            node.annotation = None
    src = ast.unparse(tree)
    if name:
        src = re.sub(rf"^def {fn.__name__}\(", f"def {name}(", src, count=1, flags=re.M)
    return src + "\n"


def _wrap(title: str, helpers: tuple[Callable, ...], body: str) -> str:
    inner = "".join(_source(h) + "\n" for h in helpers) + body
    return HEADER.format(title=title) + "# EVOLVE-BLOCK-START\n" + inner + "# EVOLVE-BLOCK-END\n"


def _call(helper: str, extra: str = "") -> str:
    return f"def schedule(wl, oracle, rng):\n    return {helper}(wl, oracle, rng{extra})\n"


def library() -> dict[str, str]:
    """The heuristic library by baseline name (each module defines ``schedule``)."""
    return {
        "fifo": _wrap("Baseline fifo.", (), _source(B.fifo, "schedule")),
        "random": _wrap("Baseline random.", (), _source(B.random_order, "schedule")),
        "smf-5": _wrap("Baseline SMF-5.", (B.smf,), _call("smf", ", 5")),
        "smf-10": _wrap("Baseline SMF-10 (the seed program).", (B.smf,), _call("smf", ", 10")),
        "smf-all": _wrap("Baseline SMF-all.", (B.smf,), _call("smf", ", wl.n")),
        "greedy-insertion": _wrap("Baseline greedy insertion.", (B.insertion_schedule, B.greedy_insertion),
                                  _call("greedy_insertion")),
        "local-search": _wrap("Baseline local search from greedy insertion.",
                              (B.insertion_schedule, B.local_search), _call("local_search")),
    }
