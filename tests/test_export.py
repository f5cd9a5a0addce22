"""ClaimReview export and import, and the lossless JSON lines round trip."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger import actions
from ledger.build import build, check
from ledger.cli import app
from ledger.interchange.export import RATINGS, Manifest
from ledger.interchange.importers import claim_reviews_in, rating_status
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
    *rows, manifest = [json.loads(line) for line in first.read_text().splitlines()]
    tables = {row["table"] for row in rows}
    assert {"claims", "journal", "relations", "documents", "entities"} <= tables
    assert manifest["manifest"]["counts"]["claims"] == 5
    audit = runner.invoke(app, ["audit", "--db", str(restored)])
    assert audit.exit_code == 0
    head = runner.invoke(app, ["journal", "head", "--db", str(restored)]).stdout.strip()
    assert manifest["manifest"]["journal_head"] == head
    assert head in result.stdout.replace("\n", "")


def reseal(lines: list[str]) -> list[str]:
    """``lines`` of an export (its manifest dropped) with a manifest made for them, as
    someone who changes an export and recomputes its digest would write it."""
    manifest = Manifest([])
    for line in lines:
        try:
            record = json.loads(line)
            table, row = record["table"], record["row"]
        except (ValueError, TypeError, KeyError, RecursionError):
            table, row = "(not a record)", {}
        manifest.add((line + "\n").encode("utf-8", "surrogatepass"), table, row)
    return [*lines, manifest.line().decode("utf-8").rstrip("\n")]


def exported(db, tmp_path) -> Path:
    dump = tmp_path / "export.jsonl"
    result = runner.invoke(app, ["export", "jsonl", "--db", str(db), "--out", str(dump)])
    assert result.exit_code == 0, result.output
    return dump


def refused_import(dump: Path, target: Path) -> str:
    """Import ``dump`` over ``target``; check it is refused and changes nothing; the error."""
    before = target.read_bytes()
    result = runner.invoke(app, ["import", "jsonl", str(dump), "--db", str(target)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.glob(f".{target.name}*")) == []
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ")
    return line


def test_jsonl_import_refuses_a_forged_journal_and_keeps_the_old_file(mini_db, tmp_path):
    actions.add_note(mini_db, "daily-200-homes", "checker", "original")
    dump = exported(mini_db, tmp_path)
    # Forged and resealed: the digest matches, so the journal's own hash chain must catch it.
    lines = dump.read_text().splitlines()[:-1]
    forged = [line.replace('"rationale": "original"', '"rationale": "forged"') for line in lines]
    dump.write_text("\n".join(reseal(forged)) + "\n")
    target = tmp_path / "target.db"
    shutil.copy(mini_db, target)
    assert "the journal fails its audit" in refused_import(dump, target)


def test_jsonl_import_reports_the_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(reseal(['{"table": "claims", "row": {}}', "not json"])) + "\n")
    result = runner.invoke(app, ["import", "jsonl", str(bad), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "bad.jsonl:2: not a ledger record" in result.output


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: [], "the file is empty"),
        (lambda lines: lines[: len(lines) // 7], "no manifest at the end: the file is cut short"),
        (lambda lines: lines[:-1], "no manifest at the end: the file is cut short"),
        (lambda lines: [*lines[:-1], lines[-1][:40]], "no manifest at the end"),
        (lambda lines: [*lines[:3], *lines[4:]], "do not match the manifest's sha256"),
        (
            lambda lines: [line.replace("Riverton", "Springfield") for line in lines],
            "do not match the manifest's sha256",
        ),
        (lambda lines: [*lines, lines[0]], "no manifest at the end"),
    ],
    ids=[
        "empty",
        "first-seventh",
        "manifest-cut-off",
        "manifest-half-written",
        "a-line-dropped",
        "a-line-altered",
        "a-line-appended",
    ],
)
def test_jsonl_import_refuses_an_empty_cut_or_altered_file(mini_db, tmp_path, damage, message):
    actions.add_note(mini_db, "daily-200-homes", "checker", "a later entry")
    dump = exported(mini_db, tmp_path)
    lines = dump.read_text().splitlines()
    dump.write_text("".join(line + "\n" for line in damage(lines)))
    assert message in refused_import(dump, mini_db)


def test_jsonl_import_refuses_a_journal_that_ends_before_the_manifest_head(mini_db, tmp_path):
    actions.add_note(mini_db, "daily-200-homes", "checker", "the last entry")
    dump = exported(mini_db, tmp_path)
    *lines, last = dump.read_text().splitlines()
    head = json.loads(last)["manifest"]["journal_head"]
    last_entry = max(i for i, line in enumerate(lines) if '"table": "journal"' in line)
    # The last entry dropped, digest and counts made to fit, the head left as exported.
    *cut, forged = reseal(lines[:last_entry] + lines[last_entry + 1 :])
    manifest = json.loads(forged)
    manifest["manifest"]["journal_head"] = head
    dump.write_text("".join(line + "\n" for line in [*cut, json.dumps(manifest)]))
    assert f"not at the manifest's {head}" in refused_import(dump, mini_db)


def test_jsonl_import_refuses_a_manifest_whose_counts_were_changed(mini_db, tmp_path):
    dump = exported(mini_db, tmp_path)
    *lines, last = dump.read_text().splitlines()
    manifest = json.loads(last)
    manifest["manifest"]["counts"]["claims"] = 4
    dump.write_text("".join(line + "\n" for line in [*lines, json.dumps(manifest)]))
    assert "the manifest counts 4 rows of claims, the file holds 5" in refused_import(dump, mini_db)


def review(text: str, rating: str, speaker: str, publisher: str = "Example Checks") -> dict:
    return {
        "@type": "ClaimReview",
        "url": f"https://checks.example/{len(text)}",
        "claimReviewed": text,
        "datePublished": "2024-02-01",
        "author": {"@type": "Organization", "name": publisher},
        "reviewRating": {"@type": "Rating", "alternateName": rating},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": speaker}},
    }


def import_reviews(seeds, path, reviews):
    path.write_text(json.dumps(reviews), encoding="utf-8")
    return runner.invoke(app, ["import", "claimreview", str(path), "--seeds", str(seeds)])


def test_a_second_claimreview_file_from_the_same_publisher_is_imported(mini_seeds, tmp_path):
    first = import_reviews(
        mini_seeds,
        tmp_path / "january.json",
        [review("The dam was never inspected.", "False", "Pat Lee")],
    )
    assert first.exit_code == 0, first.output
    # A later file from the same publisher: the same words reviewed again, and a new claim by
    # the speaker the first file introduced.
    second = import_reviews(
        mini_seeds,
        tmp_path / "february.json",
        [
            review("The dam was never inspected.", "Mostly false", "Pat Lee"),
            review("The spillway was widened in 2020.", "True", "Pat Lee"),
        ],
    )
    assert second.exit_code == 0, second.output
    assert second.exception is None
    ledger = check(mini_seeds)
    assert [a.id for a in ledger.actors].count("example-checks-reviews") == 1
    assert [o.id for o in ledger.outlets].count("example-checks-reviews") == 1
    assert [e.id for e in ledger.entities].count("pat-lee") == 1
    imported = {c.id: c.status.value for c in ledger.claims if c.id.startswith("cr-")}
    assert sorted(imported.values()) == ["confirmed", "disputed", "false"]
    assert len(imported) == 3
    assert not list(mini_seeds.rglob(".*.tmp"))


def test_two_publishers_in_one_file_share_a_new_speaker(mini_seeds, tmp_path):
    result = import_reviews(
        mini_seeds,
        tmp_path / "feed.json",
        [
            review("The dam was never inspected.", "False", "Pat Lee", "Checks One"),
            review("The dam was never inspected.", "False", "Pat Lee", "Checks Two"),
        ],
    )
    assert result.exit_code == 0, result.output
    ledger = check(mini_seeds)
    assert [e.id for e in ledger.entities].count("pat-lee") == 1
    assert len([c for c in ledger.claims if c.speaker == "pat-lee"]) == 2
