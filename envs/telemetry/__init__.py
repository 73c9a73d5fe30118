"""Telemetry repair (Hodor, HotNets '24): ``telemetry-repair`` / ``adrs/TelemetryRepair-v0``.

Given interface counters, link status and (default variant) external counters of a WAN in which some
signals are faulty, return every value repaired with a confidence (spec
``../shared/docs/telemetry-repair.md``). Function form: ``repair(obs) -> action``.
"""

from adrs.registry import EnvSpec, register

register(EnvSpec(
    env_id="telemetry-repair",
    gym_id="adrs/TelemetryRepair-v0",
    entry_point="adrs.envs.telemetry.env:TelemetryRepairEnv",
    description="Repair faulty WAN interface counters and link status with calibrated confidence (Hodor).",
    package="adrs.envs.telemetry",
))
