"""The page around the reporting: paragraphs, page furniture, datelines and quotations.

Paragraphs are lines. Page furniture (captions, share buttons, donation appeals, short lines
without a sentence) and pull quotes are not reporting and are skipped; a dateline
("ALEPPO, Syria —") is cut off the paragraph it opens. Quotations are paired quotation marks:
curly, straight or ''doubled apostrophes''; a curly quotation may run on over several
paragraphs (a paragraph that opens a quote without closing it, the next one reopening it, or
a later one closing it before any other opens; else the closing mark was left out). A
paragraph mixing curly and straight marks pairs them in order, whatever their shape. A line
"Name: a few words" is a headline or transcript quoting someone, not furniture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_QUOTES, CLOSE_QUOTES = '“"', '”"'
FURNITURE = re.compile(
    r"^(?:share this article|share|tweet|print|email|follow (?:him|her|us|them)\b.*|"
    r"click here.*|support .*|you might also like|read more|related|advertisement|"
    r"\d+ min read|breadcrumb|a a a|this website uses cookies.*|.*\$\d+ a month.*|"
    r"propaganda distorts.*|syria needs free media.*)$",
    re.IGNORECASE,
)
SPEAKER_LINE = re.compile(r"^[A-Z][\w.’'-]*(?: [\w.’'-]+){0,5}: \S+ \S+ \S+")
"""A name, a colon and a few words: a headline or a transcript line that quotes someone."""
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z'’.\-]+(?: [A-Z][A-Z'’.\-]+)*)"  # ALEPPO, BEIRUT, SAN FRANCISCO
    r"(?:,? [A-Z][\w.]*(?: [A-Z][\w.]*)*)?"  # , Syria
    r"(?: \([\w .&-]+\))?"  # (Reuters)
    r"\s*[—–-]{1,2}\s+"
)


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int


def paragraphs(text: str) -> list[Paragraph]:
    """Every non-empty line, stripped of surrounding blanks."""
    spans = []
    position = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = position + line.index(stripped[0])
            spans.append(Paragraph(start, start + len(stripped)))
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
    ends_like_sentence = re.search(r"[.!?:][”\"’)]*$", line.strip()) is not None
    if SPEAKER_LINE.match(line.strip()):
        return False  # a headline that quotes: "Rubio: Trump Can't Be Trusted"
    return len(words) < 8 and not ends_like_sentence and not any(q in line for q in '“"')


def is_pull_quote(text: str, line: str) -> bool:
    """A paragraph that is only a quotation repeated from the body: page layout, not news."""
    stripped = line.strip()
    if not (stripped[:1] in OPEN_QUOTES and stripped[-1:] in CLOSE_QUOTES):
        return False
    return text.count(stripped[1:-1]) > 1


def body(text: str) -> list[Paragraph]:
    """The paragraphs that carry reporting, each without a leading dateline."""
    paras = paragraphs(text)
    counts: dict[str, int] = {}
    for p in paras:
        line = text[p.start : p.end]
        counts[line] = counts.get(line, 0) + 1
    kept = []
    for p in paras:
        line = text[p.start : p.end]
        if is_furniture(line, counts[line] > 1) or is_pull_quote(text, line):
            continue
        dateline = DATELINE.match(line)
        if dateline and len(kept) < 3 and len(line) - dateline.end() > 20:
            p = Paragraph(p.start + dateline.end(), p.end)
        kept.append(p)
    return kept


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


def _mixed_marks(line: str) -> bool:
    """Curly and straight marks in one paragraph, a typing slip: `“It's late," she said.`"""
    return '"' in line and ("“" in line or "”" in line)


def _paired_in_order(text: str, para: Paragraph) -> list[Quotation]:
    """A paragraph's quotation marks of any shape, paired in order: the first opens, the next
    closes."""
    marks = [i for i in range(para.start, para.end) if text[i] in '“”"']
    return [Quotation([(o + 1, c)]) for o, c in zip(marks[::2], marks[1::2], strict=False)]


def _closed_later(text: str, paras: list[Paragraph]) -> bool:
    """Whether the first curly mark from here on closes a quotation rather than opening one."""
    for para in paras:
        for char in text[para.start : para.end]:
            if char in "“”":
                return char == "”"
    return False


def quotations(text: str, paras: list[Paragraph]) -> list[Quotation]:
    """Every quotation: curly ones may run on over paragraphs, straight ones stay in one."""
    found: list[Quotation] = []
    current: Quotation | None = None
    for number, para in enumerate(paras):
        reopened = current is not None and text[para.start] == "“"
        if current is not None and not reopened and not _closed_later(text, paras[number:]):
            # a quotation goes on where the next paragraph reopens it, or where a later one
            # closes it before any other opens (a list quoted whole); else its closing mark
            # is missing, and it ended with its paragraph
            found.append(current)
            current = None
        segment_start = None
        if current is not None:
            segment_start = para.start + 1 if reopened else para.start
        if current is None and _mixed_marks(text[para.start : para.end]):
            found.extend(_paired_in_order(text, para))
            continue
        position = segment_start or para.start
        for index in range(position, para.end):
            char = text[index]
            if char == "“" and current is None:
                current, segment_start = Quotation([]), index + 1
            elif char == "”" and current is not None:
                current.segments.append((segment_start, index))
                found.append(current)
                current, segment_start = None, None
        if current is not None:
            current.segments.append((segment_start, para.end))
        straight = [i for i in range(para.start, para.end) if text[i] == '"']
        for open_at, close_at in zip(straight[::2], straight[1::2], strict=False):
            found.append(Quotation([(open_at + 1, close_at)]))
        doubled = [m.start() for m in re.finditer("''", text[para.start : para.end])]
        for open_at, close_at in zip(doubled[::2], doubled[1::2], strict=False):
            # ''two apostrophes'', as some archives print quotation marks
            found.append(Quotation([(para.start + open_at + 2, para.start + close_at)]))
    if current is not None and current.segments:
        found.append(current)
    return sorted(found, key=lambda q: q.start)
