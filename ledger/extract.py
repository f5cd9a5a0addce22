"""Drafting attributed claims from a news article, with rules and no model.

For each quote or reported assertion the extractor proposes three spans of the article — the
**source** (a name, a pronoun, or a description such as "a former opposition commander"), the
**cue** ("told Syria Direct", "said", "according to") and the **content** — plus, where it can,
the entity the source resolves to, the outlet the speaker told and the stated reason for
anonymity. Offsets are code points into the text as Python reads it, end exclusive.

How it reads a text, in order:

1. Paragraphs are lines. Page furniture (captions, share buttons, donation appeals, short
   lines without a sentence) is skipped.
2. Direct quotes are found as paired quotation marks (curly or straight), including a quote
   that runs on over several paragraphs (a paragraph that opens a quote without closing it).
   Each sentence inside a quote becomes one proposal.
3. Each sentence is matched against attribution constructions around a speech cue: "X said
   (that) ...", "..., X said.", "..., said X.", "According to X, ...", "..., according to X.",
   "X told OUTLET (that) ...", and the same around direct quotes, with the speaker before,
   inside or after the quote.
4. Sources are resolved: a pronoun or "the researcher" to the last speaker it can mean, a
   surname to the full name met earlier, names and aliases to known entities.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

CUE_VERBS = (
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "explained",
    "explains",
    "noted",
    "notes",
    "pointed out",
    "points out",
    "stated",
    "states",
    "stressed",
    "believes",
    "believe",
    "believed",
    "considered",
    "considers",
    "sees",
    "argued",
    "argues",
    "warned",
    "warns",
    "claimed",
    "claims",
    "confirmed",
    "confirms",
    "denied",
    "denies",
    "accused",
    "accuses",
    "dismissed",
    "downplayed",
    "revealed",
    "announced",
    "acknowledged",
    "admitted",
    "asserted",
    "insisted",
    "mentioned",
    "suggested",
    "questioned",
    "echoed",
    "clarified",
    "clarifies",
    "estimated",
    "expects",
    "expected",
    "thinks",
    "reported",
    "continued",
    "concluded",
    "described",
    "admits",
    "recalled",
)
CUE = re.compile(
    r"\b(?:" + "|".join(sorted((re.escape(v) for v in CUE_VERBS), key=len, reverse=True)) + r")\b"
)
ACCORDING = re.compile(r"\b[Aa]ccording to\b")
OPEN_QUOTES, CLOSE_QUOTES = '“"', '”"'
SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’)]*\s+(?=[“\"A-Z0-9(])")
ABBREVIATIONS = (
    "Brig.",
    "Gen.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Col.",
    "Lt.",
    "St.",
    "U.S.",
    "U.N.",
    "No.",
    "Sgt.",
    "Maj.",
    "Capt.",
    "Prof.",
    "Jr.",
    "Sr.",
    "vs.",
)
PRONOUNS = {"he", "she", "they", "it", "He", "She", "They", "It"}
NAME_STOP = {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "But",
    "However",
    "Still",
    "Meanwhile",
    "Therefore",
    "According",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "Since",
    "While",
    "Although",
    "As",
    "After",
    "Before",
    "Until",
    "When",
    "If",
    "And",
    "Also",
    "For",
    "From",
    "With",
    "Yet",
    "So",
    "Because",
    "Both",
    "Other",
    "Others",
    "Many",
    "Some",
    "Several",
    "Its",
    "His",
    "Her",
    "Their",
    "Our",
    "Previously",
    "Later",
    "Despite",
    "Moreover",
    "Furthermore",
    "Following",
    "Now",
    "Then",
    "Here",
    "There",
}
ROLE_NOUNS = (
    "researcher",
    "expert",
    "analyst",
    "activist",
    "officer",
    "commander",
    "leader",
    "spokesperson",
    "spokesman",
    "source",
    "official",
    "specialist",
    "opponent",
    "member",
    "journalist",
    "correspondent",
    "statement",
    "study",
    "report",
    "agency",
    "ministry",
    "organization",
    "group",
    "minister",
    "president",
    "lawyer",
)
ANONYMITY = re.compile(
    r"(?:whose name [^,.]*withheld[^,.]*|on condition of anonymity[^,.]*|"
    r"(?:who )?(?:asked|requested|preferred) not to be (?:named|identified)[^,.]*|"
    r"(?:who )?spoke on condition[^,.]*|speaking anonymously[^,.]*)"
)
FURNITURE = re.compile(
    r"^(?:share this article|share|tweet|print|email|follow (?:him|her|us|them)\b.*|"
    r"click here.*|support .*|you might also like|read more|related|advertisement|"
    r"\d+ min read|breadcrumb|a a a|this website uses cookies.*|.*\$\d+ a month.*|"
    r"propaganda distorts.*|syria needs free media.*)$",
    re.IGNORECASE,
)
NAME_TOKEN = r"(?:[A-Z][\w’'\-]*|(?:al|el|bin|ibn|bo|abu|de|van|von|bint)(?=[\s-]))"
NAME = re.compile(rf"{NAME_TOKEN}(?:[\s-]+{NAME_TOKEN})*")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass
class Proposal:
    """One drafted claim: content, and who said it how, as spans of the article."""

    content: Span
    source: Span | None
    cue: Span | None
    speaker_entity: str | None = None
    speaker_name: str | None = None
    told: str | None = None
    anonymity_reason: str | None = None
    mode: str = "indirect"  # direct (inside quotation marks) or indirect
    anonymous: bool = False

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("content", "source", "cue"):
            if data[key] is not None:
                data[key] = dict(data[key])
        return data


@dataclass
class Directory:
    """Names the extractor can resolve sources to: entity ids by lower-cased name or alias."""

    entities: dict[str, str] = field(default_factory=dict)
    outlets: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    anonymous: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_ledger(cls, ledger) -> Directory:
        directory = cls()
        for entity in ledger.entities:
            for name in (entity.name, *entity.aliases):
                directory.entities.setdefault(name.lower(), entity.id)
                directory.descriptions.setdefault(name.lower(), entity.id)
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
        from rapidfuzz import fuzz, process

        if not self.descriptions or len(description.split()) < 2:
            return None
        key = description.lower().strip()
        match = process.extractOne(
            key, list(self.descriptions), scorer=fuzz.token_sort_ratio, score_cutoff=82
        )
        if match is None and len(key.split()) >= 3:
            # "An army defected officer" inside "An army defected officer familiar with ..."
            match = process.extractOne(
                key, list(self.anonymous), scorer=fuzz.token_set_ratio, score_cutoff=95
            )
            return self.anonymous[match[0]] if match else None
        return self.descriptions[match[0]] if match else None

    def outlet(self, name: str) -> str | None:
        key = name.lower().strip()
        return self.outlets.get(key) or self.outlets.get(key.removeprefix("the "))


# -- layout --------------------------------------------------------------------------------


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-empty line, stripped of surrounding blanks."""
    spans = []
    position = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = position + line.index(stripped[0])
            spans.append((start, start + len(stripped)))
        position += len(line) + 1
    return spans


