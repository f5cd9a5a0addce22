"""Writing the ledger out: schema.org ClaimReview for settled claims, JSON lines for everything.

ClaimReview rating scale (bestRating 5, worstRating 1); only settled statuses are exported:

    confirmed     5  True
    corroborated  4  Mostly true
    disputed      2  Mostly false
    false         1  False

unverified, contested (no version established) and unverifiable carry no verdict to rate.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

from ..errors import LedgerError
from ..files import connect
from ..vocabulary import EntityKind, Status

RATINGS: dict[str, tuple[int, str]] = {
    Status.CONFIRMED.value: (5, "True"),
    Status.CORROBORATED.value: (4, "Mostly true"),
    Status.DISPUTED.value: (2, "Mostly false"),
    Status.FALSE.value: (1, "False"),
}
BEST_RATING, WORST_RATING = 5, 1

DERIVED_TABLES = {"ledger_info", "sqlite_stat1"}
"""Tables rebuilt from code rather than exported: the schema version and SQLite statistics."""


def claim_reviews(
    conn: sqlite3.Connection, base_url: str, organization: str, organization_url: str | None
) -> list[dict]:
    """One ClaimReview (JSON-LD) per claim with a settled status, in claim id order."""
    base_url = base_url.rstrip("/")
    reviews = []
    rows = conn.execute(
        f"""
        SELECT c.id, c.text, c.quote, c.status, c.said_on_earliest, c.document_id,
               e.name, e.kind, e.description, d.title, d.url, d.published_earliest, o.name,
               o.url,
               (SELECT substr(max(recorded_at), 1, 10) FROM journal j
                 WHERE j.claim_id = c.id AND j.action = 'status') AS reviewed_on
          FROM claims c
          JOIN entities e ON e.id = c.speaker_id
          JOIN documents d ON d.id = c.document_id
          JOIN outlets o ON o.id = c.outlet_id
         WHERE c.status IN ({", ".join("?" for _ in RATINGS)})
         ORDER BY c.id
        """,
        list(RATINGS),
    )
    for (
        claim_id,
        text,
        quote,
        status,
        said_on,
        document_id,
        speaker,
        speaker_kind,
        speaker_description,
        title,
        doc_url,
        published,
        outlet,
        outlet_url,
        reviewed_on,
    ) in rows:
        value, label = RATINGS[status]
        appearance = {
            "@type": "CreativeWork",
            "url": doc_url or f"{base_url}/ledger/documents/{document_id}",
            "headline": title,
            "datePublished": published,
            "publisher": {
                "@type": "Organization",
                "name": outlet,
                **({"url": outlet_url} if outlet_url else {}),
            },
        }
        anonymous = speaker_kind == EntityKind.ANONYMOUS.value
        author_type = "Person" if speaker_kind in ("person", "anonymous") else "Organization"
        reviewer = {"@type": "Organization", "name": organization}
        if organization_url:
            reviewer["url"] = organization_url
        reviews.append(
            {
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": f"{base_url}/ledger/claims/{claim_id}",
                "claimReviewed": text,
                "datePublished": reviewed_on,
                "author": reviewer,
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": value,
                    "bestRating": BEST_RATING,
                    "worstRating": WORST_RATING,
                    "alternateName": label,
                },
                "itemReviewed": {
                    "@type": "Claim",
                    "author": {
                        "@type": author_type,
                        "name": speaker_description if anonymous else speaker,
                    },
                    "datePublished": said_on,
                    "text": quote,
                    "appearance": [appearance],
                    "firstAppearance": appearance,
                },
            }
        )
    return reviews


MANIFEST_FORMAT = "claim-ledger jsonl 1"
"""Names the export's layout in its manifest; an import refuses any other."""


class Manifest:
    """The last line of an export: what an import needs to know it has every line.

    Counts rows per table, hashes every line before it (sha256 over their bytes, newlines
    included) and records the journal's last entry as SEQ:HASH, the same `ledger journal head`
    prints. A file cut short has no manifest; an altered line changes the digest.
    """

    def __init__(self, tables: list[str]):
        self.counts = dict.fromkeys(tables, 0)
        self.lines = 0
        self.journal_head: str | None = None
        self._digest = hashlib.sha256()

    def add(self, line: bytes, table: str, row: dict) -> None:
        """Account for one line (with its newline) holding ``row`` of ``table``."""
        self._digest.update(line)
        self.lines += 1
        self.counts[table] = self.counts.get(table, 0) + 1
        if table == "journal":
            self.journal_head = f"{row.get('seq')}:{row.get('hash')}"

    def line(self) -> bytes:
        manifest = {
            "format": MANIFEST_FORMAT,
            "counts": self.counts,
            "lines": self.lines,
            "sha256": self._digest.hexdigest(),
            "journal_head": self.journal_head,
        }
        return _json_line({"manifest": manifest})


def export_jsonl(db_path: Path, out: Path) -> int:
    """Write every row of every ledger table as JSON lines, in a fixed order, then a
    manifest line (see Manifest); return the rows written.

    The journal is included with its hashes, so `ledger import jsonl` restores the ledger
    exactly and a second export is byte-identical to the first. The file is written under a
    temporary name and renamed when complete, so an earlier export is never half overwritten.
    """
    conn = connect(db_path).conn
    out = Path(out)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tables = exported_tables(conn)
        manifest = Manifest(tables)
        with open(temporary, "wb") as handle:
            for table in tables:
                columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
                order = "rowid" if _has_rowid(conn, table) else ", ".join(columns)
                cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY {order}")
                for values in cursor:
                    row = dict(zip(columns, values, strict=True))
                    line = _json_line({"table": table, "row": row})
                    handle.write(line)
                    manifest.add(line, table, row)
            handle.write(manifest.line())
        os.replace(temporary, out)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"{db_path}: cannot read the ledger ({exc})") from None
    except OSError as exc:
        raise LedgerError(f"{out}: cannot write ({exc.strerror})") from None
    finally:
        conn.close()
        temporary.unlink(missing_ok=True)
    return manifest.lines


def _json_line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def exported_tables(conn: sqlite3.Connection) -> list[str]:
    """The ledger's own tables in creation order (parents before children), without FTS."""
    from ..vocabulary import VOCABULARIES

    skip = DERIVED_TABLES | set(VOCABULARIES)
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
        )
    ]
    fts = {n for n in names if n.endswith("_fts") or "_fts_" in n}
    return [n for n in names if n not in skip and n not in fts]


def _has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    try:
        conn.execute(f"SELECT rowid FROM [{table}] LIMIT 0")
        return True
    except sqlite3.OperationalError:
        return False
