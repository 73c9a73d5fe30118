"""adrs.envs: one package per problem; importing this registers every environment."""

from adrs.envs import cloudcast, spot, telemetry, txn  # noqa: F401  (each package registers its env ids)