def is_furniture(line: str, repeated: bool) -> bool:
    """Captions, share buttons, appeals and headings: lines that are not reporting."""
    words = line.split()
    if FURNITURE.match(line.strip()):
        return True
    if repeated and not line.rstrip().endswith(('."', ".”", ".")):
        return True  # a repeated caption or heading
    if line.rstrip().endswith(")") and re.search(
        r"\((?:[^()]*(?:Edited by|/|©|photo)[^()]*)\)$", line, re.IGNORECASE
    ):
        return True  # a photo caption: "... (Edited by Enab Baladi)"
    ends_like_sentence = re.search(r"[.!?][”\"’)]*$", line.strip()) is not None
    return len(words) < 8 and not ends_like_sentence and not any(q in line for q in '“"')


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans in text[start:end], not splitting after common abbreviations."""
    spans, cursor = [], start
    chunk = text[start:end]
    for match in SENTENCE_END.finditer(chunk):
        cut = start + match.start()
        before = text[cursor:cut]
        if before.endswith(ABBREVIATIONS) or re.search(r"\b[A-Z]\.$", before):
            continue
        spans.append((cursor, cut))
        cursor = start + match.end()
    if cursor < end:
        spans.append((cursor, end))
    result = []
    for s, e in spans:
        s, e = _strip(text, s, e)
        if e > s:
            result.append((s, e))
    return result


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class Quotation:
    """One quotation: its segments (one per paragraph it runs over) inside the marks."""

    segments: list[tuple[int, int]]

    @property
    def start(self) -> int:
        return self.segments[0][0]

    @property
    def end(self) -> int:
        return self.segments[-1][1]

    def words(self, text: str) -> int:
        return sum(len(text[s:e].split()) for s, e in self.segments)


def quotations(text: str, paras: list[tuple[int, int]]) -> list[Quotation]:
    """Every quotation, curly quotes running on over paragraphs, straight ones within one."""
    found: list[Quotation] = []
    current: Quotation | None = None
    for para_start, para_end in paras:
        segment_start = para_start if current is not None else None
        if current is not None and text[para_start] == "“":
            segment_start = para_start + 1  # the usual re-opening mark of a continued quote
        position = segment_start or para_start
        for index in range(position, para_end):
            char = text[index]
            if char == "“" and current is None:
                current, segment_start = Quotation([]), index + 1
            elif char == "”" and current is not None:
                current.segments.append((segment_start, index))
                found.append(current)
                current, segment_start = None, None
        if current is not None:
            current.segments.append((segment_start, para_end))
        straight = [i for i in range(para_start, para_end) if text[i] == '"']
        for open_at, close_at in zip(straight[::2], straight[1::2], strict=False):
            found.append(Quotation([(open_at + 1, close_at)]))
    if current is not None and current.segments:
        found.append(current)
    return sorted(found, key=lambda q: q.start)


# -- sources -------------------------------------------------------------------------------

PREPOSITIONS = {
    "in",
    "of",
    "for",
    "at",
    "from",
    "with",
    "on",
    "near",
    "to",
    "by",
    "about",
    "against",
    "into",
    "between",
    "under",
    "over",
    "across",
    "through",
    "via",
}
LEADING = re.compile(
    r"^(?:(?:In turn|However|Meanwhile|Still|Moreover|Also|But|And|Yet|Then|Previously|"
    r"Instead|Therefore|On the other hand|For (?:its|his|her|their) part|In addition|"
    r"Speaking to [A-Z][\w ]+?|In an? [\w ]+? with [\w ]+?|As [\w ]+ sees it|"
    r"(?:In|On|Since|By|During|After|Before|Until) [^,]{1,40}),\s+)+"
)
TRAILING = re.compile(
    r"(?:\s+(?:also|then|previously|recently|later|has|have|had|was|were|is|are|did|does|do|"
    r"not|already|further|again|repeatedly|publicly|earlier|officially))+\s*$"
)


def find_names(text: str, offset: int) -> list[Span]:
    """Capitalised name sequences in ``text`` (not function words, not after a preposition)."""
    names = []
    for match in NAME.finditer(text):
        tokens = list(re.finditer(NAME_TOKEN, match.group(0)))
        while tokens and (
            tokens[0].group(0) in NAME_STOP
            or tokens[0].group(0).islower()
            or tokens[0].group(0).lower().rstrip("s") in ROLE_NOUNS
        ):
            tokens.pop(0)
        while tokens and tokens[-1].group(0).islower():
            tokens.pop()
        if not tokens:
            continue
        start = match.start() + tokens[0].start()
        end = match.start() + tokens[-1].end()
        before = text[:start].split()
        if before and before[-1].lower() in PREPOSITIONS:
            continue  # "a member of a faction in Nawa": Nawa is a place, not the speaker
        names.append(Span(offset + start, offset + end, text[start:end]))
    return names


@dataclass
class _Speaker:
    name: str
    entity: str | None
    context: str
    anonymous: bool
    span: Span


class _Resolver:
    """Remembers who has spoken, to resolve "he", "Abazeid" or "the researcher" later."""

    def __init__(self, directory: Directory):
        self.directory = directory
        self.speakers: list[_Speaker] = []
        self.full_names: dict[str, str] = {}

    def remember_names(self, names: Iterable[Span]) -> None:
        for name in names:
            parts = name.text.split()
            if len(parts) >= 2:
                for key in (parts[-1].lower(), parts[-1].lower().removeprefix("al-")):
                    self.full_names[key] = name.text  # the latest mention wins

    def last(self, keep=lambda s: True) -> _Speaker | None:
        for speaker in reversed(self.speakers):
            if keep(speaker):
                return speaker
        return None

    def resolve(self, region: Span, context: str = "") -> tuple[Span | None, _Speaker | None]:
        """The source span in an attribution region, and who it is."""
        raw = region.text
        lead = LEADING.match(raw)
        cut = lead.end() if lead else 0
        body = TRAILING.sub("", raw[cut:]).strip().strip(",;:").strip()
        if not body:
            return None, None
        start = region.start + raw.index(body, cut)
        chunk_text, chunk_start = self._subject_chunk(body, start)
        words = chunk_text.split()
        if chunk_text.lower() in NOT_SOURCES:
            return None, None  # "few believe ...": a generalisation, not a source
        known = self.directory.entity(chunk_text)
        if known is not None:
            span = Span(chunk_start, chunk_start + len(chunk_text), chunk_text)
            speaker = _Speaker(chunk_text, known, f"{chunk_text} {context}", False, span)
            self.speakers.append(speaker)
            return span, speaker
        if words[0] in PRONOUNS and len(words) <= 2:
            span = Span(chunk_start, chunk_start + len(words[0]), words[0])
            return span, self.last(
                lambda s: words[0].lower() != "they" or s.anonymous
            ) or self.last()
        role = re.match(
            r"(?:[Tt]he|[Tt]his|[Tt]hat)\s+((?:[a-z][\w-]*\s+){0,3}?("
            + "|".join(ROLE_NOUNS)
            + r"))\b",
            chunk_text,
        )
        if role and len(chunk_text.split()) <= 5 and not find_names(chunk_text[role.end() :], 0):
            span = Span(chunk_start, chunk_start + role.end(), chunk_text[: role.end()])
            noun = role.group(2)
            speaker = self.last(lambda s: noun in s.context.lower()) or self.last()
            return span, speaker
        entity = None
        names = find_names(chunk_text, chunk_start)
        description = not names or _is_description(chunk_text, names[-1], chunk_start)
        if description:
            span = Span(chunk_start, chunk_start + len(chunk_text), chunk_text)
            entity = entity or self.directory.describe(chunk_text)
            speaker = _Speaker(
                chunk_text, entity, f"{chunk_text} {context}", anonymous=entity is None, span=span
            )
            self.speakers.append(speaker)
            return span, speaker
        name = names[-1]
        full = name.text
        if len(full.split()) == 1:
            full = (
                self.full_names.get(full.lower())
                or self.full_names.get(full.lower().removeprefix("al-"))
                or full
            )
        entity = (
            self.directory.entity(full)
            or self.directory.entity(name.text)
            or self.directory.describe(full)
        )
        if entity is None:
            previous = self.last(lambda s: s.name == full)
            entity = previous.entity if previous else None
        speaker = _Speaker(full, entity, f"{chunk_text} {context}", False, name)
        self.speakers.append(speaker)
        return name, speaker

    @staticmethod
    def _subject_chunk(body: str, start: int) -> tuple[str, int]:
        """The part of "X, a researcher at Y, ..." that names the subject."""
        chunks, offset = [], 0
        for piece in re.split(r"(,\s+)", body):
            if piece.startswith(","):
                offset += len(piece)
                continue
            chunks.append((piece, start + offset))
            offset += len(piece)
        for index, (chunk, chunk_start) in enumerate(chunks):
            first = chunk.split()[0] if chunk.split() else ""
            if first.lower() in PREPOSITIONS | {"who", "whose", "which", "where"}:
                continue
            if re.fullmatch(r"[\d\s]+|(?:[A-Z][a-z]+ )?\d{1,4}", chunk.strip()):
                continue  # the year of "On January 20, 2023, the organization claimed"
            if (
                re.match(r"(?:[Tt]he|[Aa]n?)\s+[a-z]", chunk)
                and index + 1 < len(chunks)
                and find_names(chunks[index + 1][0], 0)
            ):
                return chunks[index + 1]  # "The expert on jihadist groups, Abdullah al-Haj"
            return chunk, chunk_start
        return chunks[0]


def _is_description(chunk: str, name: Span, chunk_start: int) -> bool:
    """Whether the chunk describes a source rather than naming it: "UN experts",
    "Daraa activists", "a former opposition commander"."""
    after = chunk[name.end - chunk_start :].split()
    if after and after[0].islower() and after[0].lower() not in PREPOSITIONS:
        return True  # a name used as an adjective: "Daraa activists"
    before = chunk[: name.start - chunk_start].split()
    return bool(before) and before[0].lower() in {
        "a",
        "an",
        "one",
        "some",
        "several",
        "two",
        "three",
        "many",
    }


# -- attribution ---------------------------------------------------------------------------

NOT_SOURCES = {
    "few",
    "many",
    "some",
    "others",
    "nobody",
    "no one",
    "everyone",
    "people",
    "most",
    "all",
    "none",
    "anyone",
    "someone",
    "it",
    "this",
    "that",
    "there",
}
PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+$")


def _cues(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> list[re.Match]:
    """Speech cues between start and end, outside quotations and not passive."""
    found = []
    for match in CUE.finditer(text, start, end):
        if _inside(match.start(), quotes) or PASSIVE.search(
            text[max(start, match.start() - 12) : match.start()]
        ):
            continue
        found.append(match)
    return found


def _inside(position: int, quotes) -> bool:
    return any(s <= position < e for s, e in quotes)


def _told(text: str, cue_end: int, limit: int) -> tuple[int, str | None]:
    """After "told", the outlet's name: returns the end of the cue and the name."""
    match = re.match(
        r"\s+((?:The |the )?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,3})", text[cue_end:limit]
    )
    if match:
        return cue_end + match.end(), match.group(1)
    return cue_end, None


