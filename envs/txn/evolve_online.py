"""The ``txn-scheduling-online`` evolve task: ``choose(obs, oracle, rng)`` under batch arrivals.

Units are the embedded train/holdout instances, replayed with ``arrival="batch"``, shuffled arrival order
(seeded per run), window 10 and 10 peeks per decision. The child returns the committed schedules and
violation counts; the parent re-validates each schedule and recomputes its makespan with the offline
kernel (batch arrivals release everything at slot 1, so the offline model is exact). Any peek-budget
violation is a :class:`~adrs.evolve.task.PolicyError`. Score: mean of 1 − M/M_SMF, as offline.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adrs.evolve.task import PolicyError
from adrs.simulators.txn import kernel as K
from adrs.traces.txn import embedded

from . import online_eval as O
from .evaluate import true_makespan, validate_order
from .online import TxnSchedulingOnlineEnv

HEADER = '''"""{title}

`choose(obs, oracle, rng) -> int` picks a window slot; the pick is committed irrevocably. obs: ops_type
[w, L] (0 none, 1 read, 2 write), ops_key [w, L] (-1 none), length [w], arrival [w], action_mask [w],
clock, makespan, committed. oracle.peek(i) -> (start, end, makespan after) for slot i, at most
oracle.calls_left() times per decision (more invalidates the program). rng: numpy Generator.
"""

'''
WINDOW, SEEDS = 10, 2


def _program(fn: Callable, title: str) -> str:
    src = textwrap.dedent(inspect.getsource(fn)).replace(f"def {fn.__name__}(", "def choose(", 1)
    src = src.replace(": dict", "").replace(": Any", "").replace(" -> int", "")
    return HEADER.format(title=title) + "# EVOLVE-BLOCK-START\n" + src + "# EVOLVE-BLOCK-END\n"


class OnlineTxnTask:
    """The evolve task for ``txn-scheduling-online`` (see the module docstring)."""

    env_id = "txn-scheduling-online"
    entry_point = "choose"
    signature = "choose(obs: dict[str, numpy.ndarray], oracle: OnlineOracle, rng: numpy.random.Generator) -> int"
    allowed_imports = ("math", "numpy")
    primary_metric = "gain_vs_smf"
    description = ("Online transaction scheduling: transactions arrive in a stream; each decision picks one "
                   "of the 10 oldest pending ones and appends it irrevocably to the schedule. Minimise the "
                   "makespan (same cost model as txn-scheduling). " + HEADER.split('"""')[1])

    def __init__(self) -> None:
        lib = {"window-fifo": _program(O.window_fifo, "Baseline: window FIFO."),
               "window-smf": _program(O.window_smf, "Baseline: window SMF (argmin of peek).")}
        self.baselines = {"window-fifo": lib["window-fifo"]}
        self.seed_programs = {"default": lib["window-smf"], **lib}

    def units(self, split: str) -> list[str]:
        from .evolve import TASK

        return TASK.units(split)

    def _env(self, split: str, unit: str) -> TxnSchedulingOnlineEnv:
        source = "train" if split == "smoke" else split
        return TxnSchedulingOnlineEnv(workload=f"{source}:{unit}", window=WINDOW, arrival_order="shuffled")

    def prepare(self, policy: Callable[..., Any]) -> Callable[..., Any]:
        K.warm_up()
        return policy

    def evaluate(self, policy: Callable[..., Any], split: str, unit_ids: Sequence[str]) -> list[dict]:
        out = []
        for unit in unit_ids:
            env = self._env(split, unit)
            schedules = []
            for seed in range(SEEDS):
                try:
                    res = O.run_episode(policy, env, seed)
                except ValueError as exc:
                    raise PolicyError(f"{unit}: {exc}") from exc
                if res["budget_violations"]:
                    raise PolicyError(f"{unit}: peek budget exceeded")
                schedules.append(list(env.schedule))
            out.append({"unit": unit, "schedules": schedules})
        return out

    def probe(self, policy: Callable[..., Any]) -> list:
        """Window picks on a 24-transaction prefix of the first smoke instance."""
        from adrs.traces.txn.workload import Workload

        from .sources import _make

        wl, rec = embedded.instance("train", self.units("smoke")[0])
        small = Workload("probe", wl.txns[:24], {})
        env = TxnSchedulingOnlineEnv(workload="train", window=WINDOW)
        env.instances = [_make("probe", small, float(rec["smf"]), None)]
        env._select(env.instances[0])
        try:
            O.run_episode(policy, env, 0)
        except ValueError as exc:
            raise PolicyError(f"probe: {exc}") from exc
        return list(env.schedule)

    def score(self, split: str, records: list[dict]) -> tuple[float, dict]:
        from .evolve import TASK

        gains, gaps = [], []
        for rec in records:
            inst = TASK.instance(split, rec["unit"])
            if len(rec["schedules"]) != SEEDS:
                raise ValueError(f"{rec['unit']}: expected {SEEDS} schedules")
            m = float(np.mean([true_makespan(inst.workload.arrays, validate_order(s, inst.workload.n))
                               for s in rec["schedules"]]))
            gains.append(1 - m / inst.smf)
            gaps.append(m / inst.bounds.lb - 1)
        return float(np.mean(gains)), {"gap_to_bound": float(np.mean(gaps)), "n_units": len(records)}


ONLINE_TASK = OnlineTxnTask()
