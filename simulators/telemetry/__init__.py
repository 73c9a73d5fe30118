"""WAN telemetry simulator for ``telemetry-repair`` (spec ``../shared/docs/telemetry-repair.md`` §2-§4).

:mod:`.network` loads Abilene and routes demand matrices into interface counters, :mod:`.faults` draws
the faults from private seeded generators, :mod:`.metrics` scores repairs and :mod:`.baselines` holds
the named policies.
"""
