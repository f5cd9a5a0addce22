"""Who a source is: names, titles, kinds, pronouns and descriptions, resolved in reading order.

A source noun phrase becomes a ``Speaker``: a name without its title ("Colonel Ahmad Khalil"
is Ahmad Khalil, role Colonel), a kind from the named-entity recogniser and the head noun
("The Interior Ministry" is a government body, not a person), and the known entity it is,
by name, alias, a surname met earlier or a close description. "He", "she", "they", "it",
"the ministry" and "the researcher" refer back to the last speaker or name that fits.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from .lexicon import ALL_ROLES, ANONYMITY, OFFICES, ORGANISATION_KIND, ROLE_CLASSES, TITLES

REFERRING = ("statement", "report", "study", "spokesman", "spokeswoman", "spokesperson")
DOCUMENTS = ("statement", "announcement", "report", "study", "account", "tweet", "post", "letter")
"""Definite descriptions that speak for the last speaker: "the statement said"."""
PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
GENDER = {"he": "he", "him": "he", "his": "he", "she": "she", "her": "she"}
"""A pronoun's gender: once "she" has stood for a speaker, "he" stands for someone else."""
NAME_TAGS = ("NNP", "NNPS")
NAME_PARTICLES = {"al", "el", "bin", "ibn", "abu", "de", "van", "von", "bint", "abd"}
GENERIC_GROUPS = ("group", "organization", "organisation", "faction", "movement", "militia")
"""Nouns that refer back to the last group spoken of even when its name does not use them."""
QUALIFIER = re.compile(r"\s*\([^)]*\)$")
"""A qualifier that tells apart entities of one name: "Daraa activists (EB22)"."""
PAIRS = ("both", "two")
"""Words that make a source the last two speakers: "Both sources", "the two men"."""


@dataclass
class Directory:
    """Names the extractor can resolve sources to: entity ids by lower-cased name or alias."""

    entities: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    outlets: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    anonymous: dict[str, str] = field(default_factory=dict)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    people_by_description: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_ledger(cls, ledger) -> Directory:
        directory = cls()
        qualified = Counter(QUALIFIER.sub("", e.name).lower() for e in ledger.entities)
        for entity in ledger.entities:
            directory.kinds[entity.id] = entity.kind.value
            directory.names[entity.id] = (entity.name, *entity.aliases)
            for name in (entity.name, *entity.aliases):
                directory.entities.setdefault(name.lower(), entity.id)
                directory.descriptions.setdefault(name.lower(), entity.id)
            # "Experts and researchers (al-Baghouz)" is printed without its qualifier
            bare = QUALIFIER.sub("", entity.name).lower()
            if bare != entity.name.lower() and qualified[bare] == 1:
                directory.entities.setdefault(bare, entity.id)
                directory.descriptions.setdefault(bare, entity.id)
            if entity.kind.value == "person" and entity.description:
                # "the spokesman for the US Central Command" is Joe Buccino, if only he is
                described = _identifying(entity.description)
                taken = described in directory.people_by_description
                directory.people_by_description[described] = None if taken else entity.id
            if entity.kind.value == "anonymous" and entity.description:
                described = entity.description.lower().rstrip(".")
                directory.descriptions.setdefault(described, entity.id)
                directory.anonymous.setdefault(described, entity.id)
        for outlet in ledger.outlets:
            for name in (outlet.name, *outlet.aliases):
                directory.outlets.setdefault(name.lower(), outlet.id)
                directory.outlets.setdefault(name.lower().removeprefix("the "), outlet.id)
        return directory

    def entity(self, name: str) -> str | None:
        key = name.lower().strip()
        return self.entities.get(key) or self.entities.get(key.removeprefix("the "))

    def describe(self, description: str) -> str | None:
        """An entity whose name, alias or description closely matches a description."""
        from rapidfuzz import fuzz, process, utils

        if not self.descriptions or len(description.split()) < 2:
            return None
        key = description.lower().strip()
        match = process.extractOne(
            key,
            list(self.descriptions),
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=82,
        )
        if match is None and len(key.split()) >= 3:
            # "An army defected officer" inside "An army defected officer familiar with ..."
            match = process.extractOne(
                key,
                list(self.anonymous),
                scorer=fuzz.token_set_ratio,
                processor=utils.default_process,
                score_cutoff=95,
            )
            return self.anonymous[match[0]] if match else None
        return self.descriptions[match[0]] if match else None

    def person_described(self, description: str) -> str | None:
        """The one known person a description such as "the spokesman for X" fits exactly."""
        return self.people_by_description.get(_identifying(description))

    def outlet(self, name: str) -> str | None:
        key = name.lower().strip()
        return self.outlets.get(key) or self.outlets.get(key.removeprefix("the "))


