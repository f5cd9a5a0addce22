"""Reading the built ledger: one claim in full, search, statistics.

The CLI, the Datasette plugin and the tests all read through these functions.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from . import journal, rules, standing
from .errors import LedgerError
from .files import connect
from .vocabulary import EntityKind, JournalAction, RelationKind, Status


def _db(db: Path | sqlite3.Connection):
    if isinstance(db, sqlite3.Connection):
        return db
    return connect(db).conn


def _rows(conn: sqlite3.Connection, sql: str, params: dict | tuple = ()) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def quote_context(text: str, start: int, end: int) -> dict:
    """The paragraph holding text[start:end], split into before, quote and after.

    A paragraph runs between line breaks, which is how the archived captures are laid out.
    """
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    if para_end == -1:
        para_end = len(text)
    return {
        "before": text[para_start:start],
        "quote": text[start:end],
        "after": text[end:para_end],
        "paragraph_start": para_start,
        "paragraph_end": para_end,
    }


def _record(conn: sqlite3.Connection, table: str, record_id: str, kind: str) -> dict:
    """One row of a table by id, or a LedgerError naming the unknown id."""
    found = _rows(conn, f"SELECT * FROM [{table}] WHERE id = ?", (record_id,))
    if not found:
        raise LedgerError(f"unknown {kind} id {record_id!r}")
    return found[0]


def current_claim_id(conn: sqlite3.Connection, claim_id: str) -> str:
    """The claim's id today: a former id (of claims merged into one) gives the claim's own."""
    found = conn.execute(
        "SELECT claim_id FROM former_claim_ids WHERE former_id = ?", (claim_id,)
    ).fetchone()
    return found[0] if found else claim_id


def claim_view(db: Path | sqlite3.Connection, claim_id: str) -> dict:
    """Everything about one claim: speaker, document, context, subjects, places, relations.
    A former id shows the claim it was merged into."""
    conn = _db(db)
    claim_id = current_claim_id(conn, claim_id)
    claim = _record(conn, "claims", claim_id, "claim")
    speaker = _rows(conn, "SELECT * FROM entities WHERE id = ?", (claim["speaker_id"],))[0]
    speaker["aliases"] = json.loads(speaker["aliases"] or "[]")
    speaker["kind_label"] = EntityKind(speaker["kind"]).label
    document = _rows(
        conn,
        "SELECT id, title, url, published, published_note, credit, text FROM documents "
        "WHERE id = ?",
        (claim["document_id"],),
    )[0]
    text = document.pop("text")
    outlet = _rows(
        conn, "SELECT id, name, kind, url FROM outlets WHERE id = ?", (claim["outlet_id"],)
    )[0]
    status = Status(claim["status"])
    relations = related_claims(conn, claim_id)
    view = {
        "id": claim["id"],
        "text": claim["text"],
        "quote": claim["quote"],
        "status": {"id": status.value, "label": status.label, "definition": status.definition},
        "kind": claim["kind"],
        "speaker": speaker,
        "speaker_label": claim["speaker_label"],
        "also_said_by": _rows(
            conn,
            "SELECT entities.id, entities.name FROM claim_speakers JOIN entities "
            "ON entities.id = claim_speakers.entity_id WHERE claim_id = ? AND position > 0 "
            "ORDER BY position",
            (claim_id,),
        ),
        "anonymous": bool(claim["anonymous"]),
        "cue": claim["cue"],
        "via": claim["via"],
        "outlet": outlet,
        "document": document,
        "said_on": claim["said_on"],
        "about": claim["about"],
        "caveat": claim["caveat"],
        "question": claim["question"],
        "tags": json.loads(claim["tags"] or "[]"),
        "credibility": claim["credibility"],
        "credibility_note": claim["credibility_note"],
        "anchor": {
            "start": claim["anchor_start"],
            "end": claim["anchor_end"],
            "prefix": claim["anchor_prefix"],
            "suffix": claim["anchor_suffix"],
        },
        "context": quote_context(text, claim["anchor_start"], claim["anchor_end"]),
        "subjects": _rows(
            conn,
            "SELECT entities.id, entities.name, claim_subjects.role FROM claim_subjects "
            "JOIN entities ON entities.id = claim_subjects.entity_id WHERE claim_id = ? "
            "ORDER BY claim_subjects.rowid",
            (claim_id,),
        ),
        "places": _rows(
            conn,
            "SELECT places.id, places.name, places.latitude, places.longitude FROM claim_places "
            "JOIN places ON places.id = claim_places.place_id WHERE claim_id = ? "
            "ORDER BY position",
            (claim_id,),
        ),
        "relations": relations,
        "relation_groups": _relation_groups(relations),
        "history": history(conn, claim_id),
        "question_title": _question_title(conn, claim["question"]),
        "speaker_inferred": bool(claim["speaker_inferred"]),
        "why": why_status(conn, claim_id),
    }
    return view


def why_status(conn: sqlite3.Connection, claim_id: str) -> dict:
    """Why the claim has its status: its supports, what opposes it, the rules' findings, and
    the claims that rest on it."""
    supports = standing.support_table(conn, [claim_id]).get(claim_id, [])
    others = {s.claim for s in supports}
    opposed = [p for p in standing.opposed_pairs(conn, [claim_id]) if claim_id in (p.a, p.b)]
    others |= {p.b if p.a == claim_id else p.a for p in opposed}
    details = {
        row[0]: {
            "id": row[0],
            "text": row[1],
            "status": row[2],
            "status_label": Status(row[2]).label,
            "speaker": row[3],
            "outlet": row[4],
            "document_id": row[5],
        }
        for row in conn.execute(
            """
            SELECT c.id, c.text, c.status, e.name, o.name, c.document_id FROM claims c
              JOIN entities e ON e.id = c.speaker_id JOIN outlets o ON o.id = c.outlet_id
             WHERE c.id IN (SELECT value FROM json_each(?))
            """,
            (json.dumps(sorted(others | {claim_id})),),
        )
    }
    own = details[claim_id]
    support_rows = [
        {**details[s.claim], "independent": s.independent, "reason": s.reason} for s in supports
    ]
    opposed_rows = []
    for pair in opposed:
        other = pair.b if pair.a == claim_id else pair.a
        opposed_rows.append(
            {
                **details[other],
                "kind": pair.kind,
                "origin": pair.origin,
                "other_report": details[other]["document_id"] != own["document_id"],
            }
        )
    findings = rules.run_rules(conn, [claim_id])
    independent = sum(s.independent for s in supports)
    return {
        "independent_supports": independent,
        "supports": support_rows,
        "opposed": opposed_rows,
        "contradicted_by": len({r["id"] for r in opposed_rows}),
        "contradicted_by_other_report": len({r["id"] for r in opposed_rows if r["other_report"]}),
        "findings": [f.as_dict() for f in findings],
        "affected": standing.affected_claims(conn, claim_id),
        "summary": _why_sentence(own["status"], independent, len(supports), opposed_rows, findings),
    }


def _why_sentence(
    status: str, independent: int, supports: int, opposed: list[dict], findings: list[rules.Finding]
) -> str:
    label = Status(status).label
    parts = [
        f"{label}: {independent} independent source{'s' if independent != 1 else ''} "
        f"support{'s' if independent == 1 else ''} it"
        + (f" (of {supports} corroborating claims)" if supports != independent else "")
    ]
    if opposed:
        other_report = sum(r["other_report"] for r in opposed)
        parts.append(
            (
                "1 claim contradicts or competes with it"
                if len(opposed) == 1
                else f"{len(opposed)} claims contradict or compete with it"
            )
            + f" ({other_report} from another report)"
        )
    else:
        parts.append("nothing in the ledger contradicts it")
    open_findings = [f for f in findings if not f.accepted]
    if not open_findings:
        parts.append(
            "the rules find nothing to object to" + (" (warnings accepted)" if findings else "")
        )
    else:
        errs = len(rules.errors(open_findings))
        warns = len(open_findings) - errs
        parts.append(
            "the rules find "
            + " and ".join(
                p
                for p in (
                    f"{errs} error{'s' if errs != 1 else ''}" if errs else "",
                    f"{warns} warning{'s' if warns != 1 else ''}" if warns else "",
                )
                if p
            )
        )
    return "; ".join(parts) + "."


def _question_title(conn: sqlite3.Connection, question_id: str | None) -> str | None:
    if question_id is None:
        return None
    row = conn.execute("SELECT title FROM questions WHERE id = ?", (question_id,)).fetchone()
    return row[0] if row else None


def _relation_groups(relations: list[dict]) -> list[dict]:
    """Relations grouped by kind, in the vocabulary's order (contradicts first)."""
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "definition": kind.definition,
            "relations": [r for r in relations if r["kind"] == kind.value],
        }
        for kind in RelationKind
        if any(r["kind"] == kind.value for r in relations)
    ]


