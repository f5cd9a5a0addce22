"""The public snapshot: an immutable copy of the ledger for read-only Datasette replicas.

`ledger publish DIR` writes a Datasette configuration directory:

    DIR/ledger.db           a consistent copy (VACUUM INTO), with facet counts and indexes
    DIR/inspect-data.json   Datasette's precomputed table counts (makes the file immutable)
    DIR/metadata.yml        the project's metadata, facets switched to the precomputed ones,
                            without the fact-checkers' logins
    DIR/settings.json       settings for many readers (no facet suggestions)

Serve it with `datasette serve DIR`, or `datasette serve -i DIR/ledger.db --inspect-file
DIR/inspect-data.json -m DIR/metadata.yml`; package it with `datasette package`. The writable
ledger stays with the fact-checkers; cut a new snapshot when it has changed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from .errors import LedgerError
from .web.facets import COUNTS_TABLE, STORED_TOP

FILTER_LIMIT = 1000
"""Facet columns with at most this many values get counts under each of their values."""

SETTINGS = {
    "suggest_facets": False,  # suggestions re-scan every column on every page view
    "default_page_size": 50,  # rendering 100 rows of 31 columns is most of a page's time
    "default_cache_ttl": 3600,
    "num_sql_threads": 4,
}


def facet_config(metadata: dict, table: str = "claims") -> tuple[list[str], list[str]]:
    """The column facets and date facets configured for a table."""
    columns, dates = [], []
    tables = metadata["databases"]["ledger"]["tables"]
    for facet in tables[table].get("facets", []):
        if isinstance(facet, str):
            columns.append(facet)
        else:
            ((kind, column),) = facet.items()
            (dates if "date" in kind else columns).append(column)
    return columns, dates


def publish(db_path: Path, out_dir: Path, metadata_path: Path) -> dict:
    """Write the snapshot directory; return what it holds."""
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.exists():
        raise LedgerError(f"{db_path}: no ledger database here; run `ledger build` first")
    metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8"))
    columns, dates = facet_config(metadata)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "ledger.db"
    building = out_dir / ".ledger.db.publishing"
    building.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        source.execute("VACUUM INTO ?", (str(building),))
    finally:
        source.close()
    try:
        counts = _prepare(building, columns, dates)
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
    inspect_file = out_dir / "inspect-data.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "datasette",
            "inspect",
            str(target),
            "--inspect-file",
            str(inspect_file),
        ],
        check=True,
        capture_output=True,
    )
    (out_dir / "metadata.yml").write_text(
        yaml.safe_dump(snapshot_metadata(metadata), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    (out_dir / "settings.json").write_text(json.dumps(SETTINGS, indent=2) + "\n")
    return {"dir": str(out_dir), "database": str(target), "facet_counts": counts}


def _prepare(path: Path, columns: list[str], dates: list[str]) -> int:
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("BEGIN")
        # The page sorts by said_on_earliest: with the filter column first, a filtered page
        # reads its first rows straight from the index.
        for column in columns:
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS claims_{column}_said ON claims "
                f"({column}, said_on_earliest)"
            )
        conn.execute(f"""CREATE TABLE {COUNTS_TABLE} (
            table_name TEXT, column_name TEXT, kind TEXT, filter_column TEXT,
            filter_value TEXT, value, count INTEGER, distinct_values INTEGER)""")
        filters = [""] + [
            c
            for c in columns
            if conn.execute(f"SELECT count(DISTINCT {c}) FROM claims").fetchone()[0] <= FILTER_LIMIT
        ]
        facets = [(c, "column", c) for c in columns] + [(c, "date", f"date({c})") for c in dates]
        for filter_column in filters:
            group = f"CAST({filter_column} AS TEXT)" if filter_column else "''"
            for column, kind, expression in facets:
                conn.execute(
                    f"""
                    INSERT INTO {COUNTS_TABLE}
                    SELECT 'claims', ?, ?, ?, fv, value, n, d FROM (
                      SELECT {group} AS fv, {expression} AS value, count(*) AS n,
                             count(*) OVER (PARTITION BY {group}) AS d,
                             row_number() OVER (PARTITION BY {group}
                                                ORDER BY count(*) DESC, {expression}) AS r
                        FROM claims WHERE {expression} IS NOT NULL
                       GROUP BY fv, value)
                    WHERE r <= {STORED_TOP}""",
                    (column, kind, filter_column),
                )
        conn.execute(
            f"CREATE INDEX {COUNTS_TABLE}_lookup ON {COUNTS_TABLE} "
            "(table_name, column_name, filter_column, filter_value, count DESC)"
        )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = DELETE")
        return conn.execute(f"SELECT count(*) FROM {COUNTS_TABLE}").fetchone()[0]
    finally:
        conn.close()


def snapshot_metadata(metadata: dict) -> dict:
    """The live metadata, for a read-only replica: precomputed facets, no logins."""
    metadata = json.loads(json.dumps(metadata))
    metadata.get("plugins", {}).pop("datasette-auth-passwords", None)
    if not metadata.get("plugins"):
        metadata.pop("plugins", None)
    tables = metadata["databases"]["ledger"]["tables"]
    facets = []
    for facet in tables["claims"].get("facets", []):
        if isinstance(facet, str):
            facets.append({"precomputed": facet})
        else:
            ((kind, column),) = facet.items()
            facets.append({"precomputed_date" if kind == "date" else "precomputed": column})
    tables["claims"]["facets"] = facets
    tables[COUNTS_TABLE] = {
        "description": "Facet counts of this snapshot, computed when it was published.",
        "hidden": True,
        "columns": {
            "table_name": "The table faceted.",
            "column_name": "The facet column.",
            "kind": "column or date.",
            "filter_column": "The filter applied, if any.",
            "filter_value": "The filter's value.",
            "value": "A facet value.",
            "count": "Rows with that value.",
            "distinct_values": "How many values the facet has under this filter.",
        },
    }
    metadata["description_html"] = metadata.get("description_html", "") + (
        "\n<p><em>A published snapshot: read-only, cut from the fact-checkers' ledger.</em></p>"
    )
    return metadata
