"""Tests for adrs.evolve.task: lookup, validation, manifest hash, seed resolution."""

import pytest

from adrs.evolve.task import get_task, manifest_hash, resolve_seed_program, validate_task
from adrs.evolve.toy import TASK, TASK_OTHER_HOLDOUT, ToyTask


def test_module_attr_spec_resolves_and_is_cached():
    assert get_task("adrs.evolve.toy:TASK") is TASK
    assert get_task("adrs.evolve.toy:TASK") is get_task("adrs.evolve.toy:TASK")


def test_env_id_spec_imports_the_env_package_evolve_module(monkeypatch):
    import sys
    import types

    import adrs.registry

    module = types.ModuleType("fake_env_pkg.evolve")
    module.TASK = ToyTask()
    monkeypatch.setitem(sys.modules, "fake_env_pkg.evolve", module)
    monkeypatch.setattr(adrs.registry, "spec", lambda env_id: types.SimpleNamespace(package="fake_env_pkg"))
    assert get_task("some-env") is module.TASK
    monkeypatch.setattr(adrs.registry, "spec", lambda env_id: types.SimpleNamespace(package="no_such_pkg_x"))
    with pytest.raises(LookupError, match="no_such_pkg_x.evolve"):
        get_task("other-env")


def test_missing_members_and_overlapping_splits_are_rejected():
    class Broken:
        env_id = "x"

    with pytest.raises(TypeError, match="missing"):
        validate_task(Broken())
    overlap = ToyTask()
    overlap._units["holdout"] = ["t00"]
    with pytest.raises(TypeError, match="disjoint"):
        validate_task(overlap)


def test_manifest_hash_depends_on_units_only():
    assert manifest_hash(TASK) == manifest_hash(ToyTask())
    assert manifest_hash(TASK) != manifest_hash(ToyTask(n_holdout=3))
    assert manifest_hash(TASK_OTHER_HOLDOUT) == manifest_hash(TASK)  # same ids, other holdout targets


def test_seed_program_by_name_or_file(tmp_path):
    assert resolve_seed_program(TASK, "default")[1] == TASK.seed_programs["default"]
    path = tmp_path / "mine.py"
    path.write_text(TASK.seed_programs["x_only"])
    assert resolve_seed_program(TASK, str(path)) == ("mine.py", TASK.seed_programs["x_only"])
    with pytest.raises(LookupError):
        resolve_seed_program(TASK, "nope")
