"""Attributions in one parsed paragraph: a reporting verb, its subject and its complement.

The cue is a reporting verb (with its auxiliaries, negation and particle) or "according to";
the source is the verb's subject (the subject of the verb it hangs from for "..., adding that",
the noun a relative clause describes for "X, who said"); the content is the verb's clausal
complement, or its object for verbs like "denied" and "blamed", or, when the speaker
interrupts the sentence ("The convoy, she told reporters, was never stopped"), the sentence
around the interruption. A content that runs into a quotation takes the whole quotation.
Negated subjects ("No faction has claimed") and generic ones ("Analysts say") are no speakers.

Spans follow the conventions of PolNeAR's annotators: a content keeps its "that" or "to" but
not when or where it was said ("on Thursday", "spoke to reporters") nor a closing aside
(", who ..."); reports stand side by side ("attacked Trump, saying he ..." is two); "urged
voters to stay home" keeps who was urged; "continued to deny" and "expressed concern that"
are cues. A verb the lexicon does not know still reports its "that" clause, and a headline
"Name: words" quotes that name. Hedged statements nobody is quoted for ("The team appeared
paralyzed", "is expected to win", "is seen as") are contents without a source, the verb cut
out; so are statements passed on by "reportedly" or "allegedly", the adverb cut out. A report
made a noun ("her criticism of X", "the union's decision to strike") has what follows it as
content and its owner as source. "In a poll last month, X" is sourced like "according to"; a
speaker interrupting a quotation (`"Judge," he said, "I ..."`) has both halves as one content,
and "X, according to Y, is Z" both sides of the source. A report in a relative clause ("a law
which critics said was unfair") leaves its pronoun with the noun; any noun's "that" clause
("the feeling among farmers that ...") is a content; "see X as Y" has both as content; a
clause before a semicolon is no later verb's content; "continues to grow" reports nothing.
"I" and "we" are sources as PolNeAR counts them (a columnist's "I think ..."); they resolve
to a speaker only in a transcript's turn ("A: I think ..."), so a draft of the writer's own
view leaves the speaker to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import (
    ANONYMITY,
    CLAUSE_VERBS,
    ECHOING,
    FINDERS,
    FINDINGS,
    GENERIC_PLURALS,
    HEARSAY,
    HEDGES,
    INFERENCES,
    LEMMA,
    NO_OBJECT,
    NOBODY,
    NOMINAL_REPORTS,
    ORGANISATION_KIND,
    PASSIVE_HEDGES,
    QUANTIFIERS,
    QUESTIONS,
    RELAYING,
    THOUGHT,
)

QUOTE_MARKS = "“”\"‘’'"
COMPLEMENTS = ("ccomp", "xcomp", "dobj", "prep", "oprd", "dative", "attr", "acomp", "advcl")
FRAME_DEPS = ("parataxis", "ccomp", "advcl", "conj")
OURS = ("my", "our", "your")
"""Their possessives: "our decision to ..." is the writer's."""
MEDIUMS = frozenset("statement statements interview interviews tweet post letter speech".split())
"""What a report is made in: "in a statement" belongs with the cue, not the content."""
TEMPORAL_PREPOSITIONS = ("after", "during", "before", "throughout", "since", "amid", "following")
WEEKDAYS_AND_MONTHS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december""".split()
)
ADDRESSING = ("speak", "talk", "write", "post", "tweet", "comment")
"""Verbs whose "to", "at" or "with" names the audience or the place, not the content."""
NOT_SAYING = frozenset(
    """is was are were be been 's ’s seems seemed turns turned appears appeared happens
    happened means meant ensure ensured ensures""".split()
)
"""Verbs with a "that" clause that report nobody's words: "it seems that", "it is that"."""
HEADLINE_LINKS = ("to", "on", "of", "the", "for", "at", "and")
"""Small words a headline's speaker may have: "Obama to Asians Worried About ...:"."""
CHAINING = ("continue", "expect", "plan", "intend")
"""Verbs that hand their subject on to a reporting verb: "continued to deny"."""
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
    runs_on: bool = False  # a quotation going on from the paragraph before
    echoed_by: object | None = None  # a spaCy Span: who said it too ("..., which X echoed")
    verb: object | None = None  # the cue's verb token


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

    # -- the three parts -----------------------------------------------------------------

    def find(self) -> list[Found]:
        cues = [
            t
            for t in self.doc
            if lemma_of(t) or _according(t) or _that_verb(t) or _in_finding(t) or _puts_it(t)
        ]
        cues.sort(key=_depth)
        found = []
        for cue in cues:
            if self.in_quote(cue.idx):
                continue
            by_source = _according(cue) or _in_finding(cue)
            result = self.according(cue) if by_source else self.verb(cue)
            if result is not None:
                found.append(result)
        # "..., which X echoed" is X saying the same, kept with the first report
        echoes = {f.echoed_by.root.head.i for f in found if f.echoed_by is not None}
        found = self.flatten([f for f in found if f.verb is None or f.verb.i not in echoes])
        for token in self.doc:
            if _hedge(token):
                unsaid = self.hedge(token)
            elif token.lower_ in HEARSAY and token.dep_ == "advmod":
                unsaid = self.hearsay(token)
            elif token.tag_.startswith("NN") and (
                token.lower_ in NOMINAL_REPORTS or _that_complement(token) is not None
            ):
                unsaid = self.nominal(token)
            else:
                unsaid = None
            if unsaid is not None and not any(_touches(f, unsaid) for f in found):
                found.append(unsaid)  # a report by someone comes first
        headed = self.speaker_line()
        if headed is not None:
            found = [f for f in found if f.cue is None or f.cue[0] < headed.content[0]]
            found.append(headed)
        found.extend(self.unattributed_quotes(found))
        found.sort(key=lambda f: f.content[0])
        return [self.shift(f) for f in found]

    def speaker_line(self) -> Found | None:
        """ "Rubio: I still believe ..." in a headline or a transcript: a name, a colon and
        the rest of the paragraph, what that person said."""
        doc = self.doc
        colon = next((t for t in doc[:8] if t.text == ":"), None)
        if colon is None or colon.i == 0 or self.in_quote(colon.idx):
            return None
        prefix = doc[: colon.i]
        words = [t for t in prefix if t.is_alpha]
        if (
            not words
            or len(prefix.text) < 3
            or any(t.is_lower and t.lower_ not in HEADLINE_LINKS for t in words)
            or any(t.tag_.startswith("VB") or t.tag_ == "PRP" for t in prefix)
            or not any(t.tag_.startswith("NN") for t in prefix)
        ):
            return None  # "Editor's note:", "Q:", "Still to come:"
        content = self.chars(colon.i + 1, len(doc) - 1)
        if content is None or not _substantial(doc.text[content[0] : content[1]]):
            return None
        link = next((t.i for t in words if t.lower_ in HEADLINE_LINKS and t.i > 0), colon.i)
        return Found(
            content,
            (colon.idx, colon.idx + 1),
            doc[0:link],
            "say",
            quoted=self.quoted(content),
        )

    def flatten(self, found: list[Found]) -> list[Found]:
        """Reports side by side, as PolNeAR annotates them: a report that follows another in
        its sentence ("attacked Trump, saying he ...", "..., and 40 percent said ...") ends
        the first one's content where it begins; a report inside a content is part of it."""
        inside = set()
        for outer in found:
            for inner in found:
                start, end = outer.content
                if inner is outer or inner.cue is None or not start <= inner.cue[0] < end:
                    continue
                if _chained(inner, outer):
                    # "continued to refute the story": one cue, the inner verb's content
                    inner.cue = (min(outer.cue[0], inner.cue[0]), inner.cue[1])
                    inner.source = inner.source if inner.source is not None else outer.source
                    inside.add(id(outer))
                    break
                if not _beside(inner, outer):
                    if start <= inner.content[0] and inner.content[1] <= end:
                        inside.add(id(inner))
                    continue
                begin = min(inner.cue[0], inner.content[0])
                if _own_subject(inner.verb) and inner.source is not None:
                    begin = min(begin, inner.source[0].idx)
                cut = self.trim_right(start, begin)
                if cut is None:
                    inside.add(id(outer))
                    break
                outer.content = cut
                if outer.frame is not None and outer.frame[1] > cut[1]:
                    outer.frame = None
        return [f for f in found if id(f) not in inside]

    def trim_right(self, start: int, end: int) -> tuple[int, int] | None:
        """start..end without blanks, punctuation and a conjunction at its end."""
        text = self.doc.text[start:end]
        text = re.sub(r"(?:[\s,;:—–(]|\b(?:and|but|while|before|after|by)\b)+$", "", text)
        if not _substantial(text):
            return None
        return start, start + len(text)

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
        lemma = lemma_of(verb) or ""  # a verb the lexicon does not know: "reckoned that"
        self.particle = None
        self.clausal = True
        subject = self.subject(verb)
        if subject is False:
            return None  # nobody in particular: not an attribution
        if lemma == "find" and not _finding(verb, subject):
            return None
        if lemma == "continue" and not any(lemma_of(c) for c in verb.children if c.dep_ == "xcomp"):
            return None  # "continues to grow" reports nothing; "continued to deny" does
        if lemma in THOUGHT and verb.dep_ == "advcl" and _infinitive(verb):
            return None  # "remain under observation to know their impact": a purpose
        relayed = _relayed_from(verb)
        if relayed is not None:  # "Al-Naba relayed from a security source that ...": the source
            subject = self.noun_phrase(relayed)
        as_it = self.as_one_puts_it(verb)
        content, frame = (as_it, None) if as_it else self.content(verb, lemma)
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
        content, echoed_by = self.echoed(content)
        content = self.without_aside(content)
        content = self.widen_to_quotes(content, cue)
        opening = self.opening_fragment(subject, cue, content) if frame is None else None
        if opening is not None:  # `"Judge," Brafman said, "I have never ..."`
            content, frame = (opening[0], content[1]), (opening[1], content[0])
        if not _substantial(self.doc.text[content[0] : content[1]]) and not self.named(content):
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
            verb=verb,
            echoed_by=echoed_by,
        )

    def echoed(self, content: tuple[int, int]):
        """(content, who echoed it) for "X, which Abu Ishaq echoed": the content ends before
        the comma and the one who echoed it said it too; else (content, None)."""
        for token in self.doc:
            if not content[0] < token.idx < content[1] or token.dep_ not in ("relcl", "advcl"):
                continue
            if token.lower_ not in ECHOING:
                continue
            objects = [c for c in token.lefts if c.dep_ == "dobj" and c.lower_ in ("which", "that")]
            subjects = [c for c in token.lefts if c.dep_ == "nsubj" and c.tag_ != "PRP"]
            if not objects or not subjects:
                continue
            cut = self.chars(self.token_at(content[0]), objects[0].i - 1)
            if cut is not None and _substantial(self.doc.text[cut[0] : cut[1]]):
                return cut, self.noun_phrase(subjects[0])
        return content, None

    def as_one_puts_it(self, verb) -> tuple[int, int] | None:
        """ "As Abu Haniyeh sees it, CONTENT" or "As she put it, CONTENT": the rest of the
        sentence, however the parser hung it."""
        doc = self.doc
        marks = [c for c in verb.lefts if c.dep_ == "mark" and c.lower_ == "as"]
        objects = [c for c in verb.rights if c.dep_ == "dobj" and c.lower_ == "it"]
        if not marks or not objects or objects[0].i + 1 >= len(doc):
            return None
        if doc[objects[0].i + 1].text != ",":
            return None
        return self.chars(objects[0].i + 2, verb.sent.end - 1)

    def hedge(self, verb) -> Found | None:
        """ "The team appeared paralyzed", "Trump is expected to win": the statement around
        the hedging verb, with no source; "It seems that X": the clause."""
        if self.in_quote(verb.idx):
            return None
        subjects = [c for c in verb.lefts if c.dep_ in ("nsubj", "nsubjpass", "expl")]
        complements = [
            c for c in verb.rights if c.dep_ in ("xcomp", "acomp", "attr", "oprd", "ccomp")
        ]
        self.particle = None
        if not complements and verb.lower_ in PASSIVE_HEDGES:  # "is seen as a bully"
            as_ = [c for c in verb.rights if c.dep_ == "prep" and c.lower_ in ("as", "for")]
            complements = [o for c in as_[:1] for o in c.children if o.dep_ == "pobj"]
            self.particle = as_[0].i if complements else None
        if not subjects or not complements:
            return None
        subject, complement = subjects[0], complements[0]
        after = self.chars(complement.left_edge.i, complement.right_edge.i)
        if after is None or not _substantial(self.doc.text[after[0] : after[1]]):
            return None
        if subject.lower_ == "it" and complement.dep_ == "ccomp":
            content, frame = after, None
        else:
            before = self.chars(subject.left_edge.i, subject.right_edge.i)
            if before is None or subject.right_edge.i >= verb.i:
                return None
            content, frame = (before[0], after[1]), (before[1], after[0])
        cue = self.cue(verb)
        quoted = self.quoted(content)
        return Found(content, cue, None, "", frame=frame, quoted=quoted, clausal=False, verb=verb)

    def hearsay(self, adverb) -> Found | None:
        """ "The FBI is reportedly making arrangements": the clause, the adverb cut out, with
        no source."""
        verb = adverb.head
        if self.in_quote(adverb.idx) or not verb.tag_.startswith("VB") or lemma_of(verb):
            return None  # "reportedly said": the verb is the cue
        subjects = [c for c in verb.lefts if c.dep_ in ("nsubj", "nsubjpass")]
        if not subjects:
            return None
        sentence = verb.sent
        left = max(min(subjects[0].left_edge.i, adverb.i), sentence.start)
        right = min(verb.right_edge.i, sentence.end - 1)
        before = self.chars(left, adverb.i - 1) if adverb.i > left else None
        after = self.chars(adverb.i + 1, right)
        if after is None:
            return None
        content = (before[0] if before else after[0], after[1])
        if not _substantial(self.doc.text[content[0] : content[1]]):
            return None
        frame = (before[1], after[0]) if before else None
        cue = (adverb.idx, adverb.idx + len(adverb))
        quoted = self.quoted(content)
        return Found(content, cue, None, "", frame=frame, quoted=quoted, clausal=False, verb=adverb)

    def nominal(self, noun) -> Found | None:
        """ "her criticism of Sanders", "his decision not to run", "criticism from rivals
        that ...": a report made a noun; its source is its owner, or "from"/"by" whom, if
        given ("the proposal to ..." has none)."""
        if self.in_quote(noun.idx):
            return None
        owners = [c for c in noun.lefts if c.dep_ == "poss"]
        if any(owner.lower_ in OURS for owner in owners):
            return None
        agents = [
            o
            for c in noun.rights
            if c.dep_ == "prep" and c.lower_ in ("from", "by")
            for o in c.children
            if o.dep_ == "pobj"
        ]
        self.particle = None
        content = None
        for child in noun.rights:
            if child.dep_ == "prep" and child.lower_ in NOMINAL_REPORTS.get(noun.lower_, ()):
                objects = [o for o in child.children if o.dep_ in ("pobj", "pcomp")]
                if objects:
                    self.particle = child.i
                    content = self.chars(objects[0].left_edge.i, child.right_edge.i)
                    break
            if noun.lower_ not in NOMINAL_REPORTS and child != _that_complement(noun):
                continue  # any noun's "that" clause ("the feeling that ..."), not its "to"
            if child.dep_ in ("acl", "ccomp") and child.left_edge.lower_ in ("that", "to", "not"):
                content = self.chars(child.left_edge.i, child.right_edge.i)
                break
        source = owners[0] if owners else agents[0] if agents else None
        if content is None:
            content = self.met_with(noun)
        if content is None:
            return None
        if not _substantial(self.doc.text[content[0] : content[1]]) and not self.named(content):
            return None
        cue = self.cue(noun)
        return Found(
            content,
            cue,
            self.noun_phrase(source) if source is not None else None,
            "",
            quoted=self.quoted(content),
            clausal=False,
            verb=noun,
        )

    def met_with(self, noun) -> tuple[int, int] | None:
        """ "These accusations were met with a denial from X": what the report answers."""
        verb = noun.head.head if noun.dep_ == "pobj" and noun.head.lower_ == "with" else None
        if verb is None or verb.lower_ not in ("met", "meets", "greeted"):
            return None
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if not subjects:
            return None
        return self.chars(subjects[0].left_edge.i, subjects[0].right_edge.i)

    def according(self, token) -> Found | None:
        """ "According to X, CONTENT" and "CONTENT, according to X"; "In a poll, CONTENT"."""
        to = next((c for c in token.children if c.lower_ == "to"), token)
        if to is token and token.lower_ == "according":
            return None
        objects = [c for c in to.children if c.dep_ == "pobj"]
        if not objects:
            return None
        source = self.noun_phrase(objects[0], coordinated=objects[0].tag_ == "NNS")
        head = token.head
        while head.dep_ not in ("ROOT",) and head.head is not head and head.tag_.startswith("N"):
            head = head.head
        sentence = token.sent
        left, right = head.left_edge.i, head.right_edge.i
        left, right = max(left, sentence.start), min(right, sentence.end - 1)
        lo, hi = token.left_edge.i, token.right_edge.i
        if lo == sentence.start:  # the parser may hang it on a clause further on
            left, right = lo, sentence.end - 1
        elif self.doc[lo - 1].text == "," and token.lower_ == "according":
            left = sentence.start  # not only the clause it hangs on
        frame = None
        inside = left < lo - 1 and hi + 1 < right and self.doc[lo - 1].text == ","
        if inside and self.doc[hi + 1].text == ",":  # "X, according to Y, is Z": both sides
            before, after = self.chars(left, lo - 1), self.chars(hi + 1, right)
            content = (before[0], after[1]) if before and after else None
            frame = (doc_idx(self.doc, lo), doc_end(self.doc, hi))
        elif lo - left > right - hi:  # "CONTENT, according to X."
            content = self.chars(left, lo - 1)
        else:  # "According to X, CONTENT."
            content = self.chars(hi + 1, right)
        if content is None or not _substantial(self.doc.text[content[0] : content[1]]):
            return None
        cue = (token.idx, to.idx + len(to))
        content = self.widen_to_quotes(content, cue)
        lemma = "according" if to is not token else ""
        return Found(content, cue, source, lemma, frame=frame, quoted=self.quoted(content))

    def subject(self, verb):
        """The source noun phrase; None when there is none; False for nobody in particular."""
        token = verb
        for _ in range(4):
            subjects = [c for c in token.children if c.dep_ in ("nsubj", "expl")]
            if subjects:
                # "''That, unfortunately,'' he said": not a word of the quotation
                outside = [c for c in subjects if not self.in_quote(c.idx)]
                subject = (outside or subjects)[0]
                if subject.dep_ == "expl" or subject.lower_ == "there":
                    return None  # "It is believed that ...": nobody named
                if subject.lower_ in ("this", "that"):
                    return False
                if subject.lower_ in ("who", "which", "that") and token.dep_ == "relcl":
                    if subject.lower_ == "which" and _inference(verb, token.head):
                        return False
                    return self.noun_phrase(token.head)
                if _nobody(subject) or _generic(subject, verb):
                    return False
                start = _frame_start(token)
                if start > token.left_edge.i:  # "The source of it, members say, is ...": the
                    return self.doc[start + 1 : token.i]  # parser took the content's subject
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

    def noun_phrase(self, head, coordinated: bool = False):
        """The noun phrase headed by ``head``, without appositions or relative clauses; with
        the nouns joined to it if ``coordinated`` ("experts and researchers")."""
        doc = self.doc
        left = head.left_edge.i
        right = head.i
        stops = ("appos", "relcl", "acl", "punct", "advcl")
        if not coordinated:
            stops += ("cc", "conj")
        for child in head.rights:
            if child.dep_ in stops:
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
        # not a clause before a semicolon: "Six in 10 said X; 46 percent said Y"
        clauses = [c for c in children if c.dep_ == "ccomp" and not _apart(c, verb)]
        if not clauses:
            clauses = [c for c in children if c.dep_ == "xcomp" and c.i > verb.i]
        if not clauses:
            # "asked workers if they ...", "called for the bridge to be rebuilt": the parser
            # takes the question or the demand for a circumstance
            marked = [c for c in children if c.dep_ == "advcl" and c.i > verb.i]
            for clause in marked:
                mark = next((m for m in clause.children if m.dep_ == "mark"), None)
                if mark is None or mark.i != clause.left_edge.i:
                    continue
                if mark.lower_ in ("if", "whether") and lemma in QUESTIONS:
                    clauses = [clause]
                elif mark.lower_ == "for" and mark.i == verb.i + 1:
                    self.particle = mark.i
                    return self.chars(mark.i + 1, clause.right_edge.i), None
                break
        regarded = _regarded_as(verb)
        if not clauses and regarded is not None:  # "see Clinton as the heir": who, as what
            self.clausal = False
            return self.chars(regarded[0].left_edge.i, regarded[1].right_edge.i), None
        if not clauses:
            complements = [
                c
                for c in verb.rights
                if c.dep_ in COMPLEMENTS
                and c.dep_ != "advcl"
                and not _is_time(c)
                and not _circumstance(c)
                # "told reporters" names the audience; "warned against X" says something
                and (lemma not in NO_OBJECT or c.dep_ == "prep")
            ]
            if complements:
                first = complements[0]
                left = first.left_edge.i
                relayed = _relayed_from(verb)
                said = _said_to_source(relayed) if relayed is not None else None
                if said is not None:  # "relayed from a source that ...", parsed as its clause
                    return self.chars(said.left_edge.i, said.right_edge.i), None
                if first.dep_ == "prep" and (
                    first.lower_ not in PARTICLE_PREPOSITIONS
                    or (lemma in ADDRESSING and first.lower_ in ("to", "at", "with"))
                ):
                    return None, None  # "speaking after the funeral", "spoke to reporters"
                if first.dep_ == "prep":
                    # "called for X", "pointed to X": the preposition is part of the cue
                    objects = [c for c in first.children if c.dep_ in ("pobj", "pcomp")]
                    if not objects:
                        return None, None
                    self.particle = first.i
                    left = objects[0].left_edge.i
                right = first.right_edge.i
                for further in complements[1:]:  # not "endorsed Clinton on Thursday"
                    if _circumstance(further):
                        break
                    right = further.right_edge.i
                gerunds = any(t.dep_ == "pcomp" and t.tag_ == "VBG" for t in doc[left : right + 1])
                for child in verb.rights:  # "accused X of releasing ..., facilitating ..."
                    if child.dep_ == "advcl" and child.tag_ == "VBG" and child.i > right:
                        if gerunds and not lemma_of(child):
                            right = child.right_edge.i
                clause = _that_clause(first)
                if clause is not None:  # "expressed concern that ...": the noun is the cue's
                    self.particle = first.i
                    return self.chars(clause.left_edge.i, clause.right_edge.i), None
                self.clausal = any(t.tag_.startswith("VB") for t in doc[left : right + 1])
                return self.chars(left, right), None
        if clauses:
            side = [c for c in clauses if (c.i > verb.i) == (clauses[0].i > verb.i)]
            left = min(c.left_edge.i for c in side)
            right = max(c.right_edge.i for c in side)
            if left < verb.i < side[0].i and _relative(doc[left]):
                # "a law which critics said was unfair": the clause after the cue, its
                # relative pronoun left with the noun it stands for
                left = min(t.i for c in side for t in c.subtree if t.i > verb.i)
            if side[0].dep_ == "xcomp":  # "urged voters to stay home": who, and to do what
                objects = [c for c in children if c.dep_ == "dobj" and verb.i < c.i < left]
                left = objects[0].left_edge.i if objects else left
            for child in verb.rights:  # "said X, but Y": a second clause of the same report
                if (
                    child.dep_ == "conj"
                    and child.i > right
                    and left > verb.i  # not "X, the mayor said, and Y"
                    and not lemma_of(child)
                    and any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in child.children)
                ):
                    right = child.right_edge.i
                # "told X that A has two branches, the first for ...": the parser hung the
                # rest of the clause on the verb
                if child.dep_ in ("dobj", "attr") and child.i > right and left > verb.i:
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
        if lemma_of(head) and any(c.dep_ in ("ccomp", "xcomp") for c in head.children):
            return None, None  # the head is a report of its own
        sentence = verb.sent
        left = max(head.left_edge.i, sentence.start)
        right = min(head.right_edge.i, sentence.end - 1)
        lo, hi = _frame_start(verb), verb.right_edge.i
        subjects = [c for c in verb.lefts if c.dep_ == "nsubj"]
        if subjects and any(c.dep_ == "advcl" and c.i < subjects[0].i for c in verb.lefts):
            lo = subjects[0].left_edge.i  # "If it rains, he said, ...": the clause is content
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

    def named(self, content: tuple[int, int]) -> bool:
        """An object that is a name alone: "endorsed Clinton" is a stance taken on someone."""
        tokens = [t for t in self.doc if content[0] <= t.idx < content[1]]
        return (
            not self.clausal
            and bool(tokens)
            and all(t.tag_ in ("NNP", "NNPS") for t in tokens)
            and tokens[0].lower_ not in WEEKDAYS_AND_MONTHS  # "said Friday"
        )

    def without_aside(self, content: tuple[int, int]) -> tuple[int, int]:
        """The content without a closing aside about its last noun (", which ...", ", who
        ..."): the writer's gloss, not what was said."""
        doc = self.doc
        for token in doc:
            if not content[0] < token.idx < content[1] or token.dep_ != "relcl":
                continue
            first = token.left_edge
            comma = first.i - 1
            if (
                first.lower_ in ("which", "who")
                # not "which he linked to ...", unless a report of its own ("which he called")
                and (first.dep_ in ("nsubj", "nsubjpass") or lemma_of(token))
                # "..., which indicates that ...": the speaker's own conclusion goes on
                and not (_inference(token, token.head) and _has_clause(token))
                and comma > 0
                and doc[comma].text == ","
                and doc_end(doc, token.right_edge.i) >= content[1]
                and doc[comma].idx > content[0]
            ):
                cut = self.chars(self.token_at(content[0]), comma - 1)
                if cut is not None and _substantial(doc.text[cut[0] : cut[1]]):
                    return content[0], cut[1]
        return content

    def token_at(self, position: int) -> int:
        """The index of the token that starts at or covers a paragraph offset."""
        for token in self.doc:
            if token.idx + len(token) > position:
                return token.i
        return len(self.doc) - 1

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
        # `"...," Walters said` also when words hang before the subject: `Not to them,"`
        subjects = [c.left_edge.i for c in verb.lefts if c.dep_ == "nsubj"]
        for left in (lo, *subjects):
            before = text[: doc[left].idx].rstrip(" ,—–")
            if before[-1:] in '”"':
                quote = self.in_quote(len(before) - 2)
                if quote:
                    return quote
        return None

    def opening_fragment(self, subject, cue, content) -> tuple[int, int] | None:
        """The quotation a speaker interrupts, when the content is the quotation that goes on
        after the cue: its opening words end with a comma inside the marks."""
        if not self.quoted(content) or cue[1] > content[0]:
            return None
        left = cue[0] if subject is None else min(cue[0], subject[0].idx)
        before = self.doc.text[:left].rstrip(" ,—–")
        mark = 2 if before.endswith("''") else 1 if before[-1:] in '”"' else 0
        if not mark:
            return None
        quote = self.in_quote(len(before) - mark - 1)
        if quote is None or not self.doc.text[quote[0] : quote[1]].rstrip().endswith(","):
            return None
        return quote

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
            # a short quotation is someone's only right after a cue: `she said. "Go home."`,
            # or where a quotation runs on from the paragraph before (no mark opens it here)
            runs_on = q_start == 0 or self.doc.text[q_start - 1] not in QUOTE_MARKS
            near = self.just_after_cue(q_start, found) or self.after_quoted_speaker(q_start, found)
            if len(stripped.split()) < (2 if runs_on or near else 5):
                continue
            lead = len(text) - len(text.lstrip(" "))
            span = (q_start + lead, q_start + lead + len(stripped))
            extra.append(Found(span, None, None, "", quoted=True, follows=True, runs_on=runs_on))
        return extra

    def after_quoted_speaker(self, position: int, found: list[Found]) -> bool:
        """Whether ``position`` opens the sentence after `"...," she said on Sunday.`: the
        speaker goes on quoting."""
        text = self.doc.text
        return any(
            f.cue is not None
            and f.quoted
            and f.content[1] <= f.cue[0] < f.cue[1] <= position
            and re.fullmatch(r"[^“”\"]*[.!?]\s*[“\"']*\s*", text[f.cue[1] : position])
            for f in found
        )

    def just_after_cue(self, position: int, found: list[Found]) -> bool:
        """Whether only punctuation separates a cue of this paragraph from ``position``."""
        text = self.doc.text
        return any(
            f.cue is not None
            and f.cue[1] <= position
            and not text[f.cue[1] : position].strip(" .,:;“”\"'")
            for f in found
        )


