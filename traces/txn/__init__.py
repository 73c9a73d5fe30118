"""adrs.traces.txn: transaction workloads (reference importer, generators, embedded train set)."""
