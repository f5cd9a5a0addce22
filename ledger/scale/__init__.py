"""The ledger at scale: synthetic ledgers, the benchmark and the load test."""
