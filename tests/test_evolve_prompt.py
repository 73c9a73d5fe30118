"""The prompt generator (adrs.evolve.prompt): sections, hint levels, size cap, answer formats, templates."""

from __future__ import annotations

import dataclasses
import random
from importlib import resources

import numpy as np
import pytest

from adrs.evolve.generators.base import Attempt, Context, ProgramView
from adrs.evolve.prompt import HINTS, MODES, TEMPLATE_ID, build_prompt, estimate_tokens, load_template, parse_template
from adrs.evolve.rng import stream

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
    assert p.dropped == {} and p.template_id == "evolve-v2/diff/standard/var0"


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


# --- templates: package data with phrasing variants ------------------------------------------------

def test_template_is_package_data_with_variants():
    path = resources.files("adrs.evolve").joinpath("templates", f"{TEMPLATE_ID}.txt")
    assert path.is_file()
    tpl = load_template()
    assert tpl.name == TEMPLATE_ID and 2 <= tpl.n_variants <= 3
    assert tpl == parse_template(path.read_text(encoding="utf-8"), TEMPLATE_ID)


def test_default_is_variant_0():
    p = build_prompt(ctx())
    assert p.template_id == f"{TEMPLATE_ID}/diff/standard/var0"
    assert p.template_hash == load_template().hash(0)


@pytest.mark.parametrize("mode", MODES)
def test_variants_differ_in_wording_but_keep_the_contract(mode):
    tpl = load_template()
    prompts = [build_prompt(ctx(), mode=mode, rng=_Fixed(k)) for k in range(tpl.n_variants)]
    assert [p.template_id for p in prompts] == [f"{TEMPLATE_ID}/{mode}/standard/var{k}"
                                                 for k in range(tpl.n_variants)]
    assert len({p.messages[0]["content"] for p in prompts}) == tpl.n_variants  # system messages differ
    assert len({p.messages[1]["content"] for p in prompts}) == tpl.n_variants
    assert len({p.template_hash for p in prompts}) == tpl.n_variants
    for p in prompts:
        system, user = p.messages[0]["content"], p.messages[1]["content"]
        assert "# EVOLVE-BLOCK-START" in system and "# EVOLVE-BLOCK-END" in system
        for needle in ("TARGETDESC", "`decide(obs: dict, state: dict) -> float`", "`decide`", "math",
                       "EVOLVE-BLOCK", "## Current program", "return 0.5 * obs['x']", "Worst train units: t01",
                       "Inspiration 1", "ATTEMPT3", "Aim for a higher train score"):
            assert needle in user, (p.template_id, needle)
        if mode == "diff":
            assert "<<<<<<< SEARCH\n(lines copied exactly from the current block)\n=======\n" in user
            assert ">>>>>>> REPLACE" in user
        else:
            assert "```python" in user and "# EVOLVE-BLOCK-START" in user and "<<<<<<< SEARCH" not in user
        assert "holdout" not in p.text.lower() and "held-out" not in p.text.lower()
    # the information is the same, only the phrasing differs: similar sizes
    sizes = [p.tokens_est for p in prompts]
    assert max(sizes) - min(sizes) < 60


def test_no_imports_reads_none_in_every_variant():
    c = dataclasses.replace(ctx(), allowed_imports=())
    for k in range(load_template().n_variants):
        assert "none" in build_prompt(c, rng=_Fixed(k)).messages[1]["content"].split("## Current program")[0]


def test_same_seed_same_variant_and_messages():
    a = [build_prompt(ctx(), rng=random.Random(s)) for s in range(12)]
    b = [build_prompt(ctx(), rng=random.Random(s)) for s in range(12)]
    assert [(p.template_id, p.template_hash, p.messages) for p in a] == \
        [(p.template_id, p.template_hash, p.messages) for p in b]
    assert len({p.template_id for p in a}) == load_template().n_variants  # every variant gets drawn
    # the prompt RNG stream of the run seed, and a numpy Generator, work the same way
    assert build_prompt(ctx(), rng=stream(3, "prompt", 0)).messages == \
        build_prompt(ctx(), rng=stream(3, "prompt", 0)).messages
    g = [build_prompt(ctx(), rng=np.random.default_rng(s)).template_id for s in range(12)]
    assert g == [build_prompt(ctx(), rng=np.random.default_rng(s)).template_id for s in range(12)]


def test_variant_draw_does_not_touch_the_capping():
    for k in range(load_template().n_variants):
        bare = build_prompt(ctx(n_insp=0, n_att=0), rng=_Fixed(k))
        p = build_prompt(ctx(), max_prompt_tokens=bare.tokens_est + 30, rng=_Fixed(k))
        assert p.dropped["inspirations"] == 3 and p.dropped["attempts"] >= 1 and "Inspiration" not in p.text
        assert p.template_id.endswith(f"/var{k}")


def _text() -> str:
    return resources.files("adrs.evolve").joinpath("templates", f"{TEMPLATE_ID}.txt").read_text(encoding="utf-8")


def test_hash_changes_iff_the_variant_text_changes():
    text = _text()
    base = parse_template(text, "t")
    # comments, the name and blank lines around sections are not template text
    same = parse_template(";; another comment\n" + text.replace("\n=== contract ===", "\n\n\n=== contract ==="), "u")
    assert [same.hash(k) for k in range(3)] == [base.hash(k) for k in range(3)]
    # a one-word change of variant 1's system message changes only variant 1's hash
    v1 = base.sections["system"][1]
    edited = parse_template(text.replace(v1, v1.replace("editing", "changing")), "t")
    assert edited.hash(1) != base.hash(1)
    assert edited.hash(0) == base.hash(0) and edited.hash(2) == base.hash(2)
    # a change of a shared section (hint) changes every variant's hash
    shared = parse_template(text.replace("Aim for a higher train score.", "Aim for a better train score."), "t")
    assert all(shared.hash(k) != base.hash(k) for k in range(3))


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("`{signature}` (the block", "`SIG` (the block"), "contract variant 0"),
    (lambda t: t.replace(">>>>>>> REPLACE", ">>> REPLACE", 1), "SEARCH/REPLACE"),
    (lambda t: t.replace("train score.", "train score; never look at holdout traces.", 1), "held-out"),
    (lambda t: t.replace("=== hint.minimal ===", "=== hint.none ==="), "missing sections"),
    (lambda t: t + "\n=== system ===\na fourth `# EVOLVE-BLOCK-START` `# EVOLVE-BLOCK-END`\n", "same number"),
    (lambda t: "stray text\n" + t, "before the first section"),
])
def test_malformed_templates_are_refused(edit, message):
    with pytest.raises(ValueError, match=message):
        parse_template(edit(_text()), "bad")


class _Fixed:
    """An RNG stand-in that always draws variant ``k``."""

    def __init__(self, k: int) -> None:
        self.k = k

    def randrange(self, n: int) -> int:
        assert 0 <= self.k < n
        return self.k