@dataclass
class Speaker:
    name: str
    kind: str  # an EntityKind value
    entity: str | None = None
    role: str | None = None
    description: str | None = None
    anonymity_reason: str | None = None
    plural: bool = False
    head: str | None = None  # a description's head noun: "officer" in "a defected officer"
    aliases: tuple[str, ...] = ()  # a known entity's other names
    paragraph: int = -1  # where it last spoke
    others: tuple[Speaker, ...] = ()  # who said it with them: "Both sources", "X and Y said"
    gender: str | None = None  # "he" or "she", once a pronoun has stood for them

    def nouns(self) -> set[str]:
        """Words "the ..." can refer back with: of the name and role, a description's head."""
        names = (self.head,) if self.head else (self.name, *self.aliases)
        words = " ".join(filter(None, (*names, self.role, self.description)))
        return {w.strip(".,’'").lower() for w in words.split()}


class Resolver:
    """Remembers who has spoken and who was named, to resolve sources met later."""

    def __init__(self, directory: Directory):
        self.directory = directory
        self.speakers: list[Speaker] = []
        self.mentions: list[Speaker] = []
        self.full_names: dict[str, str] = {}
        self.paragraph = -1
        self.subjects: list[tuple[int, Speaker]] = []  # people this paragraph names as subjects

    # -- memory --------------------------------------------------------------------------

    def read(self, doc) -> None:
        """Remember the full names, known entities and organisations a paragraph names."""
        self.paragraph += 1
        self.subjects = []
        for run in _name_runs(doc):
            name, _ = _split_title(run)
            name = _strip_the(name)
            words = name.split()
            if len(words) >= 2 and _kind(run) == "person":
                for key in (words[-1].lower(), words[-1].lower().removeprefix("al-")):
                    self.full_names[key] = name
            entity = self.directory.entity(name)
            if entity is not None:
                self.mentions.append(self.known(name, entity, role=_mentioned_role(run)))
            elif run[-1].lower_ in ORGANISATION_KIND:
                self.mentions.append(Speaker(name, ORGANISATION_KIND[run[-1].lower_]))
            elif len(words) >= 2:
                self.mentions.append(Speaker(name, "person", role=_mentioned_role(run)))
            else:
                continue
            if run[-1].dep_ in ("nsubj", "nsubjpass") and self.mentions[-1].kind == "person":
                self.subjects.append((run[-1].idx, self.mentions[-1]))

    def known(self, name: str, entity: str, **fields) -> Speaker:
        """A speaker who is a known entity, with the entity's kind and other names."""
        return Speaker(
            name,
            self.directory.kinds.get(entity, "person"),
            entity,
            aliases=self.directory.names.get(entity, ()),
            **fields,
        )

    def _last(self, keep, mentioned: bool = False, within: int | None = None) -> Speaker | None:
        """The last speaker that fits (in the last ``within`` paragraphs), else (if
        ``mentioned``) the last name that fits."""
        for speaker in reversed(self.speakers):
            if within is not None and self.paragraph - speaker.paragraph > within:
                break
            if keep(speaker):
                return speaker
        if mentioned:
            for speaker in reversed(self.mentions):
                if keep(speaker):
                    return speaker
        return None

    # -- resolving -----------------------------------------------------------------------

    def resolve(self, phrase, offset: int):
        """(source span, speaker) for a source noun phrase (a spaCy Span), or (None, None)."""
        span, speaker = self._resolve(phrase, offset)
        if speaker is not None:
            speaker.paragraph = self.paragraph
            if not self.speakers or self.speakers[-1] is not speaker:
                self.speakers.append(speaker)  # the most recent speaker comes last
        return span, speaker

    def _resolve(self, phrase, offset: int):
        from . import Span

        if phrase is None or not phrase.text.strip():
            return None, None
        head = phrase.root

        def span(tokens) -> Span:
            start = tokens[0].idx + offset
            end = tokens[-1].idx + len(tokens[-1]) + offset
            return Span(start, end, tokens[0].doc.text[start - offset : end - offset])

        if head.tag_ in ("PRP", "PRP$") and len(phrase) <= 2:
            word = {"its": "it", "their": "they"}.get(head.lower_, head.lower_)
            named_here = [s for at, s in self.subjects if at < head.idx]
            gender = GENDER.get(word)
            named_here = [s for s in named_here if s.gender in (None, gender)]
            if word in PERSON_PRONOUNS and named_here:
                speaker = named_here[-1]
            elif word in PERSON_PRONOUNS:
                speaker = self._last(
                    lambda s: (
                        s.kind in ("person", "anonymous")
                        and not s.plural
                        and s.gender in (None, gender)
                    )
                )
            elif word == "it":
                speaker = self._last(lambda s: s.kind not in ("person", "anonymous"), True)
            elif word in ("i", "we", "you"):
                # a transcript's turn speaks in the first person; the writer is nobody to resolve
                speaker = self._last(lambda s: True, within=0)
            elif word == "they":
                speaker = self._last(lambda s: s.plural or s.kind not in ("person",))
            else:
                speaker = self._last(lambda s: True)
            if speaker is not None and gender is not None:
                speaker.gender = gender
            return span([head]), speaker
        appositive = next((c for c in head.children if c.dep_ == "appos" and is_name(c)), None)
        runs = [r for r in _name_runs(_around(phrase)) if head.i in {t.i for t in r}]
        if runs and not _split_title(runs[0])[0].strip():
            runs = []
        owner = next((c for c in head.children if c.dep_ == "poss"), None)
        if owner is None and head.lower_.rstrip("s") in DOCUMENTS:
            owner = _author(head)  # "a study issued by the Counter-Terrorism Project"
        if not runs and owner is not None and head.lower_.rstrip("s") in DOCUMENTS:
            # "the organization's statement said": the organisation speaks
            _, speaker = self._resolve(phrase.doc[owner.left_edge.i : owner.i + 1], offset)
            return span(list(phrase)), speaker
        if not runs and appositive is not None:
            # "The French interior minister, Bernard Cazeneuve,": named in apposition
            runs = [r for r in _name_runs(appositive.subtree) if appositive in r]
            role_words = " ".join(t.text for t in phrase if t.lower_ not in ("the", "a", "an"))
        else:
            role_words = None
        if runs:
            return self._named(phrase, runs[0], role_words, span)
        return self._described(phrase, span)

    def _named(self, phrase, run, role_words, span):
        name, title = _split_title(run)
        if not name:
            return self._described(phrase, span)
        kind = _kind(run)
        if kind != "person":  # "Interior Ministry": no title in an organisation's name
            name, title = _strip_the("".join(t.text_with_ws for t in run).strip()), None
        if len(name.split()) == 1:  # a surname: the full name met earlier
            full = self.full_names.get(name.lower()) or self.full_names.get(
                name.lower().removeprefix("al-")
            )
            if full is not None:
                name, kind = full, "person"
        entity = (
            self.directory.entity(name)
            or self.directory.entity(_strip_the(phrase.text))
            or self.directory.describe(name)
        )
        if entity is None:
            previous = self._last(lambda s: s.name == name)
            entity = previous.entity if previous else None
        described = next((c for c in run[-1].children if c.dep_ == "appos"), None)
        description = None
        if described is not None and not is_name(described):
            # "Sami Qadri, an analyst at the institute,"
            tokens = list(described.subtree)
            description = "".join(t.text_with_ws for t in tokens).strip(" ,")
            role_words = role_words or described.lower_
        role = title or role_words or _role(phrase, run)
        plural = run[-1].tag_ == "NNPS"
        if entity is not None:
            speaker = self.known(name, entity, role=role, plural=plural, description=description)
        else:
            speaker = Speaker(name, kind, role=role, plural=plural, description=description)
        speaker.others = self._coordinated(run)
        tokens = [t for t in run if t.text not in title_words(title)] if kind == "person" else run
        tokens = [t for t in tokens if t.lower_ != "the"] or list(run)
        if role_words is not None:
            tokens = list(phrase)
        return span(tokens), speaker

    def _coordinated(self, run) -> tuple[Speaker, ...]:
        """The others named with a name: "Abu Shadi and Abu Ishaq" for Abu Shadi."""
        others = []
        for conj in (c for c in run[-1].children if c.dep_ == "conj" and is_name(c)):
            runs = [r for r in _name_runs(conj.subtree) if conj in r]
            name, _ = _split_title(runs[0]) if runs else ("", None)
            entity = self.directory.entity(name) if name else None
            if entity is not None:
                others.append(self.known(name, entity))
        return tuple(others)

    def _pair(self) -> Speaker | None:
        """The last two different speakers, as one speaker said to speak with the other."""
        if self.speakers and self.speakers[-1].plural:
            return self.speakers[-1]  # "Two engineers ... said. Both sources ...": the same two
        recent: list[Speaker] = []
        for speaker in reversed(self.speakers):
            if (
                speaker.kind in ("person", "anonymous")
                and not speaker.others
                and all((speaker.entity or speaker.name) != (s.entity or s.name) for s in recent)
            ):
                recent.append(speaker)
            if len(recent) == 2:
                first, second = recent[1], recent[0]
                return replace(first, others=(second,))
        return None

    def _described(self, phrase, span):
        head = phrase.root
        text = phrase.text
        if head.tag_ == "NNS" and any(t.lower_ in PAIRS for t in phrase if t.i < head.i):
            # "Both sources also accused ...": the two who spoke last
            pair = self._pair()
            if pair is not None:
                return span(list(phrase)), pair
        definite = phrase[0].lower_ in ("the", "this", "that")
        if definite and len(phrase) <= 5:
            noun = head.lower_

            def fits(s: Speaker) -> bool:
                return noun in s.nouns()

            earlier = self._last(fits, mentioned=True)
            if earlier is None and noun in GENERIC_GROUPS:
                earlier = self._last(
                    lambda s: s.kind in ("armed-group", "organization"), mentioned=True
                )
            if earlier is None and noun in REFERRING:
                earlier = self._last(lambda s: True)
            if earlier is None and noun not in ORGANISATION_KIND and head.tag_ == "NN":
                # "the researcher" for the expert who just spoke, unless introduced otherwise
                earlier = self._last(
                    lambda s: (
                        s.kind in ("person", "anonymous")
                        and not s.plural
                        and _same_role(noun, s.nouns())
                    ),
                    within=1,
                )
            if earlier is not None:
                return span(list(phrase)), earlier
        organisation = ORGANISATION_KIND.get(head.lower_)
        entity = (
            self.directory.entity(text)
            or self.directory.describe(text)
            or self.directory.person_described(text)
        )
        sentence = head.sent.text
        reason = ANONYMITY.search(sentence)
        if organisation and not entity:
            speaker = Speaker(_strip_the(text), organisation, description=text, head=head.lower_)
        else:
            kind = self.directory.kinds.get(entity, "anonymous") if entity else "anonymous"
            speaker = Speaker(
                text,
                kind,
                entity,
                description=text,
                anonymity_reason=reason.group(0).strip() if reason else None,
                plural=head.tag_ == "NNS",
                head=head.lower_,
            )
        return span(list(phrase)), speaker

    def told(self, doc, found, offset: int):
        """For "told OUTLET": (start, end, name) of the outlet after the verb, or None."""
        if found.lemma != "tell" or found.cue is None:
            return None
        verb = next((t for t in doc if t.idx + offset == found.cue[1] - len(t)), None)
        if verb is None:
            return None
        for child in verb.rights:
            if child.dep_ in ("dobj", "dative", "iobj") and child.tag_ in NAME_TAGS:
                left = child.left_edge
                start, end = left.idx + offset, child.idx + len(child) + offset
                return start, end, doc.text[left.idx : child.idx + len(child)]
        return None


