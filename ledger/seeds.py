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

import hashlib
import os
from collections.abc import Iterator, Mapping
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
from .validate import Located, Records, validate
from .yamlfile import Location, YamlFile, read_yaml


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

    def _read_list_files(self, name: str, model: type[Model]) -> list[Located]:
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
                    records.append(Located(record, file, (index,)))
        return records

    def _read_documents(self) -> tuple[list[Located], list[Located]]:
        documents: list[Located] = []
        claims: list[Located] = []
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
                    documents.append(Located(document, file, ()))
            for index, item in enumerate(raw_claims):
                claim = self._validate(Claim, item, file, ("claims", index), label="claim")
                if claim is None:
                    continue
                if document_file is not None:
                    claim = claim.model_copy(
                        update={"document": document_file.id, "outlet": document_file.outlet}
                    )
                claims.append(Located(claim, file, ("claims", index)))
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
        outlets: list[Located],
        actors: list[Located],
        entities: list[Located],
        places: list[Located],
        documents: list[Located],
        claims: list[Located],
        relations: list[Located],
        questions: list[Located],
    ) -> Ledger:
        # An outlet speaks as an entity of the same id unless entities.yml defines it.
        declared = {e.record.id for e in entities}
        twins = [
            Located(outlet_entity(o.record), o.file, o.loc)
            for o in outlets
            if o.record.id not in declared
        ]
        records = Records(
            outlets=outlets,
            actors=actors,
            entities=entities + twins,
            places=places,
            documents=documents,
            claims=claims,
            relations=relations,
            questions=questions,
            invalid_ids=self.invalid_ids,
            unreadable=bool(self.unreadable),
        )
        self.problems.extend(validate(records))

        # Complete each claim: its anchor in the document's text, its date when not given.
        texts = {d.record.id: d.record.text for d in documents}
        published = {d.record.id: d.record.published for d in documents}
        ledger_claims = []
        for located in claims:
            claim = located.record
            text = texts.get(claim.document)
            anchor = self._anchor(located, text) if text is not None else None
            if anchor is not None:
                ledger_claims.append(
                    claim.model_copy(
                        update={
                            "anchor": anchor,
                            "said_on": claim.said_on or published[claim.document],
                        }
                    )
                )
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

    def _anchor(self, located: Located, text: str) -> Anchor | None:
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


def _record_name(label: str, data: object) -> str:
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return f"{label} {data['id']}: "
    return f"{label}: "
