"""Prompt generator: render a train-only :class:`~adrs.evolve.generators.base.Context` as chat messages.

Sections: the problem description, the contract (entry point signature, allowed imports, EVOLVE-BLOCK
rule), the parent program with its train metrics and worst train units, a few inspirations, the recent
attempts with outcomes (rejection reasons, errors, edit failures) and the answer format (SEARCH/REPLACE
edits or a full rewrite). The Context has no holdout field, so the prompt cannot contain holdout data.

The wording lives in package data, ``templates/<name>.txt`` next to this module (format in
:func:`parse_template`), with a few phrasing variants of the system message, section headings, contract
and answer format; all variants carry the same information. ``build_prompt(..., rng=...)`` draws the
variant from the given RNG (the ``prompt`` stream); without one it uses variant 0. The returned
:class:`Prompt` names the variant in ``template_id`` (``evolve-v2/diff/standard/var1``) and carries
``template_hash``, a hash of that variant's exact text.

Hint levels (``minimal`` | ``standard`` | ``detailed``) add more guidance for the ablations. The size is
estimated as characters/4; above ``max_prompt_tokens`` inspirations are dropped first, then attempts,
then per-unit feedback.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from adrs.evolve.generators.base import Context, ProgramView

HINTS = ("minimal", "standard", "detailed")
MODES = ("diff", "full")
TEMPLATE_ID = "evolve-v2"
"""The default template: ``templates/evolve-v2.txt`` in this package."""
FEEDBACK_CHARS = 600
"""Cap on each rejection reason / error text quoted in the prompt."""

HEADINGS = ("problem", "contract", "inspirations", "attempts", "guidance", "format")
KEYS = ("system", "contract", "format.diff", "format.full", *(f"heading.{h}" for h in HEADINGS),
        *(f"hint.{h}" for h in HINTS))
"""Every section a template must define (and the only ones it may)."""
PLACEHOLDERS = ("signature", "entry_point", "imports")
"""Filled into the ``contract`` section."""
_HEADER = re.compile(r"^=== ([a-z][a-z0-9_.-]*) ===$")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_DIFF_LINES = ("<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE")
_MARKERS = ("# EVOLVE-BLOCK-START", "# EVOLVE-BLOCK-END")
_BANNED = re.compile(r"hold[\s_-]?out|held[\s_-]?out", re.IGNORECASE)


@dataclass(frozen=True)
class Template:
    """A parsed prompt template: section key → its phrasing variants (one entry if shared)."""

    name: str
    sections: dict[str, tuple[str, ...]]

    @property
    def n_variants(self) -> int:
        return max(len(v) for v in self.sections.values())

    def variant(self, k: int) -> dict[str, str]:
        """The text of every section in variant ``k``."""
        if not 0 <= k < self.n_variants:
            raise IndexError(f"template {self.name} has {self.n_variants} variants, not {k}")
        return {key: texts[k if len(texts) > 1 else 0] for key, texts in self.sections.items()}

    def hash(self, k: int) -> str:
        """12 hex digits of SHA-256 over variant ``k``'s exact section texts (not the template's name)."""
        blob = json.dumps(sorted(self.variant(k).items()), ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def parse_template(text: str, name: str) -> Template:
    """Parse and check a template.

    A line ``=== KEY ===`` opens a section whose text runs to the next header, without blank lines at
    either end; lines starting with ``;;`` are comments. A key given N times has N variants, a key given
    once is shared; all varying keys must have the same N. Checked: exactly the keys in :data:`KEYS`;
    the system message and full-rewrite format name both EVOLVE-BLOCK markers; every contract names the
    EVOLVE-BLOCK and all of :data:`PLACEHOLDERS`; every diff format has the exact SEARCH/REPLACE lines
    and the full format a fenced python block; no section mentions the held-out split.
    """
    raw: dict[str, list[list[str]]] = {}
    current: list[str] | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith(";;"):
            continue
        m = _HEADER.match(line)
        if m:
            current = []
            raw.setdefault(m.group(1), []).append(current)
        elif current is None:
            if line.strip():
                raise ValueError(f"template {name} line {lineno}: text before the first section header")
        else:
            current.append(line)
    sections = {k: tuple("\n".join(lines).strip("\n") for lines in v) for k, v in raw.items()}
    missing, unknown = sorted(set(KEYS) - set(sections)), sorted(set(sections) - set(KEYS))
    if missing or unknown:
        raise ValueError(f"template {name}: missing sections {missing}, unknown sections {unknown}")
    counts = {len(v) for v in sections.values()} - {1}
    if len(counts) > 1:
        raise ValueError(f"template {name}: varying sections must all have the same number of variants, "
                         f"got {sorted(counts)}")

    def need(key: str, pieces: Sequence[str], what: str) -> None:
        for i, t in enumerate(sections[key]):
            lost = [p for p in pieces if p not in t]
            if lost:
                raise ValueError(f"template {name}: {key} variant {i} lacks {what} {lost}")

    need("system", _MARKERS, "the markers")
    need("contract", ["EVOLVE-BLOCK", *(f"{{{p}}}" for p in PLACEHOLDERS)], "")
    need("format.full", ["```python", *_MARKERS], "")
    for i, t in enumerate(sections["format.diff"]):
        if not all(line in t.splitlines() for line in _DIFF_LINES):
            raise ValueError(f"template {name}: format.diff variant {i} lacks the exact SEARCH/REPLACE lines")
    for key, texts in sections.items():
        if any(_BANNED.search(t) for t in texts):
            raise ValueError(f"template {name}: section {key} mentions the held-out split")
    return Template(name, sections)


@functools.cache
def load_template(name: str = TEMPLATE_ID) -> Template:
    """The template ``templates/<name>.txt`` shipped in this package (cached)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name.startswith("."):
        raise ValueError(f"bad template name {name!r}")
    path = resources.files("adrs.evolve").joinpath("templates", f"{name}.txt")
    return parse_template(path.read_text(encoding="utf-8"), name)


