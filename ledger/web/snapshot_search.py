"""The claims page's full-text search on a published snapshot, fast for the commonest words.

Datasette's own `_search` clause, `rowid in (select rowid from claims_fts where … match …)`, is
one SQLite always starts from: it looks up every match, sorts them all for the first page, and
looks them up again for `count(*)` — a third of a million rows for a common word, at a million
claims. A snapshot never changes, so `ledger publish` hides its FTS table from Datasette's
detection and names it in this plugin's configuration of the table (`fts_table`); then:

* `filters_from_request` writes the search clause instead of Datasette, choosing among three
  that select the same rows (`_cheapest_plan`) by how many rows the search matches: Datasette's
  own for a rare search; for a common one, a clause SQLite cannot start from, so that it walks
  the sort column's index in display order and stops when the page is full — `+rowid in (…)`,
  testing each row against the listed matches, or, commoner still, `exists (…)`, asking the
  FTS index about each row (a few hundred rows read, not a third of a million).
* The rows a search of common words matches come from their stored frequencies
  (`ranked_search`), a mask in milliseconds; the count comes from the request's row mask, which
  the facets need anyway (`facets.py`), not from `count(*)`. Datasette counts unless
  `_nocount` is set, and reads that argument before any hook runs: `count_from_index` (an
  ASGI wrapper) adds `_nocount=1` to such a request, and the hook takes it out again before
  Datasette builds a link from the request, so no page or JSON shows it. The page gets the
  count through the hook's template context, the JSON through `facets.render_json`.

A request this module does not recognise (another table, a live file, `_where`, `_fts_table`, a
column search) is counted by Datasette: correct, only slower. The live ledger is Datasette's.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from urllib.parse import parse_qsl

import numpy as np
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, tilde_decode
from datasette.utils.asgi import BadRequest

from .. import ranked_search
from .facets import (
    MASK_KEY,
    ROWS_COUNT_KEY,
    NotCounted,
    _Snapshot,
    column_filters,
    request_mask,
)

PLUGIN_NAME = "claim-ledger"
COUNT_KEY = "ledger.count_from_index"
"""Request scope: the query string as the reader sent it, while `_nocount=1` is added."""
FILTER_KEY = "ledger.search_filter"
"""Request scope: this hook's answer, computed once (the facets ask the hooks again)."""
TABLE_PATH = re.compile(r"^/(?P<database>[^/]+)/(?P<table>[^/]+?)(?:\.json)?$")
LEFT_TO_DATASETTE = ("_where", "_through", "_fts_table", "_fts_pk", "_filter_column", "_sort_by")
"""Arguments whose rows the mask is not computed from here, or that make Datasette redirect
before any hook runs: Datasette counts those pages."""


def fts_table(datasette, database: str, table: str) -> str | None:
    """The FTS table a snapshot's publisher hid from Datasette for ``table``, if any."""
    db = datasette.databases.get(database)
    if db is None or db.is_mutable or db.path is None:
        return None
    config = datasette.plugin_config(PLUGIN_NAME, database=database, table=table) or {}
    return config.get("fts_table")


@hookimpl(specname="prepare_connection")
def rank_common_words(conn, database, datasette):
    """A snapshot's `search_claims` ranks queries of common words with `ledger_ranked`."""
    db = datasette.databases.get(database)
    if db is not None and not db.is_mutable and db.path is not None:
        ranked_search.register(conn, db.path)


@hookimpl(specname="asgi_wrapper")
def count_from_index(datasette):
    """ASGI wrapper: a search of a snapshot's table skips Datasette's `count(*)`."""

    def wrap(app):
        async def wrapped(scope, receive, send):
            if scope.get("type") == "http" and scope.get("method") == "GET":
                scope = _without_count(datasette, scope)
            await app(scope, receive, send)

        return wrapped

    return wrap


def _without_count(datasette, scope: dict) -> dict:
    found = TABLE_PATH.match(scope.get("path", ""))
    if found is None:
        return scope
    query = scope.get("query_string", b"").decode("latin-1")
    keys = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
    if "_nocount" in keys or not dict(parse_qsl(query)).get("_search"):
        return scope
    if any(key.startswith(LEFT_TO_DATASETTE) or key.startswith("_search_") for key in keys):
        return scope
    database = _database_name(datasette, tilde_decode(found["database"]))
    if database is None or not fts_table(datasette, database, tilde_decode(found["table"])):
        return scope
    counted = f"{query}&_nocount=1".encode("latin-1")
    return {**scope, "query_string": counted, COUNT_KEY: query}


def _database_name(datasette, route: str) -> str | None:
    for name, db in datasette.databases.items():
        if db.route == route:
            return name
    return None


@hookimpl(trylast=True)  # after Datasette's own search hook, so its "no search here" is replaced
def filters_from_request(request, database, table, datasette):
    fts = fts_table(datasette, database, table) if table else None
    searches = [key for key in request.args if key.startswith("_search") and key != "_searchmode"]
    if not fts or not searches or "_fts_table" in request.args or "_fts_pk" in request.args:
        return None  # no search, or one Datasette itself runs on the FTS table it was given

    async def inner():
        scope = request.scope
        if FILTER_KEY not in scope:
            scope[FILTER_KEY] = await _search_filter(request, database, table, datasette, fts)
        return scope[FILTER_KEY]

    return inner