def related_claims(conn: sqlite3.Connection, claim_id: str) -> list[dict]:
    """Every relation touching the claim, seen from it, with the other claim summarised."""
    relations = _rows(
        conn,
        """
        SELECT r.id, r.kind, r.note, r.added_by, r.origin,
               CASE WHEN r.claim_id = :id THEN r.other_claim_id ELSE r.claim_id END AS other_id,
               r.claim_id = :id AS outgoing
          FROM relations r
         WHERE r.claim_id = :id OR r.other_claim_id = :id
         ORDER BY r.kind, r.id
        """,
        {"id": claim_id},
    )
    for relation in relations:
        kind = RelationKind(relation["kind"])
        relation["kind_label"] = kind.label
        relation["outgoing"] = bool(relation["outgoing"])
        relation["other"] = _rows(
            conn,
            """
            SELECT claims.id, claims.text, claims.quote, claims.said_on, claims.status,
                   entities.name AS speaker, outlets.name AS outlet
              FROM claims
              JOIN entities ON entities.id = claims.speaker_id
              JOIN outlets ON outlets.id = claims.outlet_id
             WHERE claims.id = ?
            """,
            (relation.pop("other_id"),),
        )[0]
        relation["other"]["status_label"] = Status(relation["other"]["status"]).label
    return relations


