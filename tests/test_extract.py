"""`ledger extract` and `ledger add-document`: tricky constructions, exact offsets, drafts."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from ledger.build import check
from ledger.cli import app
from ledger.extract import Directory, extract

from .conftest import SEEDS, add_and_draft

runner = CliRunner()


def spans_are_exact(text, proposals):
    for p in proposals:
        for span in (p.content, p.source, p.cue):
            if span is not None:
                assert text[span.start : span.end] == span.text


def only(text, directory=None):
    proposals = extract(text, directory)
    spans_are_exact(text, proposals)
    return proposals


def by_content(proposals, words):
    found = [p for p in proposals if words in p.content.text]
    assert found, [p.content.text for p in proposals]
    return found[0]


def test_speaker_after_the_quote_with_outlet():
    text = (
        '"The cells are underreporting their attacks for security reasons," '
        "Karim Haddad, a researcher at the Levant Institute, told The Daily Example.\n"
    )
    p = by_content(only(text), "underreporting")
    assert p.mode == "direct"
    assert p.source.text == "Karim Haddad"
    assert p.cue.text == "told The Daily Example"
    assert p.content.text == "The cells are underreporting their attacks for security reasons"


def test_speaker_before_the_quote_and_said_then_name():
    text = (
        "Mona Salem said: “The council ignored every warning we sent in March.”\n\n"
        "“Nobody listened to the engineers at the dam,” said Omar Aziz.\n"
    )
    proposals = only(text)
    assert by_content(proposals, "ignored every warning").source.text == "Mona Salem"
    assert by_content(proposals, "Nobody listened").source.text == "Omar Aziz"


def test_speaker_inside_a_quote_covers_both_halves():
    text = (
        "“The factions handed over sixty commanders in the town centre,” Abu Khalil said. "
        "“Forty of them were released within a month.”\n"
    )
    proposals = only(text)
    assert by_content(proposals, "handed over sixty").source.text == "Abu Khalil"
    assert by_content(proposals, "Forty of them").speaker_name == "Abu Khalil"


def test_quote_spanning_several_paragraphs():
    text = (
        "The analyst Lina Farouk said “the group lost its territory but kept its networks.\n\n"
        "“It pays informants in every town and collects taxes from traders.\n\n"
        "“That money buys it time,” she added.\n"
    )
    proposals = only(text)
    assert by_content(proposals, "pays informants").speaker_name == "Lina Farouk"
    assert by_content(proposals, "buys it time").speaker_name == "Lina Farouk"


def test_indirect_speech_with_that_and_surname_later():
    text = (
        "Ahmad Nasser, a lawyer from the city, told The Daily Example that the court had "
        "released twelve detainees without trial.\n\n"
        "Nasser said the releases were ordered by the local security branch.\n\n"
        "He added that none of the families had been told in advance.\n"
    )
    proposals = only(text)
    first = by_content(proposals, "released twelve detainees")
    assert first.mode == "indirect" and first.source.text == "Ahmad Nasser"
    assert first.told is None  # no such outlet in an empty directory
    assert by_content(proposals, "ordered by the local security").speaker_name == "Ahmad Nasser"
    later = by_content(proposals, "none of the families")
    assert later.source.text == "He" and later.speaker_name == "Ahmad Nasser"


def test_according_to_before_and_after():
    text = (
        "According to the regional monitor, 226 people were killed in the province in 2021.\n\n"
        "The convoy was attacked twice on the same road last week, according to local "
        "residents.\n"
    )
    proposals = only(text)
    assert by_content(proposals, "226 people").source.text == "the regional monitor"
    after = by_content(proposals, "convoy was attacked")
    assert after.source.text == "local residents" and after.cue.text == "according to"


def test_tail_attribution_and_anonymous_source_with_reason():
    text = (
        "The militants had used the farmhouse as a depot for months, a former opposition "
        "commander, whose name he withheld for security reasons, told The Daily Example.\n"
    )
    p = by_content(only(text), "used the farmhouse")
    assert p.anonymous
    assert p.source.text.startswith("a former opposition commander")
    assert "withheld for security reasons" in p.anonymity_reason


def test_role_noun_refers_back_to_the_speaker():
    text = (
        "Researcher Sami Qadri told The Daily Example that the desert suits the group.\n\n"
        "The researcher believes that tribal ties give it freedom of movement there.\n"
    )
    p = by_content(only(text), "tribal ties")
    assert p.speaker_name == "Sami Qadri"
    assert p.source.text == "The researcher"


def test_sources_resolve_to_known_entities_by_alias(seed_db):
    ledger = check(SEEDS)
    directory = Directory.from_ledger(ledger)
    text = "Harfoush fled the city, Abazeid told Syria Direct on Monday afternoon.\n"
    p = by_content(only(text, directory), "Harfoush fled")
    assert p.speaker_entity == "ahmad-abazeid"
    assert p.told == "syria-direct"


def test_page_furniture_yields_nothing():
    text = (
        "Share this article\n\nA fighter in Daraa (Edited by Enab Baladi)\n\n"
        "A fighter in Daraa (Edited by Enab Baladi)\n\nFollow him on Twitter: @someone\n\n"
        "Support Enab Baladi..\n\n$1 a month makes a difference..\n\nClick here to support\n"
    )
    assert extract(text) == []


def test_generalisations_are_not_sources():
    assert extract("Few believe the book is closed on this group after the raid last week.\n") == []


def test_offsets_are_code_points_with_arabic_and_emoji():
    text = (
        "النسخة العربية 🙂\n\n“The raid killed eight members of the cell,” "
        "Walid Saadi told The Daily Example.\n"
    )
    p = by_content(only(text), "raid killed")
    assert text[p.content.start : p.content.end] == p.content.text


def test_every_seed_document_gives_exact_spans():
    for document in check(SEEDS).documents:
        spans_are_exact(document.text, extract(document.text))


def test_cli_json_schema(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(
        "“Prices doubled in a week,” Rami Odeh told The Daily Example.\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["extract", str(article), "--seeds", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)
    assert {"content", "source", "cue", "speaker_entity"} <= set(item)
    text = article.read_text(encoding="utf-8")
    for key in ("content", "source", "cue"):
        assert text[item[key]["start"] : item[key]["end"]] == item[key]["text"]


@pytest.fixture
def seeds_copy(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def test_add_document_then_yaml_draft_passes_check(seeds_copy, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(
        "Clashes in Saida\n\n"
        "“The brigade raided the group's headquarters after two of its leaders were shot,” "
        "Abu Hamza, a commander in the brigade, told Enab Baladi.\n\n"
        "A local activist, who asked not to be named for fear of reprisals, said the group had "
        "received weapons from an intelligence officer.\n\n"
        "Share this article\n",
        encoding="utf-8",
    )
    archived = add_and_draft(seeds_copy, article, "Clashes in Saida", "2022-05~")
    ledger = check(seeds_copy)
    drafts = [c for c in ledger.claims if c.document == archived.stem]
    assert len(drafts) == 2
    assert all(c.drafted_by and c.status.value == "unverified" for c in drafts)
    anonymous = next(
        e
        for e in ledger.entities
        if e.kind.value == "anonymous" and e.id.startswith("a-local-activist")
    )
    assert "for fear of reprisals" in anonymous.anonymity_reason
    again = runner.invoke(
        app, ["extract", str(archived), "--format", "yaml", "--seeds", str(seeds_copy)]
    )
    assert again.exit_code == 1 and "already has claims" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outlet", "nope", "--title", "t", "--published", "2024"], "unknown outlet 'nope'"),
        (["--outlet", "sohr", "--title", "t", "--published", "2024-13"], "not a valid EDTF date"),
    ],
)
def test_add_document_refuses_bad_input_and_writes_nothing(seeds_copy, tmp_path, args, message):
    article = tmp_path / "a.txt"
    article.write_text("Some text.\n", encoding="utf-8")
    before = sorted(p.name for p in (seeds_copy / "documents").iterdir())
    result = runner.invoke(app, ["add-document", str(article), *args, "--seeds", str(seeds_copy)])
    assert result.exit_code == 1 and message in result.output
    assert sorted(p.name for p in (seeds_copy / "documents").iterdir()) == before


def test_add_document_refuses_non_utf8_and_duplicates(seeds_copy, tmp_path):
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("caf\xe9".encode("latin-1"))
    result = runner.invoke(
        app,
        [
            "add-document",
            str(binary),
            "--outlet",
            "sohr",
            "--title",
            "t",
            "--published",
            "2024",
            "--seeds",
            str(seeds_copy),
        ],
    )
    assert result.exit_code == 1 and "not UTF-8 text" in result.output
    existing = seeds_copy / "documents" / "syria-direct-2024-02-13.txt"
    result = runner.invoke(
        app,
        [
            "add-document",
            str(existing),
            "--outlet",
            "syria-direct",
            "--title",
            "t",
            "--published",
            "2024-02-13",
            "--seeds",
            str(seeds_copy),
        ],
    )
    assert result.exit_code == 1 and "already in the seeds as document" in result.output


def test_a_quotation_standing_alone_without_attribution_is_layout():
    text = (
        "“The regime released forty of the sixty emirs handed over in Tafas”\n\n"
        "Reporters visited the town on Monday and found the market closed.\n"
    )
    assert extract(text) == []


# -- robustness on constructions that fooled surface rules (invented sentences) ----------


def test_an_interrupted_quote_frame_gives_the_speaker_not_the_subject_before_it():
    text = "The convoy, she told reporters, “was never stopped at the northern checkpoint.”\n"
    p = by_content(only(text), "never stopped")
    assert p.source.text == "she"
    assert p.cue.text.startswith("told")
    assert [piece.text for piece in p.pieces()] == [
        "The convoy",
        "“was never stopped at the northern checkpoint",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "No faction has claimed the bombing of the market in the old town.",
        "Nobody said the bridge would be rebuilt before the winter rains.",
        "Analysts say the cells are regrouping in the eastern desert.",
    ],
)
def test_negated_and_generic_subjects_are_no_speakers(sentence):
    assert extract(sentence + "\n") == []


def test_an_organisation_is_typed_by_its_name_and_the_ministry_refers_back_to_it():
    text = (
        "The Interior Ministry denied that its forces had shelled the village near the river.\n\n"
        "Residents described a night of heavy fire on the eastern edge of the village.\n\n"
        "The ministry said the shells came from positions across the border.\n"
    )
    proposals = only(text)
    denial = by_content(proposals, "shelled the village")
    assert denial.speaker_name == "Interior Ministry"
    assert denial.speaker_kind == "government-body" and denial.speaker_role is None
    later = by_content(proposals, "positions across the border")
    assert later.source.text == "The ministry" and later.speaker_name == "Interior Ministry"


def test_she_added_that_keeps_the_whole_content_up_to_the_end_of_the_quoted_fragment():
    text = (
        "Mona Haddad, a nurse at the clinic, described the night of the raid. She added that "
        "the cells had been “regrouping in the eastern desert for months.”\n"
    )
    p = by_content(only(text), "regrouping")
    assert p.content.text == (
        "that the cells had been “regrouping in the eastern desert for months"
    )
    assert p.source.text == "She" and p.speaker_name == "Mona Haddad"


def test_blamed_someone_directly_is_an_attribution_with_the_blamed_as_content():
    text = "The governor, speaking after the funeral, blamed the militia directly.\n"
    [p] = only(text)
    assert p.source.text == "The governor"
    assert p.cue.text == "blamed" and p.verb == "blame"
    assert p.content.text == "the militia"


def test_a_dateline_is_not_part_of_the_first_claim():
    text = "ALEPPO, Syria — Rami Odeh said the road to the airport had reopened on Sunday.\n"
    [p] = only(text)
    assert p.content.text == "the road to the airport had reopened on Sunday"
    assert p.source.text == "Rami Odeh"


def test_a_title_is_the_speakers_role_not_part_of_the_name():
    text = (
        "Colonel Ahmad Khalil told reporters that the road had been cleared of mines.\n\n"
        "Khalil said the engineers would stay until the end of the month.\n"
    )
    proposals = only(text)
    first = by_content(proposals, "cleared of mines")
    assert first.speaker_name == "Ahmad Khalil" and first.speaker_role == "Colonel"
    assert first.speaker_kind == "person"
    assert by_content(proposals, "engineers would stay").speaker_name == "Ahmad Khalil"


def test_a_predicate_noun_is_not_a_source():
    text = "It was a warning to the other factions, the commander said on Monday evening.\n"
    [p] = only(text)
    assert p.source.text == "the commander"
    assert p.content.text.startswith("It was a warning")


# -- spans as PolNeAR draws them (invented sentences) ------------------------------------


def test_a_second_report_in_the_sentence_is_a_claim_of_its_own():
    text = "The senator attacked the governor, saying he had wasted the budget on new roads.\n"
    proposals = only(text)
    assert [p.content.text for p in proposals] == [
        "the governor",
        "he had wasted the budget on new roads",
    ]
    assert by_content(proposals, "wasted").source.text == "The senator"


def test_urged_someone_to_act_keeps_who_was_urged():
    text = "The mayor urged residents to stay indoors until the storm passes.\n"
    p = by_content(only(text), "stay indoors")
    assert p.content.text == "residents to stay indoors until the storm passes"


def test_a_quotation_going_on_is_sourced_where_its_speaker_was_named():
    text = (
        "“The bridge is closed to all traffic,” Walters said. "
        "“Repairs will take at least three more weeks.”\n"
    )
    p = by_content(only(text), "Repairs")
    assert (p.source.text, p.cue.text, p.speaker_name) == ("Walters", "said", "Walters")


def test_a_quotation_before_a_subject_with_words_hanging_before_it():
    text = "“We will not sell the farm. Not to them, not to anyone,” Walters said.\n"
    p = by_content(only(text), "sell the farm")
    assert p.content.text == "We will not sell the farm. Not to them, not to anyone"
    assert p.source.text == "Walters"


def test_an_aside_about_the_last_noun_is_not_part_of_the_content():
    text = "The minister said the new tax would fall on landowners, who own most of the valley.\n"
    p = by_content(only(text), "new tax")
    assert p.content.text == "the new tax would fall on landowners"


def test_continued_to_deny_is_one_cue_and_concern_that_is_part_of_the_cue():
    text = (
        "The company continued to deny that its factory had polluted the river.\n\n"
        "The farmers expressed concern that the new dam would flood their fields.\n"
    )
    proposals = only(text)
    denial = by_content(proposals, "factory")
    assert (denial.cue.text, denial.content.text) == (
        "continued to deny",
        "that its factory had polluted the river",
    )
    concern = by_content(proposals, "dam")
    assert (concern.cue.text, concern.content.text) == (
        "expressed concern",
        "that the new dam would flood their fields",
    )


def test_a_headline_quoting_someone_after_a_colon():
    text = "Walters: The Farm Will Stay In The Family\n\nEditor’s note: this story was updated.\n"
    proposals = only(text)
    assert [(p.source.text, p.content.text) for p in proposals] == [
        ("Walters", "The Farm Will Stay In The Family")
    ]


def test_when_and_to_whom_something_was_said_is_not_its_content():
    text = (
        "The senator endorsed the mayor on Thursday after a long meeting.\n\n"
        "The mayor spoke to reporters outside the town hall on Monday.\n"
    )
    assert [p.content.text for p in only(text)] == ["the mayor"]


def test_a_document_issued_by_an_organisation_speaks_for_it():
    text = (
        "The group recruits children to rebuild its networks, according to a study issued "
        "by the Counter-Terrorism Project.\n"
    )
    p = by_content(only(text), "recruits children")
    assert (p.source.text, p.speaker_name) == ("a study", "Counter-Terrorism Project")


def test_a_name_alone_is_the_content_of_a_stance_but_a_day_is_not():
    text = "The union endorsed Walters. The mayor said Friday.\n"
    assert [p.content.text for p in only(text)] == ["Walters"]


def test_a_verb_the_lexicon_does_not_know_reports_its_that_clause():
    text = "The engineers reckoned that the bridge would reopen in May.\n"
    p = by_content(only(text), "bridge")
    assert (p.source.text, p.cue.text, p.content.text) == (
        "The engineers",
        "reckoned",
        "that the bridge would reopen in May",
    )


def test_asked_if_and_called_for_someone_to_act():
    text = (
        "He shook hands and asked workers if they planned to attend the meeting.\n\n"
        "The governor has called for the bridge to be rebuilt before the winter.\n"
    )
    proposals = only(text)
    assert by_content(proposals, "planned").content.text == "if they planned to attend the meeting"
    demand = by_content(proposals, "rebuilt")
    assert (demand.cue.text, demand.content.text) == (
        "has called for",
        "the bridge to be rebuilt before the winter",
    )


def test_a_condition_before_an_interrupting_frame_is_part_of_the_content():
    text = "If the bridge does not reopen, he said, the town will lose its market.\n"
    p = by_content(only(text), "market")
    assert [piece.text for piece in p.pieces()] == [
        "If the bridge does not reopen",
        "the town will lose its market",
    ]


def test_a_report_inside_the_content_about_others_stays_inside_it():
    text = (
        "The activist pointed out that the men who attacked the office stood in the square "
        "and chanted slogans for an hour.\n"
    )
    proposals = only(text)
    assert [(p.source.text, p.content.text) for p in proposals] == [
        (
            "The activist",
            "that the men who attacked the office stood in the square and chanted slogans "
            "for an hour",
        )
    ]


def test_two_apostrophes_are_quotation_marks():
    text = (
        "''We will not sell the farm to anyone at all,'' Walters said. "
        "''The land stays with the family for another hundred years.''\n"
    )
    proposals = only(text)
    assert [(p.mode, p.speaker_name) for p in proposals] == [
        ("direct", "Walters"),
        ("direct", "Walters"),
    ]


def test_a_report_trailing_its_content_with_a_day_and_a_second_clause():
    text = "The storm was the worst in decades, the mayor said on Tuesday, and repairs will last.\n"
    p = by_content(only(text), "storm")
    assert (p.source.text, p.content.text) == ("the mayor", "The storm was the worst in decades")


def test_what_something_means_is_nobodys_claim():
    assert only("The closure of the bridge meant the market would move to the next town.\n") == []


def test_warned_against_says_something_though_told_reporters_does_not():
    text = (
        "The spokesperson warned against attacks on civilians in the east.\n\n"
        "He told reporters on Monday.\n"
    )
    proposals = only(text)
    assert [(p.cue.text, p.content.text) for p in proposals] == [
        ("warned against", "attacks on civilians in the east")
    ]


def test_a_short_quotation_right_after_a_cue_is_the_speakers():
    text = "“We lost the vote,” Walters said. “Don’t believe it.”\n"
    p = by_content(only(text), "believe")
    assert (p.content.text, p.speaker_name) == ("Don’t believe it", "Walters")


def test_a_hedged_statement_is_content_without_a_source_or_the_verb():
    text = (
        "The convoy seemed to be losing its way after the storm.\n\n"
        "The council is expected to approve the budget next week.\n\n"
        "It appears that the bridge was never finished.\n\n"
        "The senator is widely seen as a bully in the chamber.\n\n"
        "The mayor appeared on television on Sunday.\n"
    )
    proposals = only(text)
    assert [([s.text for s in p.pieces()], p.cue.text, p.source) for p in proposals] == [
        (["The convoy", "to be losing its way after the storm"], "seemed", None),
        (["The council", "to approve the budget next week"], "is expected", None),
        (["that the bridge was never finished"], "appears", None),
        (["The senator", "a bully in the chamber"], "is widely seen as", None),
    ]
    assert not any(p.clausal for p in proposals)  # drafting leaves them out


def test_a_speaker_interrupting_a_quotation_gives_both_halves_as_one_content():
    text = "“Judge,” Brafman said, “I have never seen that happen in any case in my career.”\n"
    p = by_content(only(text), "never seen")
    assert [s.text for s in p.pieces()] == [
        "Judge",
        "I have never seen that happen in any case in my career",
    ]
    assert (p.source.text, p.cue.text) == ("Brafman", "said")
    # doubled apostrophes, and a first word of the quotation the parser takes for a subject
    text = "The mayor spoke. ''That, sadly,'' he said, ''is how the valley has lived.''\n"
    p = by_content(only(text), "valley")
    assert [s.text for s in p.pieces()] == [
        "That, sadly",
        "is how the valley has lived",
    ]
    assert p.source.text == "he"


def test_a_speaker_interrupting_after_a_long_subject_is_the_source_not_the_subject():
    text = (
        "The cause of the delays at the port, dock workers and drivers say, is the new "
        "inspection rule.\n\n"
        "Closing the market for a week, she said, feels wrong at a time like this.\n"
    )
    proposals = only(text)
    assert [([s.text for s in p.pieces()], p.source.text) for p in proposals] == [
        (
            ["The cause of the delays at the port", "is the new inspection rule"],
            "dock workers and drivers",
        ),
        (["Closing the market for a week", "feels wrong at a time like this"], "she"),
    ]


def test_people_described_by_a_clause_are_speakers_not_a_generalisation():
    text = "People who have fought the fires for years say the season starts earlier now.\n"
    p = by_content(only(text), "season")
    assert p.source.text == "People"


def test_a_survey_found_and_in_a_poll_report_findings_but_found_an_object_does_not():
    text = (
        "A survey by the chamber found the port had lost a third of its trade.\n\n"
        "In a state poll last month, the governor had a ten-point lead among older voters.\n\n"
        "The mayor found himself in the same bind as his rival.\n"
    )
    proposals = only(text)
    assert [(p.cue.text, p.source.text, p.content.text) for p in proposals] == [
        ("found", "A survey by the chamber", "the port had lost a third of its trade"),
        ("In", "a state poll last month", "the governor had a ten-point lead among older voters"),
    ]


def test_reportedly_passes_on_a_statement_without_a_source_or_the_adverb():
    text = "The harbour board reportedly sold two cranes to a firm in Lagos last spring.\n"
    (p,) = only(text)
    assert (p.cue.text, p.source) == ("reportedly", None)
    assert [s.text for s in p.pieces()] == [
        "The harbour board",
        "sold two cranes to a firm in Lagos last spring",
    ]


def test_a_report_made_a_noun_is_sourced_by_its_owner_or_author_if_any():
    text = (
        "Mayor Anna Weber said the pier would reopen on Friday.\n\n"
        "She has been steady in her criticism of the port's new toll for trucks.\n\n"
        "The union's decision to end the strike surprised the drivers.\n\n"
        "Our decision to cover the strike was easy.\n\n"
        "The proposal to widen the canal drew protests.\n"
    )
    proposals = only(text)[1:]
    assert [(p.cue.text, p.source and p.source.text, p.content.text) for p in proposals] == [
        ("criticism of", "her", "the port's new toll for trucks"),
        ("decision", "The union's", "to end the strike"),
        ("proposal", None, "to widen the canal"),
    ]
    assert proposals[0].speaker_name == "Anna Weber"


def test_according_to_at_the_end_covers_the_sentence_not_only_its_last_clause():
    text = (
        "They make up the county's largest bloc of voters, but they turn out at lower rates "
        "during primaries, according to the election office.\n"
    )
    (p,) = only(text)
    assert (p.cue.text, p.source.text) == ("according to", "the election office")
    assert p.content.text.startswith("They make up the county's largest bloc")


def test_a_hedge_over_a_verb_the_lexicon_knows_is_still_a_hedge():
    text = (
        "The growers' union is expected to support the new tariff in November.\n\n"
        "The minister appeared to say that the port would close.\n"
    )
    hedged, said = only(text)
    assert (hedged.cue.text, hedged.source) == ("is expected", None)
    assert [s.text for s in hedged.pieces()] == [
        "The growers' union",
        "to support the new tariff in November",
    ]
    assert (said.source.text, said.content.text) == ("The minister", "that the port would close")


def _people(*names):
    """A directory that knows the given people, with ids from their names."""
    directory = Directory()
    for name in names:
        entity = name.lower().replace(" ", "-")
        directory.entities[name.lower()] = entity
        directory.kinds[entity] = "person"
        directory.names[entity] = (name,)
    return directory


def test_the_abbreviation_is_is_a_name_not_the_verb():
    text = (
        "Two former commanders minimized the threat IS poses in the valley, "
        "saying its raids fail.\n"
    )
    p = by_content(only(text), "raids fail")
    assert p.source.text == "Two former commanders"


def test_both_sources_are_the_last_two_speakers_and_both_are_kept():
    directory = _people("Samir Haddad", "Lina Qasim")
    text = (
        "Samir Haddad said the checkpoint had been moved twice this month.\n\n"
        "Lina Qasim said the checkpoint was guarded by the same unit.\n\n"
        "Both sources also accused the unit of taking bribes from the smugglers.\n"
    )
    p = by_content(only(text, directory), "bribes")
    assert p.speaker_entity == "samir-haddad"
    assert p.also_said_by == ["lina-qasim"]


def test_names_joined_by_and_all_speak():
    directory = _people("Samir Haddad", "Lina Qasim")
    text = (
        "The two commanders, Samir Haddad and Lina Qasim, played down the attack, saying "
        "the cell had lost its leaders.\n"
    )
    p = by_content(only(text, directory), "lost its leaders")
    assert (p.speaker_entity, p.also_said_by) == ("samir-haddad", ["lina-qasim"])


def test_relayed_from_names_the_first_source():
    text = (
        "The Weekly Courier relayed from an unnamed security source that the raids are "
        "planned a month ahead.\n"
    )
    p = by_content(only(text), "planned a month ahead")
    assert p.source.text == "an unnamed security source"


def test_which_indicates_that_is_the_speakers_conclusion_not_a_new_report():
    text = (
        "The researcher explained that the raids are rarer than in the desert, which "
        "indicates that the cells have lost most of their fighters.\n"
    )
    proposals = only(text)
    assert [p.source.text for p in proposals] == ["The researcher"]
    assert proposals[0].content.text.endswith("lost most of their fighters")


def test_which_someone_echoed_makes_them_a_speaker_of_the_same_report():
    directory = _people("Samir Haddad", "Lina Qasim")
    text = (
        "Samir Haddad cited the “release of prisoners from the central jail,” which Lina Qasim "
        "echoed.\n"
    )
    proposals = only(text, directory)
    assert len(proposals) == 1
    p = proposals[0]
    assert p.content.text == "the “release of prisoners from the central jail"
    assert (p.speaker_entity, p.also_said_by) == ("samir-haddad", ["lina-qasim"])


def test_a_quotation_running_on_over_short_paragraphs_stays_with_its_speaker():
    text = (
        "Samir Haddad said “the attacks can be counted as follows:\n\n"
        "• North: 40 attacks.\n\n"
        "• South: 12 attacks.\n\n"
        "• The rest took place in the capital.”\n\n"
        "“Go home,” a man shouted.\n"
    )
    proposals = only(text)
    for words in ("North: 40", "South: 12", "The rest took place"):
        assert by_content(proposals, words).speaker_name == "Samir Haddad"


def test_as_someone_sees_or_puts_it_introduces_the_rest_of_the_sentence():
    for text, source in (
        ("As the mayor sees it, the bridge will never be rebuilt.\n", "the mayor"),
        ("As she put it, the bridge will never be rebuilt.\n", "she"),
    ):
        p = by_content(only(text), "bridge")
        assert (p.source.text, p.content.text) == (source, "the bridge will never be rebuilt")
    assert only("He put it on the table and said nothing.\n") == []


def test_the_rest_of_a_clause_hung_on_the_verb_stays_in_the_content():
    text = (
        "Karim Haddad told The Daily Example that the police hold two units in the city, "
        "the first for traffic and the other to guard the ministries.\n"
    )
    p = by_content(only(text), "two units")
    assert p.content.text.endswith("the other to guard the ministries")


def test_according_to_names_all_the_sources_joined_by_and():
    text = "The valley is a base for the cells, according to doctors and aid workers.\n"
    p = by_content(only(text), "valley is a base")
    assert p.source.text == "doctors and aid workers"


def test_a_name_printed_without_its_qualifier_finds_the_entity():
    ledger = check(SEEDS)
    entity = next(e for e in ledger.entities if e.id == "experts-researchers-baghouz-eb24")
    assert entity.name == "Experts and researchers (al-Baghouz)"
    directory = Directory.from_ledger(ledger)
    text = "The desert is a base for the cells, according to experts and researchers.\n"
    p = by_content(only(text, directory), "desert is a base")
    assert p.speaker_entity == "experts-researchers-baghouz-eb24"


def test_he_is_not_a_speaker_she_stood_for():
    text = (
        "Samira Haddad said the pumps had been idle for a week. “We have no water,” she said.\n\n"
        "The governor blamed the cuts on sabotage.\n\n"
        "He accused unnamed saboteurs of cutting the cables twice this month.\n"
    )
    p = by_content(only(text), "cutting the cables")
    assert p.speaker_name == "The governor"


def test_an_office_is_not_whoever_spoke_last():
    text = (
        "Samira Haddad said the pumps had been idle since the power station stopped.\n\n"
        "As the governor sees it, the cuts are a temporary inconvenience caused by sabotage.\n"
    )
    p = by_content(only(text), "temporary inconvenience")
    assert p.speaker_name != "Samira Haddad"
    assert p.source.text == "the governor"


def test_both_sources_after_a_plural_source_are_that_source():
    text = (
        "Samira Haddad said the pumps had been idle for a week.\n\n"
        "Two engineers at the station said the pipe was intact. Both sources blamed the "
        "electricity company for the cuts.\n"
    )
    p = by_content(only(text), "electricity company")
    assert p.speaker_name == "Two engineers at the station"
    assert p.speaker_plural


def test_echoed_as_the_parser_hangs_it_on_a_clause_ends_the_content():
    text = (
        "The governor accused unnamed saboteurs of cutting the cables twice this month, which "
        "the police chief echoed on Wednesday.\n"
    )
    (p,) = only(text)
    assert p.content.text == "unnamed saboteurs of cutting the cables twice this month"


def test_met_with_a_denial_from_someone_is_their_report_on_what_it_answers():
    text = "The accusations were met with a denial from the border guard on Sunday.\n"
    (p,) = only(text)
    assert (p.source.text, p.cue.text, p.content.text) == (
        "the border guard",
        "denial",
        "The accusations",
    )


def test_a_known_persons_description_finds_them(seed_db):
    directory = Directory.from_ledger(check(SEEDS))
    text = (
        "The cell was broken up last year, according to the spokesman for the US Central Command.\n"
    )
    p = by_content(only(text, directory), "cell was broken up")
    assert p.speaker_entity == "joe-buccino"


def test_to_know_as_a_purpose_reports_nothing():
    text = (
        "The fighters were released, but they remain under observation to know their plans "
        "for the region.\n"
    )
    assert only(text) == []


def test_a_report_in_a_relative_clause_leaves_its_pronoun_with_the_noun():
    text = "The council passed a levy, which the grocers said was unfair to small shops.\n"
    (p,) = only(text)
    assert (p.source.text, p.cue.text, p.content.text) == (
        "the grocers",
        "said",
        "was unfair to small shops",
    )


def test_any_noun_with_a_that_clause_reports_it():
    text = "The notion that ferries could run all winter struck the captains as odd.\n"
    (p,) = only(text)
    assert (p.cue.text, p.source, p.content.text) == (
        "notion",
        None,
        "that ferries could run all winter",
    )


def test_a_short_quotation_after_the_speakers_sentence_is_theirs():
    text = (
        "Mayor Anna Weber visited the pier.\n\n"
        '"We are tired of waiting for the bridge," Weber said on the radio. "We want it now."\n'
    )
    contents = [p.content.text for p in only(text)]
    assert contents == ["We are tired of waiting for the bridge", "We want it now"]


def test_a_clause_before_a_semicolon_is_not_the_next_verbs_content():
    text = (
        "Six in 10 said they would stay home on polling day; 30 percent said they were "
        "undecided about the vote.\n"
    )
    proposals = only(text)
    assert [(p.source.text, p.content.text) for p in proposals] == [
        ("Six in 10", "they would stay home on polling day"),
        ("30 percent", "they were undecided about the vote"),
    ]


def test_an_unclosed_quotation_ends_with_its_paragraph():
    text = (
        "“The harbour is full, the pilot said at noon.\n\n"
        "Mayor Anna Weber said the pier would reopen on Friday.\n"
    )
    p = by_content(only(text), "the pier")
    assert (p.source.text, p.content.text) == ("Anna Weber", "the pier would reopen on Friday")


def test_mismatched_quotation_marks_pair_in_order():
    text = (
        "Mayor Anna Weber visited the pier.\n\n"
        '“The cranes are rusting in the rain," Weber said. "The port needs money."\n'
    )
    (first, *_) = only(text)
    assert (first.source.text, first.content.text) == (
        "Weber",
        "The cranes are rusting in the rain",
    )


def test_according_to_between_commas_has_the_sentence_around_it():
    text = "Ticket sales, according to the ferry company, have doubled since May.\n"
    (p,) = only(text)
    assert (p.cue.text, p.source.text) == ("according to", "the ferry company")
    assert [s.text for s in p.pieces()] == ["Ticket sales", "have doubled since May"]


def test_i_is_a_source_but_the_writer_is_not_the_last_speaker():
    text = (
        "Samir Haddad said the ferry was late twice last week.\n\n"
        "I think the ferry will be late again this winter.\n\n"
        "A: I think the pier will reopen before the storms come.\n"
    )
    proposals = only(text)
    writer = by_content(proposals, "late again this winter")
    assert (writer.source.text, writer.speaker_name) == ("I", None)
    turn = by_content(proposals, "pier will reopen")
    assert (turn.source.text, turn.content.text) == (
        "I",
        "the pier will reopen before the storms come",
    )


def test_a_view_of_someone_as_something_is_the_content():
    text = "The dockers, who see Weber as the candidate most likely to win, stayed quiet.\n"
    (p,) = only(text)
    assert (p.cue.text, p.source.text, p.content.text) == (
        "see",
        "The dockers",
        "Weber as the candidate most likely to win",
    )


def test_is_considered_hedges_like_is_seen_as():
    text = "The old ferry is considered the safest boat on the lake.\n"
    (p,) = only(text)
    assert (p.cue.text, p.source) == ("is considered", None)
    assert [s.text for s in p.pieces()] == ["The old ferry", "the safest boat on the lake"]


def test_a_quotation_goes_on_from_a_speaker_left_unresolved_in_its_paragraph():
    text = '"The pier is closed," he said. "Nobody can fish there until the spring comes."\n'
    proposals = only(text)
    assert [(p.source.text, p.content.text) for p in proposals] == [
        ("he", "The pier is closed"),
        ("he", "Nobody can fish there until the spring comes"),
    ]


def test_a_quantifier_with_a_group_named_is_a_source():
    text = "Many of the dockers believe the pier will close before the storms.\n"
    (p,) = only(text)
    assert (p.source.text, p.content.text) == (
        "Many of the dockers",
        "the pier will close before the storms",
    )


def test_railing_against_and_deeming_are_reports():
    text = (
        "The harbour master railed against the new toll for trucks.\n\n"
        "The port authority has deemed most of the old cranes unsafe.\n"
    )
    railed, deemed = only(text)
    assert (railed.cue.text, railed.content.text) == ("railed against", "the new toll for trucks")
    assert (deemed.cue.text, deemed.content.text) == (
        "has deemed",
        "most of the old cranes unsafe",
    )


def test_a_report_made_a_noun_may_say_what_it_is_about():
    text = "The mayor listened to her warnings about the rotten pilings under the pier.\n"
    (p,) = only(text)
    assert (p.cue.text, p.source.text, p.content.text) == (
        "warnings about",
        "her",
        "the rotten pilings under the pier",
    )


def test_a_nouns_that_clause_may_follow_a_phrase_of_its_own():
    text = "The songs were emblematic of the feeling among farmers that the valley is sliding.\n"
    p = by_content(only(text), "sliding")
    assert (p.cue.text, p.content.text) == ("feeling", "that the valley is sliding")


def test_no_words_go_on_from_a_stance_taken_on_someone():
    text = (
        "Mayor Anna Weber endorsed Tom Price. The harbour board meets again on the first "
        "Monday of every month.\n"
    )
    (p,) = only(text)
    assert (p.cue.text, p.content.text) == ("endorsed", "Tom Price")


def test_no_words_go_on_from_a_verb_that_does_not_say_anything():
    text = (
        "Mayor Anna Weber praised the crews for fixing the pier. The harbour board meets "
        "again on the first Monday of every month.\n"
    )
    (p,) = only(text)
    assert p.cue.text == "praised"


def test_continue_is_a_cue_only_before_a_reporting_verb():
    text = (
        "The number of ferries on the lake continues to grow every year.\n\n"
        "The mayor continued to deny that the pier was unsafe.\n"
    )
    (p,) = only(text)
    assert (p.cue.text, p.content.text) == ("continued to deny", "that the pier was unsafe")


def test_in_a_statement_is_how_it_was_said_not_what():
    text = "The council denied the charge in a statement on Monday.\n"
    (p,) = only(text)
    assert p.content.text == "the charge"