def _circumstance(token) -> bool:
    """When or where something was said, not what: "after the event", "on Thursday"."""
    if token.dep_ != "prep":
        return False
    if token.lower_ in TEMPORAL_PREPOSITIONS:
        return True
    objects = [c for c in token.children if c.dep_ == "pobj"]
    if objects and token.lower_ == "in" and objects[0].lower_ in MEDIUMS:
        return True  # "denied it in a statement": how it was said
    return bool(objects) and objects[0].lower_ in WEEKDAYS_AND_MONTHS


def _hedge(token) -> bool:
    """ "seemed", "appears", "is expected": see ``ParagraphParse.hedge``."""
    if not token.tag_.startswith("VB"):
        return False
    if token.lower_ in PASSIVE_HEDGES:
        return any(c.dep_ == "auxpass" for c in token.children)
    return token.lower_ in HEDGES


def _touches(found: Found, other: Found) -> bool:
    """Whether ``other`` overlaps the content or the cue of ``found``."""
    spans = [found.content] + ([found.cue] if found.cue else [])
    return any(s < other.content[1] and e > other.content[0] for s, e in spans)


def _finding(verb, subject) -> bool:
    """ "found that ...", or a study that found: not "found the market closed"."""
    if subject is not None and subject.root.lower_ in FINDERS:
        return True
    return any(c.dep_ == "ccomp" and c.left_edge.lower_ == "that" for c in verb.children)


