"""Adding a document to the seeds, and turning extracted proposals into a YAML draft of claims.

`add_document` archives a text under seeds/documents/ with its sha256 and writes the
document's YAML; `write_draft` fills that YAML with the extractor's proposals (status
unverified, marked as drafted by the tool) and new speakers, for a person to edit. Both check
the result by loading the seeds and leave nothing behind when it does not load.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from . import __version__
from .errors import LedgerError, SeedErrors, display_path
from .extract import Directory, Proposal, extract
from .models import edtf_bounds, slugify
from .seeds import load_seeds
from .suggest import extract_numbers

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
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise LedgerError(f"{display_path(source)}: cannot read ({exc.strerror})") from None
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
        raise LedgerError(f"--published: {exc}") from None
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
        raise LedgerError(f"a document with id {doc_id!r} already exists (use --id)")
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
    written = []
    try:
        text_path.write_bytes(raw)
        written.append(text_path)
        yaml_path.write_text(_dump(header) + "\nclaims: []\n", encoding="utf-8")
        written.append(yaml_path)
        load_seeds(seeds_dir)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return yaml_path


def guess_kind(proposal: Proposal) -> str:
    cue = (proposal.cue.text if proposal.cue else "").lower()
    if cue.startswith(("denied", "denies", "dismissed")):
        return "denial"
    if cue.startswith(("accused", "accuses")):
        return "accusation"
    if extract_numbers(proposal.content.text):
        return "figure"
    return "assessment"


def draft(
    proposals: list[Proposal], doc_id: str, outlet: str, known: set[str]
) -> tuple[list[dict], list[dict]]:
    """Claims and new entities for a document's YAML, from the extractor's proposals."""
    claims, entities, ids = [], {}, set()
    for proposal in proposals:
        speaker = proposal.speaker_entity
        label = proposal.source.text if proposal.source else None
        note = None
        if speaker is None and proposal.speaker_name:
            speaker = slugify(proposal.speaker_name)[:60]
            if speaker not in known and speaker not in entities:
                entity = {
                    "id": speaker,
                    "name": proposal.speaker_name,
                    "kind": "anonymous" if proposal.anonymous else "person",
                }
                if proposal.anonymous:
                    entity["description"] = proposal.speaker_name
                    entity["anonymity_reason"] = (
                        proposal.anonymity_reason or "No reason given in the report."
                    )
                entity["note"] = f"Drafted by {DRAFTED_BY}: check the name and kind."
                entities[speaker] = entity
        if speaker is None:
            speaker, note = outlet, "Drafted: no source found, so the outlet is the speaker; check."
        base = f"{doc_id[:30]}-{slugify(' '.join(proposal.content.text.split()[:8]))}"[:100]
        claim_id, n = base.rstrip("-"), 2
        while claim_id in ids:
            claim_id, n = f"{base}-{n}", n + 1
        ids.add(claim_id)
        claim = {
            "id": claim_id,
            "quote": proposal.content.text,
            "anchor": {"start": proposal.content.start},
            "text": " ".join(proposal.content.text.split()),
            "speaker": speaker,
            "speaker_label": label or proposal.speaker_name or speaker,
            "cue": proposal.cue.text if proposal.cue else None,
            "kind": guess_kind(proposal),
            "drafted_by": DRAFTED_BY,
            "note": note,
        }
        claims.append({k: v for k, v in claim.items() if v is not None})
    return claims, list(entities.values())


def write_draft(seeds_dir: Path, text_file: Path) -> dict:
    """Draft the claims of an archived seed document into its YAML, and new speakers."""
    seeds_dir, text_file = Path(seeds_dir), Path(text_file)
    yaml_path = text_file.with_suffix(".yml")
    if text_file.parent.resolve() != (seeds_dir / "documents").resolve() or not yaml_path.exists():
        raise LedgerError(
            f"{display_path(text_file)}: not an archived document; run "
            "`ledger add-document` first, or use --format json"
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
    claims, entities = draft(proposals, header["id"], header["outlet"], known)
    body = re.sub(r"\nclaims:.*\Z", "\n", original, flags=re.S).rstrip("\n")
    try:
        yaml_path.write_text(body + "\n\nclaims:\n" + _indent(_dump(claims)), encoding="utf-8")
        if entities:
            entities_path.parent.mkdir(parents=True, exist_ok=True)
            entities_path.write_text(
                f"# Speakers first seen in {header['id']}, drafted by {DRAFTED_BY}.\n"
                + _dump(entities),
                encoding="utf-8",
            )
        load_seeds(seeds_dir)
    except (SeedErrors, LedgerError, OSError):
        yaml_path.write_text(original, encoding="utf-8")
        entities_path.unlink(missing_ok=True)
        raise
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
