"""Reading PolNeAR's standoff files and measuring the extractor on them (invented fixture)."""

from __future__ import annotations

import pytest

from ledger.errors import LedgerError
from ledger.extract.evaluate import content_pieces, evaluate_polnear, trim
from ledger.extract.polnear import Attribution, parse_ann, read_split

from .conftest import ROOT

MINI = ROOT / "tests" / "fixtures" / "polnear-mini"


def test_reads_a_split_from_the_root_or_the_split_folder():
    for root in (MINI, MINI / "data", MINI / "data" / "dev"):
        [article] = read_split(root, "dev")
        assert article.name == "example_2016-01-01_invented-article"
        assert len(article.attributions) == 3
        for attribution in article.attributions:
            for start, end in (*attribution.content, *attribution.cue, *attribution.source):
                assert article.text[start:end].strip() == article.text[start:end]


def test_content_in_pieces_and_attributions_without_source():
    ann = (
        "T1\tContent 0 5;12 20\tabcde fghijklm\n"
        "T2\tCue 6 10\tsaid\n"
        "T3\tAttribution 6 10\tsaid\n"
        "E1\tAttribution:T3 Content:T1 Cue:T2\n"
        "#1\tAnnotatorNotes T1\ta note\n"
    )
    [attribution] = parse_ann(ann)
    assert attribution == Attribution(content=((0, 5), (12, 20)), cue=((6, 10),), source=())


def test_pieces_apart_only_by_blanks_are_one_and_edges_are_trimmed():
    text = "“One two,” he said. “Three four.”"
    split = Attribution(content=((0, 10), (20, 33)))
    assert content_pieces(text, split) == [(1, 8), (21, 31)]
    joined = Attribution(content=((0, 3), (4, 8)))
    assert content_pieces("abc defg", joined) == [(0, 8)]
    assert trim(text, (0, 10)) == (1, 8)


def test_the_test_split_is_held_out():
    with pytest.raises(LedgerError, match="held out"):
        list(read_split(MINI, "test"))


def test_a_missing_split_is_a_plain_error(tmp_path):
    with pytest.raises(LedgerError, match="no PolNeAR 'dev' split"):
        list(read_split(tmp_path, "dev"))


def test_bench_on_the_fixture_finds_every_content():
    result = evaluate_polnear(MINI, "dev")
    assert result["contents_annotated"] == 3
    assert result["overlap"]["recall"] == 1.0 and result["exact"]["recall"] == 1.0
    assert result["source_accuracy"] == 1.0
    assert result["words_per_second"] > 0


def test_cli_bench_extract_reports_polnear_beside_the_seeds(mini_seeds):
    from typer.testing import CliRunner

    from ledger.cli import app

    args = ["bench", "extract", "--seeds", str(mini_seeds), "--polnear", str(MINI)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "PolNeAR dev (1 articles, 3 contents)" in result.output
    missing = CliRunner().invoke(app, [*args[:-1], str(MINI / "nowhere")])
    assert missing.exit_code == 1 and "no PolNeAR 'dev' split" in missing.output
