"""Property-based attacks on the loader and the importers: whatever arrives, the result is a
load that round-trips or a clear error — never a traceback, never a partly written database."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledger import audit
from ledger.build import build, check
from ledger.bulk import build_from_records
from ledger.errors import LedgerError
from ledger.interchange.export import export_jsonl
from ledger.interchange.importers import import_claimreview, import_jsonl
from ledger.scale import synth

from .conftest import MINI_SEEDS
from .test_export import reseal

NASTY = st.sampled_from(
    [
        "بيان الناشطين في درعا",
        "\u202eevil\u202c",
        "\u200f\u200e",
        "e\u0301\u0301\u0301",
        "\u200b\ufeff",
        "\x00",
        "\x01\x07\x1b",
        "\ud7ff",
        "'" * 3,
        '"',
        "\\",
        "%s%n",
        "{{7*7}}",
        "<script>alert(1)</script>",
        "- - -",
        ": :",
        "&anchor",
        "*alias",
        "!!python/object:os",
        "[" * 200,
        "{" * 200,
        "9" * 400,
        "-1e309",
        "null",
        "true",
        "~",
        "2024-13-45",
    ]
)
TEXT = st.one_of(
    NASTY,
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.builds(lambda s, n: s * n, NASTY, st.integers(1, 5000)),
)
# Two profiles. "ci" (the default) replays the same 40 examples per test on every run, so a
# red CI always means a change broke something. "explore" draws thousands of fresh random
# examples to look for new crashes; run it before a release and pin each crash it finds as an
# @example:  HYPOTHESIS_PROFILE=explore pytest tests/test_fuzz.py
_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("ci", max_examples=40, derandomize=True, **_COMMON)
settings.register_profile("explore", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
FAST = settings(**_COMMON)
ANY_JSON = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


# Strategies cannot read fixtures, so a test draws a position in a file's lines or bytes from
# `POSITION` and takes it modulo the length (negative positions count from the end).
POSITION = st.integers(-100_000, 100_000)


@pytest.fixture(scope="module")
def mini_db_bytes(tmp_path_factory) -> bytes:
    """The mini ledger's database, the previous file a failed build must leave untouched."""
    db = tmp_path_factory.mktemp("mini") / "ledger.db"
    build(MINI_SEEDS, db)
    return db.read_bytes()


