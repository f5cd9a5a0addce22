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
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
import yaml

from .. import audit, journal
from ..errors import LedgerError, Problem, SeedErrors, display_path
from ..files import building
from ..models import edtf_bounds, slugify
from ..schema import create_schema, enable_search
from ..seeds import add_to_seeds, load_seeds
from ..validate import is_url
from ..vocabulary import Status
from .export import MANIFEST_FORMAT


def import_jsonl(path: Path, db_path: Path) -> dict:
    """Build ``db_path`` from a file written by `ledger export jsonl`; rows per table and the
    journal head.

    Nothing is written unless the file ends in its manifest, every line before it matches the
    manifest's digest and counts, every line parses, every foreign key holds, the journal
    audits clean and ends at the manifest's head.
    """
    path = Path(path)
    name = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerError(f"{name}: cannot read ({exc.strerror})") from None
    manifest, body = _manifest(data, name)
    try:
        lines = body.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise LedgerError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    rows: dict[str, list[dict]] = defaultdict(list)
    problems = []
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
    counts = {table: len(rows.get(table, ())) for table in {**manifest["counts"], **rows}}
    for table, count in sorted(counts.items()):
        if count != manifest["counts"].get(table, 0):
            raise LedgerError(
                f"{name}: the manifest counts {manifest['counts'].get(table, 0)} rows of "
                f"{table}, the file holds {count}"
            )
    if len(lines) != manifest["lines"]:
        raise LedgerError(
            f"{name}: the manifest counts {manifest['lines']} lines, the file holds {len(lines)}"
        )
    with building(db_path, foreign_keys=False) as conn:  # checked once all rows are in
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
                raise LedgerError(f"{name}: rows of {table} do not fit the schema: {exc}") from None
        enable_search(db)
        conn.execute("COMMIT")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise LedgerError(
                f"{name}: {len(broken)} rows refer to missing rows, e.g. "
                f"{broken[0][0]} row {broken[0][1]}"
            )
        report = audit.verify(conn)
        if not report.ok:
            raise LedgerError(f"{name}: the journal fails its audit: {report.problems[0]}")
        last = journal.head(conn)
        head = f"{last[0]}:{last[1]}" if last else None
        if head != manifest["journal_head"]:
            raise LedgerError(
                f"{name}: the journal ends at {head}, not at the manifest's "
                f"{manifest['journal_head']}"
            )
    return {"counts": counts, "journal_head": head}


def _manifest(data: bytes, name: str) -> tuple[dict, bytes]:
    """The manifest ending an export (see export.Manifest), and the bytes it covers."""
    if not data.strip():
        raise LedgerError(f"{name}: the file is empty; an export holds at least its manifest")
    body, _, last = data.removesuffix(b"\n").rpartition(b"\n")
    body = body + b"\n" if body else b""
    try:
        if not data.endswith(b"\n"):  # the manifest line itself was cut, if only its newline
            raise ValueError("no final newline")
        manifest = json.loads(last.decode("utf-8"))["manifest"]
        if manifest["format"] != MANIFEST_FORMAT:
            raise ValueError(manifest["format"])
        if not (
            isinstance(manifest["sha256"], str)
            and isinstance(manifest["lines"], int)
            and isinstance(manifest["counts"], dict)
            and all(isinstance(n, int) for n in manifest["counts"].values())
            and isinstance(manifest["journal_head"], str | None)
        ):
            raise ValueError("fields of the wrong type")
    except (ValueError, TypeError, KeyError, RecursionError):
        raise LedgerError(
            f"{name}: no manifest at the end: the file is cut short, or was not written by "
            "`ledger export jsonl`"
        ) from None
    if hashlib.sha256(body).hexdigest() != manifest["sha256"]:
        raise LedgerError(
            f"{name}: the lines do not match the manifest's sha256: the file was altered or damaged"
        )
    return manifest, body


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
    """Write seed files for the ClaimReviews in ``path``; nothing is written unless the seeds
    load with them (see `add_to_seeds`)."""
    path, seeds_dir = Path(path), Path(seeds_dir)
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise LedgerError(f"{display_path(path)}: not JSON-LD ({exc})") from None
    reviews = claim_reviews_in(data)
    if not reviews:
        raise LedgerError(f"{display_path(path)}: no ClaimReview found")
    existing = load_seeds(seeds_dir)
    known = _Known(
        names={},
        entity_ids={e.id for e in existing.entities},
        claim_ids={c.id for c in existing.claims},
        outlet_ids={o.id for o in existing.outlets},
        actor_ids={a.id for a in existing.actors},
    )
    for entity in existing.entities:
        for name in (entity.name, *entity.aliases):
            known.names.setdefault(name.lower(), entity.id)

    by_publisher: dict[str, list[dict]] = defaultdict(list)
    for review in reviews:
        by_publisher[_name(review.get("author")) or "Unknown reviewer"].append(review)

    digest = hashlib.sha256(raw).hexdigest()[:8]
    summary = {"documents": 0, "claims": 0, "entities": 0}
    # What a document refers to (its text, outlet, actor, speakers) is written before the
    # document itself, so seeds cut short by a kill between two renames still load.
    referred: dict[Path, bytes] = {}
    documents: dict[Path, bytes] = {}
    for publisher, items in sorted(by_publisher.items()):
        files = _publisher_files(seeds_dir, publisher, items, digest, today, known, summary)
        if files:
            *support, document = files.items()
            if document[0] in documents:
                raise LedgerError(
                    f"{display_path(path)}: two publishers make the same document id "
                    f"{document[0].stem!r}; import their reviews from separate files"
                )
            referred.update(support)
            documents.update([document])
    add_to_seeds(seeds_dir, {**referred, **documents})
    summary["files"] = [display_path(p) for p in {**referred, **documents}]
    return summary


