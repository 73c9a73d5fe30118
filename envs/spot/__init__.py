"""Spot scheduling (Can't Be Late, NSDI '24): ``cant-be-late`` and ``cant-be-late-multi``."""

from adrs.registry import EnvSpec, register

register(EnvSpec(
    env_id="cant-be-late",
    gym_id="adrs/CantBeLate-v0",
    entry_point="adrs.envs.spot.env:CantBeLateEnv",
    description="Finish a 48 h job before its deadline on spot (preemptible) or on-demand, at least cost.",
    package="adrs.envs.spot",
))
register(EnvSpec(
    env_id="cant-be-late-multi",
    gym_id="adrs/CantBeLateMulti-v0",
    entry_point="adrs.envs.spot.env:CantBeLateMultiEnv",
    description="The same job over N regions: pick instance type and region each tick; moves cost d.",
    package="adrs.envs.spot",
))
