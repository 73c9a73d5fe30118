"""The evaluation cascade after the static stage: probe -> dedup -> smoke -> train (and holdout).

:class:`Cascade` schedules sandbox jobs for a batch of programs with bounded in-flight work and writes
each completion to the store in one transaction. Dedup decisions are made strictly in proposal order
(a program's decision waits for the probes of all earlier ones), so the outcome never depends on which
child finishes first or on the number of workers. The child never aggregates: the parent checks each
unit record and calls ``task.score`` with the records in unit order.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adrs.config import ConfigError
from adrs.evolve.config import EvolveConfig
from adrs.evolve.executor import JobResult, Limits, SandboxExecutor
from adrs.evolve.probe import find_nonfinite, signature
from adrs.evolve.store import Store
from adrs.evolve.task import EvolveTask

Stages = Sequence[tuple[str, Sequence[str]]]

EARLY_REJECT = "early_reject"
"""Reason prefix (and report category) of candidates stopped after the train prefix."""
PREFIX_SPLIT = "train_prefix"
"""Evaluation row (no unit metrics) holding ``task.score`` of a program's train prefix, stored with every ok
train evaluation while early reject is on: what its children's prefixes are compared against."""


@dataclass
class Candidate:
    """One program moving through the cascade (flags come from the store, so resume is exact)."""

    pid: int
    source: str
    needs_probe: bool = True
    needs_eval: bool = True
    signature: str | None = None
    probe_ok: bool | None = None
    check_dup: bool = True
    """Whether this program may be rejected as a behaviour duplicate (false for seed/baselines)."""
    register: bool = True
    """Whether its signature joins the dedup set (false for baselines, so adopting one is allowed)."""
    final: bool = False
    """Already has a final status; only its signature registration matters."""
    parent_id: int | None = None
    """The parent whose train prefix an early reject compares against (None: no early reject)."""


def limits_for(cfg: EvolveConfig, n_units: int) -> Limits:
    """Job limits for ``n_units`` evaluation units under ``cfg``."""
    cpu = cfg.cpu_s_base + cfg.cpu_s_per_unit * max(1, n_units)
    return Limits(cpu_s=cpu, wall_s=cfg.wall_factor * cpu + 2.0, compile_wall_s=cfg.compile_wall_s,
                  memory_mb=cfg.memory_mb, max_procs=cfg.max_procs)


def _artifacts(result: JobResult, fail: dict | None = None) -> dict[str, str]:
    out = {"stdout_tail": result.stdout_tail, "stderr_tail": result.stderr_tail}
    if fail and fail.get("traceback"):
        out["traceback"] = str(fail["traceback"])[-2000:]
    return {k: v for k, v in out.items() if v}


def interpret_probe(result: JobResult) -> tuple[dict[str, Any], str | None]:
    """(probe evaluation row, signature or None) from a probe job."""
    line = result.first("probe")
    status, reason, sig, n = result.status, result.reason, None, 0
    if status == "ok" and line is None:
        status, reason = "error", "probe produced no output"
    if status == "ok":
        outputs = line["outputs"]  # type: ignore[index]
        bad = find_nonfinite(outputs)
        if bad:
            status, reason = "invalid", f"non-finite probe output at {bad}"
        else:
            sig, n = signature(outputs), len(outputs) if isinstance(outputs, list) else 1
    row = {"split": "probe", "status": status, "reason": reason, "score": None,
           "metrics": {"n_outputs": n}, "artifacts": _artifacts(result, result.first("fail")),
           **{k: result.timings.get(k) for k in ("wall_s", "cpu_s", "spawn_s", "maxrss_kb")}}
    return row, sig


def _check_record(record: Any, unit: str) -> str | None:
    if not isinstance(record, dict):
        return f"unit {unit}: record is not a dict"
    bad = find_nonfinite(record)
    return f"non-finite metric {bad!r} in unit {unit}" if bad else None