def _same_role(noun: str, words: set[str]) -> bool:
    """Whether a speaker introduced with ``words`` can be "the <noun>": no other role, or a
    role of the same class ("the researcher" for an expert, "the officer" for a commander)."""
    roles = words & ALL_ROLES
    if not roles:
        # a role the parse may have lost ("the researcher"), but not an office: "the
        # governor" is not whoever spoke last
        return noun not in OFFICES
    group = next((g for g in ROLE_CLASSES if noun in g), frozenset({noun}))
    return bool(roles & group)


def title_words(title: str | None) -> set[str]:
    return set(title.split()) if title else set()


def is_name(token) -> bool:
    """A proper noun, or a name with a particle the tagger misses: "al-Haj", "bin-Laden"."""
    if token.tag_ in NAME_TAGS:
        return True
    particle, _, rest = token.text.partition("-")
    return particle.lower() in NAME_PARTICLES and rest[:1].isupper()


def _name_runs(tokens) -> list[list]:
    """Runs of name tokens (with name particles such as "al" or "bin" between them)."""
    runs, current = [], []
    for token in tokens:
        if is_name(token) or (
            current
            and (token.lower_ in NAME_PARTICLES or token.text == "-")
            and token.whitespace_ == ""
        ):
            current.append(token)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _around(phrase):
    """The phrase, stretched over names the parser cut at a hyphen: "Al" "-" "Haj"."""
    doc = phrase.doc
    start, end = phrase.start, phrase.end
    while start >= 2 and doc[start - 1].text == "-" and not doc[start - 2].whitespace_:
        start -= 2
    while end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_:
        end += 2
    return doc[start:end]


