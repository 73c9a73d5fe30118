"""The prompt generator (adrs.evolve.prompt): sections, hint levels, size cap, answer formats."""

from __future__ import annotations

import dataclasses

import pytest

from adrs.evolve.generators.base import Attempt, Context, ProgramView
from adrs.evolve.prompt import HINTS, build_prompt, estimate_tokens

CODE = "import math\n# EVOLVE-BLOCK-START\ndef decide(obs, state):\n    return 0.5 * obs['x']\n# EVOLVE-BLOCK-END\n"


def ctx(n_insp: int = 3, n_att: int = 4) -> Context:
    parent = ProgramView(7, CODE, -0.4321, {"score": -0.4321, "mae": 0.4321}, "offline/params",
                         unit_scores=(("t00", -0.1), ("t01", -0.9876), ("t02", -0.5)))
    insp = tuple(ProgramView(10 + i, CODE.replace("0.5", f"0.{i + 6}") + "#" + "x" * 400, -0.3 - i, {}, "llm/m")
                 for i in range(n_insp))
    att = tuple(Attempt("llm/m", "diff", "rejected", f"train: PolicyError at step {i}: ATTEMPT{i}")
                for i in range(n_att))
    return Context("Guess the hidden TARGETDESC.", "decide", "decide(obs: dict, state: dict) -> float",
                   ("math",), parent, insp, att)


def test_sections_and_contents():
    p = build_prompt(ctx(), feedback=["SEARCH text not found: FEEDBACKX"])
    text = p.text
    for needle in ("TARGETDESC", "decide(obs: dict, state: dict) -> float", "Allowed imports: math",
                   "return 0.5 * obs['x']", "train score -0.4321", "mae=0.4321", "Worst train units: t01=-0.9876",
                   "Inspiration 1", "ATTEMPT3", "rejected", "FEEDBACKX", "<<<<<<< SEARCH"):
        assert needle in text, needle
    assert p.messages[0]["role"] == "system" and p.messages[1]["role"] == "user"
    assert p.tokens_est == sum(estimate_tokens(m["content"]) for m in p.messages)
    assert p.dropped == {} and p.template_id == "evolve-v1/diff/standard"


def test_full_rewrite_format():
    text = build_prompt(ctx(), mode="full").text
    assert "```python" in text and "<<<<<<< SEARCH" not in text


def test_hint_levels_differ_and_minimal_has_no_unit_feedback():
    texts = {h: build_prompt(ctx(), hints=h).text for h in HINTS}
    assert len(set(texts.values())) == 3
    assert "Worst train units" not in texts["minimal"] and "Guidance" not in texts["minimal"]
    assert "overfitting" in texts["detailed"] and "overfitting" not in texts["standard"]
    with pytest.raises(ValueError):
        build_prompt(ctx(), hints="lots")


def test_cap_drops_inspirations_then_attempts():
    full = build_prompt(ctx())
    no_insp = build_prompt(ctx(n_insp=0))
    # a cap between the two sizes drops inspirations only
    p = build_prompt(ctx(), max_prompt_tokens=no_insp.tokens_est + 5)
    assert p.dropped == {"inspirations": 3} and "ATTEMPT0" in p.text and p.tokens_est <= no_insp.tokens_est + 5
    assert p.tokens_est < full.tokens_est
    # a tighter cap also drops the oldest attempts first
    bare = build_prompt(ctx(n_insp=0, n_att=0))
    p = build_prompt(ctx(), max_prompt_tokens=bare.tokens_est + 30)
    assert p.dropped["inspirations"] == 3 and p.dropped["attempts"] >= 1
    assert "ATTEMPT0" not in p.text and "Inspiration" not in p.text
    # never drops the parent program, even if the cap is impossible
    p = build_prompt(ctx(), max_prompt_tokens=10)
    assert "return 0.5 * obs['x']" in p.text and p.dropped.get("unit_feedback") == 1


def test_context_has_no_holdout_channel():
    for cls in (Context, ProgramView, Attempt):
        assert not [f.name for f in dataclasses.fields(cls) if "holdout" in f.name.lower()]
