"""The published snapshot: served immutable, no machine path in it, and facet counts under any
filter or search equal to what SQL counts, on the snapshot and on the live file alike."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from datasette.app import Datasette
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bulk import build_from_records
from ledger.publish import facet_config, publish
from ledger.scale import synth

from .conftest import METADATA, ROOT

COLUMNS, DATES = facet_config(yaml.safe_load(METADATA.read_text()))
PAGE_SIZE = 50
WORDS = ["regime", "cells", "4321", "Harfoush", "Daraa", "ambush", "nonexistentword"]
SLOW_WHERE = (
    "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000) "
    "SELECT count(*) FROM c) > 0"
)
"""A filter that takes far longer than the 20 ms facet time limit used below."""


@pytest.fixture(scope="module")
def live_db(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("ledger")
    synth.write(work / "synth.tsv", 2000, seed=11)
    build_from_records(work / "synth.tsv", work / "ledger.db")
    return work / "ledger.db"


@pytest.fixture(scope="module")
def snapshot(live_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("published") / "snapshot"
    publish(live_db, out, METADATA)
    return out


class _ThreadLoop:
    """An event loop on a thread of its own: the browser tests' Playwright (sync API) keeps
    the main thread's loop running for the whole session."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run_until_complete(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="module")
def loop():
    loop = _ThreadLoop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def served(snapshot, loop):
    """The snapshot as `datasette serve DIR` serves it: a configuration directory."""
    return Datasette(config_dir=snapshot)


def get_json(ds, loop, path: str) -> dict:
    response = loop.run_until_complete(ds.client.get(path))
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_configuration_directory_serves_the_snapshot_immutable(served, loop):
    (database,) = [d for d in get_json(served, loop, "/-/databases.json") if d["name"] == "ledger"]
    assert database["is_mutable"] is False


def test_no_published_file_holds_a_path_of_the_publishing_machine(snapshot, live_db):
    machine_paths = {
        str(snapshot.resolve()),
        str(live_db.resolve().parent),
        str(ROOT),
        os.path.expanduser("~"),
        os.getcwd(),
    }
    machine_paths = {p for p in machine_paths if len(p) > 1}
    files = [p for p in snapshot.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"ledger.db", "inspect-data.json", "metadata.yml"}
    for path in files:
        content = path.read_bytes()
        for machine_path in machine_paths:
            assert machine_path.encode() not in content, (path.name, machine_path)


def _values(db: Path) -> dict[str, list]:
    conn = sqlite3.connect(db)
    values = {
        column: [v for (v,) in conn.execute(f"SELECT DISTINCT {column} FROM claims ORDER BY 1")]
        for column in COLUMNS + DATES
    }
    conn.close()
    return values


@st.composite
def requests(draw, values: dict[str, list], search: bool | None = None):
    """A random combination of filters on the facet columns, and maybe a search (always, or
    never, if ``search`` says so)."""
    args, where, params = [], [], []
    for column in draw(st.sets(st.sampled_from(COLUMNS), max_size=3)):
        present = [v for v in values[column] if v is not None]
        lookup = draw(st.sampled_from(["exact", "in", "not"]))
        if lookup == "exact":
            value = draw(st.sampled_from(present))
            args.append((column, str(value)))
            where.append(f"{column} = ?")
            params.append(value)
        elif lookup == "in":
            chosen = draw(st.lists(st.sampled_from(present), min_size=1, max_size=3, unique=True))
            args.append((f"{column}__in", ",".join(map(str, chosen))))
            where.append(f"{column} IN ({', '.join('?' for _ in chosen)})")
            params.extend(chosen)
        else:
            value = draw(st.sampled_from(present))
            args.append((f"{column}__not", str(value)))
            where.append(f"{column} != ?")
            params.append(value)
    for column in DATES:
        if draw(st.booleans()):
            days = sorted(v for v in values[column] if v is not None)
            low, high = sorted(draw(st.lists(st.sampled_from(days), min_size=2, max_size=2)))
            args += [(f"{column}__gte", low), (f"{column}__lt", high)]
            where += [f"{column} >= ?", f"{column} < ?"]
            params += [low, high]
    if search if search is not None else draw(st.booleans()):
        word = draw(st.sampled_from(WORDS))
        args.append(("_search", word))
        where.append("rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)")
        params.append(f'"{word}"')
    return args, where, params


def sql_facets(db: Path, where: list[str], params: list) -> dict[str, list]:
    """Every facet value and its count, as a GROUP BY counts them: count first, then value."""
    conn = sqlite3.connect(db)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    facets = {}
    for column in COLUMNS + DATES:
        expression = f"date({column})" if column in DATES else column
        rows = conn.execute(
            f"SELECT value, count(*) FROM (SELECT {expression} AS value FROM claims {clause}) "
            "WHERE value IS NOT NULL GROUP BY value ORDER BY 2 DESC, 1",
            params,
        ).fetchall()
        facets[column] = [list(row) for row in rows]
    conn.close()
    return facets


