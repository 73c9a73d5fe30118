"""Bootstrap CIs over scenarios."""

import numpy as np

from adrs.stats import bootstrap_means, paired_differences


def test_bootstrap_is_seeded_and_brackets_the_mean():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(3, 40))
    a = bootstrap_means(table, n_boot=500, seed=1)
    b = bootstrap_means(table, n_boot=500, seed=1)
    assert np.array_equal(a, b)
    assert np.all(a[:, 1] <= a[:, 0]) and np.all(a[:, 0] <= a[:, 2])


def test_paired_differences_cancel_shared_scenario_difficulty():
    difficulty = np.linspace(-1, 1, 30)
    table = np.stack([difficulty, difficulty + 0.01, difficulty])
    out = paired_differences(table, reference=0, n_boot=500, seed=0)
    assert np.allclose(out[0, :3], 0.0) and np.allclose(out[2, :3], 0.0)
    assert out[1, 1] > 0  # a small but consistent gain is detected despite large scenario spread
    assert out[1, 3] == 1.0
    unpaired = bootstrap_means(table, n_boot=500, seed=0)
    assert unpaired[1, 1] < unpaired[0, 0]  # the unpaired intervals overlap
