"""Every kind of bad seed input gets a located, plain error; nothing is built."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.build import build, check
from ledger.cli import app
from ledger.errors import SeedErrors

DAILY = Path("documents/daily-2024-01-10.yml")


def edit(seeds: Path, relative: Path | str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` once in a seed file; return the 1-based line of ``new``."""
    path = seeds / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {relative}"
    position = text.index(old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[:position].count("\n") + 1


def problems(seeds: Path) -> list[str]:
    with pytest.raises(SeedErrors) as caught:
        check(seeds)
    return [str(p) for p in caught.value.problems]


def assert_reported(seeds: Path, file: Path | str, line: int, *fragments: str) -> None:
    found = problems(seeds)
    expected_prefix = f"{seeds / file}:{line}: "
    matching = [p for p in found if p.startswith(expected_prefix)]
    assert matching, f"nothing reported at {expected_prefix}; got {found}"
    assert any(all(f in p for f in fragments) for p in matching), matching


def test_valid_mini_seeds_load(mini_seeds):
    ledger = check(mini_seeds)
    assert ledger.counts()["claims"] == 5
    assert ledger.counts()["relations"] == 2


def test_yaml_syntax_error(mini_seeds):
    line = edit(mini_seeds, DAILY, "    kind: figure\n", "    kind: [figure\n")
    found = problems(mini_seeds)
    assert len([p for p in found if "YAML syntax error" in p]) == 1
    located = [p for p in found if p.startswith(f"{mini_seeds / DAILY}:")]
    reported_line = int(located[0].split(":")[1])
    assert line <= reported_line <= line + 2


def test_unknown_field(mini_seeds):
    line = edit(
        mini_seeds,
        DAILY,
        "    cue: said\n    about:",
        "    speaker_name: x\n    cue: said\n    about:",
    )
    assert_reported(
        mini_seeds, DAILY, line, "claim daily-200-homes", "unknown field 'speaker_name'"
    )


def test_missing_field(mini_seeds):
    line = edit(
        mini_seeds,
        DAILY,
        "    speaker_label: the town council\n",
        "",
    )
    # Reported at the claim, which lacks the field.
    found = problems(mini_seeds)
    assert any("claim daily-200-homes: missing field 'speaker_label'" in p for p in found), found
    assert any(p.startswith(f"{mini_seeds / DAILY}:") for p in found)
    assert line  # the edit happened


def test_unknown_id_referenced(mini_seeds):
    line = edit(
        mini_seeds, DAILY, "    speaker: riverton-council\n", "    speaker: riverton-mayor\n"
    )
    assert_reported(
        mini_seeds,
        DAILY,
        line,
        "claim daily-200-homes",
        "speaker",
        "unknown entity id 'riverton-mayor'",
    )


def test_unknown_place_and_relation_target(mini_seeds):
    edit(mini_seeds, "relations.yml", "  other: daily-200-homes\n", "  other: daily-300-homes\n")
    assert_reported(mini_seeds, "relations.yml", 3, "unknown claim id 'daily-300-homes'")


def test_duplicate_id(mini_seeds):
    line = edit(mini_seeds, DAILY, "  - id: daily-novak-reservoir\n", "  - id: daily-200-homes\n")
    assert_reported(mini_seeds, DAILY, line, "duplicate claim id 'daily-200-homes'", "yml:10)")


def test_value_outside_vocabulary(mini_seeds):
    line = edit(mini_seeds, DAILY, "    kind: figure\n", "    kind: rumour\n")
    assert_reported(mini_seeds, DAILY, line, "kind: 'rumour' is not allowed", "'figure'")


def test_bad_status(mini_seeds):
    line = edit(
        mini_seeds,
        "documents/weekly-2024-01-17.yml",
        "    status: disputed\n",
        "    status: dubious\n",
    )
    assert_reported(
        mini_seeds, "documents/weekly-2024-01-17.yml", line, "status: 'dubious' is not allowed"
    )


def test_bad_edtf_date(mini_seeds):
    line = edit(mini_seeds, DAILY, "    about: 2024-01-08\n", "    about: 2024-13-08\n")
    assert_reported(mini_seeds, DAILY, line, "about:", "not a valid EDTF date")


def test_quote_not_found_names_closest_passage(mini_seeds):
    line = edit(
        mini_seeds,
        DAILY,
        "    quote: flooding more than 200 homes\n",
        "    quote: flooding more than 300 homes\n",
    )
    assert_reported(
        mini_seeds,
        DAILY,
        line,
        "claim daily-200-homes: quote not found in the document text",
        'closest passage: "flooding more than 200 homes"',
    )


def test_offsets_that_do_not_match(mini_seeds):
    line = edit(
        mini_seeds,
        DAILY,
        "    text: More than 200 homes were flooded in Riverton.\n",
        "    anchor: {start: 5}\n    text: More than 200 homes were flooded in Riverton.\n",
    )
    assert_reported(mini_seeds, DAILY, line, "anchor.start 5 does not match the quote")


def test_correct_offsets_are_accepted(mini_seeds):
    text = (mini_seeds / "documents/daily-2024-01-10.txt").read_text(encoding="utf-8")
    start = text.index("flooding more than 200 homes")
    edit(
        mini_seeds,
        DAILY,
        "    text: More than 200 homes were flooded in Riverton.\n",
        f"    anchor: {{start: {start}, end: {start + 28}}}\n"
        "    text: More than 200 homes were flooded in Riverton.\n",
    )
    ledger = check(mini_seeds)
    claim = next(c for c in ledger.claims if c.id == "daily-200-homes")
    assert (claim.anchor.start, claim.anchor.end) == (start, start + 28)


def test_claim_related_to_itself(mini_seeds):
    edit(mini_seeds, "relations.yml", "  other: daily-200-homes\n", "  other: weekly-120-homes\n")
    assert_reported(mini_seeds, "relations.yml", 1, "cannot be related to itself")


def test_duplicate_relation_either_direction(mini_seeds):
    with (mini_seeds / "relations.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n- claim: daily-200-homes\n  kind: contradicts\n  other: weekly-120-homes\n"
            "  note: Same pair again.\n  by: curator\n"
        )
    assert_reported(mini_seeds, "relations.yml", 13, "already recorded")


def test_text_changed_after_anchoring(mini_seeds):
    path = mini_seeds / "documents/daily-2024-01-10.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nCorrection appended.\n", encoding="utf-8")
    assert_reported(mini_seeds, DAILY, 6, "sha256 does not match")


