"""The ``telemetry-repair`` :class:`~adrs.evolve.task.EvolveTask` (module-level ``TASK``).

A unit is one generated scenario: train units come from ``traces/telemetry/train.json`` (240
scenarios on Waxman / random-geometric WANs), holdout units from ``holdout/telemetry/holdout.json``
(240 on Barabasi-Albert WANs with stubs), ``smoke`` the first 8 train scenarios. The parity set is
never used for selection. The child only runs the candidate on observations and returns its actions
as JSON text; the parent (:meth:`TelemetryTask.score`) validates and scores them against its own
truth (spec §5, §9). Primary metric: the default-variant reward (higher is better).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from adrs.traces.telemetry.embedded import load_split

from .evaluate import score_actions, summarize
from .programs import programs

DESCRIPTION = """WAN telemetry repair (Hodor, HotNets '24). Each scenario is one snapshot of a WAN: per
directed interface A_to_B its rx/tx rate (Mbps) and status, plus per-router external origination /
termination counters. Some signals are faulty (zeroed, scaled, stuck, missing, a side reported down).
Redundancy: tx(A_to_B) ~ rx(B_to_A) (link symmetry, ~1.3% inherent mismatch); at each router
sum rx + origination ~ sum tx + termination (flow conservation). Write `repair(obs)` returning, for every
interface, (original, repaired, confidence) for rx_rate, tx_rate and interface_status.
Score: 0.75 counter accuracy (1 - mean min(|r-g|/max(g,1), 1)) + 0.05 status accuracy + 0.20 (1 - Brier of
confidence against "repair within 5%"). Missing or malformed items score as the worst case.
"""


@functools.lru_cache(maxsize=4)
def _observations(split: str) -> tuple[str, ...]:
    """Serialised observations only (the child never holds the truth)."""
    return tuple(json.dumps(s["obs"]) for s in load_split.__wrapped__(split))


class TelemetryTask:
    """The evolve task for ``telemetry-repair`` (repair(obs) -> action)."""

    env_id = "telemetry-repair"
    entry_point = "repair"
    signature = "repair(obs: dict) -> dict[iface, dict[field, (original, repaired, confidence)]]"
    allowed_imports = ("__future__", "math", "numpy", "collections", "itertools", "statistics", "hashlib",
                       "json")
    primary_metric = "score"
    description = DESCRIPTION
    smoke_size = 8
    probe_units = ("train-000", "train-001", "train-002")

    def __init__(self) -> None:
        library = programs()
        self.baselines = {k: v for k, v in library.items() if k != "passthrough-0.5"}
        self.seed_programs = {"default": library["symmetry"], **library}

    def units(self, split: str) -> list[str]:
        """Ordered unit ids of ``train``, ``holdout`` or ``smoke``."""
        source = "train" if split == "smoke" else split
        if source not in ("train", "holdout"):
            raise ValueError(f"unknown split {split!r}")
        n = len(json.loads(_manifest(source))["scenarios"])
        ids = [f"{source}-{i:03d}" for i in range(n)]
        return ids[: self.smoke_size] if split == "smoke" else ids

    def prepare(self, policy: Callable[..., Any]) -> Callable[..., Any]:
        """Nothing to compile: the policy is plain Python."""
        return policy

    @staticmethod
    def _run(policy: Callable[..., Any], obs_text: str) -> dict:
        start = time.perf_counter()
        try:
            text = json.dumps(policy(json.loads(obs_text)))
        except Exception as exc:  # noqa: BLE001 - one failing scenario fails, not the candidate
            return {"error": f"policy_error: {type(exc).__name__}: {exc}"[:300], "wall_s": time.perf_counter() - start}
        return {"action": text, "wall_s": time.perf_counter() - start}

    def evaluate(self, policy: Callable[..., Any], split: str, unit_ids: Sequence[str]) -> list[dict]:
        """Child only: each unit's action as JSON text (or its error), in order."""
        obs = _observations("train" if split == "smoke" else split)
        return [{"unit": u, **self._run(policy, obs[int(u.rsplit("-", 1)[1])])} for u in unit_ids]

    def probe(self, policy: Callable[..., Any]) -> list:
        """Child only: the actions on three fixed train scenarios."""
        obs = _observations("train")
        return [self._run(policy, obs[int(u.rsplit("-", 1)[1])]).get("action") or "invalid"
                for u in self.probe_units]

    def score(self, split: str, records: list[dict]) -> tuple[float, dict]:
        """Parent only: validate and score every action on trusted truth; mean reward."""
        if not records:
            raise ValueError("no records to score")
        scen = load_split("train" if split == "smoke" else split)
        chosen = [scen[int(rec["unit"].rsplit("-", 1)[1])] for rec in records]
        actions = [json.loads(rec["action"]) if "action" in rec else None for rec in records]
        summary = summarize(score_actions(chosen, actions), "default")
        metrics = {k: summary.get(k) for k in ("n_runs", "counter_accuracy", "status_accuracy", "calibration",
                                               "combined", "brier", "ece", "status_brier", "detection_auroc",
                                               "invalid_items", "failed_runs")}
        return summary["score"], metrics


def _manifest(split: str) -> str:
    from adrs.traces.telemetry.embedded import manifest_text

    return manifest_text(split)


TASK = TelemetryTask()