class Extractor:
    def __init__(self, directory: Directory | None = None):
        self.directory = directory or Directory()

    def extract(self, text: str) -> list[Proposal]:
        paras = paragraphs(text)
        lines = [text[s:e] for s, e in paras]
        counts: dict[str, int] = {}
        for line in lines:
            counts[line] = counts.get(line, 0) + 1
        body = [
            (s, e)
            for (s, e), line in zip(paras, lines, strict=True)
            if not is_furniture(line, counts[line] > 1) and not _is_pull_quote(text, line)
        ]
        quotes = [q for q in quotations(text, body) if q.words(text) >= 5]
        segments = [seg for q in quotes for seg in q.segments]
        resolver = _Resolver(self.directory)
        proposals: list[Proposal] = []
        attributed: dict[int, tuple] = {}  # quotation index -> (source, cue, speaker, told)
        previous_quote: tuple | None = None
        for para_start, para_end in body:
            resolver.remember_names(find_names(text[para_start:para_end], para_start))
            para_quotes = [
                (i, q) for i, q in enumerate(quotes) if q.start < para_end and q.end > para_start
            ]
            para_speaker = None
            for s_start, s_end in sentences(text, para_start, para_end):
                covered = sum(
                    min(e, s_end) - max(s, s_start)
                    for s, e in segments
                    if s < s_end and e > s_start
                )
                if covered:
                    continue  # a sentence holding a quotation: handled below, with it
                found = self._indirect_sentence(text, s_start, s_end, segments, resolver)
                if found is None and para_speaker is not None:
                    found = self._continuation(text, s_start, s_end, para_speaker)
                if found is not None:
                    proposals.append(found)
                    if found.speaker_name and found.source is not None:
                        para_speaker = found
            for index, quote in para_quotes:
                if index not in attributed:
                    attributed[index] = self._attribute_quote(
                        text,
                        quote,
                        quotes,
                        para_start,
                        para_end,
                        segments,
                        resolver,
                        previous_quote,
                    )
                source, cue, speaker, told = attributed[index]
                if source is None and _only_quote(text, para_start, para_end):
                    continue  # an unattributed quotation standing alone: layout, not a claim
                if source is not None:
                    previous_quote = attributed[index]
                for seg in quote.segments:
                    if not para_start <= seg[0] <= para_end:
                        continue
                    for q_start, q_end in sentences(text, *seg) or [seg]:
                        proposals.append(
                            self._proposal(
                                text,
                                (q_start, q_end),
                                source,
                                cue,
                                speaker,
                                told,
                                _anonymity(text, para_start, para_end),
                                "direct",
                            )
                        )
        proposals.sort(key=lambda p: p.content.start)
        return _dedupe(proposals)

    def _attribute_quote(
        self, text, quote, quotes, para_start, para_end, segments, resolver, previous_quote
    ):
        """Who speaks a quotation: a cue after it, else before it, else the last speaker."""
        first_para_start = text.rfind("\n", 0, quote.start) + 1
        last_para_end = text.find("\n", quote.end)
        last_para_end = len(text) if last_para_end == -1 else last_para_end
        following = [q.start for q in quotes if q.start > quote.end]
        right_end = min([last_para_end, *following])
        sentence_end = re.search(r"[.!?](?=\s|$)", text[quote.end : right_end])
        right_end = quote.end + sentence_end.end() if sentence_end else right_end
        preceding = [q.end for q in quotes if q.end < quote.start]
        left_start = max([first_para_start, *(p + 1 for p in preceding)])
        left_sentence = max(
            text.rfind(". ", left_start, quote.start), text.rfind("? ", left_start, quote.start)
        )
        left_start = left_sentence + 2 if left_sentence != -1 else left_start
        sides = [(quote.end, right_end, "after"), (left_start, quote.start, "before")]
        if re.search(
            "(?:" + CUE.pattern + r")(?:\s+[A-Z][\w ]{0,40})?\s*[:,]?\s*[“\"]?$",
            text[left_start : quote.start],
        ):
            sides.reverse()  # "X said: “...”": the speaker is named before the quote
        for lo, hi, side in sides:
            cues = _cues(text, lo, hi, segments)
            if not cues:
                continue
            cue = cues[0] if side == "after" else cues[-1]
            cue_end, told = cue.end(), None
            if cue.group(0) in ("told", "tells"):
                cue_end, told = _told(text, cue_end, hi)
            cue_span = Span(cue.start(), cue_end, text[cue.start() : cue_end])
            if side == "after":
                region_text = text[lo : cue.start()].lstrip(',.”"’ ')
                if not region_text.strip():  # "..." said Tamimi
                    after = re.match(r"\s*([^,.;“\"]+)", text[cue_end:hi])
                    region_start = cue_end + (after.start(1) if after else 0)
                    region_text = after.group(1) if after else ""
                else:
                    region_start = text.index(region_text, lo)
            else:
                region_start = lo
                region_text = text[lo : cue.start()]
                if not region_text.strip():
                    continue
            region = Span(region_start, region_start + len(region_text), region_text)
            source, speaker = resolver.resolve(region, text[para_start:para_end])
            if source is not None:
                return source, cue_span, speaker, told
        if previous_quote is not None:
            return previous_quote
        return None, None, None, None

    def _indirect_sentence(self, text, start, end, segments, resolver) -> Proposal | None:
        sentence = text[start:end]
        reason = _anonymity(text, start, end)
        according = next(
            (m for m in ACCORDING.finditer(text, start, end) if not _inside(m.start(), segments)),
            None,
        )
        cues = _cues(text, start, end, segments)
        cue = cues[0] if cues else None
        if according and (cue is None or according.start() <= cue.start()):
            return self._according(text, start, end, according, resolver, reason)
        if cue is None:
            return None
        cue_end, told = cue.end(), None
        if cue.group(0) in ("told", "tells"):
            cue_end, told = _told(text, cue_end, end)
        cue_span = Span(cue.start(), cue_end, text[cue.start() : cue_end])
        after = text[cue_end:end].strip(" .,")
        commas = [m.start() for m in re.finditer(r",\s", text[start : cue.start()])]
        participle = re.match(r"\s*,\s*[a-z]+ing\b", text[cue_end:end])
        short_after = len(after.split()) <= 5 or (
            len(after.split()) <= 10
            and re.match(r"\s*[A-Z]|\s*(?:in|on|at|from|during)\b", text[cue_end:end]) is not None
        )
        tail = (
            commas
            and (short_after or participle)
            and not re.match(r"\s*(?:that\b|,\s*(?!\w+ing\b))", text[cue_end:end])
        )
        if tail:  # "CONTENT, SOURCE said." / "CONTENT, said SOURCE." / "..., X, who ..., said."
            index = len(commas) - 1
            comma = start + commas[index]
            region_text = text[comma + 2 : cue.start()]
            inverted = (
                bool(after)
                and len(after.split()) <= 6
                and re.match(r"\s*[A-Z]", text[cue_end:end]) is not None
            )  # "..., said Tamimi."
            while index > 0 and (
                not region_text.strip()
                and not inverted
                or re.match(r"\s*(?:who|whose|which)\b", region_text)
            ):
                index -= 1
                comma = start + commas[index]
                region_text = text[comma + 2 : cue.start()]
            region = Span(comma + 2, cue.start(), region_text)
            if not region_text.strip():
                name = re.match(r"\s*([A-Z][^,.]*)", text[cue_end:end])
                if name is None or len(name.group(1).split()) > 6:
                    region = None
                else:
                    region = Span(cue_end + name.start(1), cue_end + name.end(1), name.group(1))
            if region is not None and re.match(r"\s*(?:who|whose|which)\b", region.text):
                region = None  # only a relative clause before the cue: not this construction
            if region is not None and len(region.text.split()) <= 25:
                source, speaker = resolver.resolve(region, sentence)
                content_start, content_end = _strip(text, start, comma)
                if source is not None and content_end - content_start >= 15:
                    return self._proposal(
                        text,
                        (content_start, content_end),
                        source,
                        cue_span,
                        speaker,
                        told,
                        reason,
                        "indirect",
                    )
        # "SOURCE said (that) CONTENT."
        start = max([start, *(e + 1 for s, e in segments if start <= e <= cue.start())])
        region = Span(start, cue.start(), text[start : cue.start()])
        if not region.text.strip() or len(region.text.split()) > 25:
            return None
        rest = text[cue_end:end]
        that = re.search(r"\bthat\b", rest[:80])
        content_start = (
            cue_end + that.end() if that else cue_end + (len(rest) - len(rest.lstrip(" ,:")))
        )
        content_start, content_end = _strip(text, content_start, end)
        while content_end > content_start and text[content_end - 1] in ".":
            content_end -= 1
        if content_end - content_start < 15:
            return None
        source, speaker = resolver.resolve(region, sentence)
        if source is None:
            return None
        return self._proposal(
            text, (content_start, content_end), source, cue_span, speaker, told, reason, "indirect"
        )

    def _according(self, text, start, end, match, resolver, reason) -> Proposal | None:
        cue_span = Span(match.start(), match.end(), match.group(0))
        if match.start() - start < 12:  # "According to X, CONTENT." / "This is according to X"
            comma = text.find(",", match.end(), end)
            stop = comma if comma != -1 else end
            because = re.search(r"\s(?:because|that|as)\s", text[match.end() : end])
            if because and match.end() + because.start() < stop:
                stop = match.end() + because.start()
            region = Span(match.end(), stop, text[match.end() : stop])
            content_start, content_end = _strip(text, stop + 1, end)
        else:  # "CONTENT, according to X."
            stop = re.search(r"[,;]\s|[.]$", text[match.end() : end])
            region_end = match.end() + (stop.start() if stop else end - match.end())
            region = Span(match.end(), region_end, text[match.end() : region_end])
            comma = text.rfind(",", start, match.start())
            content_start, content_end = _strip(
                text, start, comma if comma != -1 else match.start()
            )
        if content_end - content_start < 15:
            return None
        source, speaker = resolver.resolve(region, text[start:end])
        return self._proposal(
            text, (content_start, content_end), source, cue_span, speaker, None, reason, "indirect"
        )

    def _continuation(self, text, start, end, previous: Proposal) -> Proposal | None:
        """A sentence with no cue, in a paragraph whose earlier sentence named a speaker."""
        if end - start < 40:
            return None
        return replace(previous, content=Span(start, end, text[start:end]), cue=None, source=None)

    def _proposal(self, text, span, source, cue, speaker, told, reason, mode) -> Proposal:
        start, end = _strip(text, *span)
        while end > start and text[end - 1] in ",;:":
            end -= 1
        return Proposal(
            content=Span(start, end, text[start:end]),
            source=source,
            cue=cue,
            speaker_entity=speaker.entity if speaker else None,
            speaker_name=speaker.name if speaker else None,
            told=self.directory.outlet(told) if told else None,
            anonymity_reason=reason,
            mode=mode,
            anonymous=bool(speaker and speaker.anonymous),
        )


