"""Validated records as table rows: one function per table, used by both build roads (YAML
seeds through ``store.py``, record streams through ``bulk.py``), so they write the same rows.
"""

from __future__ import annotations

import json

from .models import ANCHOR_CONTEXT, Claim, Document, Entity, Place, edtf_bounds, internal_fields
from .vocabulary import EntityKind, RelationOrigin

CLAIM_CHILD_TABLES = (
    "claim_subjects",
    "claim_places",
    "claim_relays",
    "claim_speakers",
    "former_claim_ids",
)
"""Tables holding a claim's lists, one row per item, in the order they are written."""


def claim_children(claim: Claim) -> dict[str, list[dict]]:
    """A claim's rows in each of ``CLAIM_CHILD_TABLES``; every build road writes these."""
    return {
        "claim_subjects": [
            {"claim_id": claim.id, "entity_id": s.entity, "role": s.role.value}
            for s in claim.subjects
        ],
        "claim_places": [
            {"claim_id": claim.id, "place_id": p, "position": i} for i, p in enumerate(claim.places)
        ],
        "claim_relays": [
            {"claim_id": claim.id, "position": i, "entity_id": r.entity, "cue": r.cue}
            for i, r in enumerate(claim.via)
        ],
        "claim_speakers": [
            {"claim_id": claim.id, "position": i, "entity_id": e}
            for i, e in enumerate(claim.speakers)
        ],
        "former_claim_ids": [{"former_id": f, "claim_id": claim.id} for f in claim.former_ids],
    }


def relation_row(relation) -> dict:
    return {
        "claim_id": relation.claim,
        "kind": relation.kind.value,
        "other_claim_id": relation.other,
        "note": relation.note,
        "added_by": relation.by,
        "origin": RelationOrigin(relation.origin).value,
    }


def entity_row(entity: Entity) -> dict:
    row = entity.model_dump(mode="json", exclude={"affiliations", *internal_fields(Entity)})
    row["aliases"] = json.dumps(entity.aliases, ensure_ascii=False)
    row["may_be_same_as"] = json.dumps(entity.may_be_same_as)
    return row


def place_row(place: Place) -> dict:
    row = place.model_dump(mode="json")
    row["aliases"] = json.dumps(place.aliases, ensure_ascii=False)
    return row


def document_row(document: Document) -> dict:
    row = document.model_dump(mode="json", exclude={"outlet"})
    row["outlet_id"] = document.outlet
    row["authors"] = json.dumps(document.authors, ensure_ascii=False)
    row["published_earliest"], row["published_latest"] = edtf_bounds(document.published)
    return row


EntityNames = dict[str, tuple[str, bool]]
"""Entity id -> ("Name | alias | ...", whether it is an anonymous source)."""


def name_index(entities, places) -> tuple[EntityNames, dict[str, str]]:
    """The names of every entity and place, as claim rows need them."""
    entity_names = {
        e.id: (" | ".join(dict.fromkeys([e.name, *e.aliases])), e.kind is EntityKind.ANONYMOUS)
        for e in entities
    }
    place_names = {p.id: " | ".join(dict.fromkeys([p.name, *p.aliases])) for p in places}
    return entity_names, place_names


def via_text(claim: Claim, entity_names: EntityNames) -> str | None:
    """The relay chain as one readable line: 'Al-Naba relayed from security sources'."""
    if not claim.via:
        return None
    return "; ".join(f"{entity_names[r.entity][0].split(' | ')[0]} {r.cue}" for r in claim.via)


def search_names(claim: Claim, entity_names: EntityNames, place_names: dict[str, str]) -> str:
    """Every name and alias of who and where the claim involves, so any spelling finds it."""
    involved = [
        *claim.speakers,
        *(s.entity for s in claim.subjects),
        *(r.entity for r in claim.via),
    ]
    parts = [entity_names[e][0] for e in involved] + [place_names[p] for p in claim.places]
    return " | ".join(dict.fromkeys(name for part in parts for name in part.split(" | ")))


def claim_row(
    claim: Claim, document: Document, entity_names: EntityNames, place_names: dict[str, str]
) -> dict:
    """A claims row: the claim with its derived columns, completing its anchor and date."""
    said_on = claim.said_on or document.published
    said = edtf_bounds(said_on)
    about = edtf_bounds(claim.about) if claim.about else (None, None)
    start = claim.anchor.start
    end = start + len(claim.quote)
    text = document.text
    return {
        "id": claim.id,
        "text": claim.text,
        "quote": claim.quote,
        "document_id": document.id,
        "outlet_id": document.outlet,
        "speaker_id": claim.speaker,
        "speaker_label": claim.speaker_label,
        "anonymous": int(entity_names[claim.speaker][1]),
        "cue": claim.cue,
        "via": via_text(claim, entity_names),
        "said_on": said_on,
        "said_on_earliest": said[0],
        "said_on_latest": said[1],
        "about": claim.about,
        "about_earliest": about[0],
        "about_latest": about[1],
        "kind": claim.kind.value,
        "place_id": claim.places[0] if claim.places else None,
        "caveat": claim.caveat,
        "tags": json.dumps(claim.tags) if claim.tags else "[]",
        "question": claim.question,
        "status": claim.status.value,
        "credibility": claim.credibility.value if claim.credibility else None,
        "credibility_note": claim.credibility_note,
        "anchor_start": start,
        "anchor_end": end,
        "anchor_prefix": text[max(0, start - ANCHOR_CONTEXT) : start],
        "anchor_suffix": text[end : end + ANCHOR_CONTEXT],
        "drafted_by": claim.drafted_by,
        "note": claim.note,
        "names": search_names(claim, entity_names, place_names),
        "speaker_inferred": int(claim.speaker_inferred),
        "also_said_by": json.dumps(claim.also_said_by) if claim.also_said_by else None,
        "accepted": (
            json.dumps([a.model_dump(mode="json") for a in claim.accepted], ensure_ascii=False)
            if claim.accepted
            else None
        ),
    }
