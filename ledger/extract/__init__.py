"""Drafting attributed claims from a news article with an English parser.

For each quote or reported assertion the extractor proposes three spans of the article — the
**source** (a name, a pronoun, or a description such as "a former opposition commander"), the
**cue** ("told Syria Direct", "said", "according to") and the **content** — plus, where it can,
the entity the source resolves to, its kind and title, the outlet the speaker told and the
stated reason for anonymity. Offsets are code points into the text as Python reads it, end
exclusive.

How it reads a text, in order (one module each):

1. ``layout``: paragraphs are lines; page furniture, pull quotes and datelines are left out;
   quotations are paired quotation marks, running on over paragraphs.
2. ``parse``: each paragraph is parsed (spaCy's small English pipeline, ``ledger.extract.nlp``); a
   reporting verb's subject is the source, its clausal complement (or object) the content.
3. ``speakers``: sources are resolved in reading order: a pronoun, "the ministry" or "the
   researcher" to the last fitting speaker or name, a surname to the full name, names and
   aliases to known entities; titles are kept apart as the speaker's role.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from .layout import body, quotations
from .lexicon import CLAUSE_VERBS
from .nlp import pipeline
from .parse import Found, ParagraphParse
from .speakers import Directory, Resolver, Speaker

__all__ = ["Directory", "Extractor", "Proposal", "Span", "extract", "words_per_second"]

SKIPPED_PIPES = ("lemmatizer", "attribute_ruler", "ner")
"""Pipes not run on every paragraph: the lexicon knows its verbs' forms, NER runs on demand."""


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
    speaker_kind: str | None = None  # person, organization, government-body, ... anonymous
    speaker_role: str | None = None  # the title printed with the name: "Colonel", "Dr."
    speaker_description: str | None = None  # as introduced: "a nurse at the clinic"
    speaker_plural: bool = False  # "two engineers", "residents"
    told: str | None = None
    anonymity_reason: str | None = None
    mode: str = "indirect"  # direct (a quotation) or indirect
    anonymous: bool = False
    verb: str | None = None  # the reporting verb's lemma: "say", "deny", "accord"
    frame: Span | None = None  # an attribution interrupting the content
    clausal: bool = True  # a clause or quotation; False for an object ("blamed the militia")
    also_said_by: list[str] = field(default_factory=list)  # known entities who said it too
    also_said_by_names: list[str] = field(default_factory=list)  # their names, in that order

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("content", "source", "cue", "frame"):
            if data[key] is not None:
                data[key] = dict(data[key])
        return data

    def pieces(self) -> list[Span]:
        """The content without an interrupting attribution ("The convoy, she said, was ...")."""
        if self.frame is None:
            return [self.content]
        text = self.content.text
        offset = self.content.start
        before = text[: self.frame.start - offset].rstrip(" ,—–")
        after_at = self.frame.end - offset
        after = text[after_at:]
        skip = len(after) - len(after.lstrip(" ,—–"))
        return [
            Span(offset, offset + len(before), before),
            Span(offset + after_at + skip, self.content.end, after[skip:]),
        ]