def sql_rows(db: Path, where: list[str], params: list) -> list[tuple]:
    """Every row the filters select, as (said_on_earliest, id), in the page's display order."""
    conn = sqlite3.connect(db)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = conn.execute(
        f"SELECT said_on_earliest, id FROM claims {clause} ORDER BY said_on_earliest DESC", params
    ).fetchall()
    conn.close()
    return rows


def assert_first_page(payload: dict, expected: list[tuple]) -> None:
    """The page holds the first rows SQL gives, in its order, and counts them all. Rows with the
    same date come in whichever order SQLite's plan finds them (Datasette sorts by the date
    alone), so among those only the set is compared, and on the page's last date a subset."""
    assert payload["filtered_table_rows_count"] == len(expected)
    page = [(row["said_on_earliest"], row["id"]) for row in payload["rows"]]
    assert len(page) == min(len(expected), PAGE_SIZE)
    assert [date for date, _ in page] == [date for date, _ in expected[: len(page)]]
    for date in {date for date, _ in page}:
        shown = {claim for d, claim in page if d == date}
        selected = {claim for d, claim in expected if d == date}
        if date == page[-1][0]:
            assert shown <= selected
        else:
            assert shown == selected


def page_facets(payload: dict) -> dict[str, list]:
    return {
        name: [[item["value"], item["count"]] for item in facet["results"]]
        for name, facet in payload["facet_results"].items()
    }


@pytest.fixture(scope="module")
def live(live_db, loop):
    """The live file as `ledger serve` serves it: mutable, with the project's metadata."""
    return Datasette([str(live_db)], metadata=yaml.safe_load(METADATA.read_text()))


@pytest.mark.slow
def test_facet_counts_under_random_filters_and_searches_equal_a_group_by(
    served, live, loop, snapshot, live_db
):
    values = _values(live_db)

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(requests(values))
    def check(request):
        args, where, params = request
        query = urlencode(args + [("_facet_size", "max"), ("_size", PAGE_SIZE)])
        expected = sql_facets(snapshot / "ledger.db", where, params)
        rows = sql_rows(snapshot / "ledger.db", where, params)
        payload = get_json(served, loop, f"/ledger/claims.json?{query}&_shape=objects")
        assert payload["facets_not_counted"] == []
        assert page_facets(payload) == expected
        assert_first_page(payload, rows)
        # The live file counts with Datasette's own facets and SQL: the same answer.
        payload = get_json(live, loop, f"/ledger/claims.json?{query}&_shape=objects")
        assert page_facets(payload) == expected
        assert_first_page(payload, rows)

    check()


