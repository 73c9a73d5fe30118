"""Build the configured generator: ``offline``, ``llm`` (litellm imported only then) or a weighted mix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adrs.evolve.config import EvolveConfig, parse_generator, parse_models, parse_prices
from adrs.evolve.generators.base import Generator
from adrs.evolve.generators.offline import DEFAULT_OFFLINE_WEIGHTS, OfflineGenerator


def build_generator(cfg: EvolveConfig, task: Any, spent: Mapping[str, Any] | float | None = None) -> Generator:
    """The generator ``cfg.generator`` names; ``spent`` is what a resumed run already used
    (:func:`adrs.evolve.store.llm_usage`: ``usd``, ``calls``, ``tokens``; a bare number is USD)."""
    used = {"usd": float(spent)} if isinstance(spent, (int, float)) else dict(spent or {})
    weights = cfg.offline_weights or getattr(task, "offline_weights", DEFAULT_OFFLINE_WEIGHTS)
    offline = OfflineGenerator(weights)
    mix = parse_generator(cfg.generator)
    if "llm" not in mix:
        return offline
    from adrs.evolve.generators.llm import LLMGenerator, MixGenerator

    llm = LLMGenerator(
        parse_models(cfg.model), api_base=cfg.api_base, api_key_env="" if cfg.replay else cfg.api_key_env,
        timeout_s=cfg.llm_timeout_s,
        retries=cfg.llm_retries, max_tokens=cfg.llm_max_tokens, temperature=cfg.llm_temperature, hints=cfg.hints,
        max_prompt_tokens=cfg.max_prompt_tokens, max_consecutive_failures=cfg.max_consecutive_failures,
        max_diff_failures=cfg.max_diff_failures,
        fallback=offline if cfg.on_llm_failure == "fallback_offline" else None,
        max_usd=0.0 if cfg.replay else cfg.max_usd, spent_usd=float(used.get("usd", 0.0)),
        max_llm_calls=cfg.max_llm_calls, max_run_tokens=cfg.max_tokens, spent_calls=int(used.get("calls", 0)),
        spent_tokens=int(used.get("tokens", 0)), prices=parse_prices(cfg.model_price), replay=cfg.replay)
    seed_len = sum(len(s) for s in getattr(task, "seed_programs", {}).values()) + len(getattr(task, "description", ""))
    if not cfg.replay:
        llm.preflight(min(cfg.max_prompt_tokens or 10**9, 1000 + seed_len))
    if set(mix) == {"llm"}:
        return llm
    return MixGenerator([(llm if name == "llm" else offline, w) for name, w in mix.items()])
