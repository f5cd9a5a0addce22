"""Facets of a published snapshot, answered from counts computed once at publish time.

A snapshot never changes, so `ledger publish` counts every configured facet of the claims
table, unfiltered and under each single-value filter of a low-cardinality facet column
(status=false, outlet_id=..., kind=...), and stores the top values in `facet_counts`. The
snapshot's metadata configures these facets as `precomputed` (column) and `precomputed_date`
(date) facets; they read the stored counts when the request is one they cover and the database
is immutable, and otherwise count live exactly as Datasette's own facets do, by delegating to
them. The JSON they return has the same shape as Datasette's column and date facets.
"""

from __future__ import annotations

from datasette.facets import ColumnFacet, DateFacet
from datasette.utils import path_with_added_args, path_with_removed_args

COUNTS_TABLE = "facet_counts"
STORED_TOP = 101
"""How many of the most frequent values are stored per facet (Datasette shows 30)."""
HARMLESS_ARGS = {
    "_facet",
    "_facet_date",
    "_facet_precomputed",
    "_facet_precomputed_date",
    "_size",
    "_sort",
    "_sort_desc",
    "_next",
    "_shape",
    "_labels",
    "_nolabels",
    "_col",
    "_nocol",
    "_json",
    "_extra",
    "_nosuggest",
    "_trace",
    "_nocount",
    "_facet_size",
    "_timelimit",
}


class _Precomputed:
    """Shared by both facet types: find stored counts for this request, if any."""

    date = False

    async def _stored(self, column: str, limit: int) -> list[dict] | None:
        db = self.ds.get_database(self.database)
        if db.is_mutable or not self.table or not await db.table_exists(COUNTS_TABLE):
            return None
        filter_column, filter_value = "", ""
        pairs = self.get_querystring_pairs()
        filters = [(k, v) for k, v in pairs if not k.startswith("_")]
        if any(k.startswith("_") and k not in HARMLESS_ARGS for k, _ in pairs):
            return None  # _search, _where, _through ...: count live
        if len(filters) > 1:
            return None
        if filters:
            filter_column, filter_value = filters[0]
            filter_column = filter_column.removesuffix("__exact")
            if "__" in filter_column:
                return None
        rows = await db.execute(
            f"SELECT value, count, distinct_values FROM {COUNTS_TABLE} WHERE table_name = ? "
            "AND column_name = ? AND kind = ? AND filter_column = ? AND filter_value = ? "
            "ORDER BY count DESC, value LIMIT ?",
            [
                self.table,
                column,
                "date" if self.date else "column",
                filter_column,
                filter_value,
                limit + 1,
            ],
        )
        if not rows.rows:
            covered = await db.execute(
                f"SELECT 1 FROM {COUNTS_TABLE} WHERE table_name = ? AND column_name = ? AND "
                "filter_column = ? LIMIT 1",
                [self.table, column, filter_column],
            )
            return [] if covered.rows else None
        if limit + 1 > STORED_TOP and rows.rows[0]["distinct_values"] > STORED_TOP:
            return None  # more values asked for than were stored
        return [dict(row) for row in rows.rows]

    async def _count_live(self, facet_class, source_and_config):
        """Count one facet the way Datasette itself does, for requests not stored."""
        live = facet_class(
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


class PrecomputedColumnFacet(_Precomputed, ColumnFacet):
    type = "precomputed"

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            column = config.get("column") or config["simple"]
            rows = await self._stored(column, size)
            if rows is None:
                found, late = await self._count_live(ColumnFacet, source_and_config)
                results.extend(found)
                timed_out.extend(late)
                continue
            values = [row["value"] for row in rows[:size]]
            expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, values)
            entries = []
            for row in rows[:size]:
                selected = (column, str(row["value"])) in pairs
                toggle = (
                    path_with_removed_args(self.request, {column: str(row["value"])})
                    if selected
                    else path_with_added_args(self.request, {column: row["value"]})
                )
                entries.append(
                    {
                        "value": row["value"],
                        "label": expanded.get((column, row["value"]), row["value"]),
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": "column",
                    "hideable": source != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {"_facet": column})
                    ),
                    "results": entries,
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out


class PrecomputedDateFacet(_Precomputed, DateFacet):
    type = "precomputed_date"
    date = True

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        args = dict(self.get_querystring_pairs())
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            column = config.get("column") or config["simple"]
            rows = await self._stored(column, size)
            if rows is None:
                found, late = await self._count_live(DateFacet, source_and_config)
                results.extend(found)
                timed_out.extend(late)
                continue
            entries = []
            for row in rows[:size]:
                key = f"{column}__date"
                selected = str(args.get(key)) == str(row["value"])
                toggle = (
                    path_with_removed_args(self.request, {key: str(row["value"])})
                    if selected
                    else path_with_added_args(self.request, {key: row["value"]})
                )
                entries.append(
                    {
                        "value": row["value"],
                        "label": row["value"],
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(self.request, toggle),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": "date",
                    "results": entries,
                    "hideable": source != "metadata",
                    "toggle_url": path_with_removed_args(self.request, {"_facet_date": column}),
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out
