"""Named, independent random streams derived from one run seed.

Every random choice in the loop draws from a stream keyed by ``(seed, stream name, *keys)``: the
selector from ``select``, the offline generator from ``offline`` and so on. A stream's seed is a hash,
so adding a draw to one component never shifts another, and keying by generation number means a
resumed run needs no saved generator state: generation ``g`` always starts from the same state.

>>> stream(7, "select", 3).random() == stream(7, "select", 3).random()
True
>>> stream(7, "select", 3).random() == stream(7, "offline", 3).random()
False
"""

from __future__ import annotations

import hashlib
import json
import random

STREAMS: tuple[str, ...] = ("select", "offline", "llm", "prompt", "bootstrap")
"""The stream names the design reserves; any other name is an error."""


def stream_seed(seed: int, name: str, *keys: int | str) -> int:
    """A 64-bit seed for stream ``name`` of run ``seed``, further keyed by ``keys`` (e.g. generation)."""
    if name not in STREAMS:
        raise ValueError(f"unknown RNG stream {name!r}; streams: {', '.join(STREAMS)}")
    text = json.dumps([int(seed), name, *keys], separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def stream(seed: int, name: str, *keys: int | str) -> random.Random:
    """A fresh :class:`random.Random` for stream ``name`` of run ``seed`` keyed by ``keys``."""
    return random.Random(stream_seed(seed, name, *keys))
