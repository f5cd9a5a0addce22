"""claim-ledger: a verification ledger for claims made in news reporting."""

__version__ = "0.1.0"
