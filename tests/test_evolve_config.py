"""Tests for adrs.evolve.config: strict keys, validation, hash excludes budgets."""

import dataclasses

import pytest

from adrs.config import ConfigError
from adrs.evolve.config import RESUMABLE_FIELDS, EvolveConfig, build_evolve_config


def test_unknown_key_is_an_error():
    with pytest.raises(ConfigError, match="unknown config key"):
        build_evolve_config({"iteration": 3})


@pytest.mark.parametrize("bad", [{"strategy": "greedy"}, {"generator": "llm"}, {"batch_size": 0},
                                 {"offline_weights": (1, 1)}, {"exploit_prob": 2.0}, {"iterations": -1}])
def test_bad_values_are_errors(bad):
    with pytest.raises(ConfigError):
        build_evolve_config(bad)


def test_every_field_has_a_docstring():
    assert all(f.metadata.get("doc") for f in dataclasses.fields(EvolveConfig))


def test_hash_ignores_budgets_and_workers_only():
    base = build_evolve_config({})
    for key in RESUMABLE_FIELDS - {"model_price"}:
        value = getattr(base, key)
        changed = build_evolve_config({key: value + 1})
        assert changed.config_hash() == base.config_hash()
    llm = build_evolve_config({"generator": "llm", "model": "openai/m"})
    assert build_evolve_config({"model_price": "openai/m=1,2"}, base=llm).config_hash() == llm.config_hash()
    assert build_evolve_config({"seed": 1}).config_hash() != base.config_hash()
    assert build_evolve_config({"batch_size": 4}).config_hash() != base.config_hash()
