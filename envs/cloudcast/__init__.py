"""Multi-cloud broadcast (Cloudcast, NSDI '24): ``cloudcast`` / ``adrs/Cloudcast-v0``.

A source region broadcasts V GB, split into P partitions, to a set of destination regions across AWS,
Azure and GCP through an overlay of relay regions; the plan is one arborescence per partition and the
cost is egress plus VM time (spec ``../shared/docs/cloudcast.md``). Function form: ``plan(instance)``.
"""

from adrs.registry import EnvSpec, register

register(EnvSpec(
    env_id="cloudcast",
    gym_id="adrs/Cloudcast-v0",
    entry_point="adrs.envs.cloudcast.env:CloudcastEnv",
    description="Broadcast a dataset from one cloud region to many (AWS/Azure/GCP) at least egress + VM cost.",
    package="adrs.envs.cloudcast",
))
