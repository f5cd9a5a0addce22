"""The two ways into a ledger, YAML seeds and a record stream, give the same tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml

from ledger import boundary
from ledger.build import build, check_seeds
from ledger.bulk import build_from_records, write_records
from ledger.seeds import load_seeds

from .test_rules import claim, tiny_ledger

ROOT = Path(__file__).resolve().parent.parent
# Derived from the rows or from when and where it was built, not part of the ledger's content.
NOT_COMPARED = {"sqlite_stat1", "ledger_info"}


def table_contents(db: Path) -> dict[str, list]:
    conn = sqlite3.connect(db)
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        if name not in NOT_COMPARED and "_fts" not in name
    ]
    contents = {name: sorted(conn.execute(f"SELECT * FROM [{name}]"), key=repr) for name in names}
    conn.close()
    return contents


def both_ways(seeds: Path, work: Path) -> tuple[dict, dict]:
    build(seeds, work / "yaml.db")
    ledger, _ = check_seeds(seeds)
    write_records(boundary.split(ledger).public, work / "ledger.tsv")
    build_from_records(work / "ledger.tsv", work / "stream.db")
    return table_contents(work / "yaml.db"), table_contents(work / "stream.db")


def test_the_seed_ledger_built_both_ways_gives_the_same_tables(tmp_path):
    from_yaml, from_stream = both_ways(ROOT / "seeds", tmp_path)
    assert len(from_yaml["claims"]) == 362 and len(from_yaml["journal"]) == 72
    assert from_yaml.keys() == from_stream.keys()
    for table in from_yaml:
        assert from_yaml[table] == from_stream[table], table


def test_an_outlets_description_and_an_entity_taking_an_outlets_id_agree(tmp_path):
    seeds = tiny_ledger(tmp_path, [claim("a-said", "Something happened.")])
    outlets = yaml.safe_load((seeds / "outlets.yml").read_text())
    outlets[0]["description"] = "A wire service."
    (seeds / "outlets.yml").write_text(yaml.safe_dump(outlets))
    entities = yaml.safe_load((seeds / "entities.yml").read_text())
    entities.append({"id": "two", "name": "Outlet Two's newsroom", "kind": "media"})
    (seeds / "entities.yml").write_text(yaml.safe_dump(entities))
    load_seeds(seeds)  # valid as YAML
    from_yaml, from_stream = both_ways(seeds, tmp_path)
    assert from_yaml["entities"] == from_stream["entities"]
    by_id = {row[0]: row for row in from_stream["entities"]}
    assert "A wire service." in by_id["one"] and "Outlet Two's newsroom" in by_id["two"]
