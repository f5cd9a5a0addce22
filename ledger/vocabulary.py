"""The controlled vocabularies of the ledger, each value with the definition users see.

Every vocabulary is also published as a table (see ``schema.py``) so that Datasette shows a
readable label and definition wherever a value appears.
"""

from __future__ import annotations

from enum import Enum


class Vocabulary(str, Enum):  # noqa: UP042 (StrEnum's __new__ would drop the definitions)
    """A string enum whose members carry a short label and a one-line definition."""

    label: str
    definition: str

    def __new__(cls, value: str, label: str, definition: str) -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.definition = definition
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        # Publish each value's label and definition, not just the bare enum.
        schema = handler(core_schema)
        schema = handler.resolve_ref_schema(schema)
        schema["oneOf"] = [
            {"const": m.value, "title": m.label, "description": m.definition} for m in cls
        ]
        return schema

    @classmethod
    def rows(cls) -> list[dict]:
        """The vocabulary as table rows, in declaration order."""
        return [
            {"id": m.value, "label": m.label, "definition": m.definition, "position": i}
            for i, m in enumerate(cls)
        ]


class Status(Vocabulary):
    UNVERIFIED = (
        "unverified",
        "Unverified",
        "Not yet checked against other sources; the default for every new claim.",
    )
    CORROBORATED = (
        "corroborated",
        "Corroborated",
        "Independent sources agree with it, but it is not yet confirmed.",
    )
    CONFIRMED = (
        "confirmed",
        "Confirmed",
        "Established by evidence a fact-checker has cited.",
    )
    CONTESTED = (
        "contested",
        "Contested",
        "Competing attributions or versions exist and none is established.",
    )
    DISPUTED = (
        "disputed",
        "Disputed",
        "Credible evidence contradicts it.",
    )
    FALSE = (
        "false",
        "False",
        "Shown to be untrue by evidence a fact-checker has cited.",
    )
    UNVERIFIABLE = (
        "unverifiable",
        "Unverifiable",
        "Cannot be checked with the sources available, and is not likely to be.",
    )


class OutletKind(Vocabulary):
    NEWS_SITE = ("news-site", "News site", "A news organisation publishing its own reporting.")
    MONITOR = ("monitor", "Monitor", "An organisation that documents incidents and casualties.")
    OFFICIAL_BODY = (
        "official-body",
        "Official body",
        "A government, military or intergovernmental body publishing statements.",
    )
    MILITANT_MEDIA = (
        "militant-media",
        "Militant media",
        "A media outlet run by or for an armed group.",
    )
    NGO = ("ngo", "NGO", "A non-governmental organisation or research centre.")
    NEWS_AGENCY = ("news-agency", "News agency", "A wire service selling reports to other outlets.")
    ACTIVIST_MEDIA = (
        "activist-media",
        "Activist media",
        "A local network of activists or citizen journalists.",
    )


class EntityKind(Vocabulary):
    PERSON = ("person", "Person", "A named individual.")
    ORGANIZATION = (
        "organization",
        "Organization",
        "A civilian organisation: company, research centre, NGO, coalition of activists.",
    )
    ARMED_GROUP = (
        "armed-group",
        "Armed group",
        "A non-state armed group, militia, faction or cell.",
    )
    GOVERNMENT_BODY = (
        "government-body",
        "Government body",
        "A state, its army, security branches, ministries or an intergovernmental body.",
    )
    MEDIA = ("media", "Media", "A news outlet, agency or media office speaking as itself.")
    ANONYMOUS = (
        "anonymous",
        "Anonymous source",
        "A source the report does not name, described as the report describes it.",
    )


class ClaimKind(Vocabulary):
    EVENT = ("event", "Event", "Something happened: a killing, a raid, a release, a meeting.")
    FIGURE = ("figure", "Figure", "A number: fighters, attacks, deaths, money.")
    ACCUSATION = ("accusation", "Accusation", "Someone is said to be responsible for a deed.")
    DENIAL = ("denial", "Denial", "Someone rejects an accusation or the existence of something.")
    ASSESSMENT = (
        "assessment",
        "Assessment",
        "An analysis or characterisation of a situation, not a single checkable fact.",
    )
    PREDICTION = ("prediction", "Prediction", "A statement about what will happen.")


