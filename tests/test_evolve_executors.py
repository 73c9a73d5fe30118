"""Tests of the executor interface (adrs.evolve.executors): the inline backend, the factory, and the
--executor / --ray-address flags and config fields. The Ray backend is tested in test_evolve_ray.py."""

import argparse
import resource

import pytest

from adrs.config import ConfigError
from adrs.evolve import build_evolve_config, run_evolve
from adrs.evolve.cli import _configure, overrides_from_args
from adrs.evolve.executor import Limits, SandboxExecutor
from adrs.evolve.executors import InlineExecutor, make_executor
from adrs.evolve.store import Store
from adrs.evolve.toy import SEED

TOY = "adrs.evolve.toy:TASK"
FAST = {"iterations": 16, "batch_size": 8, "checkpoint_every": 2, "migration_interval": 2, "seed": 7}


def fingerprint(run_dir):
    store = Store(run_dir / "run.sqlite")
    try:
        return store.fingerprint()
    finally:
        store.close()


def policy(code: str) -> str:
    lines = "\n".join("    " + line for line in code.strip("\n").splitlines())
    return SEED.replace('    w = 0.5\n    bias = 0.0\n    return w * obs["x"] + bias', lines)


def test_inline_gives_the_same_run_as_the_local_pool_and_arms_no_limit_in_the_parent(tmp_path):
    before = resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_AS)
    run_evolve(TOY, dict(FAST, workers=2), out=tmp_path / "local")
    run_evolve(TOY, dict(FAST, executor="inline", workers=2), out=tmp_path / "inline")
    assert fingerprint(tmp_path / "local") == fingerprint(tmp_path / "inline")
    assert (resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_AS)) == before


def test_inline_reports_candidate_failures_like_the_sandbox():
    limits = Limits()
    stages = [["smoke", ["t00"]], ["train", ["t00", "t01"]]]
    cases = {
        "raise": (policy("return 1 / 0"), "error", "ZeroDivisionError"),
        "nan": (policy("return float('nan')"), "invalid", "non-finite action"),
        "allowlist": (policy("import os\nreturn 0.0"), "invalid", "import not allowed: os"),
        "ok": (SEED, "ok", ""),
    }
    with InlineExecutor(TOY, workers=4) as inline, SandboxExecutor(TOY) as local:
        assert inline.free == 1  # inline always runs one job at a time
        for name, (src, status, reason) in cases.items():
            job = {"kind": "eval", "source": src, "entry_point": "decide", "allowed_imports": ["math"],
                   "stages": stages}
            results = []
            for ex in (inline, local):
                job_id = ex.submit(job, limits)
                while not (done := ex.poll(0.05)):
                    pass
                assert [r.job_id for r in done] == [job_id]
                results.append(done[0])
            a, b = results
            assert (a.status, b.status) == (status, status), name
            assert reason in a.reason and a.reason == b.reason, name
            strip = ("cpu_s", "wall_s", "compile_s", "compile_cpu_s", "maxrss_kb", "traceback")
            clean = [[{k: v for k, v in x.items() if k not in strip} for x in r.lines] for r in (a, b)]
            assert clean[0] == clean[1], name


def test_make_executor_picks_the_backend_and_ray_is_imported_lazily():
    import sys

    assert isinstance(make_executor(build_evolve_config({}), TOY), SandboxExecutor)
    assert isinstance(make_executor(build_evolve_config({"executor": "inline"}), TOY), InlineExecutor)
    had_ray = "ray" in sys.modules
    ex = make_executor(build_evolve_config({"executor": "ray", "workers": 3}), TOY)
    assert type(ex).__name__ == "RayExecutor" and ex.workers == 3
    assert ("ray" in sys.modules) == had_ray  # constructing it does not import ray; start() does


def test_executor_config_and_flags():
    with pytest.raises(ConfigError, match="executor must be one of"):
        build_evolve_config({"executor": "threads"})
    base = build_evolve_config({})
    assert base.executor == "local" and base.ray_address == ""
    for change in ({"executor": "ray"}, {"ray_address": "auto"}, {"ray_ship_code": False}):
        assert build_evolve_config(change).config_hash() == base.config_hash()
    parser = _configure(argparse.ArgumentParser())
    args = parser.parse_args(["toy", "--executor", "ray", "--ray-address", "ray://head:10001"])
    assert overrides_from_args(args) == {"executor": "ray", "ray_address": "ray://head:10001"}
    assert overrides_from_args(parser.parse_args(["toy", "--ray-address", "auto"])) == {
        "executor": "ray", "ray_address": "auto"}
    assert overrides_from_args(parser.parse_args(["toy", "--executor", "inline"])) == {"executor": "inline"}
    with pytest.raises(SystemExit):
        parser.parse_args(["toy", "--executor", "threads"])


def test_resume_may_switch_the_executor(tmp_path):
    run_evolve(TOY, dict(FAST, iterations=8), out=tmp_path / "run")
    summary = run_evolve(None, {"iterations": 16, "executor": "inline"}, resume=tmp_path / "run")
    assert summary.funnel["proposed"] == 16


def test_inline_is_documented_as_unsafe_and_never_the_default():
    from adrs.evolve import executors
    from adrs.evolve.config import EvolveConfig

    doc = (executors.InlineExecutor.__doc__ or "") + (executors.__doc__ or "")
    assert "No sandbox, no limits" in doc and "Unsafe" in doc
    assert build_evolve_config({}).executor == "local"
    field = next(f for f in __import__("dataclasses").fields(EvolveConfig) if f.name == "executor")
    assert "NO isolation" in field.metadata["doc"]
