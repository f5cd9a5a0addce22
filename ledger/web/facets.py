"""Facets of a published snapshot, counted from its facet index under any filter or search.

`ledger publish` stores compact codes of every configured facet column (`ledger.facet_index`)
and configures these facets as `precomputed` (column) and `precomputed_date` (date) facets. On an
immutable snapshot they turn the request's filters and search into one mask over the rows —
each filter decided by its own SQL, as Datasette builds it — and count every facet under it. On
a mutable database, or a request the index cannot read, they count live exactly as Datasette's
own facets do, by delegating to them. The JSON has the shape of Datasette's column and date
facets. A facet that could not be counted in time stays in `facet_results` with no values and
`"timed_out": true`, is named in the page's "These facets timed out" line, and in the JSON's
`facets_not_counted` (added by `render_json`, which also keeps Datasette's own facets from
vanishing when they time out). For a search, `snapshot_search` has usually computed the mask
already (it counts the page's rows from it), and the facets read it from the request.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
from datasette.facets import ColumnFacet, DateFacet
from datasette.filters import Filters
from datasette.renderer import json_renderer
from datasette.utils import (
    await_me_maybe,
    escape_fts,
    path_with_added_args,
    path_with_removed_args,
)

from ..facet_index import FacetIndex, rowids_where
from ..files import uri

SEARCH_CLAUSES = (
    re.compile(r"^\+?rowid in \((?P<rowids>select rowid from .+)\)$", re.DOTALL | re.I),
    re.compile(
        r"^exists \(select 1 from (?P<fts>\S+) where (?P<match>.+) and (?P=fts)\.rowid = \S+\)$",
        re.DOTALL | re.I,
    ),
)
"""Full-text clauses (Datasette's, and `snapshot_search`'s two); the rowids they select."""
MASK_KEY = "ledger.facet_mask"
ROWS_COUNT_KEY = "ledger.rows_count"
"""Request scope: the rows the request selects, counted from its mask instead of `count(*)`."""


class _Snapshot:
    """A snapshot file's facet index, loaded once per process, and connections to read it."""

    _loaded: dict[tuple, _Snapshot | None] = {}
    _lock = threading.Lock()

    def __init__(self, path: str, index: FacetIndex):
        self.path, self.index = path, index
        self._local = threading.local()

    @classmethod
    def get(cls, path: str, table: str) -> _Snapshot | None:
        stat = Path(path).stat()
        key = (path, table, stat.st_mtime_ns, stat.st_size)
        with cls._lock:
            if key not in cls._loaded:
                conn = sqlite3.connect(uri(path, "immutable=1"), uri=True)
                try:
                    index = FacetIndex.load(conn, table)
                finally:
                    conn.close()
                cls._loaded[key] = cls(path, index) if index is not None else None
            return cls._loaded[key]

    def connection(self) -> sqlite3.Connection:
        """This thread's read-only connection (Datasette's bound result sizes do not fit a
        million rowids)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(uri(self.path, "immutable=1"), uri=True)
            conn.create_function("escape_fts", 1, escape_fts)
            self._local.conn = conn
        return conn


class NotCounted(Exception):
    """The request's rows could not be found within the facet time limit."""


def _mask(snapshot: _Snapshot, table: str, column_filters, other_clauses, limit_ms, rows=None):
    """The rows a request selects, as their positions in the index (None: every row), of those
    in the mask ``rows`` if given. Runs in a worker thread."""
    index, conn = snapshot.index, snapshot.connection()
    deadline = time.monotonic() + limit_ms / 1000
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        mask = rows
        for column, clause, params in column_filters:
            if column in index.columns:
                rows = index.value_mask(column, clause, params)
            else:
                sql = f"SELECT rowid FROM [{table}] WHERE {clause}"
                rows = index.rowid_mask(rowids_where(conn, sql, params))
            mask = rows if mask is None else mask & rows
        for clause, params in other_clauses:
            sql = _search_rowids(clause) or f"SELECT rowid FROM [{table}] WHERE {clause}"
            rows = index.rowid_mask(rowids_where(conn, sql, params))
            mask = rows if mask is None else mask & rows
        return None if mask is None else np.flatnonzero(mask)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise NotCounted from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def column_filters(args, table: str, units: dict) -> list[tuple]:
    """The request's filters on columns, each as (column, SQL clause, params), as Datasette
    builds them."""
    filters_found = []
    for key in args:
        if key.startswith("_") and "__" not in key:
            continue
        for value in args.getlist(key):
            filters = Filters([(key, value)], units)
            clauses, params = filters.build_where_clauses(table)
            ((column, _, _),) = filters.selections()
            filters_found.extend((column, clause, params) for clause in clauses)
    return filters_found


