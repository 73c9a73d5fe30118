"""Tests for adrs.evolve.edits: EVOLVE-BLOCK split and splice."""

import pytest

from adrs.evolve.edits import END, START, MarkerError, splice, split_block

SRC = f"import math\n{START}\nX = 1\n{END}\nY = 2\n"


def test_split_and_splice_keep_the_frame_byte_identical():
    block = split_block(SRC)
    assert block.body == "X = 1\n"
    out = splice(SRC, "X = 3")
    assert split_block(out).frame == block.frame and split_block(out).body == "X = 3\n"


def test_indented_block_is_dedented_and_reindented():
    src = f"class A:\n    {START}\n    def f(self):\n        return 1\n    {END}\n"
    assert split_block(src).body.startswith("def f(self):")
    assert "    def f(self):\n        return 2" in splice(src, "def f(self):\n    return 2\n")


@pytest.mark.parametrize("bad", ["X = 1\n", f"{START}\n{START}\n{END}\n", f"{END}\n{START}\n"])
def test_bad_markers(bad):
    with pytest.raises(MarkerError):
        split_block(bad)
