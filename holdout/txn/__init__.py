"""adrs.holdout.txn: the committed held-out transaction workloads."""
