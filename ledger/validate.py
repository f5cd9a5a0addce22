"""The seed ledger's validations: a list of checks across records, each returning problems.

Like beancount's ``validate()`` over ``BASIC_VALIDATIONS``: every record is already valid on
its own (the models check their fields); these checks look across records: ids are unique,
references resolve, a former id is free, public evidence is public, a relation is recorded
once. Each returns problems located at the file and line of the field at fault, and all of
them run, so one pass reports everything.

The YAML loader (``seeds.py``) runs ``VALIDATIONS``. A record stream (``bulk.py``) is held to
the same rules as it is written (SQLite's keys refuse a duplicate id or an unknown
reference, naming the stream's line); a test builds the seed ledger both ways and compares
every table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .errors import Problem
from .journal import relation_key
from .models import Claim, Model, Relation
from .yamlfile import Location, YamlFile


@dataclass
class Located:
    """A validated record and where it came from, for cross-reference errors."""

    record: Model
    file: YamlFile
    loc: Location

    def problem(self, message: str, *field_path: str | int) -> Problem:
        return self.file.problem((*self.loc, *field_path), message)


@dataclass
class Records:
    """Every record of a seed ledger that passed its own validation, with where it is."""

    outlets: list[Located] = field(default_factory=list)
    actors: list[Located] = field(default_factory=list)
    entities: list[Located] = field(default_factory=list)  # outlets' own entities included
    places: list[Located] = field(default_factory=list)
    documents: list[Located] = field(default_factory=list)
    claims: list[Located] = field(default_factory=list)
    relations: list[Located] = field(default_factory=list)
    questions: list[Located] = field(default_factory=list)
    invalid_ids: set[str] = field(default_factory=set)
    """Ids of records that failed their own validation: references to them are not reported
    again."""
    unreadable: bool = False
    """Whether a file did not parse: the ids it defines are unknown, so no reference is
    reported as unknown (one tab in an entities file would bury its own message under
    hundreds of follow-ons); every other check still runs."""

    def ids(self, kind: str) -> set[str]:
        return {located.record.id for located in getattr(self, KINDS[kind])}


KINDS = {
    "outlet": "outlets",
    "actor": "actors",
    "entity": "entities",
    "place": "places",
    "document": "documents",
    "claim": "claims",
    "question": "questions",
}


def unique_ids(records: Records) -> list[Problem]:
    """No two records of a kind share an id."""
    problems = []
    for kind, attribute in KINDS.items():
        first_seen: dict[str, Located] = {}
        for located in getattr(records, attribute):
            record_id = located.record.id
            first = first_seen.setdefault(record_id, located)
            if first is not located:
                problems.append(
                    located.problem(
                        f"duplicate {kind} id {record_id!r} (first defined at "
                        f"{first.file.name}:{first.file.line_of(first.loc)})",
                        "id",
                    )
                )
    return problems


def references_resolve(records: Records) -> list[Problem]:
    """Every id a record refers to names a record of the right kind."""
    if records.unreadable:
        return []
    known = {kind: records.ids(kind) for kind in KINDS}
    problems = []
    for located, ref, kind, path in _references(records):
        if ref not in known[kind] and ref not in records.invalid_ids:
            owner = getattr(located.record, "id", "")
            prefix = f"{type(located.record).__name__.lower()} {owner}".rstrip() + ": "
            problems.append(
                located.problem(
                    f"{prefix}{'.'.join(map(str, path))}: unknown {kind} id {ref!r}", *path
                )
            )
    return problems


def _references(records: Records) -> Iterator[tuple[Located, str, str, tuple]]:
    """(record, id referred to, its kind, the field path) for every reference."""
    for located in records.entities:
        for i, tie in enumerate(located.record.affiliations):
            yield located, tie.entity, "entity", ("affiliations", i, "entity")
        for i, other in enumerate(located.record.may_be_same_as):
            yield located, other, "entity", ("may_be_same_as", i)
    for located in records.documents:
        yield located, located.record.outlet, "outlet", ("outlet",)
    for located in records.claims:
        claim: Claim = located.record
        yield located, claim.speaker, "entity", ("speaker",)
        for i, other in enumerate(claim.also_said_by):
            yield located, other, "entity", ("also_said_by", i)
        for i, relay in enumerate(claim.via):
            yield located, relay.entity, "entity", ("via", i, "entity")
        for i, subject in enumerate(claim.subjects):
            yield located, subject.entity, "entity", ("subjects", i, "entity")
        for i, place in enumerate(claim.places):
            yield located, place, "place", ("places", i)
        if claim.question is not None:
            yield located, claim.question, "question", ("question",)
        if claim.verification is not None:
            yield located, claim.verification.by, "actor", ("verification", "by")
            for i, evidence in enumerate(claim.verification.evidence):
                if not is_url(evidence):
                    yield located, evidence, "claim", ("verification", "evidence", i)
    for located in records.relations:
        relation: Relation = located.record
        yield located, relation.claim, "claim", ("claim",)
        yield located, relation.other, "claim", ("other",)
        yield located, relation.by, "actor", ("by",)


def no_self_affiliation(records: Records) -> list[Problem]:
    """An entity is not affiliated with itself."""
    return [
        located.problem(f"entity {located.record.id}: affiliated with itself", "affiliations", i)
        for located in records.entities
        for i, tie in enumerate(located.record.affiliations)
        if tie.entity == located.record.id
    ]


def former_ids_are_free(records: Records) -> list[Problem]:
    """A former id keeps old links working: it may not name a claim of today, or two."""
    claim_ids = records.ids("claim")
    former_of: dict[str, str] = {}
    problems = []
    for located in records.claims:
        claim = located.record
        for i, former in enumerate(claim.former_ids):
            clash = None
            if former in claim_ids:
                clash = "is a claim's id"
            elif former in former_of:
                clash = f"is already a former id of {former_of[former]}"
            if clash:
                problems.append(
                    located.problem(
                        f"claim {claim.id}: former_ids.{i}: {former!r} {clash}", "former_ids", i
                    )
                )
            former_of.setdefault(former, claim.id)
    return problems


def public_evidence_is_public(records: Records) -> list[Problem]:
    """A public claim's status may not rest on a claim the public cannot read: the journal
    would publish its id (see boundary.py)."""
    today = dt.date.today().isoformat()
    withheld = {c.record.id: c.record.withheld_reason(today) for c in records.claims}
    problems = []
    for located in records.claims:
        claim = located.record
        if withheld[claim.id] or claim.verification is None:
            continue
        for i, evidence in enumerate(claim.verification.evidence):
            if withheld.get(evidence):
                problems.append(
                    located.problem(
                        f"claim {claim.id}: verification.evidence.{i}: {evidence} is "
                        f"withheld ({withheld[evidence]}); cite it only once it is public",
                        "verification",
                        "evidence",
                        i,
                    )
                )
    return problems


def relations_recorded_once(records: Records) -> list[Problem]:
    """A relation between two claims is recorded once (either way round when symmetric)."""
    seen: dict[tuple, Located] = {}
    problems = []
    for located in records.relations:
        relation = located.record
        key = relation_key(relation.claim, relation.kind.value, relation.other)
        first = seen.setdefault(key, located)
        if first is not located:
            problems.append(
                located.problem(
                    f"relation {relation.claim} {relation.kind.value} {relation.other} is "
                    f"already recorded ({first.file.name}:{first.file.line_of(first.loc)})"
                )
            )
    return problems


Check = Callable[[Records], list[Problem]]

VALIDATIONS: tuple[Check, ...] = (
    unique_ids,
    references_resolve,
    no_self_affiliation,
    former_ids_are_free,
    public_evidence_is_public,
    relations_recorded_once,
)
"""Every check across records, in the order their problems are found."""


def validate(records: Records) -> list[Problem]:
    """Run every check of VALIDATIONS; return all their problems."""
    return [problem for check in VALIDATIONS for problem in check(records)]


def is_url(value: str) -> bool:
    """Whether evidence is a web address (else it names a claim)."""
    return value.startswith(("http://", "https://"))
