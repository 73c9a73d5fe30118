"""adrs.traces.cloudcast: real-data importers, synthetic matrices, the instance generator and the
committed train instances (``traces/cloudcast/train.json``; holdout lives in ``holdout/cloudcast/``)."""
