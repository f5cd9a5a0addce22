"""Adding a document to the seeds, and turning extracted proposals into a YAML draft of claims.

`add_document` archives a text under seeds/documents/ with its sha256 and writes the
document's YAML; `write_draft` fills that YAML with the extractor's proposals (status
unverified, marked as drafted by the tool) and new speakers, for a person to edit. Both check
the result by loading the seeds with the new files in memory, and write nothing when it does
not load.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

import yaml

from .. import __version__
from ..errors import LedgerError, SeedErrors, display_path
from ..models import SLUG_PATTERN, edtf_bounds, slugify
from ..seeds import add_to_seeds, load_seeds
from . import Directory, Proposal, extract
from .drafting import (
    ACCUSATION_VERBS,
    DENIAL_VERBS,
    Gazetteer,
    content_text,
    guess_kind,
    restate,
    trusted_speaker,
)
from .lexicon import QUESTIONS
from .nlp import pipeline

DRAFTED_BY = f"ledger extract {__version__}"


def add_document(
    seeds_dir: Path,
    source: Path,
    outlet: str,
    title: str,
    published: str,
    url: str | None = None,
    doc_id: str | None = None,
    authors: tuple[str, ...] = (),
) -> Path:
    """Archive ``source`` as a seed document; return the YAML file written."""
    seeds_dir, source = Path(seeds_dir), Path(source)
    if doc_id is not None and not re.fullmatch(SLUG_PATTERN, doc_id):
        raise LedgerError(
            f"document id {doc_id!r} is not a plain id: use lower-case letters, digits and "
            "single hyphens (it names the files under documents/)"
        )
    raw = _read_article(source)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError(
            f"{display_path(source)}: not UTF-8 text (byte {exc.start}); convert it to UTF-8 first"
        ) from None
    if not raw.strip():
        raise LedgerError(f"{display_path(source)}: the file is empty")
    try:
        edtf_bounds(published)
    except ValueError as exc:
        raise LedgerError(f"the publication date: {exc}", setting="published") from None
    ledger = load_seeds(seeds_dir)
    if outlet not in {o.id for o in ledger.outlets}:
        known = ", ".join(sorted(o.id for o in ledger.outlets))
        raise LedgerError(
            f"unknown outlet {outlet!r} (known: {known}); add it to seeds/outlets.yml first"
        )
    digest = hashlib.sha256(raw).hexdigest()
    for document in ledger.documents:
        if document.sha256 == digest:
            raise LedgerError(
                f"{display_path(source)}: already in the seeds as document {document.id}"
            )
    doc_id = doc_id or slugify(f"{outlet}-{published.rstrip('?~')}-{' '.join(title.split()[:5])}")
    if doc_id in {d.id for d in ledger.documents}:
        raise LedgerError(
            f"a document with id {doc_id!r} already exists; give it another id", setting="id"
        )
    documents = seeds_dir / "documents"
    text_path, yaml_path = documents / f"{doc_id}.txt", documents / f"{doc_id}.yml"
    header = {
        "id": doc_id,
        "outlet": outlet,
        "title": title,
        "url": url,
        "published": published,
        "authors": list(authors),
        "language": "en",
        "text_file": text_path.name,
        "sha256": digest,
        "credit": f"Text © {next(o.name for o in ledger.outlets if o.id == outlet)}, archived "
        "verbatim for fact-checking. All rights remain with the publisher.",
    }
    header = {k: v for k, v in header.items() if v not in (None, [])}
    document = (_dump(header) + "\nclaims: []\n").encode("utf-8")
    add_to_seeds(seeds_dir, {text_path: raw, yaml_path: document})
    return yaml_path


MAX_ARTICLE_BYTES = 200_000
"""A larger file is not one article (a long report is 50 KB of text). The public site serves
no value over 250,000 bytes (`web.guard.VALUE_MAX`), so an archived text must stay below it."""


def _read_article(source: Path) -> bytes:
    """The bytes of an article file: a regular file of at most MAX_ARTICLE_BYTES."""
    name = display_path(source)
    try:
        # Non-blocking, and checked on the open file: opening a FIFO would wait for a writer,
        # and reading a device such as /dev/zero would never end.
        with open(os.open(source, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise LedgerError(f"{name}: not a regular file")
            raw = handle.read(MAX_ARTICLE_BYTES + 1)
    except OSError as exc:
        raise LedgerError(f"{name}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_ARTICLE_BYTES:
        raise LedgerError(
            f"{name}: larger than {MAX_ARTICLE_BYTES // 1000} KB, too large for one article"
        )
    return raw


def draft(
    proposals: list[Proposal],
    document: dict,
    known: set[str],
    gazetteer: Gazetteer,
    outlet_name: str | None = None,
) -> tuple[list[dict], list[dict]]:
    """Claims and new speakers for a document's YAML, from the extractor's proposals.

    Each claim restates the content, takes its kind from verb and content, its ``said_on``
    from the document's date, the gazetteer's places and the known entities it names. A
    speaker the extractor cannot stand behind is not invented: the outlet stands in, noted.
    """
    doc_id, outlet = document["id"], document["outlet"]
    claims, entities, ids = [], {}, set()
    kept = [
        p
        for p in proposals
        if (p.clausal or p.verb in DENIAL_VERBS | ACCUSATION_VERBS) and p.verb not in QUESTIONS
    ]
    docs = pipeline().pipe(content_text(p) for p in kept)
    for proposal, doc in zip(kept, docs, strict=True):
        speaker, note = proposal.speaker_entity, None
        label = proposal.speaker_name or (proposal.source.text if proposal.source else None)
        if speaker is None and trusted_speaker(proposal):
            speaker = slugify(proposal.speaker_name)[:60]
            if speaker not in known and speaker not in entities:
                entities[speaker] = _new_speaker(speaker, proposal)
        if speaker is None:
            printed = f" (printed as “{proposal.source.text}”)" if proposal.source else ""
            speaker, label = outlet, label or outlet_name or outlet
            note = (
                f"Drafted: the speaker could not be identified{printed}; the outlet stands in "
                "until a person checks."
            )
        base = f"{doc_id[:30]}-{slugify(' '.join(proposal.content.text.split()[:8]))}"[:100]
        claim_id, n = base.rstrip("-"), 2
        while claim_id in ids:
            claim_id, n = f"{base}-{n}", n + 1
        ids.add(claim_id)
        # "Both sources accused ...": one claim, said by each of them
        pairs = zip(proposal.also_said_by, proposal.also_said_by_names, strict=True)
        also = [(e, name) for e, name in pairs if e != speaker] if note is None else []
        if also:
            label = " and ".join([label, *(name for _, name in also)])
        kind = guess_kind(proposal, doc)
        subjects = [e for e in gazetteer.entities_in(content_text(proposal)) if e != speaker]
        claim = {
            "id": claim_id,
            "quote": proposal.content.text,
            "anchor": {"start": proposal.content.start},
            "text": restate(proposal, label, plural=bool(also) or proposal.speaker_plural),
            "speaker": speaker,
            "speaker_label": label,
            "also_said_by": [e for e, _ in also] or None,
            "cue": proposal.cue.text if proposal.cue else None,
            "said_on": document.get("published"),
            "kind": kind,
            "subjects": [
                {"entity": e, "role": "accused" if kind == "accusation" and i == 0 else "mentioned"}
                for i, e in enumerate(subjects)
            ]
            or None,
            "places": gazetteer.places_in(proposal.content.text) or None,
            "drafted_by": DRAFTED_BY,
            "note": note,
        }
        claims.append({k: v for k, v in claim.items() if v is not None})
    return claims, list(entities.values())


def _new_speaker(entity_id: str, proposal: Proposal) -> dict:
    """A drafted entity for a speaker the seeds do not know yet."""
    kind = proposal.speaker_kind or "person"
    entity = {"id": entity_id, "name": proposal.speaker_name, "kind": kind}
    role = proposal.speaker_description or proposal.speaker_role
    if kind == "anonymous":
        entity["description"] = proposal.speaker_description or proposal.speaker_name
        if proposal.anonymity_reason:
            entity["anonymity_reason"] = proposal.anonymity_reason
    elif role:
        entity["description"] = role
    entity["note"] = f"Drafted by {DRAFTED_BY}: check the name, kind and description."
    return entity


def write_draft(seeds_dir: Path, text_file: Path) -> dict:
    """Draft the claims of an archived seed document into its YAML, and new speakers."""
    seeds_dir, text_file = Path(seeds_dir), Path(text_file)
    yaml_path = text_file.with_suffix(".yml")
    if text_file.parent.resolve() != (seeds_dir / "documents").resolve() or not yaml_path.exists():
        raise LedgerError(
            f"{display_path(text_file)}: not an archived document; add it to the seeds first "
            "(`ledger add-document`), or ask for the proposals as JSON",
            setting="format",
        )
    original = yaml_path.read_text(encoding="utf-8")
    header = yaml.safe_load(original) or {}
    if header.get("claims"):
        raise LedgerError(
            f"{display_path(yaml_path)} already has claims; a draft would overwrite a person's work"
        )
    entities_path = seeds_dir / "entities" / f"{yaml_path.stem}.yml"
    if entities_path.exists():
        raise LedgerError(f"{display_path(entities_path)} already exists")
    ledger = load_seeds(seeds_dir)
    directory = Directory.from_ledger(ledger)
    text = text_file.read_bytes().decode("utf-8")
    proposals = extract(text, directory)
    known = {e.id for e in ledger.entities}
    outlet_name = next((o.name for o in ledger.outlets if o.id == header.get("outlet")), None)
    claims, entities = draft(proposals, header, known, Gazetteer.from_ledger(ledger), outlet_name)
    body = re.sub(r"\nclaims:.*\Z", "\n", original, flags=re.S).rstrip("\n")
    files = {}
    if entities:  # before the claims that name them
        files[entities_path] = (
            f"# Speakers first seen in {header['id']}, drafted by {DRAFTED_BY}.\n" + _dump(entities)
        ).encode("utf-8")
    files[yaml_path] = (body + "\n\nclaims:\n" + _indent(_dump(claims))).encode("utf-8")
    add_to_seeds(seeds_dir, files)
    return {
        "document": header["id"],
        "claims": len(claims),
        "entities": len(entities),
        "files": [display_path(yaml_path)] + ([display_path(entities_path)] if entities else []),
    }


def _dump(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())


def proposals_for_file(source: Path, seeds_dir: Path) -> tuple[list[dict], str | None]:
    """The extractor's proposals for a text file, as JSON-ready dicts, with speakers resolved
    to the seeds' entities when the seeds load; and a note when they do not."""
    try:
        text = Path(source).read_bytes().decode("utf-8")
    except OSError as exc:
        raise LedgerError(f"{display_path(Path(source))}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise LedgerError(f"{display_path(Path(source))}: not UTF-8 text") from None
    directory, note = Directory(), None
    if Path(seeds_dir).is_dir():
        try:
            directory = Directory.from_ledger(load_seeds(Path(seeds_dir)))
        except SeedErrors:
            note = "the seeds do not load; sources are not resolved to entities"
    proposals = [
        {
            **{key: p.as_json()[key] for key in ("content", "source", "cue")},
            "speaker_entity": p.speaker_entity,
            "speaker_name": p.speaker_name,
            "also_said_by": p.also_said_by,
            "told": p.told,
            "anonymity_reason": p.anonymity_reason,
            "mode": p.mode,
        }
        for p in extract(text, directory)
    ]
    return proposals, note