def interpret_eval(task: EvolveTask, result: JobResult, stages: Stages) -> tuple[list[dict], str, str]:
    """(evaluation rows, final status, final reason) from an eval job."""
    rows: list[dict] = []
    fail = result.first("fail")
    status, reason = "ok", ""
    for idx, (split, ids) in enumerate(stages):
        lines = [x for x in result.lines if x.get("t") == "unit" and x.get("split") == split]
        units = [(str(x.get("unit")), x.get("record")) for x in lines]
        row: dict[str, Any] = {
            "split": split, "units": [], "score": None, "metrics": {},
            "cpu_s": sum(float(x.get("cpu_s") or 0) for x in lines),
            "wall_s": sum(float(x.get("wall_s") or 0) for x in lines),
        }
        if idx == 0:
            row.update(compile_s=result.timings.get("compile_s"), spawn_s=result.timings.get("spawn_s"),
                       maxrss_kb=result.timings.get("maxrss_kb"))
        complete = [u for u, _ in units] == list(ids)
        problem = next((p for u, r in units if (p := _check_record(r, u))), None)
        if complete and problem is None:
            records = [r for _, r in units]
            try:
                score, metrics = task.score(split, records)
                score = float(score)
                problem = None if math.isfinite(score) else f"non-finite {split} score"
            except Exception as exc:  # noqa: BLE001 - a bad record shape is the candidate's fault
                problem = f"scoring failed: {type(exc).__name__}: {exc}"
            if problem is None:
                row.update(status="ok", reason="", score=score, metrics=metrics, units=units)
                rows.append(row)
                continue
        if problem is not None:
            st, why = "invalid", problem
        elif result.status != "ok":
            st, why = result.status, result.reason
        else:
            st, why = "error", f"{split}: missing unit results"
        row.update(status=st, reason=why, units=[(u, r) for u, r in units if isinstance(r, dict)],
                   artifacts=_artifacts(result, fail))
        rows.append(row)
        status, reason = st, f"{split}: {why}"
        break
    if rows and "artifacts" not in rows[-1]:
        rows[-1]["artifacts"] = _artifacts(result, fail)
    return rows, status, reason


def _merge(first: JobResult, second: JobResult) -> JobResult:
    """The prefix job and the rest-of-train job as one result (unit lines in stage order)."""
    timings = dict(first.timings)
    for key in ("wall_s", "cpu_s"):
        if key in second.timings:
            timings[key] = float(timings.get(key) or 0) + float(second.timings[key] or 0)
    if "maxrss_kb" in second.timings:
        timings["maxrss_kb"] = max(float(timings.get("maxrss_kb") or 0), float(second.timings["maxrss_kb"] or 0))
    return JobResult(second.job_id, second.kind, second.status, second.reason, first.lines + second.lines,
                     second.stdout_tail or first.stdout_tail, second.stderr_tail or first.stderr_tail, timings)


def allowed_imports(task: EvolveTask, cfg: EvolveConfig) -> tuple[str, ...]:
    """The imports candidates may use: the config's narrower list, else the task's."""
    if not cfg.allowed_imports:
        return tuple(task.allowed_imports)
    extra = sorted(set(cfg.allowed_imports) - set(task.allowed_imports))
    if extra:
        raise ConfigError(f"allowed_imports may only narrow the task's list {list(task.allowed_imports)}; "
                          f"not allowed: {extra}")
    return tuple(cfg.allowed_imports)


