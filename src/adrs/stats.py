"""Bootstrap confidence intervals over scenarios, for telling an improvement apart from noise.

>>> import numpy as np
>>> table = np.array([[0.10, 0.20, 0.30], [0.12, 0.21, 0.33]])  # policies x scenarios
>>> ci = bootstrap_means(table, n_boot=200, seed=0)
>>> ci.shape
(2, 3)
"""

from __future__ import annotations

import numpy as np


def bootstrap_indices(n_items: int, n_boot: int, seed: int) -> np.ndarray:
    """``[n_boot, n_items]`` resampling indices (scenarios drawn with replacement), from an explicit seed."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_items, size=(n_boot, n_items))


def bootstrap_means(table: np.ndarray, n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> np.ndarray:
    """Per row of ``table`` (policies x scenarios): ``[mean, low, high]`` of the mean over scenarios.

    The same resampled scenario sets are used for every row, so rows stay comparable.
    """
    table = np.asarray(table, dtype=np.float64)
    idx = bootstrap_indices(table.shape[1], n_boot, seed)
    boots = table[:, idx].mean(axis=2)  # [policies, n_boot]
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(boots, [alpha, 1.0 - alpha], axis=1)
    return np.stack([table.mean(axis=1), low, high], axis=1)


def paired_differences(table: np.ndarray, reference: int, n_boot: int = 2000, seed: int = 0,
                       level: float = 0.95) -> np.ndarray:
    """Per row: ``[mean diff, low, high, share of scenarios where the row beats the reference]``.

    Differences are paired by scenario (row minus ``reference`` row), so shared scenario difficulty
    cancels; an interval that excludes 0 is an improvement (or a loss) beyond scenario noise.
    """
    table = np.asarray(table, dtype=np.float64)
    diffs = table - table[reference]
    out = bootstrap_means(diffs, n_boot=n_boot, seed=seed, level=level)
    wins = (diffs > 0).mean(axis=1, keepdims=True)
    return np.concatenate([out, wins], axis=1)
