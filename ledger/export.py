"""Writing the ledger out: schema.org ClaimReview for settled claims, JSON lines for everything.

ClaimReview rating scale (bestRating 5, worstRating 1); only settled statuses are exported:

    confirmed     5  True
    corroborated  4  Mostly true
    disputed      2  Mostly false
    false         1  False

unverified, contested (no version established) and unverifiable carry no verdict to rate.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .errors import LedgerError
from .vocabulary import EntityKind, Status

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


def export_jsonl(db_path: Path, out: Path) -> int:
    """Write every row of every ledger table as JSON lines, in a fixed order; return rows.

    The journal is included with its hashes, so `ledger import jsonl` restores the ledger
    exactly and a second export is byte-identical to the first.
    """
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    count = 0
    try:
        with open(out, "w", encoding="utf-8", newline="\n") as handle:
            for table in exported_tables(conn):
                columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
                order = "rowid" if _has_rowid(conn, table) else ", ".join(columns)
                cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY {order}")
                for row in cursor:
                    record = {"table": table, "row": dict(zip(columns, row, strict=True))}
                    handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                    count += 1
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"{db_path}: cannot read the ledger ({exc})") from None
    finally:
        conn.close()
    return count


def exported_tables(conn: sqlite3.Connection) -> list[str]:
    """The ledger's own tables in creation order (parents before children), without FTS."""
    from .vocabulary import VOCABULARIES

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
