"""adrs.simulators.txn: the transaction-scheduling cost model (numba kernel + plain-Python twin)."""