async def request_mask(
    snapshot: _Snapshot, table: str, column_filters, other_clauses, limit_ms, rows=None
):
    """The rows a request selects, as positions in the index (None: every row), of those in
    the mask ``rows`` if given; raises NotCounted when that takes longer than ``limit_ms``."""
    return await asyncio.to_thread(
        _mask, snapshot, table, column_filters, other_clauses, limit_ms, rows
    )


def _search_rowids(clause: str) -> str | None:
    """The query of the rowids a full-text clause selects, if it is one."""
    for pattern in SEARCH_CLAUSES:
        found = pattern.match(clause.strip())
        if found and "rowids" in pattern.groupindex:
            return found["rowids"]
        if found:
            return f"select rowid from {found['fts']} where {found['match']}"
    return None


class _Precomputed:
    """Shared by both facet types: the mask of this request's rows, computed once."""

    date = False
    live_class: type

    async def _request_mask(self):
        """(index, mask) for this request, or None when the index cannot answer it."""
        db = self.ds.get_database(self.database)
        if db.is_mutable or not self.table or db.path is None:
            return None
        snapshot = await asyncio.to_thread(_Snapshot.get, db.path, self.table)
        if snapshot is None:
            return None
        scope = self.request.scope
        if MASK_KEY not in scope:  # the first facet of this request computes it for all
            scope[MASK_KEY] = asyncio.ensure_future(self._compute_mask(snapshot))
        try:
            mask = await scope[MASK_KEY]
        except NotCounted:
            return snapshot, NotCounted
        return snapshot, mask

    async def _compute_mask(self, snapshot: _Snapshot):
        units = self.ds.table_metadata(self.database, self.table).get("units", {})
        # Imported here, not at the top: importing datasette.plugins loads every plugin's entry
        # point, ours included, and would register this package half-imported, without hooks.
        from datasette.plugins import pm

        other_clauses = []
        for hook in pm.hook.filters_from_request(
            request=self.request, table=self.table, database=self.database, datasette=self.ds
        ):
            arguments = await await_me_maybe(hook)
            if arguments:
                other_clauses.extend((c, arguments.params) for c in arguments.where_clauses)
        return await request_mask(
            snapshot,
            self.table,
            column_filters(self.request.args, self.table, units),
            other_clauses,
            self.ds.setting("facet_time_limit_ms"),
        )

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        answer = None
        try:
            answer = await self._request_mask()
        except (sqlite3.Error, ValueError):
            answer = None  # something only Datasette's own SQL can answer: count live
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            column = config.get("column") or config["simple"]
            indexed = answer is not None and column in answer[0].index.columns
            if indexed and (not self.date or answer[0].index.columns[column].dates is not None):
                snapshot, mask = answer
                if mask is NotCounted:
                    found, late = [], [column]
                else:
                    counted = snapshot.index.counts(column, mask, size + 1, date=self.date)
                    found, late = [await self._result(column, source, counted, size)], []
            else:
                found, late = await self._count_live(source_and_config)
            results.extend(found)
            for name in late:
                timed_out.append(name)
                results.append(self._not_counted(name, source))
        return results, timed_out

    async def _count_live(self, source_and_config):
        """Count one facet the way Datasette itself does, for requests the index cannot answer."""
        live = self.live_class(
            self.ds,
            self.request,
            self.database,
            sql=self.sql,
            table=self.table,
            params=self.params,
            metadata=self.metadata,
            row_count=self.row_count,
        )
        live.get_configs = lambda: [source_and_config]
        return await live.facet_results()

    def _not_counted(self, column: str, source: str) -> dict:
        return not_counted_entry(column, "date" if self.date else "column", source != "metadata")


