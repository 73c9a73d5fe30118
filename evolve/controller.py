"""The controller: one single-threaded loop over synchronous generations.

Per generation: check budgets; let the selector pick (island, parent, inspirations) from the train view
using the ``select`` stream of that generation; let the generator propose (``offline`` stream); write
the proposals as ``pending`` in one transaction; run static checks (parent process); run the cascade
(probe -> dedup -> smoke -> train in sandboxed children); then apply the results to the selector in
proposal order. Every ``checkpoint_every`` generations the new top-k by train are scored on holdout.
Because each generation's randomness is keyed by its number and the selector is rebuilt by replaying
the store, ``--resume`` after a ``kill -9`` continues exactly where the run stopped.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from adrs.config import ConfigError, config_to_dict
from adrs.evolve.budget import Budget
from adrs.evolve.checks import check_static
from adrs.evolve.config import EXECUTION_FIELDS, RESUMABLE_FIELDS, EvolveConfig, build_evolve_config
from adrs.evolve.evaluate import EARLY_REJECT, Candidate, Cascade, allowed_imports
from adrs.evolve.executors import make_executor
from adrs.evolve.generators.base import Attempt, Context, Generator, GeneratorStop, ProgramView
from adrs.evolve.rng import stream
from adrs.evolve.select import ALL_ISLANDS, Node, Selector, plan
from adrs.evolve.store import DB_NAME, Store
from adrs.evolve.task import EvolveTask, get_task, manifest_hash, resolve_seed_program


class Progress(Protocol):
    """Receives a stats dict after every generation (see :mod:`adrs.evolve.progress`)."""

    def update(self, stats: dict[str, Any]) -> None: ...


@dataclass
class Controller:
    """Drives one run; use :func:`adrs.evolve.run_evolve` rather than this class directly."""

    task: EvolveTask
    task_spec: str
    cfg: EvolveConfig
    store: Store
    generator: Generator
    progress: Progress | None = None

    def __post_init__(self) -> None:
        self.selector = Selector(self.cfg.n_islands, self.cfg.archive_size, self.cfg.exploit_prob,
                                 self.cfg.migration_fraction, self.cfg.n_inspirations)
        self.seen: dict[str, int] = {}
        self.hashes: dict[str, int] = {}
        self.codes: dict[int, str] = {}
        self.metrics: dict[int, dict] = {}
        self.generators: dict[int, str] = {}
        self.attempts: dict[int, list[Attempt]] = {}
        self.generation = 0
        self.seed_id = 0
        self.budget = Budget.from_store(self.store, self.cfg)
        self.train_stages = [("smoke", self.task.units("smoke")), ("train", self.task.units("train"))]
        self.started = time.monotonic()
        self.session_proposals = 0
        self.stop_error: GeneratorStop | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    def run(self) -> str:
        """Run until a budget stops it; return the stop reason."""
        with make_executor(self.cfg, self.task_spec) as executor:
            self.executor = executor
            self.cascade = Cascade(self.task, executor, self.store, self.cfg)
            try:
                self._bootstrap()
                self._replay()
                try:
                    reason = self._loop()
                except GeneratorStop as exc:
                    reason, self.stop_error = exc.reason, exc
                    self.store.event("generator_stop", self.generation, {"reason": exc.reason, "loud": exc.loud})
                self._final_holdout()
            except KeyboardInterrupt:
                reason = "interrupted"
            self.store.update_run(stop_reason=reason, elapsed_s=self.budget.elapsed_s)
        return reason

    def _loop(self) -> str:
        while True:
            n = self.budget.next_batch(self.cfg.batch_size)
            if n == 0:
                return self.budget.stop_reason() or "budget"
            g = self.generation
            picks = plan(self.cfg.strategy, self.selector, self.seed_id, g, n, stream(self.cfg.seed, "select", g))
            rng = stream(self.cfg.seed, "offline", g)
            rows: list[dict] = []
            for slot, pick in enumerate(picks):
                try:
                    prop = self.generator.propose(
                        self._context(pick.island, pick.parent_id, pick.inspiration_ids, g), 1, rng)[0]
                except GeneratorStop as stop:
                    orphans = getattr(stop, "llm_calls", ())  # failed calls that produced no program
                    if rows or orphans:  # keep (and pay for) what was already proposed, then stop
                        self.store.insert_programs(rows, orphan_calls=orphans)
                    if rows:
                        self.session_proposals += len(rows)
                        self._process(g)
                    raise
                rows.append({"generation": g, "slot": slot, "kind": "candidate", "code": prop.source,
                             "parent_ids": list(prop.parent_ids), "island": pick.island,
                             "generator": prop.generator, "mutation": prop.mutation,
                             "edit_summary": prop.summary, "gen_state": dict(prop.gen_state),
                             "llm_calls": list(getattr(prop, "llm_calls", ()))})
            self.store.insert_programs(rows)
            self.session_proposals += n
            self._process(g)

    # -- generations ------------------------------------------------------------------------------
    def _static(self, rows: list[dict]) -> list[dict]:
        results = []
        for row in rows:
            if row["status"] != "pending" or row["code_hash"]:
                continue
            t = time.perf_counter()
            parents = json.loads(row["parent_ids"] or "[]")
            reference = self.codes.get(parents[0], row["code"]) if parents else row["code"]
            res = check_static(row["code"], reference, self.task.entry_point, allowed_imports(self.task, self.cfg))
            reason, ok = res.reason, res.ok
            if ok and row["kind"] == "candidate" and res.code_hash in self.hashes:
                ok, reason = False, f"duplicate code of program {self.hashes[res.code_hash]}"
            if ok:
                self.hashes.setdefault(res.code_hash, row["id"])
            results.append((row["id"], ok, reason, res.code_hash, time.perf_counter() - t))
        if results:
            self.store.set_static(results)
            for pid, ok, reason, _h, _t in results:
                if not ok and reason.startswith("duplicate code"):
                    dup = int(reason.rsplit(" ", 1)[1])
                    self.store.set_status(pid, "duplicate", reason, dup)
        return self.store.programs(rows[0]["generation"]) if rows else rows

    def _candidates(self, rows: list[dict]) -> list[Candidate]:
        cands = []
        for row in rows:
            if row["status"] in ("rejected", "duplicate"):
                continue
            has_probe = self.store.evaluation(row["id"], "probe") is not None
            has_train = self.store.evaluation(row["id"], "train") is not None
            probe_ok = None
            if has_probe:
                probe_ok = self.store.evaluation(row["id"], "probe")["status"] == "ok"
            parents = json.loads(row["parent_ids"] or "[]")
            parent = parents[0] if parents and row["kind"] == "candidate" else None
            cands.append(Candidate(row["id"], row["code"], needs_probe=not has_probe, needs_eval=not has_train,
                                   signature=row["signature"], probe_ok=probe_ok,
                                   check_dup=row["kind"] == "candidate", register=row["kind"] != "baseline",
                                   final=row["status"] != "pending", parent_id=parent))
        return cands

    def _process(self, g: int) -> None:
        t0 = time.perf_counter()
        rows = self._static(self.store.programs(g))
        t1 = time.perf_counter()
        timing = self.cascade.run(self._candidates(rows), self.seen, self.train_stages)
        self._finish(g, live=True)
        self.store.event("generation", g, {"static_s": t1 - t0, **timing, "wall_s": time.perf_counter() - t0})

    def _finish(self, g: int, live: bool) -> None:
        """Apply generation ``g`` to the selector (in id order), then migrate and checkpoint."""
        view = {r["id"]: r for r in self.store.train_view().programs(g)}
        for pid in sorted(view):
            row = view[pid]
            self.codes[pid] = row["code"]
            self.metrics[pid] = row["metrics"]
            self.generators[pid] = row["generator"] or ""
            if row["code_hash"] and (row["status"] != "rejected" or (row["reason"] or "").startswith(EARLY_REJECT)):
                self.hashes.setdefault(row["code_hash"], pid)  # as _static registered it (early rejects passed it)
            if row["signature"] and row["status"] != "duplicate" and row["kind"] != "baseline":
                self.seen.setdefault(row["signature"], pid)
            if row["kind"] == "candidate":
                self.attempts.setdefault(row["island"], []).append(
                    Attempt(row["generator"] or "", row["mutation"] or "", row["status"], row["reason"] or ""))
            if row["kind"] == "baseline" or row["status"] in ("rejected", "duplicate"):
                continue
            score = row["score"] if row["status"] == "ok" else None
            island = ALL_ISLANDS if row["kind"] == "seed" else row["island"]
            sigma = self.cfg.sigma0
            self.selector.add(Node(pid, island, score, row["signature"], tuple(row["parent_ids"]), sigma=sigma),
                              step_size_rule=row["kind"] == "candidate")
        if g < 0:
            return
        self.generation = g + 1
        self.budget.refresh(self.store)
        if (g + 1) % self.cfg.migration_interval == 0:
            moves = self.selector.migrate()
            if live and moves:
                self.store.set_migrant(sorted({m[0] for m in moves}))
                self.store.event("migration", g, {"moves": moves})
        if self.cfg.stagnation_generations is not None:
            reseeds = self.selector.reseed_stagnant(g, self.cfg.stagnation_generations)
            if reseeds and (live or not self._has_event("reseed", g)):
                self.store.event("reseed", g, {"reseeds": [
                    {"island": i, "from_island": j, "program": pid, "score": self.selector.nodes[pid].score}
                    for i, j, pid in reseeds]})
        if (g + 1) % self.cfg.checkpoint_every == 0 and g not in self.store.checkpoints():
            self._holdout([n.id for n in self.selector.top_k(self.cfg.holdout_top_k)])
            self.store.save_checkpoint(g, {"selector": self.selector.snapshot(),
                                           "proposals": self.budget.proposals})
        self.store.update_run(elapsed_s=self.budget.elapsed_s)
        if self.progress is not None:
            self.progress.update(self.stats())

    def _has_event(self, kind: str, g: int) -> bool:
        return self.store.conn.execute("SELECT 1 FROM event WHERE kind = ? AND generation = ? LIMIT 1",
                                       (kind, g)).fetchone() is not None

    def _replay(self) -> None:
        """Rebuild selector state from the store; finish an interrupted generation without regenerating."""
        gens = [r[0] for r in self.store.conn.execute(
            "SELECT DISTINCT generation FROM program WHERE generation >= 0 ORDER BY generation")]
        for g in gens:
            rows = self.store.programs(g)
            if any(r["status"] == "pending" for r in rows):
                self._process(g)
            else:
                self._finish(g, live=False)

    def _bootstrap(self) -> None:
        """Insert (once) and evaluate the seed and the heuristic library as generation -1."""
        if not self.store.programs(-1):
            name, source = resolve_seed_program(self.task, self.cfg.seed_program)
            rows = [{"generation": -1, "slot": 0, "kind": "seed", "name": name, "code": source,
                     "island": ALL_ISLANDS, "generator": "seed"}]
            for i, (bname, bsrc) in enumerate(sorted(self.task.baselines.items()), start=1):
                rows.append({"generation": -1, "slot": i, "kind": "baseline", "name": bname, "code": bsrc,
                             "generator": "baseline"})
            self.store.insert_programs(rows)
        rows = self.store.programs(-1)
        if any(r["status"] == "pending" for r in rows):
            rows = self._static(rows)
            self.cascade.run(self._candidates(rows), self.seen, self.train_stages)
        seed = next(r for r in self.store.programs(-1) if r["kind"] == "seed")
        if seed["status"] != "ok":
            raise RuntimeError(f"the seed program failed: {seed['status']}: {seed['reason']}")
        self.seed_id = seed["id"]
        self._finish(-1, live=False)

    # -- holdout ----------------------------------------------------------------------------------
    def _holdout(self, pids: list[int]) -> None:
        """Score ``pids`` on holdout (skipping cached ones); results never reach the selector."""
        todo = [pid for pid in dict.fromkeys(pids) if self.store.evaluation(pid, "holdout") is None]
        if todo:
            cands = [Candidate(pid, self.codes[pid], needs_probe=False, check_dup=False, register=False)
                     for pid in todo]
            self.cascade.run(cands, {}, [("holdout", self.task.units("holdout"))], set_status=False)

    def _final_holdout(self) -> None:
        refs = [r["id"] for r in self.store.programs(-1) if r["status"] == "ok"]
        for r in self.store.programs(-1):
            self.codes.setdefault(r["id"], r["code"])
        self._holdout([n.id for n in self.selector.top_k(self.cfg.holdout_top_k)] + refs)

    # -- context and stats ------------------------------------------------------------------------
    def _view(self, pid: int) -> ProgramView:
        node = self.selector.nodes[pid]
        return ProgramView(pid, self.codes[pid], node.score, dict(self.metrics.get(pid, {})),
                           self.generators.get(pid, ""), node.sigma, self._unit_scores(pid))

    def _unit_scores(self, pid: int) -> tuple[tuple[str, float], ...]:
        """The parent's primary metric per train unit (train split only; never holdout)."""
        rows = self.store.conn.execute(
            "SELECT unit, value FROM unit_metric WHERE program_id = ? AND split = 'train' AND metric = ? "
            "ORDER BY unit", (pid, self.task.primary_metric)).fetchall()
        return tuple((str(r[0]), float(r[1])) for r in rows if r[1] is not None)

    def _context(self, island: int, parent_id: int, inspirations: tuple[int, ...], g: int) -> Context:
        return Context(
            task_description=self.task.description, entry_point=self.task.entry_point,
            signature=self.task.signature, allowed_imports=allowed_imports(self.task, self.cfg),
            parent=self._view(parent_id), inspirations=tuple(self._view(p) for p in inspirations),
            attempts=tuple(self.attempts.get(island, [])[-5:]), library=dict(self.task.baselines),
            gate_features=dict(getattr(self.task, "gate_features", {}) or {}),
            action_kind=str(getattr(self.task, "action_kind", "discrete")), island=island, generation=g,
        )

    def stats(self) -> dict[str, Any]:
        """Progress numbers: iteration, best train/holdout, candidates per minute, rejections."""
        rows = self.store.conn.execute(
            "SELECT status, reason FROM program WHERE kind = 'candidate' AND status != 'ok'").fetchall()
        rejections = Counter(_category(r["status"], r["reason"]) for r in rows)
        best = self.selector.top_k(1)
        holdout = [r[0] for r in self.store.conn.execute(
            "SELECT e.score FROM evaluation e JOIN program p ON p.id = e.program_id WHERE e.split = 'holdout' "
            "AND e.status = 'ok' AND p.kind != 'baseline'")]
        minutes = max(1e-9, (time.monotonic() - self.started) / 60)
        return {"generation": self.generation, "iteration": self.budget.proposals,
                "iterations": self.cfg.iterations, "evaluations": self.budget.evaluations,
                "best_train": best[0].score if best else None, "best_holdout": max(holdout, default=None),
                "cpm": self.session_proposals / minutes, "rejections": dict(rejections)}


