"""The verification rules, each on a minimal ledger that breaks it (and one that does not).

Every fixture is a tiny seed directory written by ``tiny_ledger``: two outlets, a few
speakers, one document per outlet whose paragraphs are the claims' quotes. A rule's test
fails without the rule, because it asserts the finding the rule alone produces.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from datasette_auth_passwords.utils import hash_password
from typer.testing import CliRunner

from ledger import actions, rules, standing
from ledger.audit import verify as audit
from ledger.build import build
from ledger.cli import app
from ledger.files import connect
from ledger.models import Acceptance
from ledger.queries import claim_view, entity_view
from ledger.seeds import load_seeds
from ledger.store import seed_database

from .conftest import PASSWORD, Server, csrf_token, log_in

runner = CliRunner()

ENTITIES = [
    {"id": "ana", "name": "Ana Example", "kind": "person"},
    {"id": "ben", "name": "Ben Example", "kind": "person"},
    {"id": "cleo", "name": "Cleo Example", "kind": "person"},
    {"id": "dan", "name": "Dan Example", "kind": "person"},
    {"id": "wire", "name": "Wire Agency", "kind": "media"},
    {"id": "north-army", "name": "North Army", "kind": "armed-group"},
    {"id": "south-militia", "name": "South Militia", "kind": "armed-group"},
]


def claim(id, quote, speaker="ana", doc="one", **fields):
    """A claim of document ``doc`` whose restatement is its quote, unless given."""
    return {
        "doc": doc,
        "id": id,
        "quote": quote,
        "text": fields.pop("text", quote),
        "speaker": speaker,
        "speaker_label": fields.pop("speaker_label", speaker.capitalize()),
        "kind": fields.pop("kind", "event"),
        **fields,
    }


def verified(status, rationale="Set for the test.", evidence=("https://example.org/x",)):
    return {
        "status": status,
        "verification": {
            "by": "curator",
            "date": "2024-02-01",
            "rationale": rationale,
            "evidence": list(evidence),
        },
    }


def relation(a, kind, b):
    return {"claim": a, "kind": kind, "other": b, "note": f"{a} {kind} {b}", "by": "curator"}


def tiny_ledger(
    root: Path,
    claims: list[dict],
    relations: list[dict] = (),
    entities: list[dict] = (),
    questions: list[dict] = (),
) -> Path:
    """Write a seed directory holding these claims; return its path."""
    seeds = root / "seeds"
    (seeds / "documents").mkdir(parents=True)
    outlets = [
        {"id": "one", "name": "Outlet One", "kind": "news-site"},
        {"id": "two", "name": "Outlet Two", "kind": "news-site"},
    ]
    actors = [
        {"id": "curator", "name": "Curator", "role": "curator"},
        {"id": "checker", "name": "Checker", "role": "fact-checker"},
    ]
    extra = {e["id"]: e for e in entities}
    files = {
        "outlets.yml": outlets,
        "actors.yml": actors,
        "entities.yml": [extra.pop(e["id"], e) for e in ENTITIES] + list(extra.values()),
        "relations.yml": list(relations),
        "questions.yml": list(questions),
    }
    for name, data in files.items():
        (seeds / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for outlet in ("one", "two"):
        mine = [dict(c) for c in claims if c["doc"] == outlet]
        text = "Headline\n" + "".join(c.pop("paragraph", c["quote"]) + "\n" for c in mine)
        for c in mine:
            del c["doc"]
        (seeds / "documents" / f"{outlet}.txt").write_text(text, encoding="utf-8")
        document = {
            "id": outlet,
            "outlet": outlet,
            "title": f"Report of outlet {outlet}",
            "published": "2024-01-10",
            "text_file": f"{outlet}.txt",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "credit": "Invented for the tests.",
            "claims": mine,
        }
        (seeds / "documents" / f"{outlet}.yml").write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return seeds


def findings_of(seeds: Path, rule: str | None = None) -> list[rules.Finding]:
    found = rules.run_rules(seed_database(load_seeds(seeds)))
    return [f for f in found if rule is None or f.rule.value == rule]


def open_findings(seeds: Path, rule: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.severity.value, f.claims) for f in findings_of(seeds, rule) if not f.accepted]


# -- independence --------------------------------------------------------------------------

SUPPORTED = claim(
    "a-bridge-blown", "The bridge was blown up on Monday.", **verified("corroborated", evidence=[])
)


@pytest.mark.parametrize(
    ("support", "extra", "why"),
    [
        (claim("b-same", "The bridge went down on Monday.", speaker="ana"), {}, "same speaker"),
        (
            claim("b-inferred", "The bridge went down on Monday.", "ben", speaker_inferred=True),
            {},
            "inferred",
        ),
        (
            claim("b-double", "The bridge went down on Monday.", "ben", "two"),
            {"entities": [{**ENTITIES[1], "may_be_same_as": ["ana"]}]},
            "may be the same",
        ),
        (
            claim("b-echo", "The bridge went down on Monday.", "ben", "two"),
            {"relations": [relation("b-echo", "repeats", "a-bridge-blown")]},
            "repeats",
        ),
        (
            claim(
                "b-relayed",
                "The bridge went down on Monday.",
                "ben",
                "two",
                via=[{"entity": "wire", "cue": "according to"}],
            ),
            {"first_via": [{"entity": "wire", "cue": "according to"}]},
            "same source",
        ),
        (
            claim("b-outlet", "The bridge went down on Monday.", speaker="one"),
            {},
            "outlet restating",
        ),
        # One quote given to two speakers at once: either of them is the same source.
        (
            claim("b-co-speaker", "The bridge went down on Monday.", "ben", "two"),
            {"first": {"also_said_by": ["ben"]}},
            "same speaker",
        ),
        (
            claim("b-shared", "The bridge went down.", "cleo", "two", also_said_by=["ana"]),
            {},
            "same speaker",
        ),
    ],
)
def test_independence_refuses_support_that_is_not_independent(tmp_path, support, extra, why):
    first = dict(SUPPORTED, via=extra["first_via"]) if "first_via" in extra else SUPPORTED
    first = dict(first, **extra.get("first", {}))
    seeds = tiny_ledger(
        tmp_path,
        [first, support],
        [relation(support["id"], "corroborates", "a-bridge-blown"), *extra.get("relations", [])],
        extra.get("entities", []),
    )
    found = findings_of(seeds, "independence")
    assert [(f.severity.value, f.claims) for f in found] == [("error", ("a-bridge-blown",))]
    assert why in found[0].message


def test_an_entity_that_may_be_another_says_so_on_both_pages(tmp_path):
    ben = {**ENTITIES[1], "may_be_same_as": ["ana"]}
    db = tmp_path / "ledger.db"
    build(tiny_ledger(tmp_path, [SUPPORTED | {"status": "unverified", "verification": None}],
                      entities=[ben]), db)  # fmt: skip
    assert [e["id"] for e in entity_view(db, "ana")["entity"]["may_be_same_as"]] == ["ben"]
    assert [e["id"] for e in entity_view(db, "ben")["entity"]["may_be_same_as"]] == ["ana"]


def test_independence_accepts_one_independent_source(tmp_path):
    support = claim("b-witness", "The bridge went down on Monday.", "ben", "two")
    seeds = tiny_ledger(
        tmp_path, [SUPPORTED, support], [relation("b-witness", "corroborates", "a-bridge-blown")]
    )
    assert findings_of(seeds, "independence") == []
    conn = seed_database(load_seeds(seeds))
    assert conn.execute(
        "SELECT independent_supports FROM claims WHERE id = 'a-bridge-blown'"
    ).fetchone() == (1,)


def test_independence_needs_a_corroborating_claim_or_an_outside_source(tmp_path):
    seeds = tiny_ledger(tmp_path / "a", [SUPPORTED])
    assert open_findings(seeds, "independence") == [("error", ("a-bridge-blown",))]
    cited = dict(SUPPORTED, **verified("corroborated", evidence=["https://example.org/photo"]))
    assert findings_of(tiny_ledger(tmp_path / "b", [cited]), "independence") == []


# -- circular support ----------------------------------------------------------------------


def circle(tmp_path, second_speaker: str, second_evidence=("a-bridge-blown",)) -> Path:
    a = claim(
        "a-bridge-blown",
        "The bridge was blown up on Monday.",
        **verified("corroborated", evidence=["b-bridge-down"]),
    )
    b = claim(
        "b-bridge-down",
        "The bridge went down on Monday.",
        second_speaker,
        "two",
        **verified("corroborated", evidence=list(second_evidence)),
    )
    return tiny_ledger(tmp_path, [a, b], [relation("b-bridge-down", "corroborates", a["id"])])


def test_circular_support_without_two_independent_sources_is_an_error(tmp_path):
    seeds = circle(tmp_path, "ana")  # one speaker: the circle is one voice
    assert open_findings(seeds, "circular-support") == [
        ("error", ("a-bridge-blown", "b-bridge-down"))
    ]


def test_a_circle_of_independent_sources_or_with_a_ground_outside_is_not_circular(tmp_path):
    assert findings_of(circle(tmp_path / "a", "ben"), "circular-support") == []
    grounded = circle(tmp_path / "b", "ana", ("a-bridge-blown", "https://example.org/photo"))
    assert findings_of(grounded, "circular-support") == []


# -- evidence is linked ------------------------------------------------------------------------


def test_evidence_must_be_related_to_the_claim(tmp_path):
    a = claim(
        "a-bridge-blown",
        "The bridge was blown up on Monday.",
        **verified("contested", evidence=["b-bridge-intact"]),
    )
    b = claim("b-bridge-intact", "The bridge is intact.", "ben", "two")
    unlinked = tiny_ledger(tmp_path / "a", [a, b])
    assert open_findings(unlinked, "evidence-linked") == [
        ("error", ("a-bridge-blown", "b-bridge-intact"))
    ]
    linked = tiny_ledger(
        tmp_path / "b", [a, b], [relation("a-bridge-blown", "contradicts", "b-bridge-intact")]
    )
    assert findings_of(linked, "evidence-linked") == []


# -- contradictions are faced ------------------------------------------------------------------


def opposed_ledger(tmp_path, status_b: str, rationale_a: str = "Set for the test.") -> Path:
    claims = [
        claim("a-killed-monday", "He was killed on Monday.", "ana", "one", **verified(
            "corroborated", rationale_a, ["c-killed-monday"])),
        claim("c-killed-monday", "He died on Monday.", "cleo", "two"),
        claim("b-killed-friday", "He was killed on Friday.", "ben", "two", **(
            verified(status_b, evidence=["d-killed-friday"]) if status_b != "unverified" else {}
        )),
        claim("d-killed-friday", "He died on Friday.", "dan", "one"),
    ]  # fmt: skip
    return tiny_ledger(
        tmp_path,
        claims,
        [
            relation("c-killed-monday", "corroborates", "a-killed-monday"),
            relation("d-killed-friday", "corroborates", "b-killed-friday"),
            relation("a-killed-monday", "contradicts", "b-killed-friday"),
        ],
    )


def test_contradicting_claims_cannot_both_stand(tmp_path):
    seeds = opposed_ledger(tmp_path, "corroborated")
    assert open_findings(seeds, "contradictions-faced") == [
        ("error", ("a-killed-monday", "b-killed-friday"))
    ]


def test_a_claim_against_an_equal_rival_is_contested_unless_its_rationale_says_why(tmp_path):
    seeds = opposed_ledger(tmp_path / "a", "unverified")
    assert open_findings(seeds, "contradictions-faced") == [
        ("warning", ("a-killed-monday", "b-killed-friday"))
    ]
    addressed = opposed_ledger(
        tmp_path / "b", "unverified", "The Friday account (b-killed-friday) misdates the raid."
    )
    assert findings_of(addressed, "contradictions-faced") == []


# -- like situations ---------------------------------------------------------------------------


def test_opposed_versions_standing_equal_get_like_statuses(tmp_path):
    claims = [
        claim("a-north-did-it", "North Army did it.", "ana", **verified("contested")),
        claim("b-south-did-it", "South Militia did it.", "ben", "two"),
    ]
    seeds = tiny_ledger(
        tmp_path, claims, [relation("a-north-did-it", "competes", "b-south-did-it")]
    )
    assert open_findings(seeds, "like-situations") == [
        ("warning", ("a-north-did-it", "b-south-did-it"))
    ]


def test_a_standoff_left_unverified_is_compared_with_one_contested_elsewhere(tmp_path):
    questions = [
        {"id": "who-blew-the-bridge", "title": "Who blew up the bridge?"},
        {"id": "who-shelled-the-market", "title": "Who shelled the market?"},
    ]
    contested = verified("contested")
    claims = [
        claim("a-north-bridge", "North Army blew it.", "ana", question="who-blew-the-bridge",
              **contested),
        claim("b-south-bridge", "South Militia blew it.", "ben", "two",
              question="who-blew-the-bridge", **contested),
        claim("c-north-market", "North Army shelled it.", "cleo",
              question="who-shelled-the-market"),
        claim("d-south-market", "South Militia shelled it.", "dan", "two",
              question="who-shelled-the-market"),
    ]  # fmt: skip
    seeds = tiny_ledger(
        tmp_path,
        claims,
        [
            relation("a-north-bridge", "competes", "b-south-bridge"),
            relation("c-north-market", "competes", "d-south-market"),
        ],
        questions=questions,
    )
    found = findings_of(seeds, "like-situations")
    assert [(f.severity.value, f.claims) for f in found] == [
        ("warning", ("c-north-market", "d-south-market"))
    ]
    assert "a-north-bridge and b-south-bridge" in found[0].message


# -- every version of a disputed question is linked ----------------------------------------


def versions_ledger(tmp_path) -> Path:
    question = {"id": "who-blew-the-bridge", "title": "Who blew up the bridge?"}
    claims = [
        claim("a-north-bridge", "North Army blew it.", "ana", question=question["id"],
              subjects=[{"entity": "north-army", "role": "accused"}]),
        claim("b-south-bridge", "South Militia blew it.", "ben", "two", question=question["id"],
              subjects=[{"entity": "south-militia", "role": "accused"}]),
    ]  # fmt: skip
    return tiny_ledger(tmp_path, claims, questions=[question])


def test_differing_versions_of_a_question_get_a_derived_relation(tmp_path):
    conn = seed_database(load_seeds(versions_ledger(tmp_path)))
    derived = conn.execute(
        "SELECT claim_id, kind, other_claim_id, origin, note FROM relations"
    ).fetchall()
    assert [row[:4] for row in derived] == [
        ("a-north-bridge", "competes", "b-south-bridge", "derived")
    ]
    assert "North Army against South Militia" in derived[0][4]
    assert rules.run_rules(conn) == [] or all(
        f.rule.value != "question-versions-linked" for f in rules.run_rules(conn)
    )
    conn.execute("DELETE FROM relations")  # as a ledger built without the derivation
    assert [(f.severity.value, f.claims) for f in rules.question_versions_linked(conn, None)] == [
        ("warning", ("a-north-bridge", "b-south-bridge"))
    ]


# -- a restatement says no more than its quote -----------------------------------------------


def test_a_restatement_adding_a_number_or_name_is_flagged_and_can_be_accepted(tmp_path):
    wordy = claim(
        "a-bridge-blown",
        "The bridge was blown up",
        text="North Army blew up 3 bridges near Riverton.",
        paragraph="The bridge was blown up, residents said.",
    )
    seeds = tiny_ledger(tmp_path / "a", [wordy])
    found = findings_of(seeds, "restatement-within-quote")
    assert [(f.severity.value, f.claims) for f in found] == [("warning", ("a-bridge-blown",))]
    assert "“3”" in found[0].message and "“Riverton”" in found[0].message
    assert "“North”" in found[0].message
    accepted = dict(
        wordy,
        accepted=[{"rule": "restatement-within-quote", "rationale": "Named in the headline."}],
    )
    found = findings_of(tiny_ledger(tmp_path / "b", [accepted]), "restatement-within-quote")
    assert [f.accepted for f in found] == ["Named in the headline."]


def test_errors_cannot_be_accepted():
    with pytest.raises(ValueError, match="errors cannot be accepted"):
        Acceptance(rule="independence", rationale="Trust me.")


# -- the rules in the commands and the actions ------------------------------------------------


def test_check_reports_rule_errors_and_exits_2(tmp_path):
    seeds = tiny_ledger(tmp_path, [SUPPORTED])
    result = runner.invoke(app, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 2
    assert "independence" in result.output and "a-bridge-blown" in result.output


def test_verify_refuses_a_rule_error_and_records_nothing(tmp_path):
    seeds = tiny_ledger(tmp_path, [SUPPORTED | {"status": "unverified", "verification": None}])
    db = tmp_path / "ledger.db"
    build(seeds, db)
    with pytest.raises(actions.Refused, match="independence"):
        actions.verify(db, "a-bridge-blown", "corroborated", "checker", "Looks right")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM journal").fetchone() == (0,)


def test_a_claim_becoming_false_lists_the_claims_resting_on_it(tmp_path):
    claims = [
        claim("a-bridge-blown", "The bridge was blown up on Monday.", "ana",
              **verified("corroborated", evidence=["b-witness"])),
        claim("b-witness", "The bridge went down on Monday.", "ben", "two"),
        claim("c-echo", "Outlet One says the bridge was blown up.", "cleo", "two"),
    ]  # fmt: skip
    seeds = tiny_ledger(
        tmp_path,
        claims,
        [
            relation("b-witness", "corroborates", "a-bridge-blown"),
            relation("c-echo", "repeats", "b-witness"),
        ],
    )
    db = tmp_path / "ledger.db"
    build(seeds, db)
    recorded = actions.verify(
        db, "b-witness", "false", "checker", "Photos show the bridge", ["https://example.org/p"]
    )
    assert {a["id"]: a["how"] for a in recorded.affected} == {
        "a-bridge-blown": ["cites it as evidence for its status", "counts it as corroboration"],
        "c-echo": ["repeats it"],
    }
    # The change is recorded; its consequence for a-bridge-blown is reported, not refused.
    assert [(f["rule"], f["claims"]) for f in recorded.findings] == [
        ("independence", ["a-bridge-blown"])
    ]
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT independent_supports FROM claims WHERE id = 'a-bridge-blown'"
    ).fetchone() == (0,)
    assert standing.drift(conn) == []


def test_a_fact_checker_accepts_a_warning_through_the_journal(tmp_path):
    claims = [
        claim("a-north-did-it", "North Army did it.", "ana"),
        claim("b-south-did-it", "South Militia did it.", "ben", "two"),
    ]
    seeds = tiny_ledger(
        tmp_path, claims, [relation("a-north-did-it", "competes", "b-south-did-it")]
    )
    db = tmp_path / "ledger.db"
    build(seeds, db)
    recorded = actions.verify(
        db,
        "a-north-did-it",
        "contested",
        "checker",
        "Two versions",
        accept="The South Militia account is a rumour we are still tracing.",
    )
    assert recorded.accepted_rules == ["like-situations"]
    assert [f["accepted"] for f in recorded.findings] == [
        "The South Militia account is a rumour we are still tracing."
    ]
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT rule, accepted_by, journal_seq FROM accepted_warnings"
    ).fetchall() == [("like-situations", "checker", 2)]


def test_relations_keep_the_reason_columns_current(tmp_path):
    claims = [
        claim("a-bridge-blown", "The bridge was blown up on Monday.", "ana"),
        claim("b-bridge-intact", "The bridge is intact.", "ben", "two"),
    ]
    db = tmp_path / "ledger.db"
    build(tiny_ledger(tmp_path, claims), db)
    actions.relate(db, "a-bridge-blown", "contradicts", "b-bridge-intact", "checker", "Intact")
    conn = sqlite3.connect(db)
    columns = "contradicted_by, contradicted_by_other_report"
    assert conn.execute(f"SELECT {columns} FROM claims ORDER BY id").fetchall() == [(1, 1), (1, 1)]
    actions.unrelate(db, "a-bridge-blown", "contradicts", "b-bridge-intact", "checker", "Wrong")
    assert conn.execute(f"SELECT {columns} FROM claims ORDER BY id").fetchall() == [(0, 0), (0, 0)]
    assert standing.drift(conn) == []


# -- over HTTP: the claim page's "why" and the Atom feed of status changes -----------------------


@pytest.fixture
def served(tmp_path):
    claims = [
        claim("a-bridge-blown", "The bridge was blown up on Monday.", "ana",
              **verified("corroborated", "Ben saw it too.", ["b-witness"])),
        claim("b-witness", "The bridge went down on Monday.", "ben", "two"),
        claim("c-same-voice", "Ana again: the bridge is gone.", "ana", "two"),
        claim("d-intact", "The bridge stands.", "dan", "two"),
    ]  # fmt: skip
    seeds = tiny_ledger(
        tmp_path,
        claims,
        [
            relation("b-witness", "corroborates", "a-bridge-blown"),
            relation("c-same-voice", "corroborates", "a-bridge-blown"),
            relation("d-intact", "contradicts", "a-bridge-blown"),
        ],
    )
    db = tmp_path / "ledger.db"
    build(seeds, db)
    actions.verify(db, "d-intact", "false", "checker", "Photos", ["https://example.org/p"])
    server = Server(db)
    yield server, db
    server.stop()


def test_claim_page_says_why_it_has_its_status(served):
    server, db = served
    with server.client() as client:
        page = client.get("/ledger/claims/a-bridge-blown").text
    why = page.split('id="why"', 1)[1].split("</section>", 1)[0]
    assert "Corroborated: 1 independent source supports it (of 2 corroborating claims)" in why
    assert 'data-claim="b-witness"' in why and "independent</span>" in why
    assert "does not count: the same speaker" in why
    assert 'data-claim="d-intact"' in why and "(another report)" in why
    assert "Every rule holds for this claim." in why
    assert claim_view(db, "a-bridge-blown")["why"]["independent_supports"] == 1


def test_status_changes_are_an_atom_feed(served):
    server, _ = served
    with server.client() as client:
        response = client.get("/ledger/status_changes.atom")
        facet = client.get("/ledger/claims.json?contradicted_by_other_report__gt=0&_shape=array")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{atom}feed" and feed.find(f"{atom}title").text == "Status changes"
    entries = feed.findall(f"{atom}entry")
    titles = [e.find(f"{atom}title").text for e in entries]
    assert titles == ["d-intact: Unverified → False", "a-bridge-blown: Unverified → Corroborated"]
    newest = entries[0]
    assert newest.find(f"{atom}link").get("href") == "/ledger/claims/d-intact"
    assert "Why: Photos" in newest.find(f"{atom}content").text
    assert newest.find(f"{atom}author/{atom}name").text == "Checker"
    assert {row["id"] for row in json.loads(facet.text)} == {"a-bridge-blown", "d-intact"}


def test_a_derived_relation_is_confirmed_or_withdrawn_like_a_suggestion(tmp_path):
    seeds = versions_ledger(tmp_path)
    db = tmp_path / "ledger.db"
    build(seeds, db)
    actions.relate(
        db, "a-north-bridge", "competes", "b-south-bridge", "checker", "Two versions of the deed"
    )
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT origin, journal_seq FROM relations").fetchall() == [("curated", 1)]
    conn.close()
    assert journal_audit(db).ok
    build(seeds, db)  # the rebuild derives the relation again, then replays the confirmation
    assert journal_audit(db).ok
    actions.unrelate(db, "b-south-bridge", "competes", "a-north-bridge", "checker", "Not a rival")
    build(seeds, db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM relations").fetchone() == (0,)
    conn.close()
    assert journal_audit(db).ok


def journal_audit(db: Path):
    conn = connect(db).conn
    try:
        return audit(conn)
    finally:
        conn.close()


# -- the command line ----------------------------------------------------------------------------


def test_show_verify_and_audit_print_what_the_rules_say(tmp_path):
    claims = [
        claim("a-north-did-it", "North Army did it.", "ana"),
        claim("b-south-did-it", "South Militia did it.", "ben", "two"),
    ]
    relations = [relation("a-north-did-it", "competes", "b-south-did-it")]
    db = tmp_path / "ledger.db"
    build(tiny_ledger(tmp_path, claims, relations), db)
    verified = runner.invoke(
        app,
        ["verify", "a-north-did-it", "--status", "contested", "--by", "checker"]
        + ["--note", "Two versions", "--accept", "A rumour still traced", "--db", str(db)],
    )
    assert verified.exit_code == 0, verified.output
    assert "warning: like-situations:" in verified.output
    assert "warnings accepted: like-situations" in verified.output
    shown = runner.invoke(app, ["show", "a-north-did-it", "--db", str(db)])
    assert "why: Contested: 0 independent sources support it" in shown.output
    assert "competes: b-south-did-it (Ben Example, Outlet Two, another report)" in shown.output
    assert "(accepted: A rumour still traced)" in shown.output
    assert runner.invoke(app, ["audit", "--db", str(db)]).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE claims SET contradicted_by = 7 WHERE id = 'a-north-did-it'")
    conn.commit()
    conn.close()
    audited = runner.invoke(app, ["audit", "--db", str(db)])
    assert audited.exit_code == 1
    assert "claim a-north-did-it: independent_supports, contradicted_by" in audited.output


def test_the_web_form_refuses_an_error_and_records_an_accepted_warning(tmp_path, login_metadata):
    claims = [
        claim("a-north-did-it", "North Army did it.", "ana"),
        claim("b-south-did-it", "South Militia did it.", "ben", "two"),
    ]
    relations = [relation("a-north-did-it", "competes", "b-south-did-it")]
    db = tmp_path / "ledger.db"
    build(tiny_ledger(tmp_path, claims, relations), db)
    digest = hash_password(PASSWORD)
    server = Server(
        db,
        env={"TEST_HASH_CHECKER": digest, "TEST_HASH_READER": digest},
        metadata=login_metadata,
    )
    page_url = "/ledger/claims/a-north-did-it"
    post_url = "/-/ledger/ledger/claims/a-north-did-it/verify"
    try:
        with server.client() as client:
            log_in(client, "checker")
            form = {"rationale": "Looks right", "evidence": "", "accept": ""}
            token = csrf_token(client.get(page_url).text)
            client.post(post_url, data={**form, "status": "corroborated", "csrftoken": token})
            refused = client.get(page_url).text
            token = csrf_token(refused)
            accepted = {"accept": "The South Militia account is a rumour", "csrftoken": token}
            client.post(post_url, data={**form, "status": "contested", **accepted})
            recorded = client.get(page_url).text
    finally:
        server.stop()
    assert "Not recorded: the rules refuse this change: error: independence:" in refused
    assert "Recorded as journal entry 1." in recorded
    assert "warning: like-situations:" in recorded
    assert "Accepted: The South Militia account is a rumour" in recorded
