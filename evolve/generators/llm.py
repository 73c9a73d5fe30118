"""The LLM solution generator: asks a model (through litellm) to edit the parent's EVOLVE-BLOCK.

litellm is the optional extra ``adrs[llm]``; it is imported here only, inside :class:`LLMGenerator`'s
constructor, after setting ``LITELLM_LOCAL_MODEL_COST_MAP=True`` (no price-map download at import), so
offline runs never import it.

Per proposal: a model is drawn from the seeded weighted ensemble (the generator's ``rng``); the prompt
(:mod:`adrs.evolve.prompt`) asks for SEARCH/REPLACE edits, or for a full rewrite once the model has sent
``max_diff_failures`` unusable diffs in a row; the answer becomes a program through
:mod:`adrs.evolve.diffs`. An unusable answer is fed back once in the same conversation ("could not be
applied: ..."), and the error also goes into later prompts. A still-unusable answer yields the parent
unchanged (stored as a duplicate, its ``edit_summary`` says why). Labels are ``llm/<model>``.

Transport failures (HTTP errors, refused connections, timeouts; litellm has already retried) are
retried by the generator until ``max_consecutive_failures`` in a row trip the circuit breaker: then the
run stops loudly (:class:`~adrs.evolve.generators.base.GeneratorStop`, resumable) or, with a fallback
generator, continues offline. Each proposal's ``gen_state`` holds model, prompt, answers, tokens, USD
(``completion_cost``; ``None`` for unpriced/local models, which count as zero), latency and errors;
:attr:`Proposal.llm_calls` carries one record per call (including failed and unusable ones) for the
store's ``llm_call`` table. ``prices`` (``--model-price``) are registered with ``litellm.register_model``
at start-up, so ``completion_cost`` prices local and unknown models. ``max_usd`` stops the run before a
call whose worst-case cost would exceed it (and needs every model priced); ``max_llm_calls`` and
``max_tokens`` stop it before a call once the run's answered calls or tokens reach them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from adrs.config import ConfigError
from adrs.evolve.diffs import EditError, apply_answer
from adrs.evolve.generators.base import Context, Generator, GeneratorStop, Proposal
from adrs.evolve.prompt import build_prompt, estimate_tokens
from adrs.evolve.rng import stream

DUMMY_KEY = "sk-adrs-local"
"""Sent to OpenAI-compatible servers given by ``api_base`` when no key variable is named (the
``openai/`` route refuses to call without a key)."""


def import_litellm() -> Any:
    """Import litellm with the local price map (no network at import)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the LLM generator needs litellm: pip install 'adrs[llm]'") from exc
    litellm.suppress_debug_info = True
    return litellm


def register_prices(litellm: Any, prices: Mapping[str, tuple[float, float]]) -> None:
    """``litellm.register_model`` for each ``model: (USD per input token, USD per output token)``.

    Passing prices to the completion call does not make ``completion_cost`` work; registering does.
    """
    if not prices:
        return
    entries = {}
    for model, (pin, pout) in prices.items():
        try:
            provider = litellm.get_llm_provider(model)[1]
        except Exception:  # noqa: BLE001 - a bare name: litellm treats it as openai
            provider = model.split("/", 1)[0] if "/" in model else "openai"
        entries[model] = {"input_cost_per_token": pin, "output_cost_per_token": pout,
                          "litellm_provider": provider, "mode": "chat"}
    log = logging.getLogger("LiteLLM")
    level = log.level
    log.setLevel(logging.ERROR)  # "custom pricing but not in built-in cost map" is what we mean
    try:
        litellm.register_model(entries)
    finally:
        log.setLevel(level)


