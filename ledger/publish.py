"""The public snapshot: an immutable copy of the ledger for read-only Datasette replicas.

`ledger publish DIR` writes a Datasette configuration directory:

    DIR/ledger.db           a consistent copy (VACUUM INTO), with the facet index
                            (`ledger.facet_index`) and covering indexes for filtered pages
    DIR/inspect-data.json   Datasette's precomputed table counts; its `file` is the bare file
                            name, which makes `datasette serve DIR` open the copy immutable
    DIR/metadata.yml        the project's metadata, facets switched to the indexed ones,
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

from . import facet_index, ranked_search
from .errors import LedgerError
from .files import connect, reading

TABLE = "claims"
FTS_TABLE = "claims_fts"
SORT_COLUMN = "said_on_earliest"

SETTINGS = {
    "suggest_facets": False,  # suggestions re-scan every column on every page view
    "default_page_size": 50,  # rendering 100 rows of 31 columns is most of a page's time
    "default_cache_ttl": 3600,
    "num_sql_threads": 4,
}


PROJECT_METADATA = Path(__file__).resolve().parent.parent / "metadata.yml"
"""The project's own metadata, beside the package in a clone (`pip install -e .`)."""


def find_metadata(path: Path | None) -> Path:
    """The Datasette metadata to use: ``path`` when given; else ./metadata.yml, else the
    project's own, so the commands that need it work from any directory."""
    candidates = [Path(path)] if path is not None else [Path("metadata.yml"), PROJECT_METADATA]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise LedgerError(f"{candidates[0]}: metadata file not found (use --metadata)")


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
    connect(db_path).conn.close()  # refuses anything that is not a ledger, in one sentence
    try:
        metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8"))
        columns, dates = facet_config(metadata)
    except (OSError, ValueError, yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
        raise LedgerError(
            f"{metadata_path}: not the ledger's Datasette metadata ({type(exc).__name__}: {exc})"
        ) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "ledger.db"
    building = out_dir / ".ledger.db.publishing"
    building.unlink(missing_ok=True)
    with reading(db_path) as source:
        source.execute("VACUUM INTO ?", (str(building),))
    try:
        search = metadata["databases"]["ledger"].get("queries", {}).get("search_claims", {})
        values = _prepare(building, columns, dates, search.get("sql"))
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
    _without_paths(inspect_file)
    (out_dir / "metadata.yml").write_text(
        yaml.safe_dump(snapshot_metadata(metadata), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    (out_dir / "settings.json").write_text(json.dumps(SETTINGS, indent=2) + "\n")
    return {"dir": str(out_dir), "database": str(target), "facet_values": values}


def _without_paths(inspect_file: Path) -> None:
    """Store each database's bare file name, not the publishing machine's path: Datasette's
    configuration-directory mode opens a file immutable only when its name matches."""
    data = json.loads(inspect_file.read_text(encoding="utf-8"))
    for database in data.values():
        database["file"] = Path(database["file"]).name
    inspect_file.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _prepare(path: Path, columns: list[str], dates: list[str], search_sql: str | None) -> int:
    """Add the facet index, covering indexes and stored rankings of common words (for the
    ranked search ``search_sql``); return how many facet values the index codes."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("BEGIN")
        # Every filter on a facet column reads one of these and never the table: each leads
        # with its column, then the sort column (a filtered page's first rows come in order),
        # then every other facet column (further filters and the count are read from it).
        facet_columns = list(dict.fromkeys(columns + dates + [SORT_COLUMN]))
        for (name,) in conn.execute(
            f"SELECT name FROM pragma_index_list('{TABLE}') WHERE origin = 'c'"
        ).fetchall():  # the build's index on a facet column is superseded by its covering one
            (first,) = conn.execute(
                f"SELECT name FROM pragma_index_info('{name}') WHERE seqno = 0"
            ).fetchone()
            if first in facet_columns:
                conn.execute(f"DROP INDEX [{name}]")
        for column in facet_columns:
            rest = [c for c in facet_columns if c not in (column, SORT_COLUMN)]
            leading = [column] if column == SORT_COLUMN else [column, SORT_COLUMN]
            conn.execute(
                f"CREATE INDEX claims_{column}_covering ON {TABLE} ({', '.join(leading + rest)})"
            )
        facet_index.build(conn, TABLE, columns, dates)
        if search_sql:
            ranked_search.build(conn, search_sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        _hide_fts(conn)
        conn.execute("PRAGMA journal_mode = DELETE")
        return sum(
            len(json.loads(values))
            for (values,) in conn.execute(f"SELECT value_list FROM {facet_index.INDEX_TABLE}")
            if values
        )
    finally:
        conn.close()


def _hide_fts(conn: sqlite3.Connection) -> None:
    """Spell the FTS table's content option so that Datasette does not detect it: the plugin
    (`ledger.web.snapshot_search`) writes the claims page's search clause instead, one that
    stays fast for common words. FTS5 reads `content='claims'` as it reads `content="claims"`
    or `content=[claims]`, the spellings Datasette looks for."""
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = replace(replace(sql, ?, ?), ?, ?) WHERE name = ?",
            (
                f'content="{TABLE}"',
                f"content='{TABLE}'",
                f"content=[{TABLE}]",
                f"content='{TABLE}'",
                FTS_TABLE,
            ),
        )
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def snapshot_metadata(metadata: dict) -> dict:
    """The live metadata, for a read-only replica: indexed facets, no logins."""
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
    tables["claims"].setdefault("plugins", {})["claim-ledger"] = {"fts_table": FTS_TABLE}
    tables[facet_index.INDEX_TABLE] = {
        "description": "Each facet column's values and every claim's code for its value, "
        "computed when the snapshot was published; the facets are counted from it.",
        "hidden": True,
        "columns": {
            "table_name": "The table faceted.",
            "column_name": "The facet column (empty: the table's rowids, in order).",
            "declared_type": "The column's declared SQLite type.",
            "value_list": "The column's distinct values, in SQLite's order, as JSON.",
            "codes": "Each row's position in value_list, one small integer per row.",
            "date_list": "For a date facet, the distinct days of the values, as JSON.",
            "date_codes": "For a date facet, each value's position in date_list.",
        },
    }
    queries = metadata["databases"]["ledger"].get("queries", {})
    if "search_claims" in queries:
        queries["search_claims"]["sql"] = ranked_search.snapshot_sql(
            queries["search_claims"]["sql"]
        )
    tables[ranked_search.TOP_TABLE] = {
        "description": "The best claims for each common single-word search, ranked by bm25 "
        "when the snapshot was published.",
        "hidden": True,
        "columns": {
            "term_id": "The word's row in search_terms.",
            "position": "Rank, 0 the best match.",
            "claim_rowid": "The claim's rowid.",
        },
    }
    tables[ranked_search.POSTINGS_TABLE] = {
        "description": "For each common word, how often it occurs in every claim: the rows a "
        "search matches and their bm25 scores are computed from these.",
        "hidden": True,
        "columns": {
            "term_id": "The word's row in search_terms.",
            "idf": "The word's inverse document frequency, as FTS5's bm25 computes it.",
            "width": "Bytes per count in frequencies.",
            "frequencies": "The word's count in each claim, in the order of "
            "search_documents.rowids, compressed.",
        },
    }
    tables[ranked_search.DOCUMENTS_TABLE] = {
        "description": "One row: the claims' rowids and lengths in words, for bm25.",
        "hidden": True,
        "columns": {
            "row_count": "How many claims are indexed.",
            "average_tokens": "Their average length in words.",
            "rowids": "Every claim's rowid, in order, compressed.",
            "tokens": "Every claim's length in words, in the same order, compressed.",
        },
    }
    tables[ranked_search.TERMS_TABLE] = {
        "description": "One spelling of each common word (search_top and search_postings).",
        "hidden": True,
        "columns": {"word": "A word, as written in some claim."},
    }
    metadata["description_html"] = metadata.get("description_html", "") + (
        "\n<p><em>A published snapshot: read-only, cut from the fact-checkers' ledger.</em></p>"
    )
    return metadata