def history(db: Path | sqlite3.Connection, claim_id: str) -> list[dict]:
    """The journal entries about a claim, oldest first, as readable dicts."""
    conn = _db(db)
    if conn.execute("SELECT 1 FROM claims WHERE id = ?", (claim_id,)).fetchone() is None:
        raise LedgerError(f"unknown claim id {claim_id!r}")
    names = dict(conn.execute("SELECT id, name FROM actors").fetchall())
    rows = []
    for entry in journal.entries(conn, claim_id):
        row = entry.__dict__.copy()
        row["actor_name"] = names.get(entry.actor_id, entry.actor_id)
        row["action_label"] = JournalAction(entry.action).label
        row["summary"] = describe_entry(entry)
        rows.append(row)
    return rows


def describe_entry(entry: journal.Entry) -> str:
    """One line saying what an entry changed: 'unverified → confirmed'."""
    action = JournalAction(entry.action)
    if action is JournalAction.STATUS:
        return f"{Status(entry.old_value).label} → {Status(entry.new_value).label}"
    if action in (JournalAction.RELATE, JournalAction.UNRELATE):
        value = json.loads(entry.new_value or entry.old_value)
        verb = "added" if action is JournalAction.RELATE else "withdrawn"
        suggested = " (suggested)" if value["origin"] == "suggested" else ""
        return f"{value['claim']} {value['kind']} {value['other']}{suggested}: {verb}"
    if action is JournalAction.GRADE:
        old, new = json.loads(entry.old_value), json.loads(entry.new_value)
        return f"credibility {old['credibility'] or '-'} → {new['credibility']}"
    if action is JournalAction.ACCEPT:
        return "warnings accepted: " + ", ".join(json.loads(entry.new_value))
    return "note"


CLAIM_SUMMARY = """
    SELECT claims.id, claims.text, claims.quote, claims.said_on, claims.said_on_earliest,
           claims.status, claims.kind, claims.question, claims.speaker_id,
           entities.name AS speaker, outlets.name AS outlet, claims.outlet_id
      FROM claims
      JOIN entities ON entities.id = claims.speaker_id
      JOIN outlets ON outlets.id = claims.outlet_id
"""


def _by_status(claims: list[dict]) -> list[dict]:
    """Claims grouped by status, in the vocabulary's order, empty groups left out."""
    groups = []
    for status in Status:
        members = [c for c in claims if c["status"] == status.value]
        if members:
            groups.append(
                {
                    "status": status.value,
                    "label": status.label,
                    "definition": status.definition,
                    "claims": members,
                }
            )
    return groups


