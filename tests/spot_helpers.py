"""Shared builders for the spot tests (synthetic traces made in the test, no data files)."""

from __future__ import annotations

import numpy as np
import pytest

from adrs.paths import shared_data_dir
from adrs.simulators.spot.batch import Runs

H = 3600.0


def avail_from_bits(bits, n_regions: int = 1) -> np.ndarray:
    """int8 [1, T, N] availability (1 = available) from file-convention bits (0 = available)."""
    arr = 1 - np.asarray(bits, dtype=np.int8)
    if arr.ndim == 1:
        arr = np.repeat(arr[:, None], n_regions, axis=1)
    return arr[None, :, :].astype(np.int8)


def random_avail(seed: int, n_traces: int, n_ticks: int, n_regions: int = 1, p_flip: float = 0.15) -> np.ndarray:
    """Sticky random availability [n, T, N] (1 = available) from an explicit seed."""
    rng = np.random.default_rng(seed)
    out = np.empty((n_traces, n_ticks, n_regions), dtype=np.int8)
    state = rng.integers(0, 2, size=(n_traces, n_regions))
    for k in range(n_ticks):
        flip = rng.random((n_traces, n_regions)) < p_flip
        state = np.where(flip, 1 - state, state)
        out[:, k, :] = state
    return out


def small_runs(seed: int = 0, n_traces: int = 6, n_regions: int = 1) -> Runs:
    """A short 10 h job on random traces over a small deadline × overhead grid (600 s ticks)."""
    avail = random_avail(seed, n_traces, 120, n_regions)
    prices = np.linspace(0.9, 1.6, n_regions)[None, :].repeat(n_traces, axis=0)
    return Runs.grid(avail, prices, 3.06, 600.0, 10 * H, [12 * H, 16 * H], [0.0, 0.2 * H, 0.4 * H])


DATA = shared_data_dir()
needs_spot_data = pytest.mark.skipif(
    DATA is None or not (DATA / "cant-be-late" / "real_traces.tar.gz").is_file()
    or not (DATA / "cant-be-late-multi" / "real_traces.tar.gz").is_file(),
    reason="real data not found: set ADRS_DATA or place ../shared/data (cant-be-late, cant-be-late-multi) "
           "beside the checkout")
"""Skip marker for tests that read the real spot traces."""


@pytest.fixture(scope="module")
def private_adrs_cache(tmp_path_factory: pytest.TempPathFactory):
    """Point the parsed-trace cache at a fresh folder for one test module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ADRS_CACHE", str(tmp_path_factory.mktemp("adrs-cache")))
        yield