class LLMGenerator:
    """Propose children with an LLM ensemble; see the module docstring."""

    name = "llm"

    def __init__(self, models: Sequence[tuple[str, float]], *, api_base: str = "", api_key_env: str = "",
                 timeout_s: float = 300.0, retries: int = 3, max_tokens: int = 4096, temperature: float = 0.7,
                 hints: str = "standard", max_prompt_tokens: int = 8000, max_consecutive_failures: int = 5,
                 max_diff_failures: int = 3, edit_retries: int = 1, fallback: Generator | None = None,
                 max_usd: float = 0.0, spent_usd: float = 0.0, max_llm_calls: int = 0, max_run_tokens: int = 0,
                 spent_calls: int = 0, spent_tokens: int = 0, prices: Mapping[str, tuple[float, float]] | None = None,
                 completion: Callable[..., Any] | None = None, replay: str = "") -> None:
        if not models:
            raise ValueError("the LLM generator needs at least one model")
        self.litellm = import_litellm()
        self.models = [(str(m), float(w)) for m, w in models]
        self.prices = dict(prices or {})
        register_prices(self.litellm, self.prices)
        self.api_base = api_base or None
        if api_key_env:
            key = os.environ.get(api_key_env)
            if not key:
                raise ConfigError(f"environment variable {api_key_env} (api_key_env) is not set")
            self.api_key: str | None = key
        else:
            self.api_key = DUMMY_KEY if api_base else None
        self.timeout_s, self.retries, self.max_tokens = timeout_s, retries, max_tokens
        self.temperature, self.hints, self.max_prompt_tokens = temperature, hints, max_prompt_tokens
        self.max_failures, self.max_diff_failures, self.edit_retries = (
            max_consecutive_failures, max_diff_failures, edit_retries)
        self.fallback = fallback
        self.fallen_back = ""
        self.max_usd, self.spent_usd = max_usd, spent_usd
        self.max_llm_calls, self.max_run_tokens = max_llm_calls, max_run_tokens
        self.spent_calls, self.spent_tokens = spent_calls, spent_tokens
        self._calls: list[dict[str, Any]] = []
        self.replay = replay
        self.completion = completion or (ReplayCompletion(replay) if replay else self.litellm.completion)
        self.consecutive = 0
        self.diff_failures = {m: 0 for m, _ in self.models}
        self.feedback: list[str] = []
        self.unpriced: set[str] = set()
        self.lock = threading.Lock()
        self.counters = {m: {"calls": 0, "failures": 0, "tokens_in": 0, "tokens_out": 0, "usd": 0.0,
                             "latency_s": 0.0} for m, _ in self.models}

    # -- cost -------------------------------------------------------------------------------------
    def estimate_call_usd(self, model: str, prompt_tokens: int) -> float:
        """Worst-case USD of one call (prompt plus ``max_tokens`` of answer); 0 for unpriced models."""
        try:
            cin, cout = self.litellm.cost_per_token(model=model, prompt_tokens=prompt_tokens,
                                                    completion_tokens=self.max_tokens)
            return float(cin) + float(cout)
        except Exception:  # noqa: BLE001 - unknown/local models are unpriced
            return 0.0

    def is_priced(self, model: str) -> bool:
        """Whether litellm can price ``model`` (its own price map or a registered ``--model-price``)."""
        try:
            self.litellm.cost_per_token(model=model, prompt_tokens=1, completion_tokens=1)
        except Exception:  # noqa: BLE001 - ModelNotMappedError and friends
            return False
        return True

    def preflight(self, prompt_tokens: int) -> dict[str, float]:
        """Estimated worst-case USD per call and model; ConfigError (before any call) when ``max_usd`` is set
        and a model has no price, or when one call already breaks ``max_usd``."""
        if self.max_usd:
            unpriced = [m for m, _ in self.models if not self.is_priced(m)]
            if unpriced:
                flags = " ".join(f"--model-price {m}=IN,OUT" for m in unpriced)
                raise ConfigError(
                    f"pre-flight: --max-usd is set but litellm has no price for {', '.join(unpriced)}, so its spend "
                    f"could not be counted; give one with {flags} (USD per million input,output tokens; config "
                    "key model_price), or drop --max-usd")
        est = {m: self.estimate_call_usd(m, prompt_tokens) for m, _ in self.models}
        if self.max_usd:
            too_dear = {m: e for m, e in est.items() if e > self.max_usd - self.spent_usd}
            if too_dear:
                m, e = next(iter(too_dear.items()))
                raise ConfigError(f"pre-flight: one call to {m} may cost ${e:.4f}, more than the remaining "
                                 f"--max-usd ${self.max_usd - self.spent_usd:.4f}")
        return est

    def _cost(self, model: str, response: Any) -> float | None:
        try:
            cost = self.litellm.completion_cost(completion_response=response)
        except Exception:  # noqa: BLE001 - ModelNotMappedError and friends: unpriced
            cost = None
        if cost is None:
            self.unpriced.add(model)
            return None
        return float(cost)

    # -- calls ------------------------------------------------------------------------------------
    def _call(self, model: str, messages: list[dict[str, str]], seed: int, turn: int = 0,
              template_id: str = "") -> dict[str, Any]:
        """One successful completion (retrying transport failures until the circuit breaker trips).

        Every attempt is appended to ``self._calls`` as an ``llm_call`` record; the successful one is returned.
        """
        retries = 0
        while True:
            if self.max_llm_calls and self.spent_calls >= self.max_llm_calls:
                raise GeneratorStop(f"max_llm_calls: {self.spent_calls} LLM calls made", loud=False)
            if self.max_run_tokens and self.spent_tokens >= self.max_run_tokens:
                raise GeneratorStop(f"max_tokens: {self.spent_tokens} LLM tokens used (cap {self.max_run_tokens})",
                                    loud=False)
            if self.max_usd:
                est = self.estimate_call_usd(model, sum(estimate_tokens(m["content"]) for m in messages))
                if self.spent_usd + est > self.max_usd:
                    raise GeneratorStop(f"max_usd: spent ${self.spent_usd:.4f}; the next call (up to ${est:.4f}) "
                                        f"would exceed ${self.max_usd:.4f}", loud=False)
            t0 = time.monotonic()
            record: dict[str, Any] = {"turn": turn, "model": model, "template_id": template_id,
                                      "prompt": [dict(m) for m in messages], "response": None, "tokens_in": 0,
                                      "tokens_out": 0, "cost_usd": None, "latency_s": 0.0, "retries": retries,
                                      "status": "failed", "error": "", "created": time.time()}
            try:
                resp = self.completion(model=model, messages=messages, api_base=self.api_base,
                                       api_key=self.api_key, timeout=self.timeout_s, num_retries=self.retries,
                                       max_tokens=self.max_tokens, temperature=self.temperature, seed=seed,
                                       drop_params=True)
                text = resp.choices[0].message.content
            except GeneratorStop:
                raise
            except Exception as exc:  # noqa: BLE001 - litellm maps transport errors to many classes
                err = f"{type(exc).__name__}: {str(exc)[:300]}"
                record.update(latency_s=time.monotonic() - t0, error=err)
                self._calls.append(record)
                retries += 1
                with self.lock:
                    self.consecutive += 1
                    self.counters[model]["failures"] += 1
                if self.consecutive >= self.max_failures:
                    self.consecutive = 0
                    msg = f"llm_unavailable: {self.max_failures} consecutive failed LLM calls (last, {model}: {err})"
                    if self.fallback is not None:
                        self.fallen_back = msg
                        raise _FallBack(msg) from exc
                    raise GeneratorStop(msg) from exc
                continue
            latency = time.monotonic() - t0
            usage = getattr(resp, "usage", None)
            tin = int(getattr(usage, "prompt_tokens", 0) or 0)
            tout = int(getattr(usage, "completion_tokens", 0) or 0)
            cost = self._cost(model, resp)
            with self.lock:
                self.consecutive = 0
                c = self.counters[model]
                c["calls"] += 1
                c["tokens_in"] += tin
                c["tokens_out"] += tout
                c["usd"] += cost or 0.0
                c["latency_s"] += latency
                self.spent_usd += cost or 0.0
                self.spent_calls += 1
                self.spent_tokens += tin + tout
            record.update(response=text or "", tokens_in=tin, tokens_out=tout, cost_usd=cost, latency_s=latency,
                          status="ok")
            self._calls.append(record)
            return {"text": text or "", "tokens_in": tin, "tokens_out": tout, "cost_usd": cost,
                    "latency_s": latency, "record": record}

    # -- proposals --------------------------------------------------------------------------------
    def propose(self, context: Context, n: int, rng: random.Random) -> list[Proposal]:
        """``n`` children of ``context.parent`` (one LLM conversation each)."""
        out = []
        for _ in range(n):
            if self.fallen_back and self.fallback is not None:
                out.append(self._offline(context, rng))
                continue
            self._calls = []
            try:
                prop = self._one(context, rng)
            except _FallBack:
                prop = self._offline(context, rng)
            except GeneratorStop as exc:
                exc.llm_calls = tuple(self._calls)
                self._calls = []
                raise
            out.append(dataclasses.replace(prop, llm_calls=tuple(self._calls)))
            self._calls = []
        return out

    def _offline(self, ctx: Context, rng: random.Random) -> Proposal:
        assert self.fallback is not None
        prop = self.fallback.propose(ctx, 1, rng)[0]
        return Proposal(prop.source, prop.generator, prop.mutation, prop.summary, prop.parent_ids,
                        {**prop.gen_state, "llm_fallback": self.fallen_back})

    def _one(self, ctx: Context, rng: random.Random) -> Proposal:
        names = [m for m, _ in self.models]
        model = rng.choices(names, weights=[w for _, w in self.models])[0]
        seed = rng.getrandbits(31)
        mode = "full" if self.diff_failures[model] >= self.max_diff_failures else "diff"
        prompt = build_prompt(ctx, hints=self.hints, mode=mode, max_prompt_tokens=self.max_prompt_tokens,
                              feedback=self.feedback[-2:], rng=stream(seed, "prompt"))
        messages = list(prompt.messages)
        state: dict[str, Any] = {"model": model, "mode": mode, "template_id": prompt.template_id,
                                 "template_hash": prompt.template_hash, "prompt_tokens_est": prompt.tokens_est,
                                 "dropped": prompt.dropped, "calls": 0, "tokens_in": 0, "tokens_out": 0,
                                 "cost_usd": None, "latency_s": 0.0, "prompt": messages[:], "responses": [],
                                 "errors": []}
        if self.replay:
            state["replay_of"] = self.replay
        label = f"llm/{model}"
        for turn in range(self.edit_retries + 1):
            res = self._call(model, messages, seed + turn, turn, prompt.template_id)
            state["calls"] += 1
            state["tokens_in"] += res["tokens_in"]
            state["tokens_out"] += res["tokens_out"]
            state["latency_s"] += res["latency_s"]
            if res["cost_usd"] is not None:
                state["cost_usd"] = (state["cost_usd"] or 0.0) + res["cost_usd"]
            state["responses"].append(res["text"])
            try:
                source, kind = apply_answer(ctx.parent.code, res["text"], mode)
            except EditError as exc:
                state["errors"].append(str(exc))
                res["record"].update(status="unusable", error=str(exc)[:2000])
                messages += [{"role": "assistant", "content": res["text"]},
                             {"role": "user", "content": f"Your answer could not be applied: {exc}\n"
                              "Answer again in the requested format."}]
                continue
            if kind == "diff":
                self.diff_failures[model] = 0
            state["messages"] = messages
            return Proposal(source, label, kind, f"{model} {kind} edit (turn {turn + 1})", (ctx.parent.id,), state)
        error = state["errors"][-1]
        self.feedback.append(error)
        self.feedback = self.feedback[-4:]
        if mode == "diff":
            self.diff_failures[model] += 1
        return Proposal(ctx.parent.code, label, "unusable", f"unusable answer: {error[:300]}", (ctx.parent.id,),
                        state)

    def summary(self) -> dict[str, Any]:
        """Per-model counters and which models were unpriced (their USD counted as zero)."""
        return {"models": self.counters, "spent_usd": self.spent_usd, "unpriced": sorted(self.unpriced),
                "fallback": self.fallen_back}


