"""ClaimReview export and import, and the lossless JSON lines round trip."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from ledger import actions
from ledger.build import build
from ledger.cli import app
from ledger.export import RATINGS
from ledger.importers import claim_reviews_in, rating_status
from ledger.vocabulary import Status

runner = CliRunner()
REQUIRED_REVIEW = {
    "@context",
    "@type",
    "url",
    "claimReviewed",
    "datePublished",
    "author",
    "reviewRating",
    "itemReviewed",
}


def export_reviews(db) -> list[dict]:
    result = runner.invoke(
        app,
        [
            "export",
            "claimreview",
            "--db",
            str(db),
            "--base-url",
            "https://ledger.example.org",
            "--organization",
            "Example Desk",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_claimreview_has_the_required_fields(mini_db):
    actions.verify(
        mini_db,
        "daily-200-homes",
        "false",
        "checker",
        "Register says 120",
        ["https://example.org/register"],
    )
    reviews = export_reviews(mini_db)
    # Settled: the seed's disputed claim and the claim just marked false; not the unverified.
    assert sorted(r["url"].rsplit("/", 1)[1] for r in reviews) == [
        "daily-200-homes",
        "weekly-novak-warnings-sent",
    ]
    for review in reviews:
        assert REQUIRED_REVIEW <= set(review)
        assert review["@type"] == "ClaimReview"
        assert review["author"] == {"@type": "Organization", "name": "Example Desk"}
        rating = review["reviewRating"]
        assert {"ratingValue", "bestRating", "worstRating", "alternateName"} <= set(rating)
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        item = review["itemReviewed"]
        assert item["@type"] == "Claim" and item["author"]["name"]
        assert item["appearance"][0]["url"] and item["firstAppearance"]["headline"]
    false = next(r for r in reviews if r["url"].endswith("daily-200-homes"))
    assert false["reviewRating"]["alternateName"] == "False"
    assert false["itemReviewed"]["author"]["name"] == "Riverton town council"
    assert false["datePublished"] == false["datePublished"][:10]


def test_unsettled_statuses_are_not_exported():
    assert set(RATINGS) == {"confirmed", "corroborated", "disputed", "false"}


def test_exported_reviews_reimport_with_their_ratings(mini_db, mini_seeds, tmp_path):
    actions.verify(
        mini_db,
        "daily-200-homes",
        "false",
        "checker",
        "Register says 120",
        ["https://example.org/register"],
    )
    reviews = export_reviews(mini_db)
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "DataFeed",
                "dataFeedElement": [{"@type": "DataFeedItem", "item": reviews}],
            }
        )
    )
    result = runner.invoke(
        app, ["import", "claimreview", str(feed), "--seeds", str(mini_seeds), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["claims"] == 2
    db = tmp_path / "reimported.db"
    build(mini_seeds, db)
    conn = sqlite3.connect(db)
    imported = dict(
        conn.execute(
            "SELECT text, status FROM claims WHERE document_id LIKE 'claimreview-%'"
        ).fetchall()
    )
    assert imported == {
        "More than 200 homes were flooded in Riverton.": "false",
        "The gates were opened after warnings were sent to every household.": "disputed",
    }
    # The speaker is matched to the existing entity by name.
    assert (
        conn.execute(
            "SELECT speaker_id FROM claims WHERE text LIKE 'More than 200%' AND "
            "document_id LIKE 'claimreview-%'"
        ).fetchone()[0]
        == "riverton-council"
    )
    # Importing the same file twice is refused and writes nothing more.
    before = sorted(p.name for p in (mini_seeds / "documents").iterdir())
    again = runner.invoke(app, ["import", "claimreview", str(feed), "--seeds", str(mini_seeds)])
    assert again.exit_code == 1 and "already imported" in again.output
    assert sorted(p.name for p in (mini_seeds / "documents").iterdir()) == before


@pytest.mark.parametrize(
    "wrap",
    [
        lambda r: r,
        lambda r: [r],
        lambda r: {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, r]},
        lambda r: {"@type": "DataFeed", "dataFeedElement": [{"@type": "DataFeedItem", "item": r}]},
    ],
)
def test_every_json_ld_shape_is_read(wrap):
    review = {"@type": "ClaimReview", "claimReviewed": "x"}
    assert claim_reviews_in(wrap(review)) == [review]


@pytest.mark.parametrize(
    ("rating", "status"),
    [
        ({"alternateName": "Pants on Fire", "ratingValue": 0}, Status.FALSE),
        ({"alternateName": "Mostly True"}, Status.CORROBORATED),
        ({"ratingValue": 5, "bestRating": 5, "worstRating": 1}, Status.CONFIRMED),
        ({"ratingValue": 2, "bestRating": 5, "worstRating": 1}, Status.DISPUTED),
        ({"ratingValue": 3, "bestRating": 5, "worstRating": 1}, Status.CONTESTED),
        ({"alternateName": "Zany"}, Status.UNVERIFIED),
    ],
)
def test_ratings_map_to_statuses(rating, status):
    assert rating_status(rating) is status


def test_import_of_a_file_without_reviews_is_an_error(mini_seeds, tmp_path):
    empty = tmp_path / "none.json"
    empty.write_text('{"@type": "WebPage"}')
    result = runner.invoke(app, ["import", "claimreview", str(empty), "--seeds", str(mini_seeds)])
    assert result.exit_code == 1
    assert "no ClaimReview found" in result.output


def test_jsonl_round_trip_is_byte_identical(mini_db, tmp_path):
    actions.verify(
        mini_db,
        "daily-200-homes",
        "confirmed",
        "checker",
        "Register",
        ["https://example.org/register"],
    )
    actions.relate(
        mini_db,
        "daily-novak-reservoir",
        "competes",
        "daily-engineer-no-warning",
        "checker",
        "Two reasons for the release",
    )
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    restored = tmp_path / "restored.db"
    assert (
        runner.invoke(app, ["export", "jsonl", "--db", str(mini_db), "--out", str(first)]).exit_code
        == 0
    )
    result = runner.invoke(app, ["import", "jsonl", str(first), "--db", str(restored)])
    assert result.exit_code == 0, result.output
    assert (
        runner.invoke(
            app, ["export", "jsonl", "--db", str(restored), "--out", str(second)]
        ).exit_code
        == 0
    )
    assert first.read_bytes() == second.read_bytes()
    tables = {json.loads(line)["table"] for line in first.read_text().splitlines()}
    assert {"claims", "journal", "relations", "documents", "entities"} <= tables
    audit = runner.invoke(app, ["audit", "--db", str(restored)])
    assert audit.exit_code == 0


def test_jsonl_import_refuses_a_forged_journal_and_keeps_the_old_file(mini_db, tmp_path):
    actions.add_note(mini_db, "daily-200-homes", "checker", "original")
    dump = tmp_path / "a.jsonl"
    runner.invoke(app, ["export", "jsonl", "--db", str(mini_db), "--out", str(dump)])
    dump.write_text(dump.read_text().replace('"rationale": "original"', '"rationale": "forged"'))
    target = tmp_path / "target.db"
    shutil.copy(mini_db, target)
    before = target.read_bytes()
    result = runner.invoke(app, ["import", "jsonl", str(dump), "--db", str(target)])
    assert result.exit_code == 1
    assert "the journal fails its audit" in result.output
    assert target.read_bytes() == before


def test_jsonl_import_reports_the_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"table": "claims", "row": {}}\nnot json\n')
    result = runner.invoke(app, ["import", "jsonl", str(bad), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "bad.jsonl:2: not a ledger record" in result.output