def draw_variant(n: int, rng: Any) -> int:
    """A variant index in ``range(n)`` from a :class:`random.Random` or a numpy ``Generator``."""
    if hasattr(rng, "integers"):
        return int(rng.integers(n))
    return rng.randrange(n)


@dataclass(frozen=True)
class Prompt:
    """Rendered chat messages and how they were built."""

    messages: list[dict[str, str]]
    tokens_est: int
    template_id: str
    template_hash: str
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """All message contents joined (for checks and storage)."""
        return "\n\n".join(m["content"] for m in self.messages)


def estimate_tokens(text: str) -> int:
    """The characters/4 token estimate."""
    return (len(text) + 3) // 4


def _cap(text: str, n: int = FEEDBACK_CHARS) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 15] + " ...[truncated]"


def _fmt(v: object) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _metrics(p: ProgramView) -> str:
    score = "failed" if p.score is None else _fmt(p.score)
    extra = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(p.metrics.items()) if isinstance(v, (int, float, str)))
    return f"train score {score}" + (f" ({extra})" if extra else "")


def _program(title: str, p: ProgramView, units: bool) -> str:
    out = [f"## {title} (program {p.id}, {p.generator or 'seed'}): {_metrics(p)}"]
    if units and p.unit_scores:
        worst = sorted(p.unit_scores, key=lambda u: u[1])[:5]
        out.append("Worst train units: " + ", ".join(f"{u}={_fmt(s)}" for u, s in worst))
    out.append(f"```python\n{p.code.rstrip()}\n```")
    return "\n".join(out)


def build_prompt(ctx: Context, *, hints: str = "standard", mode: str = "diff", max_prompt_tokens: int = 0,
                 feedback: Sequence[str] = (), rng: Any = None, template: str = TEMPLATE_ID) -> Prompt:
    """Chat messages for one proposal from ``ctx``; ``feedback`` are recent edit-failure messages.

    ``rng`` (a :class:`random.Random` or numpy ``Generator``, normally the ``prompt`` stream) draws the
    phrasing variant of ``template``, one draw per call; without it variant 0 is used.
    """
    if hints not in HINTS:
        raise ValueError(f"hints must be one of {', '.join(HINTS)}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    tpl = load_template(template)
    variant = 0 if rng is None else draw_variant(tpl.n_variants, rng)
    t = tpl.variant(variant)
    fill = {"signature": ctx.signature, "entry_point": ctx.entry_point,
            "imports": ", ".join(ctx.allowed_imports) or "none"}
    contract = _PLACEHOLDER.sub(lambda m: fill[m.group(1)], t["contract"])
    hint = t[f"hint.{hints}"]
    inspirations = list(ctx.inspirations)
    attempts = list(ctx.attempts)
    units = hints != "minimal"
    dropped: dict[str, int] = {}

    def render() -> list[dict[str, str]]:
        parts = [f"{t['heading.problem']}\n{ctx.task_description.strip()}",
                 f"{t['heading.contract']}\n{contract}",
                 _program("Current program", ctx.parent, units)]
        if inspirations:
            parts.append(t["heading.inspirations"] + "\n" + "\n\n".join(
                _program(f"Inspiration {i}", p, False) for i, p in enumerate(inspirations, 1)))
        if attempts or feedback:
            lines = [f"- {a.generator} {a.mutation}: {a.status}" + (f" ({_cap(a.reason)})" if a.reason else "")
                     for a in attempts]
            lines += [f"- your previous answer could not be applied: {_cap(f)}" for f in feedback]
            parts.append(t["heading.attempts"] + "\n" + "\n".join(lines))
        if hint:
            parts.append(t["heading.guidance"] + "\n" + hint)
        parts.append(t["heading.format"] + "\n" + t[f"format.{mode}"])
        return [{"role": "system", "content": t["system"]}, {"role": "user", "content": "\n\n".join(parts)}]

    messages = render()
    size = sum(estimate_tokens(m["content"]) for m in messages)
    while max_prompt_tokens and size > max_prompt_tokens:
        if inspirations:
            inspirations.pop()
            dropped["inspirations"] = dropped.get("inspirations", 0) + 1
        elif attempts:
            attempts.pop(0)
            dropped["attempts"] = dropped.get("attempts", 0) + 1
        elif units and ctx.parent.unit_scores:
            units = False
            dropped["unit_feedback"] = 1
        else:
            break
        messages = render()
        size = sum(estimate_tokens(m["content"]) for m in messages)
    return Prompt(messages, size, f"{tpl.name}/{mode}/{hints}/var{variant}", tpl.hash(variant), dropped)
