"""Draft claims a curator can use: restated, typed, dated, placed, with speakers not invented."""

from __future__ import annotations

import shutil

import pytest

from ledger.build import check

from .conftest import SEEDS, add_and_draft

ARTICLE = """Clashes near Nawa

DARAA, Syria — They said the roads would stay closed until the rain stopped.

The Interior Ministry denied on Monday that its forces had shelled the village of Nawa.

“We saw three cars burning in the square before dawn,” said Huda Saleh, a teacher who lives \
near the mosque.

Colonel Ahmad Khalil blamed the Islamic State directly.

Khalil said 40 fighters had crossed from the desert in the past week, and warned that the \
cells will strike again before the harvest.

A local official said the curfew in the town would be lifted next week.

No faction has claimed the attack.

Ayman Abu Mahmoud said the checkpoint at the bridge had been moved twice this month.

Abu Ishaq said the same unit still guarded it.

Both sources also accused the unit of taking bribes from the smugglers.

Asked whether the bridge would reopen, Abu Ishaq said the unit would decide next month.

It was reported last week that the bakery in the square had closed.

A convoy of six trucks reached the town on Sunday, the town council said.
"""


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """The seeds with the invented article added and drafted, loaded: (claims, entities)."""
    root = tmp_path_factory.mktemp("drafts")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    article = root / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    text_file = add_and_draft(seeds, article, "Clashes near Nawa", "2024-05-06")
    ledger = check(seeds)
    claims = {c.quote: c for c in ledger.claims if c.document == text_file.stem}
    return claims, {e.id: e for e in ledger.entities}


def claim(drafted, words):
    claims, _ = drafted
    found = [c for quote, c in claims.items() if words in quote]
    assert found, list(claims)
    return found[0]


def test_a_denial_is_restated_dated_and_placed(drafted):
    c = claim(drafted, "shelled the village")
    assert c.kind.value == "denial"
    assert c.text == "Interior Ministry denies that its forces had shelled the village of Nawa."
    assert c.said_on == "2024-05-06"
    assert c.places == ["nawa"]
    assert c.speaker == "interior-ministry" and c.drafted_by


def test_kinds_follow_verb_and_content(drafted):
    assert claim(drafted, "three cars burning").kind.value == "event"  # an eyewitness
    assert claim(drafted, "40 fighters").kind.value == "figure"
    assert claim(drafted, "strike again").kind.value == "prediction"
    blamed = claim(drafted, "Islamic State")
    assert blamed.kind.value == "accusation"
    assert blamed.text == "Ahmad Khalil blames the Islamic State."
    assert [(s.entity, s.role.value) for s in blamed.subjects] == [("islamic-state", "accused")]


def test_new_speakers_are_typed_and_titles_are_descriptions(drafted):
    _, entities = drafted
    ministry = entities["interior-ministry"]
    assert ministry.kind.value == "government-body"
    khalil = entities["ahmad-khalil"]
    assert khalil.name == "Ahmad Khalil" and khalil.kind.value == "person"
    assert khalil.description == "Colonel"
    assert entities["huda-saleh"].description == "a teacher who lives near the mosque"


def test_an_anonymous_source_gets_no_invented_reason(drafted):
    c = claim(drafted, "curfew")
    official = drafted[1][c.speaker]
    assert official.kind.value == "anonymous"
    assert official.description == "A local official"
    assert official.anonymity_reason is None


def test_a_speaker_that_cannot_be_identified_is_refused_not_invented(drafted):
    c = claim(drafted, "roads would stay closed")
    assert c.speaker == "enab-baladi"
    assert "could not be identified" in c.note and "“They”" in c.note
    claims, _ = drafted
    assert not any("claimed the attack" in quote for quote in claims)


def test_both_sources_make_one_claim_said_by_each(drafted):
    c = claim(drafted, "taking bribes")
    assert (c.speaker, c.also_said_by) == ("ayman-abu-mahmoud", ["abu-ishaq"])
    assert c.text.startswith("Ayman Abu Mahmoud and Abu Ishaq accuse")


def test_restatements_agree_with_the_speaker_and_keep_the_verbs_frame():
    from ledger.extract import extract
    from ledger.extract.drafting import restate

    text = (
        "The governor accused unnamed saboteurs of cutting the cables twice this month.\n\n"
        "Two engineers at the station said the pipe was intact.\n"
    )
    accusation, engineers = extract(text)
    assert restate(accusation, "the governor") == (
        "The governor accuses unnamed saboteurs of cutting the cables twice this month."
    )
    assert restate(engineers, engineers.speaker_name, plural=engineers.speaker_plural) == (
        "Two engineers at the station say the pipe was intact."
    )


def test_a_question_put_to_a_speaker_is_not_drafted_but_the_answer_is(drafted):
    claims, _ = drafted
    assert not [quote for quote in claims if "bridge would reopen" in quote]
    assert claim(drafted, "unit would decide").speaker == "abu-ishaq"


def test_a_report_without_a_source_is_the_outlets_by_name_and_restated_plainly(drafted):
    assert claim(drafted, "bakery in the square").text == (
        "Enab Baladi says the bakery in the square had closed."
    )
    assert claim(drafted, "convoy of six trucks").text.endswith(
        "says a convoy of six trucks reached the town on Sunday."
    )
