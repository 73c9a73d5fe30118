"""Strict, typed configuration of an evolve run (:class:`EvolveConfig`).

Unknown keys are errors (``adrs.config.build_config``). Budget fields, ``workers`` and the executor
settings may change on resume; every other field is part of the config hash that a resumed run must match.

>>> cfg = build_evolve_config({"iterations": 16, "seed": 3})
>>> cfg.iterations, cfg.strategy
(16, 'evolve')
>>> build_evolve_config({"iteratons": 1})
Traceback (most recent call last):
...
adrs.config.ConfigError: unknown config key(s) 'iteratons' for EvolveConfig; valid keys: ...
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adrs.config import ConfigError, build_config, config_to_dict, doc_field

STRATEGIES = ("evolve", "best_of_n", "random_mutation")
GENERATORS = ("offline", "llm")
"""Generator names; ``generator`` is one of them or a weighted mix such as ``llm:0.7,offline:0.3``."""
HINT_LEVELS = ("minimal", "standard", "detailed")
ON_LLM_FAILURE = ("abort", "fallback_offline")
EXECUTORS = ("local", "ray", "inline")
RESUMABLE_FIELDS = frozenset({"iterations", "max_evaluations", "minutes", "workers", "max_usd", "max_llm_calls",
                              "max_tokens", "model_price"})
"""Fields that may differ between a run and its resumption (budgets, LLM prices and worker count)."""
EXECUTION_FIELDS = frozenset({"executor", "ray_address", "ray_ship_code", "api_base", "api_key_env",
                              "llm_timeout_s", "llm_retries"})
"""Where jobs run: may also change on resume and, like the budgets, are not part of the config hash."""
OPT_IN_FIELDS = {"early_reject_delta": None, "early_reject_prefix": 4, "stagnation_generations": None}
"""Opt-in search settings and their defaults: hashed only when set, so runs made before they existed keep
their config hash (and stay resumable)."""


@dataclass(frozen=True)
class EvolveConfig:
    """Settings of one ``adrs evolve`` run."""

    seed: int = doc_field(0, "Run seed; split into named RNG streams (select, offline, llm, prompt, bootstrap).")
    iterations: int = doc_field(64, "Budget: proposals (evaluated or rejected) after the seed.")
    max_evaluations: int = doc_field(0, "Budget: train evaluations of candidates (0 = no limit).")
    minutes: float = doc_field(0.0, "Budget: wall-clock minutes, checked between generations (0 = none).")
    strategy: str = doc_field("evolve", "Search strategy: evolve, best_of_n or random_mutation.")
    generator: str = doc_field(
        "offline", "Solution generator: 'offline', 'llm' (needs `model`; the litellm extra) or a seeded "
        "per-proposal mix such as 'llm:0.7,offline:0.3'."
    )
    model: tuple[str, ...] = doc_field(
        (), "LLM ensemble: litellm model strings, each optionally 'NAME@WEIGHT' (e.g. 'openai/gpt-4o-mini@0.8'); "
        "one is drawn per proposal from the seeded stream."
    )
    api_base: str = doc_field("", "Base URL of an OpenAI-compatible server (ending in /v1), '' = provider default.")
    api_key_env: str = doc_field(
        "", "Name of the environment variable holding the API key ('' = litellm's usual variables; with "
        "api_base and no key a dummy key is sent). Keys never enter the config or the store."
    )
    max_usd: float = doc_field(
        0.0, "Budget: hard stop when LLM spend would exceed this many USD (0 = none). Every model must then "
        "have a price (litellm's or `model_price`); the run refuses to start otherwise.")
    max_llm_calls: int = doc_field(0, "Budget: answered LLM calls over the whole run (0 = no limit).")
    max_tokens: int = doc_field(
        0, "Budget: LLM tokens (prompt + answer) over the whole run; the run stops before the next call once "
        "it is reached (0 = no limit). Not to be confused with llm_max_tokens, the cap of one answer.")
    model_price: tuple[str, ...] = doc_field(
        (), "Per-token prices as 'MODEL=IN,OUT' in USD per million input/output tokens (e.g. "
        "'openai/my-model=0.15,0.6'), registered with litellm at start-up so completion_cost works for local "
        "or unknown models; overrides litellm's price for a known model.")
    replay: str = doc_field(
        "", "Path of a recorded run.sqlite: answer LLM calls from its stored responses, in order, instead of "
        "calling a model (deterministic, free; programs carry gen_state.replay_of)."
    )
    hints: str = doc_field("standard", "Prompt hint level: minimal, standard or detailed.")
    allowed_imports: tuple[str, ...] = doc_field(
        (), "Modules a candidate may import (an ablation knob); () uses the task's list. It may only narrow "
        "the task's list: the sandbox pre-imports and vets exactly those modules.")
    max_prompt_tokens: int = doc_field(
        8000, "Prompt size cap (characters/4 estimate); inspirations are dropped first, then attempts."
    )
    llm_timeout_s: float = doc_field(300.0, "Seconds per LLM call before it counts as a failure.")
    llm_retries: int = doc_field(3, "litellm retries (with backoff) inside one LLM call.")
    llm_max_tokens: int = doc_field(4096, "max_tokens of one LLM answer.")
    llm_temperature: float = doc_field(0.7, "Sampling temperature (dropped for models that reject it).")
    max_consecutive_failures: int = doc_field(
        5, "Circuit breaker: consecutive failed LLM calls before `on_llm_failure` applies."
    )
    on_llm_failure: str = doc_field(
        "abort", "When the breaker trips: 'abort' (stop the run with an error, resumable) or "
        "'fallback_offline' (continue with the offline generator)."
    )
    max_diff_failures: int = doc_field(
        3, "Consecutive unusable diffs from a model before it is asked for full rewrites."
    )
    seed_program: str = doc_field("default", "Seed program: a key of the task's seed_programs or a file.")
    workers: int = doc_field(1, "Concurrent sandboxed children; never changes the trajectory.")
    executor: str = doc_field(
        "local", "Where jobs run: 'local' (sandboxed process pool on this machine), 'ray' (the same sandboxed "
        "child inside Ray tasks; needs the ray extra) or 'inline' (in the calling process: NO isolation and "
        "NO limits, for debugging trusted code only). Never changes the trajectory."
    )
    ray_address: str = doc_field(
        "", "executor=ray: cluster to join. '' = RAY_ADDRESS if set, else a new private local instance "
        "(shut down at the end); 'auto' = the cluster running on this machine (`ray start`, `ray up` head "
        "node); 'ray://HOST:PORT' = Ray Client to a remote head node."
    )
    ray_ship_code: bool = doc_field(
        True, "executor=ray with a ray_address: send this checkout's adrs package (code and embedded traces) "
        "to the workers once through runtime_env py_modules, so the cluster runs exactly the driver's code."
    )
    batch_size: int = doc_field(8, "Proposals per generation (independent of workers).")
    n_islands: int = doc_field(3, "Number of islands.")
    migration_interval: int = doc_field(5, "Generations between ring migrations.")
    migration_fraction: float = doc_field(0.1, "Fraction of an island's best copied to each neighbour.")
    archive_size: int = doc_field(8, "Size of the global elite archive (best by train).")
    exploit_prob: float = doc_field(0.2, "Probability of drawing the parent from the island's elites.")
    n_inspirations: int = doc_field(3, "Same-island programs passed to the generator as context.")
    offline_weights: tuple[float, ...] = doc_field(
        (), "Offline operator weights: params, ast, recombine, crossover; () uses the task's "
        "`offline_weights` if it declares them, else (0.5, 0.25, 0.15, 0.1)."
    )
    early_reject_delta: float | None = doc_field(
        None, "Train early reject (None = off): a candidate is first scored (task.score) on a fixed prefix of "
        "the train units (the task's unit order); it is rejected ('early_reject') without running the rest "
        "when that score is more than this below its parent's score on the same units. Survivors run the "
        "remaining units; their train score equals a full evaluation's.")
    early_reject_prefix: int = doc_field(4, "Train units in the early-reject prefix (used with early_reject_delta).")
    stagnation_generations: int | None = doc_field(
        None, "Stagnation reseeding (None = off): when an island's best train score has not improved for this "
        "many generations, its members are replaced by the best program of the best other island "
        "(FunSearch-style reset; only when that program scores strictly higher). Logged as 'reseed' events.")
    sigma0: float = doc_field(0.3, "Initial step size of numeric-constant tuning (log scale).")
    dedup: bool = doc_field(True, "Reject proposals whose probe behaviour signature is already stored.")
    checkpoint_every: int = doc_field(5, "Generations between checkpoints (holdout of the new top-k).")
    holdout_top_k: int = doc_field(3, "Top-k by train scored on holdout at checkpoints and at the end.")
    cpu_s_per_unit: float = doc_field(5.0, "CPU seconds allowed per evaluation unit (after compile).")
    cpu_s_base: float = doc_field(1.0, "CPU seconds added to every job's limit.")
    wall_factor: float = doc_field(3.0, "Wall-clock limit = wall_factor * CPU limit + 2 s.")
    compile_wall_s: float = doc_field(120.0, "Wall-clock seconds allowed for loading and prepare().")
    memory_mb: int = doc_field(1024, "Address-space headroom of a child (RLIMIT_AS) in MiB.")
    max_procs: int = doc_field(4, "Most processes a child's group may hold (fork-bomb guard).")

    def search_dict(self) -> dict[str, Any]:
        """The fields that define the search (everything but budgets, workers and the executor settings)."""
        return {k: v for k, v in config_to_dict(self).items() if k not in RESUMABLE_FIELDS | EXECUTION_FIELDS
                and not (k in OPT_IN_FIELDS and v == OPT_IN_FIELDS[k])}

    def config_hash(self) -> str:
        """Hash of :meth:`search_dict`; a resumed run must match it."""
        text = json.dumps(self.search_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_evolve_config(overrides: Mapping[str, Any] | None = None,
                        base: EvolveConfig | None = None) -> EvolveConfig:
    """Build and validate an :class:`EvolveConfig` (unknown keys and bad values raise ConfigError)."""
    values = dict(overrides or {})
    if isinstance(values.get("model"), str):
        values["model"] = (values["model"],)
    if "model" in values:
        values["model"] = tuple(str(m) for m in values["model"])
    if isinstance(values.get("model_price"), str):
        values["model_price"] = (values["model_price"],)
    if "model_price" in values:
        values["model_price"] = tuple(str(m) for m in values["model_price"])
    if "offline_weights" in values:
        values["offline_weights"] = tuple(float(w) for w in values["offline_weights"])
    cfg = build_config(EvolveConfig, values, base)
    _validate(cfg)
    return cfg


def _validate(cfg: EvolveConfig) -> None:
    if cfg.strategy not in STRATEGIES:
        raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, got {cfg.strategy!r}")
    if cfg.executor not in EXECUTORS:
        raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}, got {cfg.executor!r}")
    mix = parse_generator(cfg.generator)
    if "llm" in mix and not cfg.model:
        raise ConfigError("generator 'llm' needs a model (--model provider/name, e.g. openai/gpt-4o-mini)")
    names = {m for m, _ in parse_models(cfg.model)}
    stray = sorted(set(parse_prices(cfg.model_price)) - names)
    if stray:
        raise ConfigError(f"model_price given for {', '.join(stray)}, which is not in the model list "
                          f"({', '.join(sorted(names)) or 'none'})")
    if cfg.max_llm_calls < 0 or cfg.max_tokens < 0:
        raise ConfigError("max_llm_calls and max_tokens must be >= 0")
    if cfg.hints not in HINT_LEVELS:
        raise ConfigError(f"hints must be one of {', '.join(HINT_LEVELS)}, got {cfg.hints!r}")
    if cfg.on_llm_failure not in ON_LLM_FAILURE:
        raise ConfigError(f"on_llm_failure must be one of {', '.join(ON_LLM_FAILURE)}")
    if (cfg.max_usd < 0 or cfg.llm_timeout_s <= 0 or cfg.llm_retries < 0 or cfg.llm_max_tokens < 1
            or cfg.max_consecutive_failures < 1 or cfg.max_prompt_tokens < 0 or cfg.max_diff_failures < 1):
        raise ConfigError("max_usd >= 0, llm_timeout_s > 0, llm_retries >= 0, llm_max_tokens >= 1, "
                          "max_consecutive_failures >= 1, max_prompt_tokens >= 0, max_diff_failures >= 1 required")
    positive = ("batch_size", "n_islands", "migration_interval", "checkpoint_every", "workers",
                "archive_size", "max_procs", "memory_mb")
    for name in positive:
        if int(getattr(cfg, name)) < 1:
            raise ConfigError(f"{name} must be >= 1")
    for name in ("iterations", "max_evaluations", "holdout_top_k", "n_inspirations"):
        if int(getattr(cfg, name)) < 0:
            raise ConfigError(f"{name} must be >= 0")
    if cfg.minutes < 0 or cfg.cpu_s_per_unit <= 0 or cfg.sigma0 <= 0 or cfg.wall_factor < 1:
        raise ConfigError("minutes >= 0, cpu_s_per_unit > 0, sigma0 > 0 and wall_factor >= 1 required")
    if cfg.offline_weights and (len(cfg.offline_weights) != 4 or any(w < 0 for w in cfg.offline_weights)
                                or not sum(cfg.offline_weights)):
        raise ConfigError("offline_weights needs 4 non-negative weights (params, ast, recombine, crossover)")
    if cfg.early_reject_delta is not None and (
            isinstance(cfg.early_reject_delta, bool) or not isinstance(cfg.early_reject_delta, (int, float))
            or not math.isfinite(cfg.early_reject_delta) or cfg.early_reject_delta < 0):
        raise ConfigError("early_reject_delta must be None (off) or a finite number >= 0")
    if isinstance(cfg.early_reject_prefix, bool) or not isinstance(cfg.early_reject_prefix, int) \
            or cfg.early_reject_prefix < 1:
        raise ConfigError("early_reject_prefix must be an integer >= 1")
    if cfg.stagnation_generations is not None and (
            isinstance(cfg.stagnation_generations, bool) or not isinstance(cfg.stagnation_generations, int)
            or cfg.stagnation_generations < 1):
        raise ConfigError("stagnation_generations must be None (off) or an integer >= 1")
    if not 0 <= cfg.exploit_prob <= 1 or not 0 < cfg.migration_fraction <= 1:
        raise ConfigError("exploit_prob must be in [0, 1] and migration_fraction in (0, 1]")


def parse_generator(spec: str) -> dict[str, float]:
    """``'offline'`` -> {offline: 1}; ``'llm:0.7,offline:0.3'`` -> {llm: 0.7, offline: 0.3}.

    >>> parse_generator("llm:0.7,offline:0.3")
    {'llm': 0.7, 'offline': 0.3}
    """
    out: dict[str, float] = {}
    for part in str(spec).split(","):
        name, _, weight = part.strip().partition(":")
        if name not in GENERATORS:
            raise ConfigError(f"generator must be one of {', '.join(GENERATORS)} or a mix like "
                              f"'llm:0.7,offline:0.3', got {spec!r}")
        try:
            w = float(weight) if weight else 1.0
        except ValueError:
            raise ConfigError(f"bad generator weight in {spec!r}") from None
        if w < 0 or name in out:
            raise ConfigError(f"generator weights must be >= 0 and names unique: {spec!r}")
        out[name] = w
    if not sum(out.values()):
        raise ConfigError(f"generator weights sum to zero: {spec!r}")
    return out


def parse_models(models: tuple[str, ...]) -> list[tuple[str, float]]:
    """``('a/x@0.8', 'b/y:7b@0.2')`` -> [('a/x', 0.8), ('b/y:7b', 0.2)] (``@`` since names hold colons).

    >>> parse_models(("ollama_chat/qwen2.5:7b@0.2", "openai/gpt-4o-mini"))
    [('ollama_chat/qwen2.5:7b', 0.2), ('openai/gpt-4o-mini', 1.0)]
    """
    out = []
    for m in models:
        name, at, weight = str(m).rpartition("@")
        if not at:
            name, weight = str(m), "1"
        try:
            w = float(weight)
        except ValueError:
            raise ConfigError(f"bad model weight in {m!r} (use NAME@WEIGHT)") from None
        if not name or w < 0:
            raise ConfigError(f"bad model spec {m!r} (use NAME@WEIGHT with WEIGHT >= 0)")
        out.append((name, w))
    if out and not sum(w for _, w in out):
        raise ConfigError("model weights sum to zero")
    return out


def parse_prices(specs: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """``('m=IN,OUT', ...)`` in USD per million tokens -> {m: (USD per input token, USD per output token)}.

    >>> parse_prices(("hosted_vllm/qwen=0.5,1.5",))
    {'hosted_vllm/qwen': (5e-07, 1.5e-06)}
    """
    out: dict[str, tuple[float, float]] = {}
    for spec in specs:
        name, eq, prices = str(spec).rpartition("=")
        parts = prices.split(",")
        try:
            pin, pout = (float(p) for p in parts) if eq and name and len(parts) == 2 else (None, None)
        except ValueError:
            pin = pout = None
        if pin is None or pout is None or not all(math.isfinite(x) and x >= 0 for x in (pin, pout)):
            raise ConfigError(f"bad model price {spec!r}: use MODEL=IN,OUT in USD per million input/output tokens, "
                              "e.g. openai/my-model=0.15,0.6")
        if name in out:
            raise ConfigError(f"model price for {name} given twice")
        out[name] = (pin / 1e6, pout / 1e6)
    return out
