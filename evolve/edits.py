"""EVOLVE-BLOCK handling: find the block, validate its markers and splice a new body into a parent.

A program is one module with exactly one ``# EVOLVE-BLOCK-START`` line and one ``# EVOLVE-BLOCK-END``
line after it. Generators only change the text between them; the text outside (the *frame*) stays
byte-identical to the parent's, which the static checks enforce.

>>> src = "import math\\n# EVOLVE-BLOCK-START\\nX = 1\\n# EVOLVE-BLOCK-END\\n"
>>> split_block(src).body
'X = 1\\n'
>>> splice(src, "X = 2\\n").count("X = 2")
1
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

START = "# EVOLVE-BLOCK-START"
END = "# EVOLVE-BLOCK-END"


class MarkerError(ValueError):
    """The EVOLVE-BLOCK markers are missing, repeated or out of order."""


@dataclass(frozen=True)
class Block:
    """A program split around its EVOLVE-BLOCK."""

    prefix: str
    """Everything up to and including the start-marker line."""
    body: str
    """The block's text, dedented to module level."""
    suffix: str
    """Everything from the end-marker line on."""
    indent: str
    """Indentation of the marker lines (re-applied when splicing)."""

    @property
    def frame(self) -> tuple[str, str]:
        """The text outside the block, which must never change."""
        return self.prefix, self.suffix


def split_block(source: str) -> Block:
    """Split ``source`` around its single EVOLVE-BLOCK; :class:`MarkerError` if the markers are bad."""
    lines = source.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == START]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1:
        raise MarkerError(f"expected one start and one end marker, found {len(starts)} and {len(ends)}")
    s, e = starts[0], ends[0]
    if e < s:
        raise MarkerError("end marker before start marker")
    indent = lines[s][: len(lines[s]) - len(lines[s].lstrip())]
    body = textwrap.dedent("".join(lines[s + 1 : e]))
    return Block("".join(lines[: s + 1]), body, "".join(lines[e:]), indent)


def splice(parent_source: str, new_body: str) -> str:
    """``parent_source`` with its block body replaced by ``new_body`` (re-indented to the markers)."""
    block = split_block(parent_source)
    body = new_body if new_body.endswith("\n") or not new_body else new_body + "\n"
    if block.indent:
        body = textwrap.indent(body, block.indent)
    return block.prefix + body + block.suffix
