"""The two ways into a ledger, YAML seeds and a record stream, give the same tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml

from ledger import boundary
from ledger.build import build, check_seeds
from ledger.bulk import build_from_records, write_records
from ledger.errors import SeedErrors
from ledger.models import Affiliation, Verification
from ledger.seeds import load_seeds

from .test_rules import claim, relation, tiny_ledger

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


TWO_CLAIMS = [claim("a-one", "One thing happened."), claim("b-two", "Another thing.", "ben", "two")]
LINKED = [relation("a-one", "corroborates", "b-two")]
EVIDENCE = {"by": "curator", "date": "2024-01-01", "rationale": "Test.", "evidence": ["nothing"]}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("relation twice", "relation a-one corroborates b-two is already recorded"),
        ("affiliated with itself", "entity ana: affiliated with itself"),
        ("former id taken", "claim a-one: former_ids.0: 'b-two' is a claim's id"),
        ("unknown evidence", "claim a-one: verification.evidence.0: unknown claim id 'nothing'"),
        ("unknown double", "entity ana: may_be_same_as.0: unknown entity id 'nobody'"),
    ],
)
def test_both_readers_refuse_what_the_validations_refuse(tmp_path, case, message):
    """The checks across records hold on both roads: the YAML loader's VALIDATIONS, and the
    stream's keys and recorded references, each naming the line."""
    claims = [dict(c) for c in TWO_CLAIMS]
    relations, entities = list(LINKED), []
    if case == "relation twice":
        relations.append(relation("a-one", "corroborates", "b-two"))
    elif case == "affiliated with itself":
        entities = [{"id": "ana", "name": "Ana Example", "kind": "person",
                     "affiliations": [{"entity": "ana"}]}]  # fmt: skip
    elif case == "former id taken":
        claims[0]["former_ids"] = ["b-two"]
    elif case == "unknown evidence":
        claims[0].update(status="disputed", verification=EVIDENCE)
    elif case == "unknown double":
        entities = [{"id": "ana", "name": "Ana Example", "kind": "person",
                     "may_be_same_as": ["nobody"]}]  # fmt: skip
    seeds = tiny_ledger(tmp_path, claims, relations, entities)
    with pytest.raises(SeedErrors) as from_yaml:
        load_seeds(seeds)
    assert any(message in str(p) and ".yml:" in str(p) for p in from_yaml.value.problems)

    # The same ledger as a stream: written from the valid ledger, then given the same fault.
    valid = load_seeds(tiny_ledger(tmp_path / "valid", TWO_CLAIMS, LINKED))
    fault = {
        "relation twice": lambda: valid.relations.append(valid.relations[0]),
        "affiliated with itself": lambda: _edit(valid.entities, "ana", affiliations=[
            Affiliation(entity="ana")]),
        "former id taken": lambda: _edit(valid.claims, "a-one", former_ids=["b-two"]),
        "unknown evidence": lambda: _edit(valid.claims, "a-one", status="disputed",
                                          verification=Verification(**EVIDENCE)),
        "unknown double": lambda: _edit(valid.entities, "ana", may_be_same_as=["nobody"]),
    }  # fmt: skip
    fault[case]()
    write_records(valid, tmp_path / "ledger.tsv")
    with pytest.raises(SeedErrors) as from_stream:
        build_from_records(tmp_path / "ledger.tsv", tmp_path / "stream.db")
    assert any(message in str(p) and "ledger.tsv:" in str(p) for p in from_stream.value.problems)
    assert not (tmp_path / "stream.db").exists()


def _edit(records: list, record_id: str, **changes) -> None:
    index = next(i for i, r in enumerate(records) if r.id == record_id)
    records[index] = type(records[index]).model_validate({**records[index].model_dump(), **changes})
