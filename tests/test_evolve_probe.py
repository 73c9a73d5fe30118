"""Tests for adrs.evolve.probe: canonical signatures."""

import numpy as np
import pytest

from adrs.evolve.probe import canonical, find_nonfinite, signature, to_plain


def test_rounding_to_nine_significant_digits_merges_noise_only():
    assert signature([0.1 + 0.2]) == signature([0.3])
    assert signature([0.3]) != signature([0.3000001])
    assert signature({"b": 1, "a": (2, 3)}) == signature({"a": [2, 3], "b": 1})


def test_nonfinite_paths():
    assert find_nonfinite([1.0, {"k": float("inf")}]) == "[1].k"
    assert find_nonfinite([1.0, 2]) is None
    assert canonical(float("nan")) == "nan"


def test_to_plain_converts_numpy_and_rejects_objects():
    assert to_plain({"a": np.float64(1.5), "b": np.arange(3)}) == {"a": 1.5, "b": [0, 1, 2]}
    with pytest.raises(TypeError):
        to_plain(object())