async def _search_filter(request, database, table, datasette, fts: str) -> FilterArguments:
    """Datasette's search clauses (`_search`, or `_search_<column>`), the first written for the
    plan that reads least; the count from the mask when asked."""
    scope = request.scope
    if COUNT_KEY in scope:
        # Datasette has read `_nocount` by now; every link it builds from here on reads this.
        scope["query_string"] = scope[COUNT_KEY].encode("latin-1")
    metadata = datasette.table_metadata(database, table)
    raw = metadata.get("searchmode") == "raw"
    raw = {"raw": True, "escaped": False}.get(request.args.get("_searchmode"), raw)
    if "_search" in request.args:
        searches = {"search": (None, request.args["_search"])}
    else:
        columns = await datasette.get_database(database).table_columns(fts)
        searches = {}
        for i, key in enumerate(k for k in request.args if k.startswith("_search_")):
            column = key.split("_search_", 1)[1]
            if column not in columns:
                raise BadRequest("Cannot search by that column")
            searches[f"search_{i}"] = (column, request.args[key])
    clauses, params, described = [], {}, []
    pk = escape_sqlite(metadata.get("fts_pk", "rowid"))
    for name, (column, text) in searches.items():
        target = escape_sqlite(column or fts)
        match = f"{target} match " + (f":{name}" if raw else f"escape_fts(:{name})")
        clauses.append((f"{escape_sqlite(fts)} where {match}", f"{escape_sqlite(table)}.{pk}"))
        params[name] = text
        described.append(
            f'search column "{column}" matches "{text}"' if column else f'search matches "{text}"'
        )
    where = [f"{pk} in (select rowid from {source})" for source, _ in clauses]
    context = {"supports_search": True, "search": text}
    snapshot = await asyncio.to_thread(_Snapshot.get, datasette.get_database(database).path, table)
    if snapshot is None:
        return FilterArguments(where, params, described, context)
    words = None if raw or column else request.args["_search"].split()
    matching = await asyncio.to_thread(_stored_matches, snapshot, words) if words else None
    if COUNT_KEY in scope:  # only this search and column filters: the mask is the request's
        rows = await _rows_count(
            datasette, request, database, table, snapshot, where, params, matching
        )
        if rows is not None:
            scope[ROWS_COUNT_KEY] = context["filtered_table_rows_count"] = rows
    # Starting from a search, SQLite looks up all its matches, whatever the other filters.
    source, row = clauses[0]
    if matching is not None:
        matches = int(matching.sum())
    else:
        matches = await asyncio.to_thread(_matches, snapshot, f"select rowid from {source}", params)
    plan = _cheapest_plan(matches, len(snapshot.index.rowids), _page_size(request, datasette))
    if plan == "walk":
        where[0] = f"exists (select 1 from {source} and {escape_sqlite(fts)}.rowid = {row})"
    elif plan == "walk_with_list":
        where[0] = f"+{where[0]}"
    return FilterArguments(where, params, described, context)


SECONDS_PER_ROW = {"sort": 1.2e-6, "list": 0.25e-6, "walk_with_list": 0.3e-6, "walk": 60e-6}
"""What each plan costs per row it reads, measured at a million claims: looking up and sorting
a match; listing a match; reading one row of the sort index and testing it against the list;
the same testing it with a query of the FTS index."""


def _cheapest_plan(matches: int, rows: int, page: int) -> str:
    """How to find a page of a search matching ``matches`` of ``rows``: "sort" (SQLite looks up
    every match and sorts them: Datasette's clause), "walk_with_list" (it lists the matches,
    then walks the sort index until the page is full) or "walk" (it asks the FTS index about
    each row it walks)."""
    walked = rows / max(matches, 1) * (page + 1)  # as if the matches were spread evenly
    costs = {
        "sort": matches * SECONDS_PER_ROW["sort"],
        "walk_with_list": matches * SECONDS_PER_ROW["list"]
        + walked * SECONDS_PER_ROW["walk_with_list"],
        "walk": walked * SECONDS_PER_ROW["walk"],
    }
    return min(costs, key=costs.get)


def _page_size(request, datasette) -> int:
    try:
        return int(request.args.get("_size") or datasette.page_size)
    except ValueError:
        return datasette.page_size


_aligned: dict[str, bool] = {}


def _stored_matches(snapshot: _Snapshot, words: list[str]):
    """The rows holding every word, from the stored frequencies of common terms, as a mask
    over the facet index's rows; None when a word is not stored (or not a bare word)."""
    if not all(ranked_search.BARE_WORDS.fullmatch(word) for word in words):
        return None
    postings = ranked_search.postings(snapshot.path)
    if postings is None:
        return None
    if snapshot.path not in _aligned:
        rowids = postings.documents.rowids
        _aligned[snapshot.path] = np.array_equal(rowids, snapshot.index.rowids)
    return postings.matching(words) if _aligned[snapshot.path] else None


def _matches(snapshot: _Snapshot, matching: str, params: dict) -> int:
    """How many rows a search matches, counted by the FTS index alone (milliseconds); 0 for a
    search FTS5 refuses (Datasette's own query then reports the error)."""
    try:
        (count,) = snapshot.connection().execute(f"SELECT count(*) FROM ({matching})", params)
    except sqlite3.Error:
        return 0
    return count[0]


async def _rows_count(datasette, request, database, table, snapshot, where, params, matching):
    """How many rows the request selects (its filters and this search), from the facet index;
    None if it cannot be counted in time. The mask is kept for the facets of this request."""
    scope = request.scope
    if MASK_KEY not in scope:
        units = datasette.table_metadata(database, table).get("units", {})
        scope[MASK_KEY] = asyncio.ensure_future(
            request_mask(
                snapshot,
                table,
                column_filters(request.args, table, units),
                [] if matching is not None else [(clause, params) for clause in where],
                datasette.setting("sql_time_limit_ms"),
                matching,
            )
        )
    try:
        mask = await scope[MASK_KEY]
    except (NotCounted, sqlite3.Error):
        return None
    return len(snapshot.index.rowids) if mask is None else len(mask)
