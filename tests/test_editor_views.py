"""Editors' pages on the seed ledger, over real HTTP: claim, entity, place, questions, charts."""

from __future__ import annotations

import re
from html import unescape

import pytest

from ledger.build import check

from .conftest import SEEDS


@pytest.fixture(scope="module")
def ledger():
    return check(SEEDS)


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_a_contradiction_shows_on_both_claims_pages(http, ledger):
    relation = next(r for r in ledger.relations if r.kind.value == "contradicts")
    for this, other in ((relation.claim, relation.other), (relation.other, relation.claim)):
        html = http.get(f"/ledger/claims/{this}").text
        group = html.split('data-kind="contradicts"', 1)[1].split("</table>", 1)[0]
        assert f'data-other="{other}"' in group
        assert " ".join(relation.note.split()) in " ".join(text_of(group).split())


def test_claim_page_shows_speaker_aliases_outlet_and_document(http, ledger):
    claim = next(
        c
        for c in ledger.claims
        if c.speaker == "muayad-al-harfoush"
        or "muayad-al-harfoush" in {s.entity for s in c.subjects}
    )
    html = http.get(f"/ledger/claims/{claim.id}").text
    assert "/ledger/documents/" + claim.document in html
    assert "/ledger/outlets/" + claim.outlet in html
    assert "Status history" in html


def test_competing_attributions_page_lists_every_version(http, ledger):
    html = http.get("/-/questions").text
    question = "who-stands-behind-is-in-daraa"
    block = html.split(f'data-question="{question}"', 1)[1].split("</section>", 1)[0]
    shown = set(re.findall(r'data-claim-id="([^"]+)"', block))
    expected = {c.id for c in ledger.claims if c.question == question}
    assert shown == expected and len(expected) >= 2


def test_home_page_and_listed_claims_link_to_the_questions_page(http, ledger):
    assert 'href="/-/questions"' in http.get("/").text
    claim = next(c for c in ledger.claims if c.question == "killing-of-osama-al-azizi")
    html = http.get(f"/ledger/claims/{claim.id}").text
    assert "/-/questions#killing-of-osama-al-azizi" in html


@pytest.mark.parametrize(
    ("alias", "entity"),
    [("Harfoush", "muayad-al-harfoush"), ("JKW", "jkw"), ("Eighth Division", "eighth-brigade")],
)
def test_alias_search_finds_the_entity_and_its_claims(http, alias, entity):
    found = http.get("/ledger/entities.json", params={"_search": alias, "_shape": "objects"})
    assert entity in {row["id"] for row in found.json()["rows"]}
    claims = http.get(
        "/ledger/claims.json", params={"_search": alias, "_shape": "objects", "_size": "max"}
    ).json()["rows"]
    page = http.get(f"/ledger/entities/{entity}").text
    about_or_said = set(re.findall(r'href="/ledger/claims/([^"]+)"', page))
    assert claims and {row["id"] for row in claims} & about_or_said


def test_place_alias_search_finds_the_place(http):
    rows = http.get("/ledger/places.json", params={"_search": "Jasim", "_shape": "objects"}).json()[
        "rows"
    ]
    assert "jassim" in {row["id"] for row in rows}


def test_entity_page_groups_claims_by_status(http, ledger):
    html = http.get("/ledger/entities/abu-ishaq").text
    said = [c for c in ledger.claims if "abu-ishaq" in c.speakers]
    assert "What Abu Ishaq said" in html
    assert f"({len(said)})" in html
    for claim in said:
        assert f'/ledger/claims/{claim.id}"' in html


def test_timeline_counts_every_dated_claim(http, ledger):
    html = http.get("/-/timeline?by=said").text
    counts = [int(n) for n in re.findall(r'data-count="(\d+)"', html)]
    assert sum(counts) == len(ledger.claims)  # every claim has a date said
    assert "<svg" in html


def test_map_query_has_coordinates_for_every_place_with_claims(http, ledger):
    rows = http.get("/ledger/claims_map.json?_shape=objects").json()["rows"]
    used = {p for c in ledger.claims for p in c.places}
    assert {row["place_id"] for row in rows} == used
    assert all(row["latitude"] is not None and row["longitude"] is not None for row in rows)
    assert "datasette-cluster-map" in http.get("/ledger/claims_map").text