def _in_finding(token) -> bool:
    """ "In a poll last month, Cruz led": a finding reported without a reporting verb."""
    if token.lower_ != "in" or token.dep_ != "prep":
        return False
    head = token.head
    if not head.tag_.startswith("VB") or lemma_of(head):
        return False  # "said in a statement": the verb is the cue
    return any(c.dep_ == "pobj" and c.lower_ in FINDINGS for c in token.children)


def _frame_start(verb) -> int:
    """Where an interrupting attribution begins: its left edge, or the comma before its
    speaker when the parser hung the content's subject on it ("X, members say, is ...")."""
    left = verb.left_edge.i
    if verb.dep_ != "parataxis" or any(c.dep_ in ("ccomp", "xcomp") for c in verb.children):
        return left
    commas = [t.i for t in verb.doc[left + 1 : verb.i] if t.text == ","]
    return commas[-1] if commas and commas[-1] < verb.i - 1 else left


def _that_verb(token) -> bool:
    """A verb the lexicon does not know, with a subject and a "that" clause: "insisted
    that", "is convinced that", "made it clear that"."""
    if token.tag_ not in ("VB", "VBD", "VBN", "VBP", "VBZ", "JJ") or token.lower_ in NOT_SAYING:
        return False
    if not any(c.dep_ == "nsubj" for c in token.children):
        return False
    return any(
        c.dep_ == "ccomp"
        and c.i > token.i
        and c.left_edge.lower_ == "that"
        and c.left_edge.dep_ == "mark"
        for c in token.children
    )