def _category(status: str, reason: str | None) -> str:
    if status == "rejected":
        return (reason or "static").split(":", 1)[0].split(" ", 1)[0]
    return status


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("adrs", "numpy", "numba", "polars"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def open_run(env_id: str | None, cfg: EvolveConfig | None, out: Path | None, resume: Path | None,
             overrides: dict[str, Any] | None = None) -> tuple[Store, EvolveConfig, str]:
    """Create or reopen a run folder; returns (store, effective config, task spec)."""
    if resume is not None:
        db = Path(resume) / DB_NAME
        if not db.is_file():
            raise FileNotFoundError(f"no {DB_NAME} in {resume}")
        store = Store(db)
        info = store.run_info()
        if info is None:
            raise RuntimeError(f"{db} has no run row")
        stored = build_evolve_config(json.loads(info["config_json"]))
        changes = dict(overrides or {})
        free = RESUMABLE_FIELDS | EXECUTION_FIELDS
        bad = sorted(k for k, v in changes.items() if k not in free and getattr(stored, k) != v)
        if bad:
            raise ConfigError(f"--resume cannot change {', '.join(bad)} (only {', '.join(sorted(free))})")
        eff = build_evolve_config({k: v for k, v in changes.items() if k in free}, base=stored)
        if env_id not in (None, info["env"], info["task_spec"]):
            raise ConfigError(f"run was for {info['env']!r}, not {env_id!r}")
        if eff.config_hash() != info["config_hash"]:
            raise ConfigError("config hash of the resumed run does not match")
        store.note_resume(json.dumps(config_to_dict(eff)))
        return store, eff, info["task_spec"]
    assert env_id is not None and cfg is not None
    folder = Path(out) if out is not None else Path("runs") / env_id.replace(":", "_") / time.strftime(
        f"%Y%m%d-%H%M%S-s{cfg.seed}")
    db = folder / DB_NAME
    if db.exists():
        existing = Store(db)
        taken = existing.run_info() is not None
        existing.close()
        if taken:
            raise FileExistsError(f"{db} already holds a run; use --resume {folder}")
    task = get_task(env_id)
    store = Store(db)
    store.init_run({
        "env": task.env_id, "task_spec": env_id, "strategy": cfg.strategy, "seed": cfg.seed,
        "config_json": json.dumps(config_to_dict(cfg)), "config_hash": cfg.config_hash(),
        "manifest_hash": manifest_hash(task), "versions_json": json.dumps(_versions()),
        "python": sys.version.split()[0], "platform": platform.platform(),
    })
    return store, cfg, env_id
