"""What a drafted claim says: its restatement, kind, places, subjects, and who says it.

The extractor gives spans; a curator needs a claim: "<speaker> says ..." in plain words, a
kind read from the reporting verb and the content (deny → denial, blame → accusation, a
future → prediction, counts → figure, a past deed → event), the places of the ledger's
gazetteer and the known entities the content names, and a speaker only when the extractor
can stand behind one. A source it cannot tell ("its military operations", a pronoun with no
one before it) is refused: the outlet stands as speaker and the draft says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import Proposal
from .lexicon import ALL_ROLES, ORGANISATION_KIND, third_person
from .nlp import pipeline
from .suggest import extract_numbers

DENIAL_VERBS = frozenset("deny dismiss reject refute dispute downplay rule".split())
ACCUSATION_VERBS = frozenset(
    "accuse blame charge allege condemn denounce decry criticize criticise attack".split()
)
PREDICTION_VERBS = frozenset("predict warn expect forecast anticipate fear threaten vow".split())
STATIVE = frozenset(
    "be have seem remain appear exist believe think know consider need want hope".split()
)
SPEAKER_NOUNS = (
    ALL_ROLES
    | frozenset(
        """sources source officials residents activists witnesses fighters members commanders
    leaders experts analysts researchers people man woman men women families relatives
    monitor observatory statement report study survey poll""".split()
    )
    | frozenset(ORGANISATION_KIND)
)
"""Head nouns a described speaker may have: people, bodies and the documents they issue."""


@dataclass
class Gazetteer:
    """Names the ledger knows, to find in a claim: places and entities, by every spelling."""

    places: list[tuple[re.Pattern, str]] = field(default_factory=list)
    entities: list[tuple[re.Pattern, str]] = field(default_factory=list)

    @classmethod
    def from_ledger(cls, ledger) -> Gazetteer:
        def patterns(items, case_sensitive):
            found = []
            for item in items:
                for name in {item.name, *item.aliases}:
                    flags = 0 if case_sensitive else re.IGNORECASE
                    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", flags)
                    found.append((pattern, item.id))
            return found

        # Entity names are matched as printed: "IS" is not "is".
        return cls(patterns(ledger.places, False), patterns(ledger.entities, True))

    def places_in(self, text: str) -> list[str]:
        return _first_seen(text, self.places)

    def entities_in(self, text: str) -> list[str]:
        return _first_seen(text, self.entities)


def _first_seen(text: str, patterns) -> list[str]:
    positions: dict[str, int] = {}
    for pattern, item_id in patterns:
        match = pattern.search(text)
        if match and match.start() < positions.get(item_id, len(text) + 1):
            positions[item_id] = match.start()
    return sorted(positions, key=positions.__getitem__)


def content_text(proposal: Proposal) -> str:
    """The content as words: without the interrupting frame, a leading "that", or outer marks."""
    text = " ".join(" ".join(piece.text for piece in proposal.pieces()).split())
    text = re.sub(r"^that\s+", "", text)
    return text.strip('“”" ,;:')


def restate(proposal: Proposal, speaker_label: str, plural: bool = False) -> str:
    """A plain statement of the claim: "<speaker> says ...", quotation kept as printed;
    "<A> and <B> say ..." when ``plural``."""
    text = content_text(proposal)
    verb = proposal.verb if proposal.verb and proposal.verb != "according" else "say"
    says, verbs = ("say", verb) if plural else ("says", third_person(verb))
    if not proposal.clausal:
        return _sentence(f"{speaker_label} {verbs} {text}")
    if proposal.mode == "direct":
        return _sentence(f"{speaker_label} {says}: “{text}”")
    if verb in DENIAL_VERBS | ACCUSATION_VERBS:
        # "denies that ...", but "accuses the unit of ...": as the article put it
        that = "that " if proposal.content.text.lower().startswith("that ") else ""
        return _sentence(f"{speaker_label} {verbs} {that}{text}")
    return _sentence(f"{speaker_label} {says} {_lower_first(text)}")


def guess_kind(proposal: Proposal, doc=None) -> str:
    """event, figure, accusation, denial, assessment or prediction, from verb and content."""
    verb = proposal.verb or ""
    text = content_text(proposal)
    if verb in DENIAL_VERBS:
        return "denial"
    if verb in ACCUSATION_VERBS or re.search(r"\bresponsible for\b|\bstands? behind\b", text):
        return "accusation"
    doc = doc if doc is not None else pipeline()(text)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    future = root is not None and any(
        c.lower_ in ("will", "would", "’ll", "'ll", "shall") for c in root.children
    )
    if verb in PREDICTION_VERBS or future or re.search(r"\bgoing to\b", text):
        return "prediction"
    witnessed = root is not None and root.lower_ in ("saw", "heard", "watched", "witnessed")
    if any(number >= 3 for number in extract_numbers(text)) and not witnessed:
        return "figure"  # counts, unless an eyewitness tells what they saw
    past = root is not None and (
        root.tag_ == "VBD"
        or (root.tag_ == "VBN" and any(c.dep_.startswith("aux") for c in root.children))
    )
    if (past or witnessed) and root.lemma_ not in STATIVE:
        return "event"
    return "assessment"


def trusted_speaker(proposal: Proposal) -> bool:
    """Whether the extractor names a speaker a curator can keep: a known entity, a person's
    full name, a named organisation, or a description headed by a person or body."""
    if proposal.speaker_entity:
        return True
    if not proposal.speaker_name:
        return False
    words = proposal.speaker_name.split()
    if proposal.speaker_kind == "person":
        return len(words) >= 2 and all(w[:1].isupper() or w.islower() for w in words)
    if proposal.speaker_kind != "anonymous":
        return True
    head = _head_word(proposal.speaker_name)
    return head in SPEAKER_NOUNS


def _head_word(description: str) -> str:
    words = re.split(
        r"\s+(?:of|in|at|from|with|who|whose|which|on|for|close|familiar)\b",
        description,
    )
    last = words[0].split()[-1] if words[0].split() else ""
    return last.lower().strip(".,’'")


def _sentence(text: str) -> str:
    text = text.strip()
    text = (
        text[:1].upper() + text[1:]
    )  # "The governor says ...", a speaker printed as "the governor"
    return text if text.endswith((".", "”", "?", "!")) else text + "."


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    # "A convoy ..." too: "A" has no lower-case letters for islower() to see
    if first[:1].isupper() and first[1:] == first[1:].lower() and first.lower() in _FUNCTION_WORDS:
        return first.lower() + text[len(first) :]
    return text


_FUNCTION_WORDS = frozenset(
    "the a an this that these those its their his her there it they he she we some many".split()
)