class _FallBack(Exception):
    """The circuit breaker tripped and a fallback generator takes over."""


class MixGenerator:
    """A seeded per-proposal weighted choice between generators (``--generator llm:0.7,offline:0.3``)."""

    name = "mix"

    def __init__(self, members: Sequence[tuple[Generator, float]]) -> None:
        self.members = list(members)

    def propose(self, context: Context, n: int, rng: random.Random) -> list[Proposal]:
        """``n`` proposals, each from a generator drawn with the configured weights."""
        out = []
        for _ in range(n):
            gen = rng.choices([g for g, _ in self.members], weights=[w for _, w in self.members])[0]
            out.extend(gen.propose(context, 1, rng))
        return out

    def summary(self) -> dict[str, Any]:
        """The LLM member's :meth:`LLMGenerator.summary` ({} without one)."""
        for gen, _ in self.members:
            if isinstance(gen, LLMGenerator):
                return gen.summary()
        return {}


class ReplayCompletion:
    """A ``completion`` stand-in that returns the answers recorded in a run database, in call order.

    Used by ``adrs evolve --replay RUN_DB``: with the recorded config (same seed) the loop asks for the same
    calls in the same order, so the run is reproduced without a model or a key. Replayed calls cost
    nothing (their USD is unpriced, i.e. zero) and every program carries ``gen_state.replay_of``. A
    different model than recorded, or running out of recorded answers, stops the run.
    """

    def __init__(self, db: str) -> None:
        import json
        import sqlite3

        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT gen_state FROM program WHERE kind = 'candidate' AND generator LIKE 'llm/%' "
                                "ORDER BY id").fetchall()
        finally:
            conn.close()
        self.queue: list[tuple[str, str, int, int]] = []
        for (raw,) in rows:
            st = json.loads(raw or "{}")
            answers = st.get("responses", [])
            for text in answers:
                self.queue.append((st.get("model", ""), text, st.get("tokens_in", 0) // max(1, len(answers)),
                                   st.get("tokens_out", 0) // max(1, len(answers))))
        self.pos = 0

    def __call__(self, *, model: str, **_: Any) -> Any:
        from types import SimpleNamespace as NS

        if self.pos >= len(self.queue):
            raise GeneratorStop(f"replay: all {len(self.queue)} recorded answers used", loud=False)
        rec_model, text, tin, tout = self.queue[self.pos]
        if rec_model != model:
            raise GeneratorStop(f"replay diverged at call {self.pos + 1}: recorded {rec_model}, asked {model}")
        self.pos += 1
        return NS(choices=[NS(message=NS(content=text))], usage=NS(prompt_tokens=tin, completion_tokens=tout))
