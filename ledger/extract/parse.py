"""Attributions in one parsed paragraph: a reporting verb, its subject and its complement.

The cue is a reporting verb (with its auxiliaries, negation and particle) or "according to";
the source is the verb's subject (the subject of the verb it hangs from for "..., adding that",
the noun a relative clause describes for "X, who said"); the content is the verb's clausal
complement, or its object for verbs like "denied" and "blamed", or, when the speaker
interrupts the sentence ("The convoy, she told reporters, was never stopped"), the sentence
around the interruption. A content that runs into a quotation takes the whole quotation.
Negated subjects ("No faction has claimed") and generic ones ("Analysts say") are no speakers.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import (
    ANONYMITY,
    CLAUSE_VERBS,
    GENERIC_PLURALS,
    LEMMA,
    NO_OBJECT,
    NOBODY,
    QUANTIFIERS,
    THOUGHT,
)

QUOTE_MARKS = "“”\"‘’'"
COMPLEMENTS = ("ccomp", "xcomp", "dobj", "prep", "oprd", "dative", "attr", "acomp", "advcl")
FRAME_DEPS = ("parataxis", "ccomp", "advcl", "conj")
AUTHOR = ("i", "we", "you")
"""Outside quotation marks, the writer and the reader: not sources of attributed claims."""
PARTICLE_PREPOSITIONS = ("to", "about", "on", "for", "of", "at", "against", "out")


@dataclass
class Found:
    """An attribution in character offsets of the article; the source as parsed tokens."""

    content: tuple[int, int]
    cue: tuple[int, int] | None
    source: object | None  # a spaCy Span: the source noun phrase
    lemma: str
    frame: tuple[int, int] | None = None
    quoted: bool = False  # the content is a quotation
    clausal: bool = True  # the content is a clause or quotation, not just an object
    follows: bool = False  # a quotation with no cue of its own: spoken by the last speaker


def lemma_of(token) -> str | None:
    """The reporting verb a token is a form of, or None."""
    if not token.tag_.startswith("VB"):
        return None
    return LEMMA.get(token.lower_)


class ParagraphParse:
    """Finds the attributions of one paragraph (a spaCy Doc starting at ``offset``)."""

    def __init__(self, doc, offset: int, quotes: list[tuple[int, int]]):
        self.doc = doc
        self.offset = offset
        self.quotes = [(s - offset, e - offset) for s, e in quotes]  # paragraph offsets
        self.taken: list[tuple[int, int]] = []
        self.particle: int | None = None  # a preposition that belongs to the cue
        self.clausal = True

    # -- spans ---------------------------------------------------------------------------

    def chars(self, left: int, right: int) -> tuple[int, int] | None:
        """Character span of tokens left..right inclusive, without punctuation at the ends."""
        doc = self.doc
        while left <= right and (doc[left].is_punct or doc[left].is_space):
            left += 1
        while right >= left and (doc[right].is_punct or doc[right].is_space):
            right -= 1
        if left > right:
            return None
        return doc[left].idx, doc[right].idx + len(doc[right])

    def in_quote(self, position: int) -> tuple[int, int] | None:
        for start, end in self.quotes:
            if start <= position < end:
                return start, end
        return None

    def is_taken(self, position: int) -> bool:
        return any(start <= position < end for start, end in self.taken)

    # -- the three parts -----------------------------------------------------------------

    def find(self) -> list[Found]:
        cues = [t for t in self.doc if lemma_of(t) or _according(t)]
        cues.sort(key=_depth)
        found = []
        for cue in cues:
            if self.in_quote(cue.idx) or self.is_taken(cue.idx):
                continue
            result = self.according(cue) if _according(cue) else self.verb(cue)
            if result is not None:
                found.append(result)
                self.taken.append(result.content)
        found = [f for f in found if not _nested(f, found)]
        found.extend(self.unattributed_quotes(found))
        found.sort(key=lambda f: f.content[0])
        return [self.shift(f) for f in found]

    def shift(self, found: Found) -> Found:
        def move(span):
            return None if span is None else (span[0] + self.offset, span[1] + self.offset)

        found.content, found.cue, found.frame = (
            move(found.content),
            move(found.cue),
            move(found.frame),
        )
        return found

    def verb(self, verb) -> Found | None:
        lemma = lemma_of(verb)
        self.particle = None
        self.clausal = True
        subject = self.subject(verb)
        if subject is False:
            return None  # nobody in particular: not an attribution
        content, frame = self.content(verb, lemma)
        if content is None:
            content = self.adjacent_quote(verb)
            if content is None:
                return None
        if subject is None and (
            verb.dep_ in ("amod", "compound", "nmod") or lemma in THOUGHT or _participle(verb)
        ):
            return None
        cue = self.cue(verb)
        if frame is None and cue[0] >= content[0] and cue[1] <= content[1]:
            return None
        if ANONYMITY.search(self.doc.text[cue[0] : content[1]]):
            return None  # "who asked not to be named": why the source is anonymous
        content = self.widen_to_quotes(content, cue)
        if not _substantial(self.doc.text[content[0] : content[1]]):
            return None
        quoted = self.quoted(content)
        return Found(
            content,
            cue,
            subject,
            lemma,
            frame=frame,
            quoted=quoted,
            clausal=self.clausal or quoted,
        )

    def according(self, token) -> Found | None:
        """ "According to X, CONTENT" and "CONTENT, according to X"."""
        to = next((c for c in token.children if c.lower_ == "to"), None)
        if to is None:
            return None
        objects = [c for c in to.children if c.dep_ == "pobj"]
        if not objects:
            return None
        source = self.noun_phrase(objects[0])
        head = token.head
        while head.dep_ not in ("ROOT",) and head.head is not head and head.tag_.startswith("N"):
            head = head.head
        sentence = token.sent
        left, right = head.left_edge.i, head.right_edge.i
        left, right = max(left, sentence.start), min(right, sentence.end - 1)
        lo, hi = token.left_edge.i, token.right_edge.i
        if lo - left > right - hi:  # "CONTENT, according to X."
            content = self.chars(left, lo - 1)
        else:  # "According to X, CONTENT."
            content = self.chars(hi + 1, right)
        if content is None or not _substantial(self.doc.text[content[0] : content[1]]):
            return None
        cue = (token.idx, to.idx + len(to))
        content = self.widen_to_quotes(content, cue)
        return Found(content, cue, source, "according", quoted=self.quoted(content))

    def subject(self, verb):
        """The source noun phrase; None when there is none; False for nobody in particular."""
        token = verb
        for _ in range(4):
            subjects = [c for c in token.children if c.dep_ in ("nsubj", "expl")]
            if subjects:
                subject = subjects[0]
                if subject.dep_ == "expl" or subject.lower_ == "there":
                    return None  # "It is believed that ...": nobody named
                if subject.lower_ in ("this", "that"):
                    return False
                if subject.lower_ in ("who", "which", "that") and token.dep_ == "relcl":
                    return self.noun_phrase(token.head)
                if _nobody(subject) or _generic(subject, verb) or subject.lower_ in AUTHOR:
                    return False
                return self.noun_phrase(subject)
            passive = [c for c in token.children if c.dep_ in ("nsubjpass", "auxpass")]
            if passive:
                agents = [c for c in token.children if c.dep_ == "agent"]
                objects = [o for a in agents for o in a.children if o.dep_ == "pobj"]
                if objects:
                    return self.noun_phrase(objects[0])
                # "was attacked" by nobody named is an event; "was announced", a report
                return None if lemma_of(verb) in CLAUSE_VERBS else False
            if token.dep_ == "relcl" or (
                token.dep_ == "acl" and token.tag_ == "VBG" and token.head.tag_.startswith("N")
            ):
                return self.noun_phrase(token.head)  # "X, who said", "a statement saying"
            if token.dep_ in ("conj", "advcl", "xcomp") and token.head is not token:
                token = token.head
                continue
            return None
        return None

    def noun_phrase(self, head):
        """The noun phrase headed by ``head``, without appositions or relative clauses."""
        doc = self.doc
        left = head.left_edge.i
        right = head.i
        for child in head.rights:
            if child.dep_ in ("appos", "relcl", "acl", "punct", "cc", "conj", "advcl"):
                break
            right = child.right_edge.i
        for index in range(head.i + 1, right + 1):
            if doc[index].text in ",;(—–":
                right = index - 1
                break
        while left < head.i and (doc[left].is_punct or doc[left].dep_ in ("cc", "preconj")):
            left += 1
        for index in range(head.i - 1, left - 1, -1):
            if doc[index].text in ",;)—–":
                left = index + 1
                break
        return doc[left : right + 1]

    def content(self, verb, lemma):
        """The content span (paragraph offsets) and the interrupting frame, if any."""
        doc = self.doc
        children = list(verb.children)
        clauses = [c for c in children if c.dep_ == "ccomp"]
        if not clauses:
            clauses = [c for c in children if c.dep_ == "xcomp" and c.i > verb.i]
        if not clauses and lemma not in NO_OBJECT:
            complements = [
                c
                for c in verb.rights
                if c.dep_ in COMPLEMENTS and c.dep_ != "advcl" and not _is_time(c)
            ]
            if complements:
                first = complements[0]
                left = first.left_edge.i
                if first.dep_ == "prep" and first.lower_ not in PARTICLE_PREPOSITIONS:
                    return None, None  # "speaking after the funeral": a circumstance
                if first.dep_ == "prep":
                    # "called for X", "pointed to X": the preposition is part of the cue
                    objects = [c for c in first.children if c.dep_ in ("pobj", "pcomp")]
                    if not objects:
                        return None, None
                    self.particle = first.i
                    left = objects[0].left_edge.i
                right = complements[-1].right_edge.i
                for child in verb.rights:  # "..., facilitating their passage"
                    if child.dep_ == "advcl" and child.tag_ == "VBG" and child.i > right:
                        right = child.right_edge.i
                self.clausal = any(t.tag_.startswith("VB") for t in doc[left : right + 1])
                return self.chars(left, right), None
        if clauses:
            side = [c for c in clauses if (c.i > verb.i) == (clauses[0].i > verb.i)]
            left = min(c.left_edge.i for c in side)
            right = max(c.right_edge.i for c in side)
            for child in verb.rights:  # "said X, but Y": a second clause of the same report
                if (
                    child.dep_ == "conj"
                    and child.i > right
                    and not lemma_of(child)
                    and any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in child.children)
                ):
                    right = child.right_edge.i
            return self.chars(left, right), None
        if verb.dep_ in FRAME_DEPS and verb.head.i != verb.i and lemma in CLAUSE_VERBS:
            return self.around(verb)
        return self.before_tail(verb), None

    def before_tail(self, verb) -> tuple[int, int] | None:
        """ "CONTENT, Abazeid said." when the parser lost the clause: the words before the comma
        that precedes the speaker, if the report ends the sentence."""
        sentence = verb.sent
        after = [t for t in sentence if t.i > verb.i and not t.is_punct]
        subject = [c for c in verb.lefts if c.dep_ == "nsubj"]
        if after or not subject:
            return None
        comma = subject[0].left_edge.i - 1
        if comma <= sentence.start or self.doc[comma].text != ",":
            return None
        return self.chars(sentence.start, comma - 1)

    def around(self, verb):
        """The sentence around an interrupting or trailing attribution."""
        head = verb.head
        if lemma_of(head):
            return None, None
        sentence = verb.sent
        left = max(head.left_edge.i, sentence.start)
        right = min(head.right_edge.i, sentence.end - 1)
        lo, hi = verb.left_edge.i, verb.right_edge.i
        if lo <= left and hi >= right:
            return None, None
        if lo > left and hi < right:
            before, after = self.chars(left, lo - 1), self.chars(hi + 1, right)
            if before is None or after is None:
                return before or after, None
            frame = (doc_idx(self.doc, lo), doc_end(self.doc, hi))
            return (before[0], after[1]), frame
        if lo > left:
            return self.chars(left, lo - 1), None
        return self.chars(hi + 1, right), None

    def adjacent_quote(self, verb) -> tuple[int, int] | None:
        """`he said: "..."` or `"..." he said` parsed as two sentences: the quotation beside."""
        doc = self.doc
        lo, hi = verb.left_edge.i, verb.right_edge.i
        text = doc.text
        after = doc[hi].idx + len(doc[hi])
        rest = text[after:].lstrip(" :,—–")
        if rest[:1] in '“"':
            begin = len(text) - len(rest)
            quote = self.in_quote(begin + 1)
            if quote:
                return quote
        before = text[: doc[lo].idx].rstrip(" ,—–")
        if before[-1:] in '”"':
            quote = self.in_quote(len(before) - 2)
            if quote:
                return quote
        return None

    def cue(self, verb) -> tuple[int, int]:
        """The verb with its auxiliaries, negation and particle."""
        parts = [verb.i] if self.particle is None else [verb.i, self.particle]
        for child in verb.children:
            if child.dep_ in ("aux", "auxpass", "neg", "prt") and abs(child.i - verb.i) <= 3:
                parts.append(child.i)
        left, right = min(parts), max(parts)
        return doc_idx(self.doc, left), doc_end(self.doc, right)

    def widen_to_quotes(self, content, cue):
        """A content that runs into a quotation takes all of it (as far as the paragraph)."""
        start, end = content
        for q_start, q_end in self.quotes:
            if q_start < end and q_end > start and not (cue[0] >= q_start and cue[1] <= q_end):
                if cue[1] <= start and q_start < cue[0]:
                    continue  # the quotation began before the cue: not this content's
                if cue[0] >= end and q_end > cue[1]:
                    continue
                start, end = min(start, q_start), max(end, q_end)
        while end > start and self.doc.text[end - 1] in " ,.;:":
            end -= 1
        return start, end

    def quoted(self, content) -> bool:
        start, end = content
        inside = sum(
            min(end, q_end) - max(start, q_start)
            for q_start, q_end in self.quotes
            if q_start < end and q_end > start
        )
        return inside >= 0.5 * (end - start)

    def unattributed_quotes(self, found: list[Found]) -> list[Found]:
        """Quotations no cue claimed: spoken by the last speaker, if any (decided later)."""
        extra = []
        for q_start, q_end in self.quotes:
            if any(f.content[0] < q_end and f.content[1] > q_start for f in found):
                continue
            span = (q_start, q_end)
            text = self.doc.text[q_start:q_end]
            stripped = text.strip(" ,.;:")
            if len(stripped.split()) < 5:
                continue
            lead = len(text) - len(text.lstrip(" "))
            span = (q_start + lead, q_start + lead + len(stripped))
            extra.append(Found(span, None, None, "", quoted=True, follows=True))
        return extra


def _nested(inner: Found, found: list[Found]) -> bool:
    """An attribution reported inside another's content: the outer one is the claim."""
    return any(
        outer is not inner
        and outer.content[0] <= inner.content[0]
        and inner.content[1] <= outer.content[1]
        and inner.cue is not None
        and outer.content[0] <= inner.cue[0] < outer.content[1]
        for outer in found
    )