def not_counted_entry(column: str, kind: str, hideable: bool = False) -> dict:
    """A facet that was asked for but not counted in time: present, empty, and saying so."""
    return {
        "name": column,
        "type": kind,
        "hideable": hideable,
        "results": [],
        "truncated": False,
        "timed_out": True,
    }


class PrecomputedColumnFacet(_Precomputed, ColumnFacet):
    type = "precomputed"
    live_class = ColumnFacet

    async def _result(self, column: str, source: str, counted: list[tuple], size: int) -> dict:
        pairs = self.get_querystring_pairs()
        values = [value for value, _ in counted[:size]]
        expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, values)
        entries = []
        for value, count in counted[:size]:
            selected = (column, str(value)) in pairs
            toggle = (
                path_with_removed_args(self.request, {column: str(value)})
                if selected
                else path_with_added_args(self.request, {column: value})
            )
            entries.append(
                {
                    "value": value,
                    "label": expanded.get((column, value), value),
                    "count": count,
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                    "selected": selected,
                }
            )
        return {
            "name": column,
            "type": "column",
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {"_facet": column})
            ),
            "results": entries,
            "truncated": len(counted) > size,
        }


class PrecomputedDateFacet(_Precomputed, DateFacet):
    type = "precomputed_date"
    live_class = DateFacet
    date = True

    async def _result(self, column: str, source: str, counted: list[tuple], size: int) -> dict:
        args = dict(self.get_querystring_pairs())
        key = f"{column}__date"
        entries = []
        for value, count in counted[:size]:
            selected = str(args.get(key)) == str(value)
            toggle = (
                path_with_removed_args(self.request, {key: str(value)})
                if selected
                else path_with_added_args(self.request, {key: value})
            )
            entries.append(
                {
                    "value": value,
                    "label": value,
                    "count": count,
                    "toggle_url": self.ds.absolute_url(self.request, toggle),
                    "selected": selected,
                }
            )
        return {
            "name": column,
            "type": "date",
            "results": entries,
            "hideable": source != "metadata",
            "toggle_url": path_with_removed_args(self.request, {"_facet_date": column}),
            "truncated": len(counted) > size,
        }


def requested_facets(datasette, database: str, table: str, args) -> dict[str, str]:
    """The facets a table page was asked for (metadata and `_facet*` arguments): column → kind."""
    wanted = {}
    for facet in datasette.table_metadata(database, table).get("facets", []):
        if isinstance(facet, str):
            wanted.setdefault(facet, "column")
        elif isinstance(facet, dict) and len(facet) == 1:
            ((kind, column),) = facet.items()
            if isinstance(column, str):
                wanted.setdefault(column, "date" if "date" in kind else "column")
    for key in args:
        if key.startswith("_facet") and key != "_facet_size":
            for column in args.getlist(key):
                wanted.setdefault(column, "date" if "date" in key else "column")
    return wanted


async def render_json(datasette, request, args, data, view_name):
    """Datasette's JSON, with every requested facet present and `facets_not_counted` listed,
    and the count of a snapshot's search (`snapshot_search`) taken from the index."""
    if isinstance(data, dict) and data.get("filtered_table_rows_count", 0) is None:
        data["filtered_table_rows_count"] = request.scope.get(ROWS_COUNT_KEY)
    if isinstance(data, dict) and isinstance(data.get("facet_results"), dict) and data.get("table"):
        results = data["facet_results"]
        if not args.get("_nofacet") and args.get("_shape") not in ("array", "object"):
            wanted = requested_facets(datasette, data["database"], data["table"], args)
            for column, kind in wanted.items():
                if column not in results:
                    results[column] = not_counted_entry(column, kind)
        data["facets_not_counted"] = [
            name for name, facet in results.items() if facet.get("timed_out")
        ]
    return json_renderer(args, data, view_name)