@dataclass
class _Known:
    """Ids and names in the seeds, and those this import adds, so none is defined twice."""

    names: dict[str, str]
    entity_ids: set[str]
    claim_ids: set[str]
    outlet_ids: set[str]
    actor_ids: set[str]


def _publisher_files(
    seeds_dir: Path,
    publisher: str,
    items: list[dict],
    digest: str,
    today: str,
    known: _Known,
    summary: dict,
) -> dict[Path, bytes]:
    """The seed files for one publisher's reviews, the document's YAML last."""
    slug = slugify(publisher)[:40].rstrip("-")
    doc_id = f"claimreview-{slug}-{digest}"
    documents = seeds_dir / "documents"
    if (documents / f"{doc_id}.yml").exists():
        raise LedgerError(f"{doc_id}: this file was already imported")
    outlet_id = slug if slug in known.outlet_ids else f"{slug}-reviews"
    actor_id = f"{slug}-reviews"
    texts, claims, entities = [], [], {}
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
        speaker_id = known.names.get(speaker_name.lower())
        if speaker_id is None:
            speaker_id = slugify(speaker_name)
            if speaker_id in known.entity_ids:
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
            known.names[speaker_name.lower()] = speaker_id
            known.entity_ids.add(speaker_id)
        # The same publisher may review the same words again in a later file: a new claim.
        base = f"cr-{slug}-{slugify(claim_text)[:60]}".rstrip("-")
        claim_id = base if base not in known.claim_ids else f"{base}-{digest}"
        n = 2
        while claim_id in known.claim_ids:
            claim_id, n = f"{base}-{digest}-{n}", n + 1
        known.claim_ids.add(claim_id)
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
            url = review.get("url")
            evidence = [url] if isinstance(url, str) and is_url(url) else []
            if status in (Status.CONFIRMED, Status.FALSE) and not evidence:
                status = Status.CORROBORATED if status is Status.CONFIRMED else Status.DISPUTED
            claim["status"] = status.value
            claim["verification"] = {
                "by": actor_id,
                "date": _day(review.get("datePublished")) or today,
                "rationale": f'{publisher} rated it "{rating.get("alternateName", "")}" '
                f"({rating.get('ratingValue')} on a scale from "
                f"{rating.get('worstRating', 1)} to {rating.get('bestRating', 5)}).",
                "evidence": evidence,
            }
        claims.append(claim)
    if not claims:
        return {}
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
    files = {documents / f"{doc_id}.txt": text.encode("utf-8")}
    # A publisher imported before keeps its outlet and actor: they are reused, not redefined.
    if outlet_id not in known.outlet_ids:
        known.outlet_ids.add(outlet_id)
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
    if actor_id not in known.actor_ids:
        known.actor_ids.add(actor_id)
        files[seeds_dir / "actors" / f"{doc_id}.yml"] = _yaml(
            [
                {
                    "id": actor_id,
                    "name": f"{publisher} (imported reviews)",
                    "role": "fact-checker",
                    "organization": publisher,
                }
            ]
        )
    if entities:
        files[seeds_dir / "entities" / f"{doc_id}.yml"] = _yaml(list(entities.values()))
    files[documents / f"{doc_id}.yml"] = _yaml(document)
    summary["documents"] += 1
    summary["claims"] += len(claims)
    summary["entities"] += len(entities)
    return files


def _yaml(data: object) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")
