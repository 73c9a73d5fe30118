"""A tiny, fast evolve task for tests and demos: guess a hidden linear target per step.

Each unit is an episode of ``steps`` observations ``{"x", "y", "t", "prev_target"}``; the hidden
target is ``a*x + b*y + c`` with per-unit coefficients. The holdout units draw their coefficients from
a shifted range, so over-tuned programs show a generalisation gap. The per-unit score is the mean of
``-|action - target|`` (higher is better). A non-number or non-finite action raises
:class:`~adrs.evolve.task.PolicyError`.

Instances: ``TASK`` (default), ``TASK_OTHER_HOLDOUT`` (same train, different holdout; for the holdout
invariance test), ``SLOW_TASK`` (burns about 0.5 s of CPU per train evaluation; for throughput) and
``BUSY_TASK`` (0.06 s; for the kill-and-resume test).
Use them by spec, e.g. ``get_task("adrs.evolve.toy:TASK")``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from adrs.evolve.task import PolicyError

SEED = '''"""Toy policy: guess the hidden target from the observation."""

# EVOLVE-BLOCK-START
def decide(obs, state):
    w = 0.5
    bias = 0.0
    return w * obs["x"] + bias
# EVOLVE-BLOCK-END
'''

BASELINES = {
    "zero": '''# EVOLVE-BLOCK-START
def decide(obs, state):
    return 0.0
# EVOLVE-BLOCK-END
''',
    "x_only": '''# EVOLVE-BLOCK-START
def decide(obs, state):
    return obs["x"]
# EVOLVE-BLOCK-END
''',
    "x_minus_y": '''import math

# EVOLVE-BLOCK-START
def decide(obs, state):
    return obs["x"] - 0.5 * obs["y"] + 0.2 + 0.0 * math.pi
# EVOLVE-BLOCK-END
''',
}


class ToyTask:
    """The toy task; parameters change the holdout distribution and the evaluation cost."""

    env_id = "toy"
    description = (
        "Each step, return a float guess of a hidden target given obs = {'x', 'y', 't', 'prev_target'}; "
        "the per-step reward is -|guess - target|. `state` is a dict kept across steps of one episode."
    )
    entry_point = "decide"
    signature = "decide(obs: dict, state: dict) -> float"
    allowed_imports = ("math",)
    primary_metric = "score"
    action_kind = "continuous"
    gate_features = {"obs['x']": (-0.5, 0.0, 0.5), "obs['y']": (-0.5, 0.0, 0.5)}

    def __init__(self, holdout_shift: float = 0.8, busy_s: float = 0.0, n_train: int = 12,
                 n_holdout: int = 8, steps: int = 16) -> None:
        self.holdout_shift = holdout_shift
        self.busy_s = busy_s
        self.steps = steps
        self.seed_programs = {"default": SEED, "x_only": BASELINES["x_only"]}
        self.baselines = dict(BASELINES)
        self._units = {
            "train": [f"t{i:02d}" for i in range(n_train)],
            "holdout": [f"h{i:02d}" for i in range(n_holdout)],
        }
        self._units["smoke"] = self._units["train"][:1]

    def units(self, split: str) -> list[str]:
        """Ordered unit ids of ``split``."""
        return list(self._units[split])

    def _coefficients(self, unit: str) -> tuple[float, float, float]:
        rng = random.Random(f"toy-{unit}")
        a, b, c = rng.uniform(1.0, 1.6), rng.uniform(-1.0, -0.4), rng.uniform(0.0, 1.0)
        if unit.startswith("h"):
            a, c = a + self.holdout_shift, c - self.holdout_shift
        return a, b, c

    def _episode(self, policy: Callable[..., Any], unit: str, steps: int) -> list[float]:
        a, b, c = self._coefficients(unit)
        rng = random.Random(f"toy-obs-{unit}")
        state: dict = {}
        prev = 0.0
        errors = []
        for t in range(steps):
            x, y = rng.uniform(-1, 1), rng.uniform(-1, 1)
            action = _check_action(policy({"x": x, "y": y, "t": t, "prev_target": prev}, state), unit, t)
            target = a * x + b * y + c
            errors.append(abs(action - target))
            prev = target
        return errors

    def evaluate(self, policy: Callable[..., Any], split: str, unit_ids: Sequence[str]) -> list[dict]:
        """Per-unit ``{"score", "mae"}`` records (runs in the child)."""
        records = []
        for unit in unit_ids:
            if self.busy_s and split == "train":
                _burn(self.busy_s / len(self._units["train"]))
            errors = self._episode(policy, unit, self.steps)
            mae = sum(errors) / len(errors)
            records.append({"score": -mae, "mae": mae})
        return records

    def prepare(self, policy: Callable[..., Any]) -> Callable[..., Any]:
        """Nothing to compile in the toy task."""
        return policy

    def probe(self, policy: Callable[..., Any]) -> list:
        """The policy's actions on a fixed 16-step train-like episode."""
        rng = random.Random("toy-probe")
        state: dict = {}
        out = []
        for t in range(16):
            obs = {"x": rng.uniform(-1, 1), "y": rng.uniform(-1, 1), "t": t, "prev_target": 0.0}
            out.append(_check_action(policy(obs, state), "probe", t))
        return out

    def score(self, split: str, records: list[dict]) -> tuple[float, dict]:
        """Mean unit score (primary) and mean absolute error, in unit order."""
        n = max(1, len(records))
        score = sum(r["score"] for r in records) / n
        return score, {"score": score, "mae": sum(r["mae"] for r in records) / n}


def _check_action(action: Any, unit: str, step: int) -> float:
    if isinstance(action, bool) or not isinstance(action, (int, float)):
        raise PolicyError(f"illegal action {type(action).__name__} at {unit} step {step}")
    if not math.isfinite(action):
        raise PolicyError(f"non-finite action {action!r} at {unit} step {step}")
    return float(action)


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        for _ in range(2000):
            x += 1


TASK = ToyTask()
TASK_OTHER_HOLDOUT = ToyTask(holdout_shift=-1.5)
SLOW_TASK = ToyTask(busy_s=0.5)
BUSY_TASK = ToyTask(busy_s=0.06)

TASK_TWO_IMPORTS = ToyTask()
TASK_TWO_IMPORTS.allowed_imports = ("math", "random")
"""The toy task allowing two modules, for the ``allowed_imports`` ablation knob's tests."""