class SubjectRole(Vocabulary):
    ACCUSED = ("accused", "Accused", "The claim accuses this entity of a deed.")
    RESPONSIBLE = (
        "responsible",
        "Responsible",
        "The claim states this entity carried out the deed (not as an accusation).",
    )
    VICTIM = ("victim", "Victim", "The entity suffered the deed: killed, attacked, targeted.")
    MENTIONED = ("mentioned", "Mentioned", "The entity is otherwise a subject of the claim.")


class RelationKind(Vocabulary):
    CONTRADICTS = (
        "contradicts",
        "Contradicts",
        "The two claims cannot both be true: a number, a date, a place or existence differs.",
    )
    CORROBORATES = (
        "corroborates",
        "Corroborates",
        "An independent source supports the other claim.",
    )
    COMPETES = (
        "competes",
        "Competes",
        "The same event or deed is attributed to a different party, or by a different source.",
    )
    REPEATS = (
        "repeats",
        "Repeats",
        "The claim re-reports the other one, so it is not independent support.",
    )
    REFINES = (
        "refines",
        "Refines",
        "The claim adds detail to the other one without contradicting it.",
    )

    @property
    def symmetric(self) -> bool:
        """Whether "A kind B" means the same as "B kind A"."""
        return self not in (RelationKind.REPEATS, RelationKind.REFINES)


class RelationOrigin(Vocabulary):
    CURATED = ("curated", "Curated", "A person added or confirmed the relation.")
    SUGGESTED = (
        "suggested",
        "Suggested",
        "A tool proposed the relation; no person has confirmed it yet.",
    )
    DERIVED = (
        "derived",
        "Derived",
        "Derived by the rule question-versions-linked: both claims answer the same disputed "
        "question with different parties, figures, dates or places, and no person has related "
        "them yet.",
    )


class SourceReliability(Vocabulary):
    """NATO / Admiralty code, first axis: how far the source can be trusted."""

    A = ("A", "Completely reliable", "No doubt of authenticity, trustworthiness or competency.")
    B = ("B", "Usually reliable", "Minor doubt; a history of mostly valid information.")
    C = ("C", "Fairly reliable", "Doubt; has provided valid information in the past.")
    D = ("D", "Not usually reliable", "Significant doubt; has provided valid information before.")
    E = ("E", "Unreliable", "Lacking authenticity, trustworthiness and competency.")
    F = ("F", "Reliability cannot be judged", "No basis exists for evaluating the source.")


class InformationCredibility(Vocabulary):
    """NATO / Admiralty code, second axis: how credible this piece of information is."""

    ONE = ("1", "Confirmed by other sources", "Confirmed by independent sources; logical.")
    TWO = ("2", "Probably true", "Not confirmed; logical; consistent with other information.")
    THREE = (
        "3",
        "Possibly true",
        "Not confirmed; reasonably logical; agrees with some information.",
    )
    FOUR = ("4", "Doubtful", "Not confirmed; possible but not logical; no other information.")
    FIVE = ("5", "Improbable", "Not confirmed; not logical; contradicted by other information.")
    SIX = ("6", "Truth cannot be judged", "No basis exists for evaluating the information.")


class CoordinatePrecision(Vocabulary):
    EXACT = ("exact", "Exact", "The point itself: a building or a site.")
    LOCALITY = ("locality", "Locality", "The centre of a town, village or neighbourhood.")
    DISTRICT = ("district", "District", "The centre of a district or a small region.")
    REGION = ("region", "Region", "The centre of a governorate, a desert or a large region.")
    COUNTRY = ("country", "Country", "The centre of a country.")


class ActorRole(Vocabulary):
    FACT_CHECKER = (
        "fact-checker",
        "Fact-checker",
        "May change statuses, grades and relations, from the CLI or the web form.",
    )
    EDITOR = ("editor", "Editor", "Reads the ledger before publishing; may add notes.")
    CURATOR = (
        "curator",
        "Curator",
        "Maintains the seed ledger; may change statuses, grades and relations.",
    )
    TOOL = (
        "tool",
        "Tool",
        "A program, such as the relation suggester; may only suggest relations.",
    )

    @property
    def may_verify(self) -> bool:
        return self in (ActorRole.FACT_CHECKER, ActorRole.CURATOR)