def test_every_problem_is_reported_at_once(mini_seeds):
    edit(mini_seeds, DAILY, "    kind: figure\n", "    kind: rumour\n")
    edit(
        mini_seeds,
        DAILY,
        "    speaker: jana-novak\n    speaker_label: Jana Novak, the dam's operator\n    cue: told",
        "    speaker: nobody\n    speaker_label: Jana Novak, the dam's operator\n    cue: told",
    )
    edit(mini_seeds, "places.yml", "  latitude: 10.5\n", "  latitude: 100.5\n")
    found = problems(mini_seeds)
    assert any("'rumour'" in p for p in found)
    assert any("unknown entity id 'nobody'" in p for p in found)
    assert any(p.startswith(f"{mini_seeds / 'places.yml'}:5: ") for p in found)


def test_seed_status_needs_verification(mini_seeds):
    line = edit(
        mini_seeds,
        "documents/weekly-2024-01-17.yml",
        "    verification:\n      by: curator\n      date: 2024-02-01\n"
        "      rationale: The engineer says no warning was given.\n"
        "      evidence: [daily-engineer-no-warning]\n",
        "\n",
    )
    assert line
    found = problems(mini_seeds)
    assert any("status disputed needs a verification" in p for p in found), found


def test_cli_check_prints_each_problem_and_exits_2(mini_seeds):
    line = edit(mini_seeds, DAILY, "    kind: figure\n", "    kind: rumour\n")
    result = CliRunner().invoke(app, ["check", "--seeds", str(mini_seeds)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # CliRunner keeps any other exception here
    problem, summary = result.stderr.splitlines()
    assert problem.startswith(f"{mini_seeds / DAILY}:{line}: claim daily-200-homes: kind: 'rumour'")
    assert summary == "error: 1 problem in the seeds"
    assert result.stdout == ""


def test_cli_check_json(mini_seeds):
    edit(mini_seeds, DAILY, "    kind: figure\n", "    kind: rumour\n")
    result = CliRunner().invoke(app, ["check", "--seeds", str(mini_seeds), "--json"])
    assert result.exit_code == 2
    import json

    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["problems"][0]["file"].endswith("daily-2024-01-10.yml")
    assert payload["problems"][0]["line"] == 17


def test_failed_build_leaves_database_untouched(mini_seeds, tmp_path):
    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    edit(
        mini_seeds,
        DAILY,
        "    quote: flooding more than 200 homes\n",
        "    quote: not in the text\n",
    )
    result = CliRunner().invoke(app, ["build", "--seeds", str(mini_seeds), "--db", str(db)])
    assert result.exit_code == 2
    assert "quote not found" in result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ledger.db",
        "ledger.internal.db",
        "seeds",
    ]


def test_a_tab_in_a_yaml_file_is_one_problem_not_its_follow_ons(mini_seeds):
    # entities.yml defines every speaker and subject: when it does not parse, the claims that
    # name them are not reported as naming unknown entities.
    line = edit(mini_seeds, "entities.yml", "  name: Jana Novak\n", "\tname: Jana Novak\n")
    found = problems(mini_seeds)
    assert found == [
        f"{mini_seeds / 'entities.yml'}:{line}: YAML syntax error: found character "
        "'\\t' that cannot start any token"
    ]


def test_a_document_that_does_not_parse_keeps_the_other_files_problems(mini_seeds):
    edit(mini_seeds, DAILY, "    kind: figure\n", "    kind: [figure\n")
    edit(mini_seeds, "places.yml", "  latitude: 10.5\n", "  latitude: 100.5\n")
    found = problems(mini_seeds)
    # relations.yml names the daily's claims: not reported as unknown. The places error stays.
    assert not any("unknown" in p for p in found), found
    assert len([p for p in found if "YAML syntax error" in p]) == 1
    assert any(p.startswith(f"{mini_seeds / 'places.yml'}:5: ") for p in found)
    assert len(found) == 2


def test_a_file_that_is_not_a_list_hides_its_ids_follow_ons(mini_seeds):
    (mini_seeds / "entities.yml").write_text("jana-novak: Jana Novak\n", encoding="utf-8")
    found = problems(mini_seeds)
    assert found == [f"{mini_seeds / 'entities.yml'}:1: expected a list of entities"]


def test_unknown_ids_are_still_reported_when_every_file_parses(mini_seeds):
    edit(mini_seeds, "entities.yml", "- id: jana-novak\n", "- id: jana-nowak\n")
    found = problems(mini_seeds)
    assert any("unknown entity id 'jana-novak'" in p for p in found), found


def test_a_journal_file_that_is_not_utf8_is_one_located_problem(mini_seeds, tmp_path):
    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    (mini_seeds / "journal.jsonl").write_bytes(b'{"seq": 1, "rationale": "caf\xe9"}\n')
    result = CliRunner().invoke(app, ["build", "--seeds", str(mini_seeds), "--db", str(db)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == [
        f"{mini_seeds / 'journal.jsonl'}: not UTF-8 text (byte 28)",
        "error: 1 problem in the seeds",
    ]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
