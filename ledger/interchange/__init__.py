"""The ledger's exchange with other tools: ClaimReview and JSON lines in and out, JSON Schema."""
