"""Reading ledgers and reviews made elsewhere: JSON lines backups and ClaimReview JSON-LD.

`import_jsonl` restores a database from `ledger export jsonl`, atomically and only if the
restored journal passes its audit. `import_claimreview` turns fact checks published by others
into seed files (a document per publisher, its speakers, and the claims with the publisher's
rating as their status), so they are reviewed in version control like any other seed and
survive every rebuild.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

import sqlite_utils
import yaml

from . import journal
from .errors import LedgerError, Problem, SeedErrors, display_path
from .models import edtf_bounds, slugify
from .seeds import load_seeds
from .store import create_schema, enable_search, replacing
from .vocabulary import Status


def import_jsonl(path: Path, db_path: Path) -> dict[str, int]:
    """Build ``db_path`` from an exported JSON lines file; rows per table.

    Nothing is written unless every line parses, every foreign key holds and the journal
    audits clean.
    """
    path = Path(path)
    name = display_path(path)
    rows: dict[str, list[dict]] = defaultdict(list)
    problems = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"{name}: cannot read ({exc})") from None
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
            if not (
                isinstance(record, dict)
                and isinstance(record.get("table"), str)
                and isinstance(record.get("row"), dict)
            ):
                raise ValueError('expected {"table": ..., "row": {...}}')
            rows[record["table"]].append(record["row"])
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep JSON
            problems.append(Problem(name, number, f"not a ledger record: {exc}"))
    if problems:
        raise SeedErrors(problems)
    with replacing(db_path) as building:
        conn = sqlite3.connect(str(building), isolation_level=None)
        try:
            db = sqlite_utils.Database(conn)
            conn.execute("BEGIN")
            create_schema(db)
            known = set(db.table_names())
            for table, table_rows in rows.items():
                if table not in known:
                    raise LedgerError(f"{name}: unknown table {table!r}")
                try:
                    db[table].insert_all(table_rows)
                except (
                    sqlite3.DatabaseError,
                    AttributeError,
                    OverflowError,
                    TypeError,
                    ValueError,
                ) as exc:
                    raise LedgerError(
                        f"{name}: rows of {table} do not fit the schema: {exc}"
                    ) from None
            enable_search(db)
            conn.execute("COMMIT")
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise LedgerError(
                    f"{name}: {len(broken)} rows refer to missing rows, e.g. "
                    f"{broken[0][0]} row {broken[0][1]}"
                )
            report = journal.audit(conn)
            if not report.ok:
                raise LedgerError(f"{name}: the journal fails its audit: {report.problems[0]}")
            conn.execute("ANALYZE")
        finally:
            conn.close()
    return {table: len(table_rows) for table, table_rows in rows.items()}


# -- ClaimReview ---------------------------------------------------------------------------

RATING_WORDS = {
    "true": Status.CONFIRMED,
    "correct": Status.CONFIRMED,
    "accurate": Status.CONFIRMED,
    "mostly true": Status.CORROBORATED,
    "mostly correct": Status.CORROBORATED,
    "half true": Status.CONTESTED,
    "mixed": Status.CONTESTED,
    "mixture": Status.CONTESTED,
    "misleading": Status.DISPUTED,
    "mostly false": Status.DISPUTED,
    "false": Status.FALSE,
    "pants on fire": Status.FALSE,
    "fake": Status.FALSE,
    "incorrect": Status.FALSE,
    "unproven": Status.UNVERIFIABLE,
    "unverifiable": Status.UNVERIFIABLE,
}


def claim_reviews_in(data: object) -> list[dict]:
    """Every ClaimReview in a JSON-LD document: a single object, a list, an @graph, or the
    items of a DataFeed."""
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kinds = node.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if "ClaimReview" in kinds:
                found.append(node)
                return
            for key in ("@graph", "dataFeedElement", "item", "itemListElement"):
                if key in node:
                    walk(node[key])

    walk(data)
    return found


def rating_status(rating: dict) -> Status:
    """Our status for someone else's rating: by its words when we know them, else by where
    the value sits between worstRating and bestRating."""
    words = str(rating.get("alternateName") or "").strip().lower()
    if words in RATING_WORDS:
        return RATING_WORDS[words]
    try:
        value = float(rating["ratingValue"])
        best = float(rating.get("bestRating", 5))
        worst = float(rating.get("worstRating", 1))
        position = (value - worst) / (best - worst)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return Status.UNVERIFIED
    if position >= 0.9:
        return Status.CONFIRMED
    if position >= 0.65:
        return Status.CORROBORATED
    if position > 0.35:
        return Status.CONTESTED
    if position > 0.1:
        return Status.DISPUTED
    return Status.FALSE


def _mapping(node: object) -> dict:
    """A JSON-LD node as a dict; anything else (a bare value, a list) as an empty one."""
    return node if isinstance(node, dict) else {}


def _name(node: object) -> str | None:
    if isinstance(node, dict):
        name = node.get("name")
        return name if isinstance(name, str) else None
    if isinstance(node, list) and node:
        return _name(node[0])
    return node if isinstance(node, str) else None


def _day(value: object) -> str | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    day = value[:10]
    try:
        edtf_bounds(day)
    except ValueError:
        return None
    return day


def import_claimreview(path: Path, seeds_dir: Path, today: str) -> dict:
    """Write seed files for the ClaimReviews in ``path``; nothing is left if they don't load."""
    path, seeds_dir = Path(path), Path(seeds_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise LedgerError(f"{display_path(path)}: not JSON-LD ({exc})") from None
    reviews = claim_reviews_in(data)
    if not reviews:
        raise LedgerError(f"{display_path(path)}: no ClaimReview found")
    existing = load_seeds(seeds_dir)
    known_names = {}
    for entity in existing.entities:
        for name in (entity.name, *entity.aliases):
            known_names.setdefault(name.lower(), entity.id)

    by_publisher: dict[str, list[dict]] = defaultdict(list)
    for review in reviews:
        by_publisher[_name(review.get("author")) or "Unknown reviewer"].append(review)

    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    written: list[Path] = []
    summary = {"documents": 0, "claims": 0, "entities": 0}
    try:
        for publisher, items in sorted(by_publisher.items()):
            written += _write_publisher(
                seeds_dir, publisher, items, digest, today, known_names, existing, summary
            )
        load_seeds(seeds_dir)
    except BaseException:
        for file in written:
            file.unlink(missing_ok=True)
        raise
    summary["files"] = [display_path(p) for p in written]
    return summary


def _write_publisher(
    seeds_dir, publisher, items, digest, today, known_names, existing, summary
) -> list[Path]:
    slug = slugify(publisher)[:40]
    doc_id = f"claimreview-{slug}-{digest}"
    documents = seeds_dir / "documents"
    if (documents / f"{doc_id}.yml").exists():
        raise LedgerError(f"{doc_id}: this file was already imported")
    outlet_id = slug if slug in {o.id for o in existing.outlets} else f"{slug}-reviews"
    actor_id = f"{slug}-reviews"
    texts, claims, entities, used_ids = [], [], {}, set()
    offset = 0
    for review in items:
        reviewed = review.get("claimReviewed")
        claim_text = " ".join(reviewed.split()) if isinstance(reviewed, str) else ""
        if not claim_text:
            continue
        texts.append(claim_text)
        start = offset
        offset += len(claim_text) + 2
        item = _mapping(review.get("itemReviewed"))
        speaker_name = _name(item.get("author")) or "Unnamed source"
        speaker_id = known_names.get(speaker_name.lower())
        if speaker_id is None:
            speaker_id = slugify(speaker_name)
            if speaker_id not in entities and speaker_id in {e.id for e in existing.entities}:
                speaker_id = f"{speaker_id}-{digest}"
            author_type = (
                item.get("author", {}).get("@type")
                if isinstance(item.get("author"), dict)
                else None
            )
            entities[speaker_id] = {
                "id": speaker_id,
                "name": speaker_name,
                "kind": "person" if author_type == "Person" else "organization",
                "description": f"Speaker of a claim reviewed by {publisher}.",
            }
        claim_id = f"cr-{slug}-{slugify(claim_text)[:60]}".rstrip("-")
        base, n = claim_id, 2
        while claim_id in used_ids:
            claim_id, n = f"{base}-{n}", n + 1
        used_ids.add(claim_id)
        status = rating_status(_mapping(review.get("reviewRating")))
        claim = {
            "id": claim_id,
            "quote": claim_text,
            "anchor": {"start": start},
            "text": claim_text,
            "speaker": speaker_id,
            "speaker_label": speaker_name,
            "cue": "reviewed by " + publisher,
            "kind": "assessment",
            "drafted_by": "ledger import claimreview",
        }
        said = _day(item.get("datePublished"))
        if said:
            claim["said_on"] = said
        if status is not Status.UNVERIFIED:
            rating = _mapping(review.get("reviewRating"))
            evidence = [u for u in (review.get("url"),) if isinstance(u, str)]
            if status in (Status.CONFIRMED, Status.FALSE) and not evidence:
                status = Status.CORROBORATED if status is Status.CONFIRMED else Status.DISPUTED
            claim["status"] = status.value
            claim["verification"] = {
                "by": actor_id,
                "on": _day(review.get("datePublished")) or today,
                "rationale": f'{publisher} rated it "{rating.get("alternateName", "")}" '
                f"({rating.get('ratingValue')} on a scale from "
                f"{rating.get('worstRating', 1)} to {rating.get('bestRating', 5)}).",
                "evidence": evidence,
            }
        claims.append(claim)
    if not claims:
        return []
    text = "\n\n".join(texts) + "\n"
    dates = sorted(d for d in (_day(r.get("datePublished")) for r in items) if d)
    document = {
        "id": doc_id,
        "outlet": outlet_id,
        "title": f"Claims reviewed by {publisher}",
        "title_note": f"Made by `ledger import claimreview` from {len(items)} ClaimReview items; "
        "the text is the claims as the reviews state them.",
        "published": dates[0] if dates else today,
        "published_note": "The earliest review's date." if dates else "The import date.",
        "text_file": f"{doc_id}.txt",
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "credit": f"Claims and ratings as published by {publisher} in ClaimReview markup.",
        "claims": claims,
    }
    files = {
        documents / f"{doc_id}.txt": text,
        documents / f"{doc_id}.yml": _yaml(document),
        seeds_dir / "actors" / f"{doc_id}.yml": _yaml(
            [
                {
                    "id": actor_id,
                    "name": f"{publisher} (imported reviews)",
                    "role": "fact-checker",
                    "organization": publisher,
                }
            ]
        ),
    }
    if outlet_id.endswith("-reviews"):
        files[seeds_dir / "outlets" / f"{doc_id}.yml"] = _yaml(
            [
                {
                    "id": outlet_id,
                    "name": publisher,
                    "kind": "ngo",
                    "description": "A fact-checking organisation whose ClaimReviews were imported.",
                }
            ]
        )
    if entities:
        files[seeds_dir / "entities" / f"{doc_id}.yml"] = _yaml(list(entities.values()))
    written = []
    for file, content in files.items():
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(content, encoding="utf-8")
        written.append(file)
    summary["documents"] += 1
    summary["claims"] += len(claims)
    summary["entities"] += len(entities)
    return written


def _yaml(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