def _that_clause(noun):
    """The "that" clause completing a bare object noun: "expressed concern that ..."."""
    if noun.dep_ != "dobj" or not noun.tag_.startswith("NN"):
        return None
    if any(c.dep_ in ("det", "poss") for c in noun.lefts):
        return None  # "rejected the claim that ...": the claim is what was rejected
    for child in noun.rights:
        if child.dep_ in ("acl", "ccomp") and child.left_edge.lower_ == "that":
            mark = child.left_edge
            if mark.dep_ == "mark" and mark.i == noun.i + 1:
                return child
    return None


def _said_to_source(source):
    """The "that" clause the parser hung on a relayed source: "from a source that ..."."""
    for child in source.rights:
        mark = child.left_edge
        if (
            child.dep_ in ("relcl", "acl", "ccomp")
            and mark.lower_ == "that"
            and mark.dep_ == "mark"
        ):
            return child
    return None


def _chained(inner: Found, outer: Found) -> bool:
    """A reporting verb that goes on from another: "continued to refute", "expected to
    argue"; "declined to say whether ..." is a refusal, its content the whole."""
    return (
        inner.verb is not None
        and outer.verb is not None
        and inner.verb.dep_ == "xcomp"
        and inner.verb.head.i == outer.verb.i
        and outer.lemma in CHAINING
        and outer.cue is not None
        and inner.content[0] >= outer.content[0]
    )