def doc_idx(doc, index: int) -> int:
    return doc[index].idx


def doc_end(doc, index: int) -> int:
    return doc[index].idx + len(doc[index])


def _depth(token) -> int:
    depth = 0
    while token.head is not token and depth < 50:
        token, depth = token.head, depth + 1
    return depth


def _according(token) -> bool:
    return (
        token.lower_ == "according"
        and token.i + 1 < len(token.doc)
        and (token.doc[token.i + 1].lower_ == "to")
    )


def _nobody(subject) -> bool:
    if subject.lower_ in NOBODY or subject.lower_ in QUANTIFIERS:
        return True
    return any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in subject.children)


def _generic(subject, verb) -> bool:
    """A bare plural with a present-tense cue: "Analysts say ..." states a commonplace."""
    if subject.lower_ not in GENERIC_PLURALS or verb.tag_ != "VBP":
        return False
    return not any(c.dep_ in ("det", "poss", "amod", "compound", "nummod") for c in subject.lefts)


def _substantial(content: str) -> bool:
    """Two words at least: "the militia" is a content, "it" or "so" is not."""
    return len(content.split()) >= 2 and len(content) >= 8


def _participle(verb) -> bool:
    """ "photos published by ...", "compared to": a participle, not a finite report."""
    return verb.tag_ == "VBN" and not any(c.dep_ in ("aux", "auxpass") for c in verb.children)


def _is_time(token) -> bool:
    return token.dep_ in ("npadvmod",) or (token.ent_type_ in ("DATE", "TIME"))