class Extractor:
    def __init__(self, directory: Directory | None = None):
        self.directory = directory or Directory()
        self.nlp = pipeline()

    def extract(self, text: str) -> list[Proposal]:
        paras = body(text)
        quotes = quotations(text, paras)
        segments = [segment for q in quotes for segment in q.segments]
        resolver = Resolver(self.directory)
        proposals: list[Proposal] = []
        with self.nlp.select_pipes(disable=list(SKIPPED_PIPES)):
            docs = self.nlp.pipe(text[p.start : p.end] for p in paras)
            parsed = list(zip(paras, docs, strict=True))
        found_by_para = [
            ParagraphParse(doc, para.start, _inside(segments, para)).find() for para, doc in parsed
        ]
        # The recogniser runs, batched, only where a source has a proper noun to classify.
        named = [
            i
            for i, found in enumerate(found_by_para)
            if any(f.source is not None and _has_name(f.source) for f in found)
        ]
        ner = self.nlp.get_pipe("ner")
        for i, doc in zip(named, ner.pipe(parsed[i][1] for i in named), strict=True):
            parsed[i] = (parsed[i][0], doc)
        last: tuple[int, Speaker, Proposal] | None = None  # where the last speaker spoke
        for index, ((para, doc), found) in enumerate(zip(parsed, found_by_para, strict=True)):
            resolver.read(doc)
            spoken: list[tuple[Found, Speaker, Proposal]] = []
            unresolved: Proposal | None = None  # a report of this paragraph with no speaker
            for item in found:
                if item.follows:
                    # A quotation without a cue: the last speaker's, if just before, named
                    # where that speaker was; or, in the paragraph of a speaker left
                    # unresolved ("he said"), that report's source.
                    if unresolved is not None and (last is None or last[0] != index):
                        proposals.append(self.going_on(text, item, None, unresolved))
                    elif last is not None and index - last[0] <= 1:
                        proposals.append(self.going_on(text, item, last[1], last[2]))
                        if item.runs_on:  # one quotation over several paragraphs
                            last = (index, last[1], last[2])
                    continue
                source, speaker = resolver.resolve(item.source, para.start)
                told = resolver.told(doc, item, para.start)
                proposal = self.proposal(text, item, speaker, source, told)
                if item.echoed_by is not None:
                    _, echoing = resolver.resolve(item.echoed_by, para.start)
                    if echoing is not None and echoing.entity:
                        proposal.also_said_by.append(echoing.entity)
                        proposal.also_said_by_names.append(echoing.name)
                proposals.append(proposal)
                if speaker is None and source is not None:
                    unresolved = proposal
                if speaker is not None:
                    last = (index, speaker, proposal)
                    spoken.append((item, speaker, proposal))
            proposals.extend(self.continuations(text, doc, para.start, found, spoken))
        proposals.sort(key=lambda p: p.content.start)
        return _dedupe(proposals)

    def going_on(self, text, found: Found, speaker: Speaker, before: Proposal) -> Proposal:
        """A content with no cue of its own, said by the speaker of ``before``: its source
        and cue are the ones that introduced the speaker."""
        proposal = self.proposal(text, found, speaker, before.source, None)
        proposal.cue = before.cue
        return proposal

    def continuations(self, text, doc, offset, found, spoken) -> list[Proposal]:
        """Sentences with no cue after a named speaker's sentence in the same paragraph: only
        after words reported by a saying verb, not a stance ("endorsed X", "praised X")."""
        named = [
            (item, s, p)
            for item, s, p in spoken
            if s.kind != "anonymous"
            and not item.quoted
            and item.clausal
            and item.lemma in CLAUSE_VERBS
        ]
        if not named:
            return []
        first, speaker, introduced = named[0]
        result = []
        for sentence in doc.sents:
            start, end = sentence.start_char + offset, sentence.end_char + offset
            if start < first.content[1] or end - start < 40:
                continue
            if any(f.content[0] < end and f.content[1] > start for f in found):
                continue
            while end > start and text[end - 1] in ".;: ":
                end -= 1
            continued = Found((start, end), None, None, "")
            result.append(self.going_on(text, continued, speaker, introduced))
        return result

    def proposal(self, text, found: Found, speaker, source, told) -> Proposal:
        def span(pair):
            return None if pair is None else Span(pair[0], pair[1], text[pair[0] : pair[1]])

        others = [s for s in speaker.others if s.entity] if speaker else []
        cue = span(found.cue)
        if cue is not None and told is not None:
            cue = span((found.cue[0], told[1]))
        return Proposal(
            content=span(found.content),
            source=source,
            cue=cue,
            speaker_entity=speaker.entity if speaker else None,
            speaker_name=speaker.name if speaker else None,
            speaker_kind=speaker.kind if speaker else None,
            speaker_role=speaker.role if speaker else None,
            speaker_description=speaker.description if speaker else None,
            speaker_plural=bool(speaker and speaker.plural),
            told=self.directory.outlet(told[2]) if told else None,
            anonymity_reason=speaker.anonymity_reason if speaker else None,
            mode="direct" if found.quoted else "indirect",
            anonymous=bool(speaker and speaker.kind == "anonymous"),
            verb=found.lemma or None,
            frame=span(found.frame),
            clausal=found.clausal,
            also_said_by=[s.entity for s in others],
            also_said_by_names=[s.name for s in others],
        )


def _inside(segments: list[tuple[int, int]], para) -> list[tuple[int, int]]:
    return [(s, e) for s, e in segments if s < para.end and e > para.start]


def _has_name(phrase) -> bool:
    """Whether a source names someone, in the phrase or in apposition to it."""
    appositions = [t for c in phrase.root.children if c.dep_ == "appos" for t in c.subtree]
    return any(t.tag_ in ("NNP", "NNPS") for t in (*phrase, *appositions))


def _dedupe(proposals: list[Proposal]) -> list[Proposal]:
    seen, result = set(), []
    for proposal in proposals:
        key = (proposal.content.start, proposal.content.end)
        if key in seen or (len(proposal.content.text.split()) < 2 and proposal.clausal):
            continue
        seen.add(key)
        result.append(proposal)
    return result


def extract(text: str, directory: Directory | None = None) -> list[Proposal]:
    """Proposed attributed claims in ``text``, in reading order."""
    return Extractor(directory).extract(text)


def words_per_second(text: str, repeat: int = 5) -> float:
    """Extraction speed on ``text``, best of ``repeat`` runs."""
    extractor = Extractor()
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        extractor.extract(text)
        best = min(best, time.perf_counter() - began)
    return len(text.split()) / best