class Cascade:
    """Run probe and evaluation jobs for a batch of candidates; write results to the store."""

    def __init__(self, task: EvolveTask, executor: SandboxExecutor, store: Store, cfg: EvolveConfig) -> None:
        self.task = task
        self.executor = executor
        self.store = store
        self.cfg = cfg
        self.base_job = {"entry_point": task.entry_point, "allowed_imports": list(allowed_imports(task, cfg))}

    def run(self, cands: Sequence[Candidate], seen: dict[str, int], stages: Stages,
            set_status: bool = True) -> dict[str, float]:
        """Drive ``cands`` (in proposal order) through probe, dedup and ``stages``; return timings.

        ``set_status=False`` (holdout) stores evaluations without touching the programs' status.
        """
        probe_q = deque(c for c in cands if c.needs_probe and not c.final)
        partial: dict[int, JobResult] = {}
        eval_q: deque[Candidate] = deque()
        jobs: dict[int, tuple[Candidate, str, float]] = {}
        pointer, busy = 0, {"probe_s": 0.0, "eval_s": 0.0, "storage_s": 0.0}
        n_units = sum(len(ids) for _, ids in stages)
        eval_limits, probe_limits = limits_for(self.cfg, n_units), limits_for(self.cfg, 1)
        split = self._prefix_split(stages)
        rest_q: deque[tuple[Candidate, JobResult]] = deque()
        parent_prefix: dict[int, float | None] = {}
        while True:
            while pointer < len(cands):
                c = cands[pointer]
                if c.needs_probe and not c.final and c.probe_ok is None:
                    break
                pointer += 1
                if c.probe_ok is False or c.signature is None:
                    if c.needs_eval and not c.final and not c.needs_probe:
                        eval_q.append(c)
                    continue
                if c.check_dup and self.cfg.dedup and seen.get(c.signature, c.pid) != c.pid:
                    if not c.final:
                        t = time.perf_counter()
                        self.store.set_status(c.pid, "duplicate", f"same behaviour as program {seen[c.signature]}",
                                              seen[c.signature])
                        busy["storage_s"] += time.perf_counter() - t
                    continue
                if c.register:
                    seen.setdefault(c.signature, c.pid)
                if c.needs_eval and not c.final:
                    eval_q.append(c)
            while self.executor.free > 0 and (rest_q or eval_q or probe_q):
                if rest_q and split is not None:
                    (c, first), kind = rest_q.popleft(), "rest"
                    job = dict(self.base_job, kind="eval", source=c.source,
                               stages=[[s, list(ids)] for s, ids in split[1]])
                    job_id = self.executor.submit(job, limits_for(self.cfg, sum(len(i) for _, i in split[1])))
                    partial[job_id] = first
                elif eval_q:
                    c, kind = eval_q.popleft(), "eval"
                    run_stages = stages
                    if split is not None and c.parent_id is not None:
                        if c.parent_id not in parent_prefix:
                            parent_prefix[c.parent_id] = self._parent_prefix(c.parent_id)
                        if parent_prefix[c.parent_id] is not None:
                            kind, run_stages = "prefix", split[0]
                    job = dict(self.base_job, kind="eval", source=c.source,
                               stages=[[s, list(ids)] for s, ids in run_stages])
                    limits = eval_limits if kind == "eval" else limits_for(
                        self.cfg, sum(len(ids) for _, ids in run_stages))
                    job_id = self.executor.submit(job, limits)
                else:
                    c, kind = probe_q.popleft(), "probe"
                    job_id = self.executor.submit(dict(self.base_job, kind="probe", source=c.source), probe_limits)
                jobs[job_id] = (c, kind, time.perf_counter())
            if not jobs and not rest_q and not eval_q and not probe_q and pointer >= len(cands):
                return busy
            for result in self.executor.poll(0.05):
                c, kind, t0 = jobs.pop(result.job_id)
                busy["probe_s" if kind == "probe" else "eval_s"] += time.perf_counter() - t0
                t = time.perf_counter()
                if kind == "probe":
                    row, sig = interpret_probe(result)
                    c.probe_ok, c.signature = row["status"] == "ok", sig
                    failed = row["status"] != "ok"
                    self.store.record(c.pid, [row], status=row["status"] if failed else None,
                                      reason=f"probe: {row['reason']}" if failed else "", signature=sig)
                elif kind == "prefix":
                    assert split is not None and c.parent_id is not None
                    if self._early_verdict(c, result, stages, split, parent_prefix[c.parent_id]):
                        rest_q.append((c, result))
                else:
                    if kind == "rest":
                        result = _merge(partial.pop(result.job_id), result)
                    rows, status, reason = interpret_eval(self.task, result, stages)
                    if split is not None:
                        rows = self._with_prefix(rows, len(split[2]))
                    if set_status:
                        self.store.record(c.pid, rows, status=status, reason=reason)
                    else:
                        self.store.record(c.pid, rows)
                busy["storage_s"] += time.perf_counter() - t

    # -- early reject -----------------------------------------------------------------------------
    def _prefix_split(self, stages: Stages) -> tuple[Stages, Stages, list[str]] | None:
        """(prefix stages, rest stages, prefix units) when early reject applies to ``stages``, else None."""
        if self.cfg.early_reject_delta is None or not stages or stages[-1][0] != "train":
            return None
        train = list(stages[-1][1])
        n = self.cfg.early_reject_prefix
        if not 0 < n < len(train):
            return None
        head = [(s, list(ids)) for s, ids in stages[:-1]]
        return [*head, ("train", train[:n])], [("train", train[n:])], train[:n]

    def _parent_prefix(self, parent_id: int) -> float | None:
        """The parent's stored score on the prefix units (None: not stored, so no early reject)."""
        row = self.store.evaluation(parent_id, PREFIX_SPLIT)
        return float(row["score"]) if row and row["status"] == "ok" and row["score"] is not None else None

    def _prefix_score(self, records: Sequence[Any]) -> float | None:
        """``task.score`` of the prefix records (None when the task cannot score them)."""
        try:
            score = float(self.task.score("train", list(records))[0])
        except Exception:  # noqa: BLE001 - no verdict: the candidate simply runs the rest of train
            return None
        return score if math.isfinite(score) else None

    def _with_prefix(self, rows: list[dict], n: int) -> list[dict]:
        """Add the ``train_prefix`` row (score of the first ``n`` train units) after an ok train row."""
        train = next((r for r in rows if r["split"] == "train" and r["status"] == "ok"), None)
        if train is None or len(train["units"]) <= n:
            return rows
        score = self._prefix_score([rec for _, rec in train["units"][:n]])
        if score is None:
            return rows
        return [*rows, {"split": PREFIX_SPLIT, "status": "ok", "reason": "", "score": score,
                        "metrics": {"prefix_units": n}}]

    def _early_verdict(self, c: Candidate, result: JobResult, stages: Stages,
                       split: tuple[Stages, Stages, list[str]], parent: float | None) -> bool:
        """Handle a finished prefix job: True = run the rest of train; else the outcome is stored.

        A failure inside the prefix is stored exactly as a full evaluation would store it (the units run
        one by one in the same order, so a full job fails at the same unit).
        """
        units = [x for x in result.lines if x.get("t") == "unit" and x.get("split") == "train"]
        records = [x.get("record") for x in units]
        head_rows, head_status, _ = interpret_eval(self.task, result, split[0][:-1])
        clean = (result.status == "ok" and head_status == "ok" and [str(x.get("unit")) for x in units] == split[2]
                 and all(_check_record(r, "") is None for r in records))
        if not clean:
            rows, status, reason = interpret_eval(self.task, result, stages)
            self.store.record(c.pid, rows, status=status, reason=reason)
            return False
        score = self._prefix_score(records)
        if score is None or parent is None or score >= parent - float(self.cfg.early_reject_delta or 0):
            return True
        why = (f"{EARLY_REJECT}: train prefix score {score:.6g} < parent {c.parent_id}'s {parent:.6g} - "
               f"{self.cfg.early_reject_delta:g} on {len(units)} units")
        row = {"split": "train", "status": "rejected", "reason": why, "score": None,
               "metrics": {"prefix_score": score, "parent_prefix_score": parent, "prefix_units": len(units)},
               "units": [(str(x.get("unit")), x.get("record")) for x in units],
               "cpu_s": sum(float(x.get("cpu_s") or 0) for x in units),
               "wall_s": sum(float(x.get("wall_s") or 0) for x in units),
               "artifacts": _artifacts(result)}
        self.store.record(c.pid, [*head_rows, row], status="rejected", reason=why)
        return False
