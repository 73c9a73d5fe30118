"""Configuration of the transaction-scheduling environments (one frozen dataclass per env)."""

from __future__ import annotations

from dataclasses import dataclass

from adrs.config import ConfigError, doc_field
from adrs.simulators.txn.kernel import CC_MODES

BUDGET_TIERS = {"smf": 10, "10x": 100, "100x": 1000}
"""Cost-call budget per transaction: ``smf`` = n·10 (SMF-10 needs 946 for n = 100), ``10x``, ``100x``."""


def budget_calls(budget: str, n: int) -> int | None:
    """Calls allowed on an n-transaction instance: a tier name, an integer string, or ``"none"``."""
    if budget == "none":
        return None
    if budget in BUDGET_TIERS:
        return BUDGET_TIERS[budget] * n
    try:
        value = int(budget)
    except ValueError:
        raise ConfigError(f"budget must be one of {', '.join(BUDGET_TIERS)}, 'none' or an integer; "
                          f"got {budget!r}") from None
    if value < 1:
        raise ConfigError("an integer budget must be at least 1")
    return value


@dataclass(frozen=True)
class TxnConfig:
    """``txn-scheduling``: order a batch of transactions to minimise makespan (spec §5.1–§5.2, §6)."""

    workload: str = doc_field("train", "Instances: 'train' or 'holdout' (embedded manifests), "
                              "'train:ID'/'holdout:ID' (one instance), 'ref' or 'ref:W1'..'ref:W3' (reference "
                              "workloads via ADRS_DATA), a path to a reference-format JSON file, or a JSON "
                              "generator spec such as '{\"template\": \"ycsb\", \"n\": 100, \"seed\": 7}'.")
    mode: str = doc_field("one_step", "Env form: 'one_step' (action = a full permutation) or 'sequential' "
                          "(each step appends one transaction).")
    cc: str = doc_field("opt", "Cost model (spec §2): 'opt' (default; the reference's MVTSO-style model, "
                        "one-slot locks, the only variant with parity numbers); '2pl' (locks held from the op's "
                        "slot to the transaction's end: a write, or any op after a write, starts after the "
                        "latest lock's release; a read after reads shares from the latest read's slot and "
                        "extends the shared lock); 'occ' (as 'opt', but a conflict involving a write waits for "
                        "the end of the transaction owning the latest entry on the key). 2pl/occ also "
                        "recompute the FIFO and SMF references under that model.")
    budget: str = doc_field("10x", "Cost-call budget per instance: 'smf' (10·n), '10x' (100·n), '100x' "
                            "(1000·n), 'none' or an integer.")
    eval_seeds: int = doc_field(3, "R: seeds per instance; metrics are averaged over seeds 0..R-1.")
    strict: bool = doc_field(True, "A budget violation (even a caught BudgetExceeded) invalidates the "
                             "evaluation.")
    cpu_s: float = doc_field(10.0, "CPU-time cap per policy call in seconds (main thread only).")
    invalid_action: str = doc_field("raise", "Sequential form: an already-placed id raises InvalidAction "
                                    "('raise') or truncates the episode with reward -sum(L) ('penalize').")
    relabel: int | None = doc_field(None, "Relabel every instance (seeded txn-id permutation and key "
                                    "renaming) with this seed; None keeps natural ids.")
    instance_index: int | None = doc_field(None, "Env only: use this instance of the set; None draws one "
                                           "per reset from the seed.")

    def __post_init__(self) -> None:
        if self.mode not in ("one_step", "sequential"):
            raise ConfigError(f"mode must be 'one_step' or 'sequential', got {self.mode!r}")
        if self.cc not in CC_MODES:
            raise ConfigError(f"cc must be one of {', '.join(repr(c) for c in CC_MODES)}, got {self.cc!r}")
        if self.invalid_action not in ("raise", "penalize"):
            raise ConfigError(f"invalid_action must be 'raise' or 'penalize', got {self.invalid_action!r}")
        if self.eval_seeds < 1:
            raise ConfigError("eval_seeds must be at least 1")
        budget_calls(self.budget, 100)