@pytest.mark.parametrize("plan", ["sort", "walk_with_list", "walk"])
def test_every_plan_of_a_search_gives_the_rows_sql_gives(
    plan, served, loop, snapshot, live_db, monkeypatch
):
    """Whichever clause the snapshot writes for a search (the choice depends on the share of
    rows it matches), the page, its count and its facets are SQL's."""
    from ledger.web import snapshot_search

    monkeypatch.setattr(snapshot_search, "_cheapest_plan", lambda *_: plan)
    values = _values(live_db)

    @settings(
        max_examples=10,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(requests(values, search=True))
    def check(request):
        args, where, params = request
        query = urlencode(args + [("_facet_size", "max"), ("_size", PAGE_SIZE)])
        payload = get_json(served, loop, f"/ledger/claims.json?{query}&_shape=objects")
        clause = {"sort": "rowid in (select", "walk_with_list": "+rowid in", "walk": "exists ("}
        assert clause[plan] in payload["query"]["sql"]
        assert page_facets(payload) == sql_facets(snapshot / "ledger.db", where, params)
        assert_first_page(payload, sql_rows(snapshot / "ledger.db", where, params))

    check()


def test_a_filter_on_a_column_the_index_does_not_code_is_counted_too(served, loop, snapshot):
    conn = sqlite3.connect(snapshot / "ledger.db")
    document = conn.execute("SELECT document_id FROM claims LIMIT 1").fetchone()[0]
    conn.close()
    payload = get_json(served, loop, f"/ledger/claims.json?document_id={document}&_facet_size=max")
    assert page_facets(payload) == sql_facets(
        snapshot / "ledger.db", ["document_id = ?"], [document]
    )


@pytest.mark.parametrize("where", ["snapshot", "live"])
def test_a_facet_not_counted_in_time_is_listed_never_dropped(where, snapshot, live_db, loop):
    limits = {"facet_time_limit_ms": 20, "sql_time_limit_ms": 5000, "suggest_facets": False}
    if where == "snapshot":
        settings_ = {**json.loads((snapshot / "settings.json").read_text()), **limits}
        ds = Datasette(config_dir=snapshot, settings=settings_)
    else:
        ds = Datasette(
            [str(live_db)], metadata=yaml.safe_load(METADATA.read_text()), settings=limits
        )
    query = urlencode({"_where": SLOW_WHERE})
    payload = get_json(ds, loop, f"/ledger/claims.json?{query}")
    assert set(payload["facet_results"]) == set(COLUMNS + DATES)
    assert set(payload["facets_not_counted"]) == set(COLUMNS + DATES)
    assert all(payload["facet_results"][c]["results"] == [] for c in COLUMNS + DATES)
    page = loop.run_until_complete(ds.client.get(f"/ledger/claims?{query}")).text
    assert 'class="facets-timed-out"' in page  # the line naming the facets not counted


def test_rowids_with_gaps_are_found_by_position():
    from ledger.facet_index import FacetIndex, build, rowids_where

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE claims (status TEXT)")
    conn.executemany(
        "INSERT INTO claims (rowid, status) VALUES (?, ?)",
        [(2, "false"), (5, "unverified"), (9, "false"), (12, None)],
    )
    build(conn, "claims", ["status"], [])
    index = FacetIndex.load(conn, "claims")
    found = rowids_where(conn, "SELECT rowid FROM claims WHERE rowid IN (12, 5, 9, 40)")
    mask = index.rowid_mask(found)
    assert mask.tolist() == [False, True, True, True]
    assert index.counts("status", mask, 10) == [("false", 1), ("unverified", 1)]
    assert index.counts("status", None, 10) == [("false", 2), ("unverified", 1)]
    in_or_null = index.value_mask("status", "status in ('false') or status is null", {})
    assert in_or_null.tolist() == [True, False, True, True]


def test_a_common_word_is_searched_in_display_order_and_counted_from_the_index(
    served, loop, snapshot
):
    expected = sql_rows(
        snapshot / "ledger.db",
        ["rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)"],
        ['"regime"'],
    )
    assert len(expected) > 0.1 * 2000  # common: the clause SQLite cannot start from
    payload = get_json(served, loop, f"/ledger/claims.json?_search=regime&_size={PAGE_SIZE}")
    # One search clause, the plugin's: Datasette does not find the FTS table to add its own.
    assert payload["query"]["sql"].count(" match ") == 1
    assert payload["query"]["sql"].count("+rowid in (select rowid from claims_fts where") == 1
    payload = get_json(
        served, loop, f"/ledger/claims.json?_search=regime&_size={PAGE_SIZE}&_shape=objects"
    )
    assert_first_page(payload, expected)
    # `_nocount`, added for Datasette to skip count(*), is in no link the reader is given.
    assert "_nocount" not in json.dumps(payload)
    page = loop.run_until_complete(served.client.get("/ledger/claims?_search=regime")).text
    assert "_nocount" not in page
    assert f"{len(expected):,} claims" in page
    assert 'name="_search" value="regime"' in page  # the search box still shows the search


def test_a_rare_word_keeps_datasettes_clause(served, loop):
    payload = get_json(served, loop, "/ledger/claims.json?_search=4321")
    assert "+rowid" not in payload["query"]["sql"]
    assert "rowid in (select rowid from claims_fts where" in payload["query"]["sql"]


def test_a_reader_who_asks_for_no_count_gets_none(served, loop):
    payload = get_json(served, loop, "/ledger/claims.json?_search=regime&_nocount=1")
    assert payload["filtered_table_rows_count"] is None


@pytest.mark.parametrize(
    "query, where, params",
    [
        (
            "_search_text=regime",
            ["rowid IN (SELECT rowid FROM claims_fts WHERE text MATCH ?)"],
            ['"regime"'],
        ),
        (
            f"_search=regime&_where={SLOW_WHERE[:0]}status+%3D+%27false%27",
            [
                "rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)",
                "status = 'false'",
            ],
            ['"regime"'],
        ),
        (
            "_search=regime&_searchmode=raw",
            ["rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)"],
            ["regime"],
        ),
    ],
)
def test_searches_the_mask_is_not_computed_for_are_still_right(
    served, loop, snapshot, query, where, params
):
    """A column search, `_where`, raw mode: Datasette counts these pages, with our clause."""
    expected = sql_rows(snapshot / "ledger.db", where, params)
    payload = get_json(
        served, loop, f"/ledger/claims.json?{query}&_size={PAGE_SIZE}&_shape=objects"
    )
    assert_first_page(payload, expected)
