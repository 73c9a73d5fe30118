"""adrs.envs: one package per problem; importing this registers every environment."""

from adrs.envs import spot  # noqa: F401  (registers cant-be-late, cant-be-late-multi)
