"""Reading the seed ledger (YAML files and archived texts) into validated models.

Like beancount's loader, this never stops at the first problem: it validates every file and
every record, then checks every cross-reference in one pass, and returns all problems found,
each with its file and line.

Layout of a seeds directory::

    outlets.yml                  list of outlets
    questions.yml                disputed questions that claims answer differently
    actors.yml                   list of curators and fact-checkers
    entities.yml | entities/*.yml   lists of entities
    places.yml   | places/*.yml     lists of places
    relations.yml | relations/*.yml lists of relations between claims
    documents/<id>.yml           a document's metadata and its claims
    documents/<id>.txt           the archived text the claims quote
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from rapidfuzz import fuzz

from .errors import LedgerError, Problem, SeedErrors, describe_error, display_path
from .models import (
    ANCHOR_CONTEXT,
    Actor,
    Anchor,
    Claim,
    Document,
    DocumentFile,
    Entity,
    Ledger,
    Model,
    Outlet,
    Place,
    Question,
    Relation,
    outlet_entity,
)
from .yamlfile import Location, YamlFile, read_yaml


@dataclass
class _Located:
    """A validated record and where it came from, for cross-reference errors."""

    record: Model
    file: YamlFile
    loc: Location

    def problem(self, message: str, *field_path: str | int) -> Problem:
        return self.file.problem((*self.loc, *field_path), message)


def load_seeds(seeds_dir: Path, pending: Mapping[Path, bytes] | None = None) -> Ledger:
    """Load and validate a seeds directory; raise SeedErrors listing every problem.

    ``pending`` maps paths inside ``seeds_dir`` to contents not written yet: the seeds are
    loaded as they would be with those files added or replaced, and nothing is touched.
    """
    loader = _SeedLoader(Path(seeds_dir), pending or {})
    ledger = loader.load()
    if loader.problems:
        raise SeedErrors(loader.problems)
    return ledger


def add_to_seeds(seeds_dir: Path, files: Mapping[Path, bytes]) -> Ledger:
    """Write ``files`` into the seeds only if the seeds load with them; return the ledger.

    Validation happens in memory, so a refusal or a kill during it leaves the seeds as they
    were. Each file is then written to a temporary name and renamed over its target, in the
    order given: callers list a file after the files it refers to, so a kill between two
    renames leaves seeds that still load, and a rerun completes the set.
    """
    files = {Path(path): content for path, content in files.items()}
    ledger = load_seeds(seeds_dir, files)
    for path, content in files.items():
        try:
            _write_atomically(path, content)
        except OSError as exc:  # a full disk, a read-only directory: this file is unchanged
            raise LedgerError(f"{display_path(path)}: cannot write ({exc.strerror})") from None
    return ledger


def _write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` by ``content`` at once: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _yaml_files(seeds_dir: Path, name: str, pending: Mapping[Path, bytes]) -> list[Path]:
    single = seeds_dir / f"{name}.yml"
    files = [single] if single.exists() or single in pending else []
    return files + _glob(seeds_dir / name, pending)


def _glob(directory: Path, pending: Mapping[Path, bytes]) -> list[Path]:
    """The YAML files of a directory, with the pending ones it would hold."""
    found = set(directory.glob("*.yml"))
    found.update(p for p in pending if p.parent == directory and p.suffix == ".yml")
    return sorted(found)


class _SeedLoader:
    def __init__(self, seeds_dir: Path, pending: Mapping[Path, bytes]):
        self.seeds_dir = seeds_dir
        self.pending = pending
        self.problems: list[Problem] = []
        # Ids of records that failed validation: references to them are not reported again.
        self.invalid_ids: set[str] = set()
        # Files that did not parse (or hold no list / mapping at all): the ids they define are
        # unknown, so while any such file exists no reference is reported as unknown (_known
        # skips that check; every other check still runs). Otherwise one tab in an entities
        # file buries its own message under hundreds of "unknown entity id" follow-ons.
        self.unreadable: list[str] = []

    # -- reading and per-record validation -------------------------------------------------

    def load(self) -> Ledger:
        if not self.seeds_dir.is_dir():
            self.problems.append(
                Problem(display_path(self.seeds_dir), None, "seeds directory not found")
            )
            return Ledger()
        outlets = self._read_list_files("outlets", Outlet)
        actors = self._read_list_files("actors", Actor)
        entities = self._read_list_files("entities", Entity)
        places = self._read_list_files("places", Place)
        relations = self._read_list_files("relations", Relation)
        questions = self._read_list_files("questions", Question)
        documents, claims = self._read_documents()
        return self._cross_check(
            outlets, actors, entities, places, documents, claims, relations, questions
        )

    def _read_list_files(self, name: str, model: type[Model]) -> list[_Located]:
        records = []
        for path in _yaml_files(self.seeds_dir, name, self.pending):
            file = self._read(path)
            if file is None or file.data is None:
                continue
            if not isinstance(file.data, list):
                self.problems.append(file.problem((), f"expected a list of {name}"))
                self.unreadable.append(file.name)
                continue
            for index, item in enumerate(file.data):
                record = self._validate(model, item, file, (index,), label=name[:-1])
                if record is not None:
                    records.append(_Located(record, file, (index,)))
        return records

    def _read_documents(self) -> tuple[list[_Located], list[_Located]]:
        documents: list[_Located] = []
        claims: list[_Located] = []
        for path in _glob(self.seeds_dir / "documents", self.pending):
            file = self._read(path)
            if file is None:
                continue
            if not isinstance(file.data, dict):
                self.problems.append(file.problem((), "expected a mapping: a document's fields"))
                self.unreadable.append(file.name)
                continue
            header = dict(file.data)
            raw_claims = header.pop("claims", None) or []
            document_file = self._validate(DocumentFile, header, file, (), label="document")
            if not isinstance(raw_claims, list):
                self.problems.append(file.problem(("claims",), "claims must be a list"))
                raw_claims = []
            if document_file is not None:
                if document_file.id != path.stem:
                    self.problems.append(
                        file.problem(
                            ("id",), f"document id {document_file.id!r} must match the file name"
                        )
                    )
                document = self._document_with_text(document_file, file)
                if document is not None:
                    documents.append(_Located(document, file, ()))
            for index, item in enumerate(raw_claims):
                claim = self._validate(Claim, item, file, ("claims", index), label="claim")
                if claim is None:
                    continue
                if document_file is not None:
                    claim = claim.model_copy(
                        update={"document": document_file.id, "outlet": document_file.outlet}
                    )
                claims.append(_Located(claim, file, ("claims", index)))
        return documents, claims

    def _read(self, path: Path) -> YamlFile | None:
        file = read_yaml(path, self.pending.get(path))
        self.problems.extend(file.problems)
        if file.problems:
            self.unreadable.append(file.name)
            return None
        return file

    def _validate(
        self, model: type[Model], data: object, file: YamlFile, loc: Location, label: str
    ) -> Model | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                self.invalid_ids.add(data["id"])
            who = _record_name(label, data)
            for error in exc.errors():
                self.problems.append(
                    file.problem((*loc, *error["loc"]), f"{who}{describe_error(error)}")
                )
            return None

    def _document_with_text(self, header: DocumentFile, file: YamlFile) -> Document | None:
        text_path = file.path.parent / header.text_file
        where = f"document {header.id}: text_file: "
        try:
            raw = self.pending[text_path] if text_path in self.pending else text_path.read_bytes()
        except OSError as exc:
            self.problems.append(
                file.problem(
                    ("text_file",), f"{where}cannot read {header.text_file}: {exc.strerror}"
                )
            )
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.problems.append(
                file.problem(("text_file",), f"{where}{header.text_file} is not UTF-8 text")
            )
            return None
        digest = hashlib.sha256(raw).hexdigest()
        if digest != header.sha256:
            self.problems.append(
                file.problem(
                    ("sha256",),
                    f"document {header.id}: sha256 does not match {header.text_file} "
                    f"(the file's is {digest}); if the text was changed on purpose, "
                    "re-check every quote's offsets and update sha256",
                )
            )
        fields = header.model_dump(exclude={"claims"})
        return Document(**fields, text=text)

    # -- cross-references --------------------------------------------------------------------

    def _cross_check(
        self,
        outlets: list[_Located],
        actors: list[_Located],
        entities: list[_Located],
        places: list[_Located],
        documents: list[_Located],
        claims: list[_Located],
        relations: list[_Located],
        questions: list[_Located],
    ) -> Ledger:
        outlet_ids = self._unique(outlets, "outlet")
        question_ids = self._unique(questions, "question")
        actor_ids = self._unique(actors, "actor")
        # An outlet speaks as an entity of the same id unless entities.yml defines it.
        declared = {e.record.id for e in entities}
        twins = [
            _Located(outlet_entity(o.record), o.file, o.loc)
            for o in outlets
            if o.record.id not in declared
        ]
        entity_ids = self._unique(entities + twins, "entity")
        place_ids = self._unique(places, "place")
        self._unique(documents, "document")
        claim_ids = self._unique(claims, "claim")
        texts = {d.record.id: d.record.text for d in documents}
        # A former id keeps old links working: it may not name a claim of today, or two.
        former_of: dict[str, str] = {}
        for located in claims:
            claim = located.record
            for i, former in enumerate(claim.former_ids):
                clash = None
                if former in claim_ids:
                    clash = "is a claim's id"
                elif former in former_of:
                    clash = f"is already a former id of {former_of[former]}"
                if clash:
                    self.problems.append(
                        located.problem(
                            f"claim {claim.id}: former_ids.{i}: {former!r} {clash}",
                            "former_ids",
                            i,
                        )
                    )
                former_of.setdefault(former, claim.id)

        for located in entities:
            entity = located.record
            for i, tie in enumerate(entity.affiliations):
                self._known(located, tie.entity, entity_ids, "entity", "affiliations", i, "entity")
                if tie.entity == entity.id:
                    self.problems.append(
                        located.problem(
                            f"entity {entity.id}: affiliated with itself", "affiliations", i
                        )
                    )
            for i, other in enumerate(entity.may_be_same_as):
                self._known(located, other, entity_ids, "entity", "may_be_same_as", i)
        for located in documents:
            self._known(located, located.record.outlet, outlet_ids, "outlet", "outlet")

        self._check_public_evidence(claims)
        anchored_claims = []
        for located in claims:
            claim = located.record
            ok = self._check_claim_references(located, entity_ids, place_ids, actor_ids, claim_ids)
            if claim.question is not None:
                known = self._known(located, claim.question, question_ids, "question", "question")
                ok = known and ok
            text = texts.get(claim.document)
            anchor = self._anchor(located, text) if text is not None else None
            if ok and anchor is not None:
                anchored_claims.append(
                    _Located(claim.model_copy(update={"anchor": anchor}), located.file, located.loc)
                )

        seen_pairs: dict[tuple, _Located] = {}
        for located in relations:
            relation = located.record
            self._known(located, relation.claim, claim_ids, "claim", "claim")
            self._known(located, relation.other, claim_ids, "claim", "other")
            self._known(located, relation.by, actor_ids, "actor", "by")
            key = _relation_key(relation)
            if key in seen_pairs:
                first = seen_pairs[key]
                self.problems.append(
                    located.problem(
                        f"relation {relation.claim} {relation.kind.value} {relation.other} is "
                        f"already recorded ({first.file.name}:{first.file.line_of(first.loc)})"
                    )
                )
            seen_pairs.setdefault(key, located)

        published = {d.record.id: d.record.published for d in documents}
        ledger_claims = []
        for located in anchored_claims:
            claim = located.record
            if claim.said_on is None:
                claim = claim.model_copy(update={"said_on": published[claim.document]})
            ledger_claims.append(claim)

        return Ledger(
            outlets=[o.record for o in outlets],
            actors=[a.record for a in actors],
            entities=[e.record for e in entities + twins],
            places=[p.record for p in places],
            documents=[d.record for d in documents],
            claims=ledger_claims,
            relations=[r.record for r in relations],
            questions=[q.record for q in questions],
        )

    def _unique(self, records: Iterable[_Located], kind: str) -> set[str]:
        first_seen: dict[str, _Located] = {}
        for located in records:
            record_id = located.record.id
            if record_id in first_seen:
                first = first_seen[record_id]
                self.problems.append(
                    located.problem(
                        f"duplicate {kind} id {record_id!r} (first defined at "
                        f"{first.file.name}:{first.file.line_of(first.loc)})",
                        "id",
                    )
                )
            else:
                first_seen[record_id] = located
        return set(first_seen)

    def _known(
        self, located: _Located, ref: str, known: set[str], kind: str, *field_path: str | int
    ) -> bool:
        if ref in known:
            return True
        if ref in self.invalid_ids or self.unreadable:
            return False  # reported where that record is, or maybe in a file that did not parse
        owner = getattr(located.record, "id", "")
        prefix = f"{type(located.record).__name__.lower()} {owner}".rstrip() + ": "
        self.problems.append(
            located.problem(
                f"{prefix}{'.'.join(map(str, field_path))}: unknown {kind} id {ref!r}",
                *field_path,
            )
        )
        return False

    def _check_public_evidence(self, claims: list[_Located]) -> None:
        """A public claim's status may not rest on a claim the public cannot read: the
        journal would publish its id (see boundary.py)."""
        today = dt.date.today().isoformat()
        withheld = {c.record.id: c.record.withheld_reason(today) for c in claims}
        for located in claims:
            claim = located.record
            if withheld[claim.id] or claim.verification is None:
                continue
            for i, evidence in enumerate(claim.verification.evidence):
                if withheld.get(evidence):
                    self.problems.append(
                        located.problem(
                            f"claim {claim.id}: verification.evidence.{i}: {evidence} is "
                            f"withheld ({withheld[evidence]}); cite it only once it is public",
                            "verification",
                            "evidence",
                            i,
                        )
                    )

    def _check_claim_references(
        self,
        located: _Located,
        entity_ids: set[str],
        place_ids: set[str],
        actor_ids: set[str],
        claim_ids: set[str],
    ) -> bool:
        claim: Claim = located.record
        checks = [self._known(located, claim.speaker, entity_ids, "entity", "speaker")]
        for i, other in enumerate(claim.also_said_by):
            checks.append(self._known(located, other, entity_ids, "entity", "also_said_by", i))
        for i, relay in enumerate(claim.via):
            checks.append(
                self._known(located, relay.entity, entity_ids, "entity", "via", i, "entity")
            )
        for i, subject in enumerate(claim.subjects):
            checks.append(
                self._known(located, subject.entity, entity_ids, "entity", "subjects", i, "entity")
            )
        for i, place in enumerate(claim.places):
            checks.append(self._known(located, place, place_ids, "place", "places", i))
        if claim.verification is not None:
            checks.append(
                self._known(
                    located, claim.verification.by, actor_ids, "actor", "verification", "by"
                )
            )
            for i, evidence in enumerate(claim.verification.evidence):
                if not is_url(evidence):
                    checks.append(
                        self._known(
                            located, evidence, claim_ids, "claim", "verification", "evidence", i
                        )
                    )
        return all(checks)

    def _anchor(self, located: _Located, text: str) -> Anchor | None:
        claim: Claim = located.record
        quote = claim.quote
        occurrences = list(_find_all(text, quote))
        given = claim.anchor
        who = f"claim {claim.id}: "
        if not occurrences:
            self.problems.append(
                located.problem(
                    f"{who}quote not found in the document text "
                    f'(closest passage: "{closest_passage(quote, text)}")',
                    "quote",
                )
            )
            return None
        if given is None:
            if len(occurrences) > 1:
                self.problems.append(
                    located.problem(
                        f"{who}quote occurs {len(occurrences)} times in the document (at "
                        f"offsets {', '.join(map(str, occurrences))}); give anchor.start to "
                        "say which one is meant",
                        "quote",
                    )
                )
                return None
            start = occurrences[0]
        else:
            start = given.start
            if start not in occurrences:
                found = text[start : start + len(quote)]
                self.problems.append(
                    located.problem(
                        f"{who}anchor.start {start} does not match the quote: the text there "
                        f'reads "{_shorten(found)}"; the quote is at '
                        f"{', '.join(map(str, occurrences))}",
                        "anchor",
                        "start",
                    )
                )
                return None
        end = start + len(quote)
        anchor = Anchor(
            start=start,
            end=end,
            prefix=text[max(0, start - ANCHOR_CONTEXT) : start],
            suffix=text[end : end + ANCHOR_CONTEXT],
        )
        if given is not None:
            for name in ("end", "prefix", "suffix"):
                value = getattr(given, name)
                if value is not None and value != getattr(anchor, name):
                    self.problems.append(
                        located.problem(
                            f"{who}anchor.{name} {value!r} does not match the quote in the "
                            f"text (expected {getattr(anchor, name)!r})",
                            "anchor",
                            name,
                        )
                    )
                    return None
        return anchor


def closest_passage(quote: str, text: str) -> str:
    """The passage of ``text`` most like ``quote``, to show beside a failed match."""
    alignment = fuzz.partial_ratio_alignment(quote, text)
    if alignment is None:
        return ""
    return _shorten(text[alignment.dest_start : alignment.dest_end])


def _find_all(text: str, quote: str) -> Iterator[int]:
    start = text.find(quote)
    while start != -1:
        yield start
        start = text.find(quote, start + 1)


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_url(value: str) -> bool:
    """Whether evidence is a web address (else it names a claim)."""
    return value.startswith(("http://", "https://"))


def _relation_key(relation: Relation) -> tuple:
    pair = (relation.claim, relation.other)
    if relation.kind.symmetric:
        pair = tuple(sorted(pair))
    return (relation.kind.value, *pair)


def _record_name(label: str, data: object) -> str:
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return f"{label} {data['id']}: "
    return f"{label}: "
