"""Seeds in, database out: the one function the CLI, the server and the tests call to build.

Fact-checkers' journal entries are not in the seeds, so a build keeps them: it replays the
entries of the existing database (after auditing it) or, in a fresh clone, of the exported
``seeds/journal.jsonl``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import fields
from pathlib import Path

from pydantic import ValidationError

from . import audit, boundary, journal, rules
from .errors import LedgerError, Problem, SeedErrors, describe_error, display_path
from .files import connect, reading
from .journal import Entry
from .models import Ledger
from .seeds import load_seeds
from .store import Progress, build_database, seed_database

JOURNAL_FILE = "journal.jsonl"
"""Where `ledger journal export` writes fact-checkers' entries, next to the seeds."""


def check(seeds_dir: Path) -> Ledger:
    """Load and validate the seeds; raise SeedErrors with every problem."""
    return load_seeds(Path(seeds_dir))


def check_seeds(seeds_dir: Path) -> tuple[Ledger, list[rules.Finding]]:
    """What `ledger check` and `ledger build` both run: load and validate the seeds, then the
    verification rules over the seed ledger as it would be published.

    Raises SeedErrors for any problem, RuleErrors when a rule finds an error; returns the ledger
    and every finding (the warnings, accepted or not).
    """
    ledger = load_seeds(Path(seeds_dir))
    conn = seed_database(boundary.split(ledger).public)
    try:
        findings = rules.run_rules(conn)
    finally:
        conn.close()
    if rules.errors(findings):
        raise rules.RuleErrors(findings, display_path(Path(seeds_dir)))
    return ledger, findings


def build(seeds_dir: Path, db_path: Path, progress: Progress | None = None) -> dict:
    """Validate the seeds and build them into ``db_path``; the old file survives any error."""
    seeds_dir, db_path = Path(seeds_dir), Path(db_path)
    ledger, _ = check_seeds(seeds_dir)
    parts = boundary.split(ledger)
    later = later_entries(db_path, seeds_dir / JOURNAL_FILE)
    public_later = boundary.public_journal(parts, later)
    # The sidecar first: it holds the evidence the public journal leaves out, so it must never
    # lag behind the database beside it.
    boundary.write_internal(parts, db_path)
    findings = build_database(parts.public, db_path, progress, later_entries=public_later)
    counts = parts.public.counts()
    counts["claims withheld (internal or embargoed)"] = len(parts.withheld_claims)
    counts["journal entries kept"] = len(later)
    return {
        "db": str(db_path),
        "seeds": str(seeds_dir),
        "counts": counts,
        "rules": rules.summary(findings),
        "findings": [f.as_dict() for f in findings if not f.accepted],
    }


def build_records(records: Path, db_path: Path, progress: Progress | None = None) -> dict:
    """Build from a stream of seed records (see ledger/bulk.py); the old file survives."""
    from .bulk import build_from_records

    if not Path(records).is_file():
        raise LedgerError(f"{records}: no such file")
    report = build_from_records(Path(records), Path(db_path), progress)
    return {"db": str(db_path), "seeds": str(records), "counts": report.counts}


def later_entries(db_path: Path, journal_file: Path) -> list[Entry]:
    """Fact-checkers' entries to replay: from the existing database or the exported file.

    When both exist, one must continue the other; the longer is used.
    """
    from_db = _entries_from_database(db_path) if db_path.exists() else []
    from_file = read_journal_file(journal_file) if journal_file.exists() else []
    shorter, longer = sorted((from_db, from_file), key=len)
    for index, (a, b) in enumerate(zip(shorter, longer, strict=False)):
        if _content(a) != _content(b):
            raise LedgerError(
                f"{display_path(journal_file)}:{index + 1}: differs from entry {index + 1} of "
                f"the journal in {display_path(db_path)}; export the database's journal "
                "(`ledger journal export`) or move one of them aside"
            )
    return longer


def _content(entry: Entry) -> tuple:
    """What an entry says, leaving out its position in a chain."""
    return tuple(
        getattr(entry, f.name) for f in fields(entry) if f.name not in ("seq", "prev_hash", "hash")
    )


def _entries_from_database(db_path: Path) -> list[Entry]:
    try:
        with reading(db_path) as conn:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'journal'").fetchone():
                return []
            # The new build writes the seed state anew; what it carries over is the journal.
            report = audit.verify(conn, checks=audit.JOURNAL_CHECKS)
            if not report.ok:
                raise LedgerError(
                    f"{display_path(db_path)}: the journal fails its audit "
                    f"({report.problems[0]}); not carrying it into a new build. "
                    "Run `ledger audit` for details."
                )
            return _fact_checkers_entries(conn, db_path)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"{display_path(db_path)}: not a readable ledger ({exc})") from None
    finally:
        conn.close()


def read_journal_file(path: Path) -> list[Entry]:
    """Entries exported with `ledger journal export`, one JSON object per line."""
    entries, problems = [], []
    name = display_path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedErrors([Problem(name, None, f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise SeedErrors([Problem(name, None, f"cannot read: {exc.strerror}")]) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(journal.ENTRY.validate_json(line))
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(
                    Problem(name, number, f"not a journal entry: {describe_error(error)}")
                )
    if problems:
        raise SeedErrors(problems)
    return entries


def export_journal(db_path: Path, path: Path) -> int:
    """Write the fact-checkers' entries (not the seed ones) as JSON lines; return how many."""
    conn = connect(db_path).conn
    try:
        later = _fact_checkers_entries(conn, db_path)
    finally:
        conn.close()
    lines = [json.dumps(e.__dict__, ensure_ascii=False, sort_keys=True) for e in later]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(later)


def _fact_checkers_entries(conn: sqlite3.Connection, db_path: Path) -> list[Entry]:
    """The entries written after the seed ones, as written: with any evidence the public
    journal leaves out put back from the internal sidecar."""
    later = [e for e in journal.entries(conn) if e.origin == "ledger"]
    return boundary.restore_evidence(later, db_path)


def needs_build(seeds_dir: Path, db_path: Path) -> bool:
    """Whether the database is missing or older than any file in the seeds."""
    db_path, seeds_dir = Path(db_path), Path(seeds_dir)
    if not db_path.exists():
        return True
    if not seeds_dir.is_dir():
        return False
    built = db_path.stat().st_mtime
    return any(p.stat().st_mtime > built for p in seeds_dir.rglob("*") if p.is_file())


def datasette_command(db_path: Path, metadata: Path, host: str, port: int) -> list[str]:
    """The Datasette command line that publishes the ledger with its metadata and plugin."""
    if not Path(metadata).is_file():
        raise LedgerError(f"{metadata}: metadata file not found", setting="metadata")
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata),
        "--host",
        host,
        "--port",
        str(port),
    ]
