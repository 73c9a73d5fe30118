"""adrs.envs: one package per problem; importing this registers every environment."""

from adrs.envs import cloudcast, spot  # noqa: F401  (register cloudcast, cant-be-late, cant-be-late-multi)
