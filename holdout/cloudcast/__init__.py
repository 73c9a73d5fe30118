"""adrs.holdout.cloudcast: committed generated holdout instances (``holdout.json``)."""