def _beside(found: Found, outer: Found) -> bool:
    """A report of its own that goes on a sentence: "..., saying", "and added that", "and
    most said"; not "that the men stood and chanted ...", reported inside the first."""
    verb = found.verb
    if verb is None or not found.clausal or verb.dep_ not in ("advcl", "conj"):
        return False
    if found.lemma not in CLAUSE_VERBS or found.lemma in THOUGHT:
        return False
    if _own_subject(verb):
        # "..., and most said": not "said that A and that B thought"
        return verb.dep_ == "conj" and not any(c.dep_ == "mark" for c in verb.children)
    if verb.dep_ == "advcl" or outer.verb is None or verb.head.i == outer.verb.i:
        return True
    source = found.source
    # "said that she ... and predicted that": a pronoun is the speaker again
    return source is None or source[0].idx < outer.content[0] or source.root.tag_ == "PRP"


def _own_subject(verb) -> bool:
    return verb is not None and any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


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


def _puts_it(token) -> bool:
    """ "As she put it, ...": a cue with a verb that reports nothing elsewhere."""
    return (
        token.lower_ in ("put", "puts")
        and any(c.dep_ == "mark" and c.lower_ == "as" for c in token.lefts)
        and any(c.dep_ == "dobj" and c.lower_ == "it" for c in token.rights)
    )


