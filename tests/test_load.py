"""Readers and a fact-checker at once on a real server: no errors, no lost entries."""

from __future__ import annotations

import pytest

from ledger.scale.loadtest import run

from .conftest import METADATA, SEEDS


@pytest.mark.slow
def test_reads_and_writes_together_lose_nothing(tmp_path):
    figures = run(SEEDS, METADATA, clients=2, requests=60, changes=15, workdir=tmp_path)
    assert figures["errors"] == []
    assert figures["status_changes_posted"] == 15
    assert figures["journal_entries_added"] == 15
    assert figures["audit_ok"]
