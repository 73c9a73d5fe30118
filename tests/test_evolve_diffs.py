"""SEARCH/REPLACE parsing and application, fenced-code rewrites (adrs.evolve.diffs; no litellm)."""

from __future__ import annotations

import pytest

from adrs.evolve.diffs import EditError, apply_answer, apply_edit, apply_edits, extract_code, full_rewrite, parse_edits
from adrs.evolve.edits import split_block

PARENT = '''"""Doc."""
import math

LIMIT = 3  # frame constant


# EVOLVE-BLOCK-START
def decide(obs, state):
    w = 0.5
    bias = 0.0
    if obs["x"] > 0:
        return w * obs["x"] + bias
    return bias
# EVOLVE-BLOCK-END
'''

INDENTED = '''class P:
    # EVOLVE-BLOCK-START
    def act(self, x):
        y = x + 1
        return y
    # EVOLVE-BLOCK-END
'''


def edit(search: str, replace: str) -> str:
    return f"<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE"


def test_parse_several_blocks_in_order_with_prose_around():
    deletion = "<<<<<<< SEARCH\nb = 1\nc = 2\n=======\n>>>>>>> REPLACE"
    text = "Here:\n" + edit("a = 1", "a = 2") + "\nand\n" + deletion + "\nDone."
    assert parse_edits(text) == [("a = 1\n", "a = 2\n"), ("b = 1\nc = 2\n", "")]
    assert parse_edits("no edits here") == []


def test_exact_edit_changes_only_the_block():
    new = apply_edits(PARENT, parse_edits(edit("    w = 0.5", "    w = 0.75")))
    assert "w = 0.75" in new and "w = 0.5" not in new
    assert split_block(new).frame == split_block(PARENT).frame


def test_whitespace_tolerant_match_reindents_replacement():
    # model dropped the indentation and added trailing spaces
    answer = edit("w = 0.5   \nbias = 0.0", "w = 1.25\nbias = -0.5\nscale = 2")
    new = apply_edits(PARENT, parse_edits(answer))
    assert "    w = 1.25\n    bias = -0.5\n    scale = 2\n" in new
    compile(new, "x", "exec")


def test_nested_indentation_kept_relative():
    answer = edit('    if obs["x"] > 0:\n        return w * obs["x"] + bias',
                  '    if obs["x"] > 0.1:\n        return w * obs["x"]')
    new = apply_edits(PARENT, parse_edits(answer))
    assert '    if obs["x"] > 0.1:\n        return w * obs["x"]\n' in new
    compile(new, "x", "exec")


def test_indented_block_is_reindented_to_the_markers():
    new = apply_edits(INDENTED, parse_edits(edit("y = x + 1", "y = x + 2")))
    assert "        y = x + 2\n" in new and split_block(new).frame == split_block(INDENTED).frame
    compile(new, "x", "exec")


def test_not_found_message_quotes_search_and_nearest_lines():
    with pytest.raises(EditError) as err:
        apply_edits(PARENT, parse_edits(edit("    w = 0.6", "    w = 0.7")))
    msg = str(err.value)
    assert "not found" in msg and "w = 0.6" in msg and "nearest" in msg and "w = 0.5" in msg


def test_ambiguous_match_is_an_error():
    body = "a = 1\nb = 2\na = 1\n"
    with pytest.raises(EditError, match="2 places"):
        apply_edit(body, "a = 1\n", "a = 3\n")
    with pytest.raises(EditError, match="2 places"):
        apply_edit(body, "  a = 1  \n", "a = 3\n")


def test_edit_outside_the_block_is_refused():
    with pytest.raises(EditError, match="outside the EVOLVE-BLOCK"):
        apply_edits(PARENT, parse_edits(edit("LIMIT = 3  # frame constant", "LIMIT = 4")))
    assert "LIMIT = 3" in PARENT


def test_markers_in_edits_are_refused():
    with pytest.raises(EditError, match="markers"):
        apply_edits(PARENT, parse_edits(edit("# EVOLVE-BLOCK-END", "x = 1\n# EVOLVE-BLOCK-END")))
    with pytest.raises(EditError, match="empty SEARCH"):
        apply_edit("a = 1\n", "\n", "b\n")


def test_sequential_edits_see_previous_results():
    answer = edit("    w = 0.5", "    w = 0.9") + "\n" + edit("    w = 0.9", "    w = 1.1")
    assert "w = 1.1" in apply_edits(PARENT, parse_edits(answer))


def test_extract_last_python_fence():
    text = "```\nfirst\n```\ntext\n```python\nsecond = 1\n```\n```json\n{}\n```"
    assert extract_code(text) == "second = 1\n"
    assert extract_code("no code") is None


def test_full_rewrite_keeps_parent_frame():
    code = "import os\n# EVOLVE-BLOCK-START\ndef decide(obs, state):\n    return 1.0\n# EVOLVE-BLOCK-END\nX = 1\n"
    new = full_rewrite(PARENT, code)
    assert "return 1.0" in new and "import os" not in new and "X = 1" not in new
    assert split_block(new).frame == split_block(PARENT).frame
    body_only = full_rewrite(PARENT, "def decide(obs, state):\n    return 2.0\n")
    assert "return 2.0" in body_only and split_block(body_only).frame == split_block(PARENT).frame


def test_full_rewrite_bad_markers():
    with pytest.raises(EditError, match="markers"):
        full_rewrite(PARENT, "# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-START\n# EVOLVE-BLOCK-END\n")
    with pytest.raises(EditError, match="markers"):
        full_rewrite(PARENT, "# EVOLVE-BLOCK-END\nx = 1\n")


def test_apply_answer_modes():
    diff = edit("    w = 0.5", "    w = 0.6")
    assert apply_answer(PARENT, diff, "diff")[1] == "diff"
    fenced = "```python\ndef decide(obs, state):\n    return 3.0\n```"
    src, kind = apply_answer(PARENT, fenced, "diff")
    assert kind == "full" and "return 3.0" in src
    # in full mode a fence wins over stray edits; without a fence edits are still used
    assert apply_answer(PARENT, diff + "\n" + fenced, "full")[1] == "full"
    assert apply_answer(PARENT, diff, "full")[1] == "diff"
    with pytest.raises(EditError, match="no usable answer"):
        apply_answer(PARENT, "I think you should increase w.", "diff")