def _inference(verb, antecedent) -> bool:
    """ "..., which indicates that": a thing, not someone who speaks, draws the inference."""
    return (
        verb.lower_ in INFERENCES
        and antecedent.tag_ not in ("NNP", "NNPS")
        and antecedent.lower_ not in FINDERS
        and antecedent.lower_ not in ORGANISATION_KIND
    )


def _infinitive(verb) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.lefts)


def _has_clause(verb) -> bool:
    return any(c.dep_ == "ccomp" for c in verb.children)


def _relayed_from(verb):
    """Who "relayed from", "quoted from" or "heard from" names as the first source."""
    if verb.lower_ not in RELAYING:
        return None
    for child in verb.rights:
        if child.dep_ == "prep" and child.lower_ == "from":
            objects = [o for o in child.children if o.dep_ == "pobj"]
            if objects:
                return objects[0]
    return None


def _nobody(subject) -> bool:
    if subject.lower_ in NOBODY:
        return True
    if subject.lower_ in QUANTIFIERS:
        # "many of her aides", "some who back the plan": a group named, not anybody
        return not any(c.dep_ in ("relcl", "acl", "prep") for c in subject.rights)
    return any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in subject.children)


def _generic(subject, verb) -> bool:
    """A bare plural with a present-tense cue: "Analysts say ..." states a commonplace."""
    if subject.lower_ not in GENERIC_PLURALS or verb.tag_ != "VBP":
        return False
    if any(c.dep_ in ("relcl", "acl", "prep") for c in subject.rights):
        return False  # "people who have fought it say": not anybody
    return not any(c.dep_ in ("det", "poss", "amod", "compound", "nummod") for c in subject.lefts)


