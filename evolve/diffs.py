"""LLM answers to programs: SEARCH/REPLACE edits inside the EVOLVE-BLOCK, or full rewrites from fenced code.

Edits apply to the parent's block body only (the frame outside the markers never changes). A SEARCH text
is matched exactly first, then line by line ignoring indentation and trailing whitespace; the match must
be unique. Every failure raises :class:`EditError` whose message is written to be fed back to the model
(it quotes the SEARCH text and the nearest lines of the block).

>>> parent = "import math\\n# EVOLVE-BLOCK-START\\ndef f(x):\\n    return x + 1\\n# EVOLVE-BLOCK-END\\n"
>>> answer = "<<<<<<< SEARCH\\n  return x + 1\\n=======\\n  return x + 2\\n>>>>>>> REPLACE"
>>> print(apply_answer(parent, answer, "diff")[0], end="")
import math
# EVOLVE-BLOCK-START
def f(x):
    return x + 2
# EVOLVE-BLOCK-END
"""

from __future__ import annotations

import difflib
import re

from adrs.evolve.edits import END, START, MarkerError, splice, split_block

EDIT_RE = re.compile(r"^<{5,9} ?SEARCH[ \t]*\n(.*?)^={5,9}[ \t]*\n(.*?)^>{5,9} ?REPLACE[ \t]*$",
                     re.DOTALL | re.MULTILINE)
FENCE_RE = re.compile(r"^```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


class EditError(ValueError):
    """An answer could not be turned into a program; the message is fed back to the model."""


def parse_edits(text: str) -> list[tuple[str, str]]:
    """The ``(search, replace)`` pairs of all SEARCH/REPLACE blocks in ``text`` (in order)."""
    return [(m.group(1), m.group(2)) for m in EDIT_RE.finditer(text)]


def extract_code(text: str) -> str | None:
    """The last fenced code block (``python``/``py`` or untagged) in ``text``, or None."""
    blocks = [m.group(2) for m in FENCE_RE.finditer(text) if m.group(1).lower() in ("", "python", "py", "python3")]
    return blocks[-1] if blocks else None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _nearest(search: str, lines: list[str]) -> str:
    first = next((s.strip() for s in search.splitlines() if s.strip()), "")
    near = difflib.get_close_matches(first, [ln.strip() for ln in lines], n=3, cutoff=0.3)
    return "; nearest lines in the block: " + " | ".join(repr(n) for n in near) if near else ""


def apply_edit(body: str, search: str, replace: str) -> str:
    """``body`` with the unique match of ``search`` replaced by ``replace`` (whitespace-tolerant)."""
    if START in search or END in search or START in replace or END in replace:
        raise EditError("SEARCH/REPLACE blocks must not contain the EVOLVE-BLOCK markers; edit only inside")
    if not search.strip():
        raise EditError("empty SEARCH text; quote the exact lines to replace")
    if body.count(search) == 1:
        return body.replace(search, replace, 1)
    if body.count(search) > 1:
        raise EditError(f"SEARCH text matches {body.count(search)} places; include more context:\n{search}")
    lines = body.splitlines(keepends=True)
    want = [s.strip() for s in search.splitlines() if s.strip()]
    have = [i for i, ln in enumerate(lines) if ln.strip()]
    hits = []
    for k in range(len(have) - len(want) + 1):
        idx = have[k: k + len(want)]
        if [lines[i].strip() for i in idx] == want:
            hits.append(idx)
    if not hits:
        raise EditError(f"SEARCH text not found in the EVOLVE-BLOCK:\n{search.rstrip()}{_nearest(search, lines)}")
    if len(hits) > 1:
        raise EditError(f"SEARCH text matches {len(hits)} places; include more context:\n{search.rstrip()}")
    idx = hits[0]
    first_search = next(s for s in search.splitlines() if s.strip())
    have_indent, want_indent = _indent(lines[idx[0]]), _indent(first_search)
    out = []
    for ln in replace.splitlines():
        if not ln.strip():
            out.append("\n")
        elif want_indent and ln.startswith(want_indent):
            out.append(have_indent + ln[len(want_indent):] + "\n")
        else:
            out.append(have_indent + ln.lstrip() + "\n" if len(_indent(ln)) < len(want_indent) else
                       have_indent + ln + "\n")
    return "".join(lines[: idx[0]]) + "".join(out) + "".join(lines[idx[-1] + 1:])


def apply_edits(parent_source: str, edits: list[tuple[str, str]]) -> str:
    """Apply ``edits`` in order to the parent's EVOLVE-BLOCK body; the frame stays byte-identical."""
    block = split_block(parent_source)
    body = block.body
    for i, (search, replace) in enumerate(edits, 1):
        try:
            body = apply_edit(body, search, replace)
        except EditError as exc:
            outside = search.strip() and search.strip() in (block.prefix + block.suffix)
            where = " (that text is outside the EVOLVE-BLOCK, which must not change)" if outside else ""
            raise EditError(f"edit {i} of {len(edits)} failed{where}: {exc}") from None
    return splice(parent_source, body)


def full_rewrite(parent_source: str, code: str) -> str:
    """Splice the block body of ``code`` (a whole program with markers, or just the body) into the parent."""
    n_start = sum(1 for ln in code.splitlines() if ln.strip() == START)
    n_end = sum(1 for ln in code.splitlines() if ln.strip() == END)
    if n_start == 0 and n_end == 0:
        body = code
    else:
        try:
            body = split_block(code).body
        except MarkerError as exc:
            raise EditError(f"rewrite has bad EVOLVE-BLOCK markers: {exc}") from None
    if not body.strip():
        raise EditError("rewrite has an empty EVOLVE-BLOCK")
    return splice(parent_source, body)


def apply_answer(parent_source: str, text: str, mode: str = "diff") -> tuple[str, str]:
    """Turn a model answer into ``(program source, "diff" | "full")``; :class:`EditError` if unusable.

    SEARCH/REPLACE blocks win when present (unless ``mode`` is ``"full"``); otherwise the last fenced code
    block is taken as a full rewrite.
    """
    edits = parse_edits(text)
    if edits and mode != "full":
        return apply_edits(parent_source, edits), "diff"
    code = extract_code(text)
    if code is None:
        if edits:
            return apply_edits(parent_source, edits), "diff"
        want = "SEARCH/REPLACE blocks" if mode == "diff" else "one fenced ```python block"
        raise EditError(f"no usable answer: expected {want} and found neither edits nor fenced code")
    return full_rewrite(parent_source, code), "full"
