"""Names that forgive spelling: transliteration variants and Arabic script find a name.

Arabic names reach English reports in many spellings (Harfoush, Hurfush, Harfush) and readers
may type the Arabic itself (هرفوش). Each name is reduced to a *consonant skeleton*: diacritics
folded, the article "al-" dropped, common digraphs (sh, kh, th...) and Arabic letters mapped to
one symbol each, vowels and the weak letters w/y (و ي ا in Arabic) removed, doubled letters
collapsed. Spellings of one name share a skeleton or differ by a letter, which `rapidfuzz`
scores. `similar_names` is the "did you mean" of every search box and of `ledger search`.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .files import connect

MIN_SCORE = 80.0
"""Lowest similarity (0-100) of two skeletons still offered as "did you mean"."""

ARABIC_MIN_SCORE = 90.0
"""The same for a word in Arabic script, which is matched by its skeleton alone."""

ARTICLES = {"al", "el", "ul"}

_LATIN_DIGRAPHS = [("sh", "S"), ("ch", "S"), ("kh", "K"), ("gh", "G"), ("th", "T"), ("dh", "D")]
_LATIN_SAME = str.maketrans({"q": "k", "c": "k", "v": "f", "p": "b", "x": "ks"})
_LATIN_WEAK = re.compile(r"[aeiouwy'’`ʿʾ]")

_ARABIC = {
    "ب": "b", "ت": "t", "ث": "T", "ج": "j", "ح": "h", "خ": "K", "د": "d", "ذ": "D",
    "ر": "r", "ز": "z", "س": "s", "ش": "S", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "غ": "G", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
}  # fmt: skip
"""Arabic consonants as the Latin skeleton writes them; letters not listed (alif, waw, ya,
hamza, ta marbuta, ain, harakat) are weak or silent in transliteration and are dropped."""

_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")


def _fold(text: str) -> str:
    """Lowercase, without diacritics (Ḥ → h, é → e)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(name: str) -> list[str]:
    """The words of a name as skeletons are made from: folded, articles dropped."""
    tokens = re.findall(r"[\w'’`ʿʾ]+", _fold(name))
    return [t for t in tokens if t not in ARTICLES]


def skeleton(word: str) -> str:
    """The consonant skeleton of one word, in Latin or Arabic script."""
    word = _fold(word)
    if _ARABIC_LETTER.search(word):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]  # the article, written joined to the name
        letters = "".join(_ARABIC.get(c, "") for c in word)
    else:
        word = re.sub(r"(?<=[aeiou])h$", "", word)  # -ah, -eh: a ta marbuta written out
        word = re.sub(r"(.)\1+", r"\1", word)  # Jassim, Jasim
        for digraph, symbol in _LATIN_DIGRAPHS:
            word = word.replace(digraph, symbol)
        letters = _LATIN_WEAK.sub("", word.translate(_LATIN_SAME))
        letters = re.sub(r"[^a-zA-Z]", "", letters)
        return letters
    return re.sub(r"(.)\1+", r"\1", letters)


@dataclass(frozen=True)
class NameMatch:
    table: str
    """`entities` or `places`."""
    id: str
    name: str
    spelling: str
    """The spelling in the ledger that matched: search with it to find the entity's claims."""
    score: float


_SPELLINGS = """
    SELECT 'entities', id, name, name FROM entities
    UNION SELECT 'entities', entity_id, entities.name, alias
      FROM aliases JOIN entities ON entities.id = aliases.entity_id
    UNION SELECT 'places', id, name, name FROM places
    UNION SELECT 'places', places.id, places.name, each.value
      FROM places, json_each(coalesce(places.aliases, '[]')) AS each
"""


def similar_names(
    conn: sqlite3.Connection, query: str, limit: int = 5, min_score: float = MIN_SCORE
) -> list[NameMatch]:
    """Entities and places with a name or alias spelt like ``query``, best first.

    Every word of the query must match a word of the same name (or alias); the score is the
    mean of the words' similarities. A word's similarity is its skeleton's; for a word in
    Latin script it is averaged with the similarity of the spellings themselves, so that two
    names sharing consonants but not their vowels (Masalmeh, Salem) stay apart. Skeletons of
    one to three letters must match exactly: too many short names share them.
    """
    wanted = [(w, skeleton(w)) for w in words(query)]
    wanted = [(w, s) for w, s in wanted if len(s) >= 2]
    if not wanted:
        return []
    spellings = conn.execute(_SPELLINGS).fetchall()
    by_word: dict[str, list[int]] = {}
    for index, (*_, spelling) in enumerate(spellings):
        for word in words(spelling):
            by_word.setdefault(word, []).append(index)
    vocabulary = list(by_word)
    skeletons = [skeleton(w) for w in vocabulary]

    scores: dict[int, list[float]] = {}
    for position, (wanted_word, wanted_skeleton) in enumerate(wanted):
        latin = not _ARABIC_LETTER.search(wanted_word)
        # a word in Arabic script has only its skeleton to go by: ask more of it
        cutoff = min_score if latin else max(min_score, ARABIC_MIN_SCORE)
        if len(wanted_skeleton) <= 3:
            cutoff = 100.0
        hits = process.extract(
            wanted_skeleton, skeletons, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        )
        for _, score, word_index in hits:
            if latin:
                score = (score + fuzz.ratio(wanted_word, vocabulary[word_index])) / 2
            for spelling_index in by_word[vocabulary[word_index]]:
                best = scores.setdefault(spelling_index, [0.0] * len(wanted))
                best[position] = max(best[position], score)

    best: dict[tuple[str, str], NameMatch] = {}
    for spelling_index, word_scores in scores.items():
        if min(word_scores) < min_score:
            continue
        table, row_id, name, spelling = spellings[spelling_index]
        match = NameMatch(table, row_id, name, spelling, sum(word_scores) / len(word_scores))
        known = best.get((table, row_id))
        # the closest spelling, and of equally close ones the shortest: the plainest to search
        if known is None or (match.score, -len(spelling)) > (known.score, -len(known.spelling)):
            best[(table, row_id)] = match
    # of equally close names, those the query covers most (Daraa the town before "Activists
    # (Daraa)")
    ranked = sorted(best.values(), key=lambda m: (-m.score, len(words(m.name)), m.name))
    return ranked[:limit]


def did_you_mean(db, query: str, limit: int = 3) -> list[NameMatch]:
    """Names in the ledger file ``db`` spelt like ``query``: what a search that found nothing
    offers instead."""
    ledger = connect(db)
    try:
        return similar_names(ledger.conn, query, limit=limit)
    finally:
        ledger.close()