def _split_title(run) -> tuple[str, str | None]:
    """("Ahmad Khalil", "Colonel") from the tokens of "Colonel Ahmad Khalil"."""
    titles = []
    index = 0
    while index < len(run) and run[index].lower_.rstrip(".") in TITLES:
        titles.append(run[index].text)
        index += 1
    name_tokens = run[index:]
    text = "".join(t.text_with_ws for t in name_tokens).strip()
    return text, " ".join(titles) or None


def _role(phrase, run) -> str | None:
    """Words before the name in the phrase that describe the bearer: "researcher"."""
    before = [t for t in phrase if t.i < run[0].i and t.lower_ not in ("the", "a", "an")]
    words = " ".join(t.text for t in before if not t.is_punct).strip()
    return words or None


def _mentioned_role(run) -> str | None:
    """The role a name is introduced with: "researcher X", "X, a researcher at ..."."""
    doc = run[0].doc
    words = []
    index = run[0].i - 1
    while index >= 0 and doc[index].tag_ in ("NN", "JJ") and len(words) < 3:
        words.insert(0, doc[index].lower_)
        index -= 1
    words += [c.lower_ for c in run[-1].children if c.dep_ == "appos" and c.tag_ == "NN"]
    return " ".join(words) or None


def _author(document):
    """Who issued a document: "a report by X", "a study issued by X", "a statement from X"."""
    for child in document.rights:
        if child.dep_ == "acl":
            agents = [a for a in child.children if a.dep_ == "agent"]
            child = agents[0] if agents else child
        if child.dep_ in ("agent", "prep") and child.lower_ in ("by", "from"):
            objects = [o for o in child.children if o.dep_ == "pobj"]
            if objects and objects[0].tag_ in NAME_TAGS:
                return objects[0]
    return None


def _kind(run) -> str:
    """person, or the kind of organisation, from NER and the last word of the name."""
    labels = {t.ent_type_ for t in run if t.ent_type_}
    head = run[-1].lower_
    if head in ORGANISATION_KIND:
        return ORGANISATION_KIND[head]
    if "PERSON" in labels:
        return "person"
    if "ORG" in labels:
        return "organization"
    if labels & {"GPE", "NORP"}:
        return "government-body"
    before = run[0].doc[run[0].i - 1] if run[0].i > 0 else None
    if (before is not None and before.lower_ == "the") or run[-1].tag_ == "NNPS":
        return "organization"
    return "person"


def _identifying(description: str) -> str:
    """A description reduced to what can identify: "Spokesman for the US Central Command
    (CENTCOM) (Enab Baladi, March 2024)." -> "spokesman for the us central command"."""
    text = re.sub(r"\s*\([^)]*\)", "", description).strip(" .").lower()
    return re.sub(r"^(?:the|a|an)\s+", "", text)


def _strip_the(text: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", text.strip())
