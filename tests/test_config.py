"""Frozen configs: documented fields, strict keys, ``--set`` parsing and ``adrs run`` arguments."""

from argparse import Namespace
from dataclasses import dataclass

import pytest

from adrs.config import ConfigError, build_config, config_from_run_args, doc_field, field_docs, parse_assignments


@dataclass(frozen=True)
class Demo:
    split: str = doc_field("train", "Which instances.")
    budget_calls: int = doc_field(10, "Oracle calls per decision.")
    weights: tuple[float, ...] = doc_field((1.0,), "Weights.")


def test_unknown_keys_name_the_valid_ones():
    with pytest.raises(ConfigError, match="valid keys: split, budget_calls, weights"):
        build_config(Demo, {"budget": 3})
    assert field_docs(Demo)["budget_calls"] == "Oracle calls per decision."


def test_assignments_are_typed():
    assert parse_assignments(Demo, ["budget_calls=7", "weights=[0.5, 0.5]"]) == {"budget_calls": 7,
                                                                                  "weights": (0.5, 0.5)}
    with pytest.raises(ConfigError):
        parse_assignments(Demo, ["budget_calls"])


def test_config_from_run_args():
    presets = {"reference": {"split": "paper"}}
    args = Namespace(preset="reference", traces=None, split=None, assignments=["budget_calls=3"])
    assert config_from_run_args(Demo, presets, args, "demo") == Demo(split="paper", budget_calls=3)
    assert config_from_run_args(Demo, presets, Namespace(preset=None, traces=None, split="holdout",
                                                         assignments=[]), "demo").split == "holdout"
    with pytest.raises(ConfigError, match="no trace files"):
        config_from_run_args(Demo, presets, Namespace(preset=None, traces="t.npz", split=None), "demo")
    with pytest.raises(ConfigError, match="presets: reference"):
        config_from_run_args(Demo, presets, Namespace(preset="x", traces=None, split=None), "demo")
