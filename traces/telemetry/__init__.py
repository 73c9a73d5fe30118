"""adrs.traces.telemetry: the generated WAN topologies of ``telemetry-repair`` (train in
``traces/telemetry/train.json``; holdout in ``holdout/telemetry/holdout.json``)."""