def entity_view(db: Path | sqlite3.Connection, entity_id: str) -> dict:
    """An entity with its aliases and ties, what it said and what is said about it."""
    conn = _db(db)
    entity = _record(conn, "entities", entity_id, "entity")
    entity["aliases"] = json.loads(entity["aliases"] or "[]")
    # Noted on either side: the doubt is symmetric.
    entity["may_be_same_as"] = _rows(
        conn,
        "SELECT id, name FROM entities WHERE id IN (SELECT value FROM json_each(?)) "
        "OR (may_be_same_as != '[]' AND ? IN (SELECT value FROM json_each(may_be_same_as))) "
        "ORDER BY name",
        (entity["may_be_same_as"] or "[]", entity_id),
    )
    entity["kind_label"] = EntityKind(entity["kind"]).label
    # Claims whose words are given to several speakers at once count for each of them.
    said = _rows(
        conn,
        CLAIM_SUMMARY + " JOIN claim_speakers ON claim_speakers.claim_id = claims.id "
        "WHERE claim_speakers.entity_id = ? ORDER BY claims.said_on_earliest, claims.id",
        (entity_id,),
    )
    about = _rows(
        conn,
        CLAIM_SUMMARY.replace("SELECT claims.id", "SELECT claim_subjects.role, claims.id")
        + " JOIN claim_subjects ON claim_subjects.claim_id = claims.id "
        "WHERE claim_subjects.entity_id = ? ORDER BY claims.said_on_earliest, claims.id",
        (entity_id,),
    )
    relayed = _rows(
        conn,
        CLAIM_SUMMARY + " JOIN claim_relays ON claim_relays.claim_id = "
        "claims.id WHERE claim_relays.entity_id = ? ORDER BY claims.id",
        (entity_id,),
    )
    return {
        "entity": entity,
        "affiliated_with": _rows(
            conn,
            "SELECT entities.id, entities.name, affiliations.note FROM affiliations JOIN "
            "entities ON entities.id = affiliations.affiliated_id WHERE entity_id = ?",
            (entity_id,),
        ),
        "affiliates": _rows(
            conn,
            "SELECT entities.id, entities.name, affiliations.note FROM affiliations JOIN "
            "entities ON entities.id = affiliations.entity_id WHERE affiliated_id = ?",
            (entity_id,),
        ),
        "said": _by_status(said),
        "said_count": len(said),
        "about": _by_status(about),
        "about_count": len(about),
        "relayed": relayed,
    }


def place_view(db: Path | sqlite3.Connection, place_id: str) -> dict:
    """A place and the claims about it, grouped by status."""
    conn = _db(db)
    place = _record(conn, "places", place_id, "place")
    place["aliases"] = json.loads(place["aliases"] or "[]")
    claims = _rows(
        conn,
        CLAIM_SUMMARY + " JOIN claim_places ON claim_places.claim_id = "
        "claims.id WHERE claim_places.place_id = ? ORDER BY claims.said_on_earliest, "
        "claims.id",
        (place_id,),
    )
    return {"place": place, "claims": _by_status(claims), "claim_count": len(claims)}


def document_view(db: Path | sqlite3.Connection, document_id: str) -> dict:
    """A document, its outlet, its claims in text order and its text marked with their quotes."""
    conn = _db(db)
    document = _record(conn, "documents", document_id, "document")
    document["authors"] = json.loads(document["authors"] or "[]")
    outlet = _rows(conn, "SELECT id, name FROM outlets WHERE id = ?", (document["outlet_id"],))
    claims = _rows(
        conn,
        CLAIM_SUMMARY.replace(
            "claims.kind,", "claims.kind, claims.anchor_start, claims.anchor_end,"
        )
        + " WHERE claims.document_id = ? ORDER BY claims.anchor_start, claims.anchor_end DESC,"
        " claims.id",
        (document_id,),
    )
    for number, claim in enumerate(claims, 1):
        claim["number"] = number
        claim["status_label"] = Status(claim["status"]).label
    return {
        "document": document,
        "outlet": outlet[0] if outlet else None,
        "claims": claims,
        "paragraphs": quoted_passages(document["text"] or "", claims),
    }


def quoted_passages(text: str, claims: list[dict]) -> list[list[dict]]:
    """The text's paragraphs (its lines), each cut into pieces at the quotes' ends.

    Every piece carries the claims whose quote covers it, the shortest quote first (quotes may
    overlap or nest), and the claims whose quote begins with it. Offsets are code points, as
    the anchors are.
    """
    paragraphs = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            inside = [c for c in claims if c["anchor_start"] < end and c["anchor_end"] > start]
            cuts = {start, end}
            for claim in inside:
                cuts.update(
                    p for p in (claim["anchor_start"], claim["anchor_end"]) if start < p < end
                )
            edges = sorted(cuts)
            pieces = []
            for a, b in zip(edges, edges[1:], strict=False):
                covering = [c for c in inside if c["anchor_start"] <= a and c["anchor_end"] >= b]
                covering.sort(key=lambda c: c["anchor_end"] - c["anchor_start"])
                pieces.append(
                    {
                        "text": text[a:b],
                        "claims": covering,
                        "starts": [c for c in inside if c["anchor_start"] == a],
                    }
                )
            paragraphs.append(pieces)
        start = end + 1
    return paragraphs


