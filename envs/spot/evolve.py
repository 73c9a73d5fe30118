"""The spot environments' :class:`~adrs.evolve.task.EvolveTask`: what ``adrs evolve`` needs.

A unit is one trace window evaluated on the whole deadline × overhead grid of the config. Train units
are the embedded ``traces/`` set, holdout units the embedded ``holdout/`` set (disjoint generator
priors and seeds); ``smoke`` is one window per trace family. Scores are the env's primary S.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adrs.evolve.task import PolicyError
from adrs.simulators.spot.batch import PolicyError as SpotPolicyError
from adrs.simulators.spot.batch import Runs, compile_policy, run_batch
from adrs.simulators.spot.observation import OBS_FIELDS
from adrs.traces.spot.format import TraceSet

from .config import MultiSpotConfig, SpotConfig
from .evaluate import evaluate
from .programs import multi_programs, single_programs
from .scoring import score_runs
from .sources import load_sources

DESCRIPTION = """Spot scheduling ("Can't Be Late", NSDI '24). A batch job needs C = 48 h of compute and must
finish by a deadline R (52, 70 or 92 h). Each tick (g = {gap} s) the policy picks NONE (idle, free), SPOT
(about 3x cheaper, only while spot is available, preempted when it disappears) or ON_DEMAND (always
available, $3.06/h). Every (re)launch pays a restart overhead d (0.02-0.4 h) that is billed but makes no
progress. The environment owns the clock, progress, billing and a deadline guard that forces ON_DEMAND
when the deadline would otherwise be missed, so a policy cannot miss, only waste money.
{multi}
Write `decide(obs, state) -> action`. `obs` is a read-only named tuple with fields:
{fields}
`state` is the policy's own per-episode memory: a float64 array of 32 zeros at episode start (it also
accepts attributes in the Python path). Use only `math` (and `numpy`); plain arithmetic and ifs keep the
policy numba-compilable, which makes evaluation fast.
Score: mean over scenarios (trace family, R, d) of the savings (c_OD - c) / c_OD against running on-demand
from the start; higher is better. Any deadline miss would score below -1.
"""

MULTI_NOTE = """Multi-region: N regions share the clock; each has its own availability and spot price. Return
(type, region): the instance runs in that region for the next tick; a move of a live instance costs d.
Only the current region's availability is observed (obs.spot_available); another region's is revealed
by moving there. obs.last_seen_avail / last_seen_tick remember what was seen.
"""


class SpotTask:
    """The evolve task for ``cant-be-late`` (``multi=False``) or ``cant-be-late-multi``.

    ``mode="python"`` (default) evaluates candidates on the Python path: on the embedded train split
    (270 runs) that takes about 0.5 s, less than a numba compilation (1.5–2.5 s per candidate, and as
    long again for the many evolved programs that do not compile). ``mode="auto"`` compiles when the
    candidate allows it, which pays off for much larger train splits.
    """

    entry_point = "decide"
    signature = "decide(obs: SpotObservation, state: float64[32]) -> int | tuple[int, int]"
    allowed_imports = ("math", "numpy")
    primary_metric = "score"
    gate_features = {
        "obs.job_s / obs.deadline_s": (0.55, 0.6, 0.65, 0.7, 0.8),
        "obs.overhead_s / obs.gap_s": (0.25, 0.5, 1.0, 2.0),
        "obs.progress_s - obs.job_s * obs.elapsed_s / obs.deadline_s": (-3600.0, 0.0, 3600.0, 7200.0),
    }
    """Gate features for offline recombination: expressions over ``obs`` and candidate thresholds."""
    offline_weights = (0.4, 0.2, 0.3, 0.1)
    """Operator weights (params, ast, recombine, crossover): the library's regimes differ by deadline, so
    gating between heuristics pays off more often here than in the generic default."""

    def __init__(self, multi: bool, mode: str = "python") -> None:
        self.multi = multi
        self.mode = mode
        self.env_id = "cant-be-late-multi" if multi else "cant-be-late"
        self.config = MultiSpotConfig() if multi else SpotConfig()
        fields = "\n".join(f"  {k}: {v}" for k, v in OBS_FIELDS.items())
        self.description = DESCRIPTION.format(gap=195 if multi else 600, fields=fields,
                                              multi=MULTI_NOTE if multi else "")
        library = multi_programs("local") if multi else single_programs()
        # on-demand scores 0 by construction (S is the saving against it): a seed, not recombination material
        self.baselines = {k: v for k, v in library.items() if k != "on-demand"}
        seed = "reference-seed" if multi else "greedy"
        self.seed_programs = {"default": library[seed], **library}
        self._subsets: dict[tuple, TraceSet] = {}

    # -- splits ----------------------------------------------------------------------------------
    @functools.cache  # noqa: B019 - one task object per process
    def _set(self, split: str) -> TraceSet:
        source = "train" if split == "smoke" else split
        sets = load_sources(source, self.multi)
        if len(sets) != 1:
            raise ValueError(f"split {split!r} must be a single trace set")
        return sets[0]

    def units(self, split: str) -> list[str]:
        if split == "smoke":
            ts = self._set("train")
            first: dict[str, str] = {}
            for m in ts.meta:
                first.setdefault(m["family"], m["id"])
            return list(first.values())
        if split not in ("train", "holdout"):
            raise ValueError(f"unknown split {split!r}")
        return list(self._set(split).ids)

    def _subset(self, split: str, unit_ids: Sequence[str]) -> TraceSet:
        """The units' traces; the last few subsets are kept, so an evaluator that runs many candidates
        in one process (``--executor inline``) reuses them and the run-grid cache of ``evaluate``."""
        key = (split, tuple(unit_ids))
        cache = self._subsets
        if key not in cache:
            cache[key] = self._make_subset(split, unit_ids)
            while len(cache) > 4:
                del cache[next(iter(cache))]
        return cache[key]

    def _make_subset(self, split: str, unit_ids: Sequence[str]) -> TraceSet:
        ts = self._set(split)
        index = {tid: i for i, tid in enumerate(ts.ids)}
        try:
            return ts.subset([index[u] for u in unit_ids])
        except KeyError as exc:
            raise ValueError(f"unknown unit {exc} in split {split!r}") from exc

    # -- child side -------------------------------------------------------------------------------
    def prepare(self, policy: Callable[..., Any]) -> Callable[..., Any]:
        if self.mode == "python":
            return policy
        jitted = compile_policy(policy)
        return jitted if jitted is not None else policy

    def evaluate(self, policy: Callable[..., Any], split: str, unit_ids: Sequence[str]) -> list[dict]:
        ts = self._subset(split, unit_ids)
        mode = "compiled" if hasattr(policy, "py_func") else "python"
        try:
            ev = evaluate(policy, self.config, [ts], mode=mode)
        except SpotPolicyError as exc:
            raise PolicyError(str(exc)) from exc
        by_unit: dict[str, list[list[Any]]] = {u: [] for u in unit_ids}
        for row in ev.runs:
            by_unit[row["trace_id"]].append([row["scenario"], row["family"], row["cost_usd"],
                                             row["od_cost_usd"], bool(row["missed"])])
        return [{"unit": u, "runs": by_unit[u],
                 "mean_cost_usd": float(np.mean([r[2] for r in by_unit[u]]))} for u in unit_ids]

    def probe(self, policy: Callable[..., Any]) -> list:
        """Actions on short episodes (an 8 h job) of 4 train windows over the C/R × d grid of the config."""
        ts = self._set("train")
        n = min(4, ts.n_traces)
        step = max(1, ts.n_traces // n)
        idx = list(range(0, step * n, step))
        avail = np.ascontiguousarray((1 - ts.bits[idx]).transpose(0, 2, 1)[:, :200, :], dtype=np.int8)
        job_h = 8.0
        ratio = job_h / self.config.job_hours
        runs = Runs.grid(avail, ts.spot_price[idx], self.config.price_od_per_hour, ts.gap_seconds, job_h * 3600.0,
                         [r * ratio * 3600.0 for r in self.config.deadlines],
                         [d * 3600.0 for d in self.config.overheads])
        actions: list = []

        def recorder(obs: Any, state: Any) -> Any:
            action = policy(obs, state)
            actions.append(action if isinstance(action, int) else list(action)
                           if isinstance(action, tuple) else repr(action))
            return action

        try:
            run_batch(recorder, runs, global_obs=False, mode="python")
        except SpotPolicyError as exc:
            raise PolicyError(str(exc)) from exc
        return actions

    # -- parent side ------------------------------------------------------------------------------
    def score(self, split: str, records: list[dict]) -> tuple[float, dict]:
        runs = [r for rec in records for r in rec["runs"]]
        if not runs:
            raise ValueError("no runs to score")
        s = score_runs(np.array([r[2] for r in runs]), np.array([r[3] for r in runs]),
                       np.array([r[4] for r in runs]), [r[0] for r in runs], [r[1] for r in runs], self.multi)
        return s.score, {"mean_cost_usd": s.mean_cost_usd, "deadline_misses": s.deadline_misses,
                         "n_runs": s.n_runs}


TASK = SpotTask(multi=False)
TASK_MULTI = SpotTask(multi=True)
TASKS = {"cant-be-late": TASK, "cant-be-late-multi": TASK_MULTI}


def evaluate_program_on(source_name: str, policy: Callable, multi: bool, traces: str) -> float:
    """Primary score of ``policy`` on a named trace source (used by benchmarks and reports)."""
    config = MultiSpotConfig(traces=traces) if multi else SpotConfig(traces=traces)
    return evaluate(policy, config, policy_name=source_name).score.score