def _substantial(content: str) -> bool:
    """Two words at least: "the militia" is a content, "it" or "so" is not."""
    return len(content.split()) >= 2 and len(content) >= 8


def _participle(verb) -> bool:
    """ "photos published by ...", "compared to": a participle, not a finite report."""
    return verb.tag_ == "VBN" and not any(c.dep_ in ("aux", "auxpass") for c in verb.children)


def _is_time(token) -> bool:
    return token.dep_ in ("npadvmod",) or (token.ent_type_ in ("DATE", "TIME"))


def _relative(token) -> bool:
    """A relative pronoun: "which", "who", "that" opening a relative clause."""
    return token.tag_ in ("WDT", "WP") or (token.lower_ == "that" and token.dep_ == "nsubj")


def _that_complement(noun):
    """The "that" clause right after a noun, which says what it holds: "the feeling that the
    country is sliding", not the relative clause of "the bill that passed"."""
    # or after a phrase of its own: "the feeling among voters that ..."
    phrases = [c for c in noun.rights if c.dep_ == "prep"]
    after = phrases[0].right_edge.i + 1 if phrases else noun.i + 1
    for child in noun.rights:
        mark = child.left_edge
        if (
            child.dep_ in ("acl", "ccomp")
            and mark.lower_ == "that"
            and mark.dep_ == "mark"
            and mark.i in (noun.i + 1, after)
        ):
            return child
    return None


def _apart(clause, verb) -> bool:
    """Whether a semicolon or a colon stands between a clause before the verb and the verb."""
    if clause.i > verb.i:
        return False
    return any(t.text in (";", ":") for t in verb.doc[clause.right_edge.i + 1 : verb.i])


def _regarded_as(verb):
    """The object and the "as" phrase of "see X as Y", "described him as a fraud": a view of
    someone, the content both."""
    objects = [c for c in verb.rights if c.dep_ == "dobj"]
    if not objects:
        return None
    as_ = [
        c
        for c in verb.rights
        if c.dep_ == "prep" and c.lower_ == "as" and c.i > objects[0].right_edge.i
    ]
    if not as_ or not any(o.dep_ == "pobj" for o in as_[0].children):
        return None
    return objects[0], as_[0]