@pytest.fixture(scope="module", autouse=True)
def examples_under_pytest_tmp(tmp_path_factory):
    """Each example's scratch directory (tempfile.mkdtemp) goes under pytest's temporary
    directory, which pytest prunes, not into /tmp for good: hundreds of them each run."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("examples")))
        yield


def fresh_seeds() -> Path:
    target = Path(tempfile.mkdtemp()) / "seeds"
    shutil.copytree(MINI_SEEDS, target)
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mutate_yaml(text: str, line_index: int, replacement: str, mode: int) -> str:
    lines = text.split("\n")
    index = line_index % len(lines)
    line = lines[index]
    if mode == 0 and ":" in line:  # replace a value
        key = line.split(":", 1)[0]
        lines[index] = f"{key}: {replacement}"
    elif mode == 1:  # replace the whole line
        lines[index] = replacement
    elif mode == 2:  # insert a line
        lines.insert(index, replacement)
    else:  # deep nesting under a key
        lines[index] = line.split(":", 1)[0] + ": " + "[" * 3000 + "]" * 3000
    return "\n".join(lines)


def round_trips(db: Path) -> None:
    first, second = db.with_suffix(".1.jsonl"), db.with_suffix(".2.jsonl")
    restored = db.with_name("restored.db")
    export_jsonl(db, first)
    import_jsonl(first, restored)
    export_jsonl(restored, second)
    assert first.read_bytes() == second.read_bytes()


def loads_or_keeps_previous(lines: list[str], name: str, load) -> Path | None:
    """Write ``lines`` to a file and ``load(file, target)`` over a previous database.

    Returns the target when it loaded; on a refusal, checks the message is there and the
    previous database is untouched, and returns None.
    """
    work = Path(tempfile.mkdtemp())
    source = work / name
    source.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    target = work / "ledger.db"
    target.write_bytes(b"previous database")
    try:
        load(source, target)
    except LedgerError as error:
        assert str(error)
        assert target.read_bytes() == b"previous database"
        return None
    return target


@FAST
@given(
    file=st.sampled_from(
        [
            "documents/daily-2024-01-10.yml",
            "entities.yml",
            "places.yml",
            "relations.yml",
            "outlets.yml",
            "actors.yml",
        ]
    ),
    line=st.integers(0, 200),
    replacement=TEXT,
    mode=st.integers(0, 3),
)
# found by a CI run: a mapping as a mapping's key (`id: {{7*7}}`) crashed the line tracker
@example(file="documents/daily-2024-01-10.yml", line=0, replacement="{{7*7}}", mode=0)
def test_mutated_seed_yaml_loads_or_reports(mini_db_bytes, file, line, replacement, mode):
    seeds = fresh_seeds()
    path = seeds / file
    path.write_text(
        mutate_yaml(path.read_text(), line, replacement, mode),
        encoding="utf-8",
        errors="surrogatepass",
    )
    db = seeds.parent / "ledger.db"
    db.write_bytes(mini_db_bytes)
    before = digest(db)
    try:
        check(seeds)
    except LedgerError as error:
        assert str(error)
        try:
            build(seeds, db)
        except LedgerError:
            pass
        assert digest(db) == before
        return
    build(seeds, db)
    round_trips(db)


@FAST
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_as_a_seed_file_are_reported(data):
    seeds = fresh_seeds()
    (seeds / "places.yml").write_bytes(data)
    try:
        check(seeds)
    except LedgerError as error:
        assert str(error)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> list[str]:
    """The mini ledger exported as JSON lines, the manifest last."""
    work = tmp_path_factory.mktemp("export")
    build(MINI_SEEDS, work / "ledger.db")
    export_jsonl(work / "ledger.db", work / "dump.jsonl")
    return (work / "dump.jsonl").read_text().splitlines()


@FAST
@given(
    position=POSITION,
    value=st.one_of(
        TEXT,
        st.integers(),
        st.floats(allow_nan=True),
        st.none(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    ),
    mode=st.integers(0, 3),
)
@example(position=0, value="[" * 5000, mode=1)  # found by a CI run: json's RecursionError
def test_mutated_jsonl_imports_or_reports(export, position, value, mode):
    lines = export[:-1]  # the manifest is resealed below
    index = position % len(lines)
    record = json.loads(lines[index])
    if mode == 0:  # a field gets a value of any type
        key = sorted(record["row"])[index % len(record["row"])]
        record["row"][key] = value
        lines[index] = json.dumps(record, ensure_ascii=False)
    elif mode == 1:
        lines[index] = value if isinstance(value, str) else json.dumps(value)
    elif mode == 2:
        del lines[index]
    else:
        lines.insert(index, lines[index])
    # Resealed (digest and counts made to fit), as a forger would: the checks past the
    # manifest's must hold on their own.
    target = loads_or_keeps_previous(reseal(lines), "in.jsonl", import_jsonl)
    if target is not None:
        round_trips(target)


@FAST
@given(position=POSITION, flip=st.booleans())
@example(position=-1, flip=False)  # the last byte, the manifest's newline
def test_an_export_cut_short_or_altered_is_refused(export, position, flip):
    data = "".join(line + "\n" for line in export).encode("utf-8")
    cut = position % len(data)
    # Cut at any byte, or one byte changed anywhere (the manifest's own line included).
    damaged = data[:cut] if not flip else data[:cut] + bytes([data[cut] ^ 0x01]) + data[cut + 1 :]
    work = Path(tempfile.mkdtemp())
    source, target = work / "in.jsonl", work / "ledger.db"
    source.write_bytes(damaged)
    target.write_bytes(b"previous database")
    try:
        import_jsonl(source, target)
    except LedgerError as error:
        assert str(error)
        assert target.read_bytes() == b"previous database"
    else:
        raise AssertionError(f"a damaged export was imported (cut at {cut}, flip {flip})")


@pytest.fixture(scope="module")
def synth_lines(tmp_path_factory) -> list[str]:
    """A synthetic ledger of 300 claims as a record stream, one record a line."""
    path = tmp_path_factory.mktemp("synth") / "synth.tsv"
    synth.write(path, 300, seed=2)
    return path.read_text().splitlines()


def rows_by_kind(db: Path) -> dict[str, int]:
    """Rows of each kind of record (outlets also speak as entities; seed statuses are journaled
    too, as entries of origin seed)."""
    conn = sqlite3.connect(db)
    try:
        count = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("actors", "outlets", "entities", "places", "documents", "claims")
        }
        count["relations"] = conn.execute("SELECT count(*) FROM relations").fetchone()[0]
        count["recorded"] = conn.execute(
            "SELECT count(*) FROM journal WHERE origin != 'seed'"
        ).fetchone()[0]
    finally:
        conn.close()
    return {
        "actor": count["actors"],
        "outlet": count["outlets"],
        "entity": count["entities"] - count["outlets"],
        "place": count["places"],
        "document": count["documents"],
        "claim": count["claims"],
        "relation": count["relations"],
        "journal": count["recorded"],
    }


@FAST
@given(position=POSITION, replacement=st.one_of(TEXT, ANY_JSON), mode=st.integers(0, 2))
# found by an explore run: a journal record that is valid JSON but not an object
@example(position=399, replacement="9" * 400, mode=1)
# found while fixing that one: a journal field of the wrong type was never validated
@example(position=399, replacement=[1], mode=0)
def test_mutated_record_streams_build_or_report(synth_lines, position, replacement, mode):
    lines = list(synth_lines)
    index = position % len(lines)
    kind, body = lines[index].split("\t", 1)
    if mode == 0:
        record = json.loads(body)
        key = sorted(record)[index % len(record)]
        record[key] = replacement
        lines[index] = f"{kind}\t{json.dumps(record, ensure_ascii=False)}"
    else:
        text = replacement if isinstance(replacement, str) else json.dumps(replacement)
        lines[index] = f"{kind}\t{text}" if mode == 1 else text
    db = loads_or_keeps_previous(lines, "in.tsv", build_from_records)
    if db is not None:  # the change left a valid stream: every record became its row
        assert rows_by_kind(db) == Counter(line.split("\t", 1)[0] for line in lines)
        conn = sqlite3.connect(db)
        try:
            assert audit.verify(conn).ok
        finally:
            conn.close()


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "@graph",
                    "claimReviewed",
                    "reviewRating",
                    "ratingValue",
                    "alternateName",
                    "itemReviewed",
                    "author",
                    "name",
                    "url",
                    "datePublished",
                    "dataFeedElement",
                    "item",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


@FAST
@given(document=JSON_VALUES)
def test_claimreview_import_of_anything_loads_or_reports(document):
    seeds = fresh_seeds()
    source = seeds.parent / "reviews.json"
    source.write_text(
        json.dumps(
            {"@type": "ClaimReview", **document} if isinstance(document, dict) else document
        ),
        encoding="utf-8",
        errors="surrogatepass",
    )
    before = sorted(p.relative_to(seeds) for p in seeds.rglob("*"))
    try:
        import_claimreview(source, seeds, today="2026-11-21")
    except LedgerError as error:
        assert str(error)
        assert sorted(p.relative_to(seeds) for p in seeds.rglob("*")) == before
        return
    check(seeds)