PRESETS: dict[str, dict[str, dict]] = {
    "txn-scheduling": {
        "reference": {"workload": "ref"},
        "train": {"workload": "train"},
        "holdout": {"workload": "holdout"},
    },
}
"""Named evaluation sets (``--preset``): config overrides per env id."""


@dataclass(frozen=True)
class TxnOnlineConfig:
    """``txn-scheduling-online``: place arriving transactions irrevocably from a window (spec §5.3)."""

    workload: str = doc_field("train", "Instances, as for TxnConfig.workload.")
    arrival: str = doc_field("batch", "'batch' (all at t = 0), 'poisson' (rate `rate` per slot) or 'trace' "
                             "(`arrival_times`).")
    arrival_order: str = doc_field("natural", "Order of arrivals: 'natural' (id order) or 'shuffled' (seeded).")
    rate: float = doc_field(0.5, "Poisson arrival rate, transactions per slot.")
    arrival_times: tuple[float, ...] = doc_field((), "Trace arrivals: one time per transaction, in id order.")
    cc: str = doc_field("opt", "Cost model, as for TxnConfig.cc ('opt', '2pl' or 'occ').")
    window: int = doc_field(10, "Visible pending transactions (the oldest ones).")
    budget_per_decision: int | None = doc_field(None, "Peeks per decision epoch; None = window.")
    visibility: str = doc_field("full", "'full', 'hot' (ops outside the hot keys shown as '*') or 'partial' "
                                "(each op revealed with probability reveal_p; the rest shown as type 3).")
    hot_keys: int = doc_field(10, "Size of the hot set under visibility='hot' (the most frequent keys).")
    reveal_p: float = doc_field(0.5, "Reveal probability under visibility='partial' (seeded per instance).")
    max_wait: float | None = doc_field(1.0, "Open an epoch once the oldest pending has waited this long "
                                       "(slots); None disables the trigger.")
    decision_latency: float = doc_field(0.0, "Simulated time a decision takes (slots).")
    expose_key_state: bool = doc_field(False, "Add last_write/last_any to the observation.")
    strict: bool = doc_field(True, "Any budget or time-cap violation invalidates an evaluation.")
    max_decision_ms: float = doc_field(50.0, "Hard wall-time cap per decision (function policies), ms.")
    max_mean_decision_ms: float = doc_field(2.0, "Cap on the mean decision time (function policies), ms.")
    eval_seeds: int = doc_field(3, "R: seeds per instance for evaluations.")
    relabel: int | None = doc_field(None, "Relabel every instance with this seed (see TxnConfig).")
    instance_index: int | None = doc_field(None, "Use this instance of the set; None draws one per reset.")

    def __post_init__(self) -> None:
        if self.arrival not in ("batch", "poisson", "trace"):
            raise ConfigError(f"arrival must be 'batch', 'poisson' or 'trace', got {self.arrival!r}")
        if self.arrival_order not in ("natural", "shuffled"):
            raise ConfigError(f"arrival_order must be 'natural' or 'shuffled', got {self.arrival_order!r}")
        if self.visibility not in ("full", "hot", "partial"):
            raise ConfigError(f"visibility must be 'full', 'hot' or 'partial', got {self.visibility!r}")
        if self.cc not in CC_MODES:
            raise ConfigError(f"cc must be one of {', '.join(repr(c) for c in CC_MODES)}, got {self.cc!r}")
        if self.window < 1 or (self.budget_per_decision is not None and self.budget_per_decision < 0):
            raise ConfigError("window must be ≥ 1 and budget_per_decision ≥ 0")
        if self.rate <= 0 or not 0 <= self.reveal_p <= 1:
            raise ConfigError("rate must be positive and reveal_p in [0, 1]")

    @property
    def budget(self) -> int:
        """Peeks allowed per decision epoch."""
        return self.window if self.budget_per_decision is None else self.budget_per_decision
