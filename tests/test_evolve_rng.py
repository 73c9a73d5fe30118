"""Tests for adrs.evolve.rng: named, independent, reproducible streams."""

import pytest

from adrs.evolve.rng import STREAMS, stream, stream_seed


def test_same_key_same_sequence():
    assert [stream(1, "select", 4).random() for _ in range(3)] == [stream(1, "select", 4).random() for _ in range(3)]


def test_streams_are_independent_of_each_other_and_of_keys():
    seeds = {stream_seed(1, name, g) for name in STREAMS for g in range(5)}
    assert len(seeds) == len(STREAMS) * 5
    assert stream_seed(1, "offline", 0) != stream_seed(2, "offline", 0)


def test_unknown_stream_is_an_error():
    with pytest.raises(ValueError, match="unknown RNG stream"):
        stream(0, "selection")
