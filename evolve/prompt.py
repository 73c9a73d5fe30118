"""Prompt generator: render a train-only :class:`~adrs.evolve.generators.base.Context` as chat messages.

Sections: the problem description, the contract (entry point signature, allowed imports, EVOLVE-BLOCK
rule), the parent program with its train metrics and worst train units, a few inspirations, the recent
attempts with outcomes (rejection reasons, errors, edit failures) and the answer format (SEARCH/REPLACE
edits or a full rewrite). The Context has no holdout field, so the prompt cannot contain holdout data.

Hint levels (``minimal`` | ``standard`` | ``detailed``) add more guidance for the ablations. The size is
estimated as characters/4; above ``max_prompt_tokens`` inspirations are dropped first, then attempts,
then per-unit feedback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from adrs.evolve.generators.base import Context, ProgramView

HINTS = ("minimal", "standard", "detailed")
MODES = ("diff", "full")
TEMPLATE_ID = "evolve-v1"
FEEDBACK_CHARS = 600
"""Cap on each rejection reason / error text quoted in the prompt."""

SYSTEM = ("You improve a Python policy for a simulator. You change only the code between "
          "`# EVOLVE-BLOCK-START` and `# EVOLVE-BLOCK-END`; everything else in the file is fixed.")

DIFF_FORMAT = """Answer with one or more SEARCH/REPLACE edits of the EVOLVE-BLOCK, each exactly:

<<<<<<< SEARCH
(lines copied exactly from the current block)
=======
(the new lines)
>>>>>>> REPLACE

The SEARCH text must match a unique part of the block. Do not include the EVOLVE-BLOCK markers."""

FULL_FORMAT = """Answer with the complete new program in one fenced ```python block, keeping the
`# EVOLVE-BLOCK-START` / `# EVOLVE-BLOCK-END` markers and the code outside them unchanged."""

HINT_TEXT = {
    "minimal": "",
    "standard": ("Aim for a higher train score. Prefer small, well-reasoned changes; keep the code "
                 "deterministic and fast; do not read files or the network."),
    "detailed": ("Aim for a higher train score. Study the worst units and the failed attempts before "
                 "editing. Prefer small, well-reasoned changes; combine ideas from the other programs when "
                 "they score well; avoid overfitting constants to a few units (the program is also judged on "
                 "unseen data); keep the code deterministic and fast; do not read files or the network; "
                 "return a finite value of the right type for every observation."),
}


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
                 feedback: Sequence[str] = ()) -> Prompt:
    """Chat messages for one proposal from ``ctx``; ``feedback`` are recent edit-failure messages."""
    if hints not in HINTS:
        raise ValueError(f"hints must be one of {', '.join(HINTS)}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    inspirations = list(ctx.inspirations)
    attempts = list(ctx.attempts)
    units = hints != "minimal"
    dropped: dict[str, int] = {}

    def render() -> list[dict[str, str]]:
        parts = [f"# Problem\n{ctx.task_description.strip()}",
                 "# Contract\n"
                 f"- Entry point: `{ctx.signature}` (the block must define `{ctx.entry_point}`).\n"
                 f"- Allowed imports: {', '.join(ctx.allowed_imports) or 'none'}; nothing else may be imported.\n"
                 "- Only the EVOLVE-BLOCK may change; the program must stay valid Python.",
                 _program("Current program", ctx.parent, units)]
        if inspirations:
            parts.append("# Other programs for inspiration\n" + "\n\n".join(
                _program(f"Inspiration {i}", p, False) for i, p in enumerate(inspirations, 1)))
        if attempts or feedback:
            lines = [f"- {a.generator} {a.mutation}: {a.status}" + (f" ({_cap(a.reason)})" if a.reason else "")
                     for a in attempts]
            lines += [f"- your previous answer could not be applied: {_cap(f)}" for f in feedback]
            parts.append("# Recent attempts and outcomes\n" + "\n".join(lines))
        if HINT_TEXT[hints]:
            parts.append("# Guidance\n" + HINT_TEXT[hints])
        parts.append("# Answer format\n" + (DIFF_FORMAT if mode == "diff" else FULL_FORMAT))
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]

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
    template_hash = hashlib.sha256((SYSTEM + DIFF_FORMAT + FULL_FORMAT + str(HINT_TEXT)).encode()).hexdigest()[:12]
    return Prompt(messages, size, f"{TEMPLATE_ID}/{mode}/{hints}", template_hash, dropped)