def competing_versions(db: Path | sqlite3.Connection) -> list[dict]:
    """Each disputed question with every claim that answers it, and who it holds responsible.

    Claims are grouped by their explicit ``question``: a curator's judgement that they answer
    the same question, which relations alone cannot express.
    """
    conn = _db(db)
    questions = _rows(conn, "SELECT * FROM questions ORDER BY id")
    parties = {}
    for claim_id, name, role in conn.execute(
        "SELECT claim_subjects.claim_id, entities.name, claim_subjects.role FROM claim_subjects "
        "JOIN entities ON entities.id = claim_subjects.entity_id "
        "WHERE claim_subjects.role IN ('accused', 'responsible') ORDER BY claim_subjects.rowid"
    ):
        parties.setdefault(claim_id, []).append({"name": name, "role": role})
    blocks = []
    for question in questions:
        versions = _rows(
            conn,
            CLAIM_SUMMARY + " WHERE claims.question = ? ORDER BY "
            "claims.said_on_earliest, claims.outlet_id, claims.id",
            (question["id"],),
        )
        if len(versions) < 2:
            continue  # one answer is not a dispute
        for version in versions:
            version["parties"] = parties.get(version["id"], [])
            version["status_label"] = Status(version["status"]).label
        question["versions"] = versions
        question["outlets"] = sorted({v["outlet"] for v in versions})
        question["speakers"] = sorted({v["speaker"] for v in versions})
        blocks.append(question)
    blocks.sort(key=lambda q: (-len(q["versions"]), q["id"]))
    return blocks


def claims_over_time(db: Path | sqlite3.Connection, by: str = "about") -> dict:
    """Claim counts per year and status, by the year a claim is about or the year it was said."""
    column = {"about": "about_earliest", "said": "said_on_earliest"}.get(by)
    if column is None:
        raise LedgerError(f"unknown time axis {by!r} (about or said)")
    conn = _db(db)
    counts: dict[int, dict[str, int]] = {}
    undated = 0
    for year, status, count in conn.execute(
        f"SELECT CAST(substr({column}, 1, 4) AS INTEGER), status, count(*) FROM claims "
        f"GROUP BY 1, 2"
    ):
        if year is None:
            undated += count
            continue
        counts.setdefault(year, {})[status] = count
    years = list(range(min(counts), max(counts) + 1)) if counts else []
    return {
        "by": by,
        "years": [{"year": y, "counts": counts.get(y, {})} for y in years],
        "statuses": [{"id": s.value, "label": s.label} for s in Status],
        "undated": undated,
    }


def fts_query(text: str) -> str:
    """User words as an FTS5 query of quoted terms, so punctuation cannot break the syntax."""
    terms = [t.replace('"', "") for t in text.split()]
    terms = [t for t in terms if t]
    if not terms:
        raise LedgerError("nothing to search for")
    return " ".join(f'"{t}"' for t in terms)


def search_claims(db: Path | sqlite3.Connection, text: str, limit: int = 20) -> list[dict]:
    """Claims matching every word of ``text`` (any spelling of a name), best match first."""
    conn = _db(db)
    return _rows(
        conn,
        """
        SELECT claims.id, claims.text, claims.quote, claims.status,
               entities.name AS speaker, outlets.name AS outlet,
               claims_fts.rank AS rank
          FROM claims_fts
          JOIN claims ON claims.rowid = claims_fts.rowid
          JOIN entities ON entities.id = claims.speaker_id
          JOIN outlets ON outlets.id = claims.outlet_id
         WHERE claims_fts MATCH :query
         ORDER BY claims_fts.rank
         LIMIT :limit
        """,
        {"query": fts_query(text), "limit": limit},
    )


def stats(db: Path | sqlite3.Connection) -> dict:
    """Claims by status, kind and outlet, and the size of every public table."""
    conn = _db(db)

    def grouped(column: str, table: str = "claims") -> dict:
        return dict(
            conn.execute(
                f"SELECT {column}, count(*) FROM {table} GROUP BY {column} "
                f"ORDER BY count(*) DESC, {column}"
            ).fetchall()
        )

    tables = [
        "outlets",
        "documents",
        "entities",
        "aliases",
        "places",
        "claims",
        "claim_subjects",
        "claim_places",
        "relations",
        "actors",
    ]
    return {
        "tables": {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables},
        "claims_by_status": grouped("status"),
        "claims_by_kind": grouped("kind"),
        "claims_by_document": grouped("document_id"),
        "relations_by_kind": grouped("kind", "relations"),
    }
