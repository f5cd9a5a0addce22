"""Ledger files on disk: opening a built ledger, and replacing one atomically.

A build writes a new database file next to the target and renames it into place only when
complete, so a failed or interrupted build leaves the previous database untouched.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from .errors import LedgerError


def connect(db_path: Path, *, must_exist: bool = True) -> sqlite_utils.Database:
    """Open a ledger database for reading and writing, with foreign keys enforced.

    With ``must_exist``, refuse in one sentence anything that is not a built ledger: a missing
    path, a directory, a file that is not SQLite, a SQLite file without the ledger's tables.
    """
    if must_exist and not Path(db_path).exists():
        raise LedgerError(f"{db_path}: no ledger database here; run `ledger build` first")
    if must_exist and not Path(db_path).is_file():
        raise LedgerError(f"{db_path}: not a file, so not a ledger database")
    conn = sqlite3.connect(str(db_path), timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                "('claims', 'journal')"
            )
        }
    except sqlite3.OperationalError as exc:  # e.g. locked past the timeout, unreadable
        conn.close()
        raise LedgerError(f"{db_path}: cannot read the database ({exc})") from None
    except sqlite3.DatabaseError:
        conn.close()
        raise LedgerError(f"{db_path}: not a SQLite database, so not a ledger") from None
    if must_exist and tables != {"claims", "journal"}:
        conn.close()
        raise LedgerError(
            f"{db_path}: a SQLite file without the ledger's tables; run `ledger build`"
        )
    return sqlite_utils.Database(conn)


@contextmanager
def replacing(db_path: Path):
    """Yield a path to build into; move it over ``db_path`` only if the block succeeds."""
    db_path = Path(db_path)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(db_path)
    except OSError as exc:
        raise LedgerError(f"{db_path.parent}: cannot write here ({exc.strerror})") from None
    building = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    try:
        yield building
        os.replace(building, db_path)
    except (sqlite3.OperationalError, OSError) as exc:
        # A full disk, a read-only directory: the old file is untouched; say so plainly.
        raise LedgerError(
            f"{db_path}: could not write the new database ({exc}); the previous one is unchanged"
        ) from None
    finally:
        for leftover in (building, building.with_name(building.name + "-journal")):
            leftover.unlink(missing_ok=True)


def _remove_stale_builds(db_path: Path) -> None:
    """Delete files left by builds that were killed (their process no longer exists)."""
    for stale in db_path.parent.glob(f".{db_path.name}.building-*"):
        match = re.search(r"\.building-(\d+)(?:-journal)?$", stale.name)
        if match and not _alive(int(match.group(1))):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fsync(path: Path) -> None:
    """Flush a written file to the disk before it is renamed into place."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextmanager
def building(
    db_path: Path, *, foreign_keys: bool = True, cache_kib: int | None = None
) -> Iterator[sqlite3.Connection]:
    """A connection to a fresh database file that replaces ``db_path`` only if the block ends
    without an error; on any error the previous file stays as it was.

    Every build opens its file this way: no rollback journal and no syncing while it is
    written (a half-written file is never renamed into place), foreign keys enforced unless
    told otherwise, SQLite's page cache capped at ``cache_kib`` when given. On success the
    statistics are gathered (ANALYZE), the file is synced to disk and renamed into place.
    """
    with replacing(db_path) as path:
        conn = sqlite3.connect(str(path), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            if foreign_keys:
                conn.execute("PRAGMA foreign_keys = ON")
            if cache_kib:
                conn.execute(f"PRAGMA cache_size = -{cache_kib}")
            yield conn
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        fsync(path)


def uri(db_path: Path, query: str) -> str:
    """SQLite's URI for a database file (``query``: "mode=ro", "immutable=1"), with the path
    quoted, so a name with `?`, `#` or `%` in it opens as itself."""
    return f"file:{quote(str(db_path))}?{query}"


@contextmanager
def reading(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to a database file, closed when the block ends."""
    conn = sqlite3.connect(uri(db_path, "mode=ro"), uri=True)
    try:
        yield conn
    finally:
        conn.close()
