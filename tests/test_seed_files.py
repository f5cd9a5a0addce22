"""Seed files are plain YAML: any standard tool can load and write them back."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from ledger.cli import app

from .test_rules import tiny_ledger

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_a_pyyaml_round_trip_of_every_seed_file_keeps_the_seeds_valid(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    files = sorted(seeds.rglob("*.yml"))
    assert len(files) > 10
    for path in files:
        # PyYAML reads YAML 1.1: `on:` would become `true:`, a bare date a date object.
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    result = runner.invoke(app, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 0, result.output
    assert "362 claims" in result.output


def test_the_old_verification_key_gets_a_message_that_names_the_new_one(tmp_path):
    claim = {
        "doc": "one",
        "id": "a-claim",
        "quote": "The bridge was blown up on Monday.",
        "text": "The bridge was blown up on Monday.",
        "speaker": "ana",
        "speaker_label": "Ana",
        "kind": "event",
        "status": "disputed",
        "verification": {"by": "curator", "on": "2024-02-01", "rationale": "Test."},
    }
    seeds = tiny_ledger(tmp_path, [claim])
    result = runner.invoke(app, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 2
    assert "one.yml:" in result.output
    assert "is now called `date` (was `on`)" in result.output