class Visibility(Vocabulary):
    PUBLIC = ("public", "Public", "Published in the ledger for everyone to read.")
    INTERNAL = (
        "internal",
        "Internal",
        "Kept by the desk only: never in the public ledger, its pages or its snapshots.",
    )


class JournalAction(Vocabulary):
    STATUS = ("status", "Status change", "The claim's confirmation status was changed.")
    RELATE = ("relate", "Relation added", "A relation to another claim was added or confirmed.")
    UNRELATE = ("unrelate", "Relation withdrawn", "A relation to another claim was withdrawn.")
    GRADE = (
        "grade",
        "Grade change",
        "The claim's Admiralty information credibility grade was set or changed.",
    )
    NOTE = ("note", "Note", "A fact-checker's note on the claim; nothing else changed.")
    ACCEPT = (
        "accept",
        "Warning accepted",
        "A fact-checker accepted the rules' warnings about the claim, with a rationale; the "
        "rules named in new_value no longer count the warnings as open.",
    )


class Severity(Vocabulary):
    ERROR = ("error", "Error", "Refused: the seeds do not build and the change is not recorded.")
    WARNING = (
        "warning",
        "Warning",
        "Shown; a curator or fact-checker may accept it with a written rationale.",
    )


class Rule(Vocabulary):
    """The verification rules (ledger/rules.py), each with what it asks, in plain words."""

    INDEPENDENCE = (
        "independence",
        "Independent support",
        "A corroborated claim needs support from at least one independent source: another "
        "speaker, not a re-report of it, not relayed through the same source, not the outlet "
        "restating its own source, not a speaker the report does not print, and not a source "
        "that may be the same person or body.",
    )
    CIRCULAR_SUPPORT = (
        "circular-support",
        "No circular support",
        "Support that only runs in a circle counts for nothing: claims whose statuses cite only "
        "each other as evidence need a source outside the circle.",
    )
    EVIDENCE_LINKED = (
        "evidence-linked",
        "Evidence is linked",
        "A claim cited as evidence for a status is related to the claim it supports or "
        "contradicts.",
    )
    CONTRADICTIONS_FACED = (
        "contradictions-faced",
        "Contradictions are faced",
        "Two claims that contradict or compete cannot both be corroborated or confirmed; a "
        "supported claim contradicted by one with as much independent support is contested "
        "unless its rationale addresses the other claim.",
    )
    LIKE_SITUATIONS = (
        "like-situations",
        "Like situations, like statuses",
        "Competing versions that stand equal (neither has more independent support) get like "
        "statuses: both contested or both left open, here as elsewhere in the ledger.",
    )
    QUESTION_VERSIONS_LINKED = (
        "question-versions-linked",
        "Every version is linked",
        "Claims that answer the same disputed question with different parties held "
        "responsible, figures, dates or places are related: by a person, or else by the rule, "
        "as a competes relation shown as derived.",
    )
    RESTATEMENT_WITHIN_QUOTE = (
        "restatement-within-quote",
        "The restatement says no more than the quote",
        "Numbers and capitalised names in a claim's restatement appear in its quote or the "
        "quote's paragraph.",
    )

    @property
    def acceptable(self) -> bool:
        """Whether the rule can yield warnings, which a written rationale may accept."""
        return self not in (
            Rule.INDEPENDENCE,
            Rule.CIRCULAR_SUPPORT,
            Rule.EVIDENCE_LINKED,
        )


VOCABULARIES: dict[str, type[Vocabulary]] = {
    "statuses": Status,
    "outlet_kinds": OutletKind,
    "entity_kinds": EntityKind,
    "claim_kinds": ClaimKind,
    "subject_roles": SubjectRole,
    "relation_kinds": RelationKind,
    "relation_origins": RelationOrigin,
    "reliability_grades": SourceReliability,
    "credibility_grades": InformationCredibility,
    "coordinate_precisions": CoordinatePrecision,
    "actor_roles": ActorRole,
    "journal_actions": JournalAction,
    "rules": Rule,
}
"""Each vocabulary under the name of the table that publishes it."""
