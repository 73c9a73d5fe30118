"""Transaction scheduling (SMF, VLDB '24): ``txn-scheduling`` (offline) and ``txn-scheduling-online``."""

from adrs.registry import EnvSpec, register

register(EnvSpec(
    env_id="txn-scheduling",
    gym_id="adrs/TxnScheduling-v0",
    entry_point="adrs.envs.txn.offline:TxnSchedulingEnv",
    description="Order a batch of transactions with read/write sets to minimise makespan under conflicts.",
    package="adrs.envs.txn",
))
register(EnvSpec(
    env_id="txn-scheduling-online",
    gym_id="adrs/TxnSchedulingOnline-v0",
    entry_point="adrs.envs.txn.online:TxnSchedulingOnlineEnv",
    description="Place arriving transactions irrevocably from a window under a per-decision peek budget.",
    package="adrs.envs.txn",
))