def _anonymity(text: str, start: int, end: int) -> str | None:
    match = ANONYMITY.search(text, start, end)
    return match.group(0).strip() if match else None


def _only_quote(text: str, start: int, end: int) -> bool:
    line = text[start:end].strip()
    return line[:1] in OPEN_QUOTES and line[-1:] in CLOSE_QUOTES


def _is_pull_quote(text: str, line: str) -> bool:
    """A paragraph that is only a quotation repeated from the body: page layout, not news."""
    stripped = line.strip()
    if not (stripped[:1] in OPEN_QUOTES and stripped[-1:] in CLOSE_QUOTES):
        return False
    inner = stripped[1:-1]
    return text.count(inner) > 1


def _dedupe(proposals: list[Proposal]) -> list[Proposal]:
    seen, result = set(), []
    for proposal in proposals:
        key = (proposal.content.start, proposal.content.end)
        if key in seen or proposal.content.end - proposal.content.start < 12:
            continue
        seen.add(key)
        result.append(proposal)
    return result


def extract(text: str, directory: Directory | None = None) -> list[Proposal]:
    """Proposed attributed claims in ``text``, in reading order."""
    return Extractor(directory).extract(text)


def words_per_second(text: str, repeat: int = 5) -> float:
    """Extraction speed on ``text``, best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        extract(text)
        best = min(best, time.perf_counter() - began)
    return len(text.split()) / best
