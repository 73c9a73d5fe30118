"""adrs.evolve: search over policy code for the adrs simulators (offline by default).

Python API::

    from adrs.evolve import run_evolve
    summary = run_evolve("cant-be-late", {"iterations": 64, "seed": 1}, out="runs/demo")
    summary.best.train, summary.best.holdout

``env_id`` is a registered env (its task lives in ``adrs.envs.<package>.evolve:TASK``) or a
``"module:ATTR"`` spec such as ``"adrs.evolve.toy:TASK"``. The run folder gets ``run.sqlite`` (the
whole history), ``summary.json`` and ``best_program.py``. ``run_evolve(None, resume=folder)``
continues an interrupted run exactly. See ``docs`` in the module docstrings: :mod:`.task` (the
environment contract), :mod:`.controller` (the loop), :mod:`.sandbox` / :mod:`.executor` (isolation),
:mod:`.executors` (where jobs run: ``local`` by default, ``ray``, ``inline``),
:mod:`.store` (storage), :mod:`.select` (selection), :mod:`.generators` (proposals).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adrs.evolve.config import EvolveConfig, build_evolve_config
from adrs.evolve.task import EvolveTask, PolicyError, get_task

if TYPE_CHECKING:
    from adrs.evolve.controller import Progress
    from adrs.evolve.generators.base import Generator
    from adrs.evolve.report import RunSummary

__all__ = ["EvolveConfig", "EvolveTask", "PolicyError", "RunSummary", "build_evolve_config", "get_task",
           "run_evolve"]


def run_evolve(
    env_id: str | None,
    config: EvolveConfig | Mapping[str, Any] | None = None,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    progress: Progress | None = None,
    generator: Generator | None = None,
) -> RunSummary:
    """Run (or resume) an evolve search and return its :class:`~adrs.evolve.report.RunSummary`.

    ``config`` is an :class:`EvolveConfig` or a mapping of overrides (unknown keys raise
    ``ConfigError``). With ``resume``, only budgets, ``workers`` and the executor settings (``executor``,
    ``ray_address``, ``ray_ship_code``) may change.
    """
    from adrs.config import config_to_dict
    from adrs.evolve.controller import Controller, open_run
    from adrs.evolve.generators.factory import build_generator
    from adrs.evolve.report import build_summary, write_outputs
    from adrs.evolve.task import get_task as _get_task

    if isinstance(config, EvolveConfig):
        overrides = config_to_dict(config)
        cfg = config
    else:
        overrides = dict(config or {})
        cfg = build_evolve_config(overrides)
    if resume is None and env_id is None:
        raise ValueError("env_id is required unless resuming")
    store, cfg, spec = open_run(env_id, cfg, Path(out) if out else None, Path(resume) if resume else None,
                                overrides)
    run_dir = store.path.parent
    try:
        task = _get_task(spec)
        gen = generator or build_generator(cfg, task, store.llm_usage())
        controller = Controller(task, spec, cfg, store, gen, progress)
        controller.run()
        if hasattr(gen, "summary"):
            store.event("llm_summary", None, gen.summary())
    finally:
        store.close()
    summary = build_summary(run_dir)
    write_outputs(summary, run_dir)
    if controller.stop_error is not None and controller.stop_error.loud:
        raise controller.stop_error
    return summary


def __getattr__(name: str) -> Any:
    if name == "RunSummary":
        from adrs.evolve.report import RunSummary

        return RunSummary
    raise AttributeError(name)
