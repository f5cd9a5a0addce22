"""Suggesting relations between claims that the ledger does not hold yet.

Candidate pairs share a subject, a place or a disputed question. Each pair is scored on what
makes reporting agree or disagree: the same question answered with different responsible
parties (competes), different numbers or dates for the same thing, a denial against an
assertion (contradicts), near-identical wording in two outlets (repeats), independent sources
saying the same (corroborates), and one speaker adding detail to their own claim (refines).

Suggestions are only suggestions: stored with origin ``suggested`` through the journal, they
wait for a fact-checker to confirm (``ledger relate``) or reject (``ledger unrelate``) them.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from ..vocabulary import ClaimKind, RelationKind

MIN_SCORE = 1.0
"""Pairs scoring below this are not listed (tuned on the tuning split only)."""

NEIGHBOURS = 20
"""Each claim is paired with this many of its closest claims in meaning."""

WEIGHTS = {"subjects": 0.08, "places": 0.04, "question": 0.08, "rule": 0.08}
"""Added to the cosine similarity of two claims (tuned on the tuning split only)."""

BLOCK_LIMIT = 400
"""A subject or place shared by more claims than this is too common to pair on by itself."""

NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "hundred": 100,
    "dozens": 24,
}
YEAR = range(1900, 2100)


@dataclass
class ClaimFacts:
    """What the suggester knows about one claim."""

    id: str
    document_id: str
    outlet_id: str
    speaker_id: str
    kind: str
    text: str
    quote: str
    question: str | None
    about: tuple[str, str] | None
    subjects: set[str] = field(default_factory=set)
    parties: set[str] = field(default_factory=set)  # accused or responsible
    victims: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)

    @property
    def numbers(self) -> set[int]:
        return extract_numbers(self.quote)

    @property
    def content_words(self) -> frozenset[str]:
        return content_words(f"{self.text} {self.quote}")


@dataclass(frozen=True)
class Suggestion:
    claim: str
    kind: str
    other: str
    score: float
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


STOPWORDS = frozenset(
    "that this with from have were been their they there which while would about after before "
    "into over under than them also said says told according other such some more most only "
    "very what when where will because these those being between against during among upon "
    "within without".split()
)


def content_words(text: str) -> frozenset[str]:
    """Words of four letters or more, cut to six letters as a crude stem, without stopwords."""
    return frozenset(w[:6] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOPWORDS)


def extract_numbers(text: str) -> set[int]:
    """Counts mentioned in a text (digits or number words), leaving out years."""
    found = {int(m.group(1).replace(",", "")) for m in NUMBER.finditer(text)}
    words = {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return {n for n in found | words if n not in YEAR}


def load_facts(conn: sqlite3.Connection) -> dict[str, ClaimFacts]:
    facts = {}
    for row in conn.execute(
        "SELECT id, document_id, outlet_id, speaker_id, kind, text, quote, question, "
        "about_earliest, about_latest FROM claims"
    ):
        about = (row[8], row[9]) if row[8] else None
        facts[row[0]] = ClaimFacts(*row[:8], about=about)
    for claim_id, entity_id, role in conn.execute(
        "SELECT claim_id, entity_id, role FROM claim_subjects"
    ):
        claim = facts[claim_id]
        claim.subjects.add(entity_id)
        if role in ("accused", "responsible"):
            claim.parties.add(entity_id)
        elif role == "victim":
            claim.victims.add(entity_id)
    for claim_id, place_id in conn.execute("SELECT claim_id, place_id FROM claim_places"):
        facts[claim_id].places.add(place_id)
    return facts


def candidate_pairs(facts: dict[str, ClaimFacts]) -> set[tuple[str, str]]:
    """Pairs that share a question, a subject or a place (blocking, so not all n² pairs)."""
    blocks: dict[tuple[str, str], list[str]] = defaultdict(list)
    for claim in facts.values():
        if claim.question:
            blocks[("question", claim.question)].append(claim.id)
        for subject in claim.subjects:
            blocks[("subject", subject)].append(claim.id)
        for place in claim.places:
            blocks[("place", place)].append(claim.id)
    pairs = set()
    for members in blocks.values():
        if len(members) > BLOCK_LIMIT:
            continue
        for a, b in combinations(sorted(set(members)), 2):
            pairs.add((a, b))
    return pairs


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _overlap(a: tuple[str, str] | None, b: tuple[str, str] | None) -> bool | None:
    if a is None or b is None:
        return None
    return a[0] <= b[1] and b[0] <= a[1]


def score_pair(a: ClaimFacts, b: ClaimFacts) -> Suggestion | None:
    """The most likely relation between two claims, with a score in [0, 1] and the reason."""
    same_document = a.document_id == b.document_id
    same_speaker = a.speaker_id == b.speaker_id
    topic = max(_jaccard(a.subjects, b.subjects), _jaccard(a.places, b.places) * 0.8)
    same_question = a.question is not None and a.question == b.question
    period = _overlap(a.about, b.about)
    wording = fuzz.token_set_ratio(a.quote, b.quote) / 100
    words_a, words_b = a.content_words, b.content_words
    shared_words = len(words_a & words_b) / max(1, min(len(words_a), len(words_b)))
    # Either the same words in much the same order, or most content words shared.
    meaning = max(fuzz.token_sort_ratio(a.text, b.text) / 100, shared_words + 0.15)
    numbers_a, numbers_b = a.numbers, b.numbers
    kinds = {a.kind, b.kind}

    if not same_document and wording >= 0.9 and len(a.quote) > 40 and len(b.quote) > 40:
        return _make(
            a,
            RelationKind.REPEATS,
            b,
            0.6 + 0.4 * wording,
            f"near-identical wording in two documents ({wording:.0%})",
        )
    if (
        same_question
        and a.parties
        and b.parties
        and a.parties != b.parties
        and not same_speaker
        and meaning >= 0.45
    ):
        differing = ", ".join(sorted(a.parties ^ b.parties))
        return _make(
            a,
            RelationKind.COMPETES,
            b,
            0.65 + 0.25 * meaning,
            f"same question ({a.question}), different responsible parties: {differing}",
        )
    if (
        a.victims & b.victims
        and a.parties
        and b.parties
        and a.parties != b.parties
        and period is not False
        and meaning >= 0.5
    ):
        return _make(
            a,
            RelationKind.COMPETES,
            b,
            0.6 + 0.3 * topic,
            "same victim, different responsible parties",
        )
    shared_topic = same_question or topic >= 0.5
    if (
        ClaimKind.DENIAL.value in kinds
        and len(kinds) > 1
        and not same_speaker
        and (same_question or topic >= 0.5)
        and meaning >= 0.5
    ):
        return _make(
            a,
            RelationKind.CONTRADICTS,
            b,
            0.55 + 0.35 * topic,
            "a denial against an assertion on the same subjects",
        )
    if (
        numbers_a
        and numbers_b
        and not numbers_a & numbers_b
        and shared_topic
        and period is not False
        and meaning >= 0.5
        and not same_speaker
    ):
        return _make(
            a,
            RelationKind.CONTRADICTS,
            b,
            0.5 + 0.4 * meaning,
            f"same subjects and period, different numbers "
            f"({sorted(numbers_a)} against {sorted(numbers_b)})",
        )
    if same_question and ClaimKind.EVENT.value in kinds and period is False and a.kind == b.kind:
        return _make(
            a,
            RelationKind.CONTRADICTS,
            b,
            0.55 + 0.3 * meaning,
            f"same event, dates that do not overlap ({a.about} against {b.about})",
        )
    if same_document and same_speaker and topic >= 0.5 and meaning >= 0.55:
        return _make(
            a,
            RelationKind.REFINES,
            b,
            0.3 + 0.3 * topic + 0.3 * meaning,
            f"the same speaker on the same subjects ({topic:.0%} shared)",
        )
    if not same_speaker and (same_question or topic >= 0.5) and meaning >= 0.55:
        independent = "different outlets" if a.outlet_id != b.outlet_id else "same outlet"
        return _make(
            a,
            RelationKind.CORROBORATES,
            b,
            0.25 + 0.35 * topic + 0.35 * meaning,
            f"different speakers ({independent}) say much the same "
            f"({meaning:.0%} similar, {topic:.0%} shared subjects)",
        )
    return None


def _make(a: ClaimFacts, kind: RelationKind, b: ClaimFacts, score: float, reason: str):
    return Suggestion(
        claim=a.id, kind=kind.value, other=b.id, score=round(min(score, 1.0), 3), reason=reason
    )


def claim_vectors(conn: sqlite3.Connection, facts: dict[str, ClaimFacts]) -> np.ndarray:
    """Embeddings of the claims' restatements, in sorted id order, cached beside the database."""
    from .embed import VectorCache

    database = next(
        (row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), ""
    )
    path = Path(database).with_name(Path(database).name + "-vectors.npz") if database else None
    return VectorCache(path).get([facts[claim_id].text for claim_id in sorted(facts)])


def neighbour_pairs(ids: list[str], vectors: np.ndarray, k: int = NEIGHBOURS) -> set:
    """Each claim with its ``k`` closest claims in meaning."""
    pairs = set()
    for start in range(0, len(ids), 512):
        block = vectors[start : start + 512] @ vectors.T
        for row, similarities in enumerate(block):
            similarities[start + row] = -1.0
            for other in np.argpartition(-similarities, min(k, len(ids) - 1))[:k]:
                a, b = ids[start + row], ids[int(other)]
                if a != b:
                    pairs.add((a, b) if a < b else (b, a))
    return pairs


def rank(facts: dict[str, ClaimFacts], vectors: np.ndarray) -> list[Suggestion]:
    """Every candidate pair scored by meaning fused with the rules, best first.

    Candidates share a question, a subject or a place, or are among each other's closest
    claims in meaning. The score is the cosine similarity of the two restatements plus small
    weights for shared subjects, places and question and for the rule that fired (tuned on
    the tuning split only); the kind and reason come from the rule, else from who says it.
    """
    ids = sorted(facts)
    position = {claim_id: i for i, claim_id in enumerate(ids)}
    ranked = []
    for a_id, b_id in candidate_pairs(facts) | neighbour_pairs(ids, vectors):
        a, b = facts[a_id], facts[b_id]
        cosine = float(vectors[position[a_id]] @ vectors[position[b_id]])
        rule = score_pair(a, b)
        shared = (
            WEIGHTS["subjects"] * _jaccard(a.subjects, b.subjects)
            + WEIGHTS["places"] * _jaccard(a.places, b.places)
            + WEIGHTS["question"] * (a.question is not None and a.question == b.question)
        )
        score = cosine + shared + (WEIGHTS["rule"] * rule.score if rule else 0.0)
        if rule is not None:
            kind, reason = rule.kind, f"{rule.reason}; {cosine:.0%} close in meaning"
        else:
            kind, reason = _kind_by_meaning(a, b, cosine)
        ranked.append(Suggestion(a_id, kind, b_id, round(score, 3), reason))
    ranked.sort(key=lambda s: (-s.score, s.claim, s.other))
    return ranked


def _kind_by_meaning(a: ClaimFacts, b: ClaimFacts, cosine: float) -> tuple[str, str]:
    if a.speaker_id == b.speaker_id and a.document_id == b.document_id:
        return RelationKind.REFINES.value, f"the same speaker, {cosine:.0%} close in meaning"
    independent = "different outlets" if a.outlet_id != b.outlet_id else "same outlet"
    return (
        RelationKind.CORROBORATES.value,
        f"different speakers ({independent}), {cosine:.0%} close in meaning",
    )


def suggest(
    conn: sqlite3.Connection, include_known: bool = False, min_score: float = MIN_SCORE
) -> list[Suggestion]:
    """Ranked suggestions for pairs the ledger does not already relate (any kind)."""
    facts = load_facts(conn)
    related = (
        set()
        if include_known
        else {
            tuple(sorted(pair))
            for pair in conn.execute("SELECT claim_id, other_claim_id FROM relations")
        }
    )
    ranked = rank(facts, claim_vectors(conn, facts))
    return [
        s
        for s in ranked
        if s.score >= min_score and tuple(sorted((s.claim, s.other))) not in related
    ]


def split_of(a: str, b: str) -> str:
    """Which evaluation split a pair of claims falls in: a stable 70/30 hash split."""
    digest = hashlib.sha256("|".join(sorted((a, b))).encode()).digest()
    return "held-out" if digest[0] < 77 else "tuning"


def evaluate(conn: sqlite3.Connection, min_score: float = MIN_SCORE) -> dict:
    """How the suggestions meet the curated relations, per split, as a list and as a ranking.

    Every pair of claims falls in one split by a hash of its ids, so the held-out split is a
    fair sample of both the curated relations and the suggester's mistakes; weights and
    thresholds were tuned looking only at the tuning split. As a list: precision, recall and
    precision@20 of the pairs scoring at least ``min_score``. As a ranking: for each curated
    relation, where the other claim lands among one claim's candidates, best of the two ends
    (Recall@10, mean reciprocal rank; a pair never proposed counts as not found). Kind
    accuracy is over the curated pairs listed.
    """
    gold = {}
    for claim_id, kind, other_id in conn.execute(
        "SELECT claim_id, kind, other_claim_id FROM relations WHERE origin = 'curated'"
    ):
        gold[tuple(sorted((claim_id, other_id)))] = kind
    facts = load_facts(conn)
    ranked = rank(facts, claim_vectors(conn, facts))
    by_claim: dict[str, list[str]] = defaultdict(list)
    kinds = {}
    for s in ranked:
        by_claim[s.claim].append(s.other)
        by_claim[s.other].append(s.claim)
        kinds[tuple(sorted((s.claim, s.other)))] = s.kind
    listed = [s for s in ranked if s.score >= min_score]
    suggested = {tuple(sorted((s.claim, s.other))) for s in listed}
    results = {}
    for split in ("tuning", "held-out", "all"):

        def in_split(pair: tuple[str, str], split: str = split) -> bool:
            return split == "all" or split_of(*pair) == split

        gold_pairs = {p for p in gold if in_split(p)}
        suggested_pairs = {p for p in suggested if in_split(p)}
        hits = gold_pairs & suggested_pairs
        top = [p for p in (tuple(sorted((s.claim, s.other))) for s in listed) if in_split(p)]
        ranks = [_rank(by_claim, a, b) for a, b in sorted(gold_pairs)]
        results[split] = {
            "curated": len(gold_pairs),
            "suggested": len(suggested_pairs),
            "found": len(hits),
            "precision": _ratio(len(hits), len(suggested_pairs)),
            "precision_at_20": _ratio(len(set(top[:20]) & gold_pairs), min(20, len(top))),
            "recall": _ratio(len(hits), len(gold_pairs)),
            "recall_at_10": _ratio(sum(r is not None and r <= 10 for r in ranks), len(ranks)),
            "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3) if ranks else 0.0,
            "kind_accuracy": _ratio(sum(kinds[p] == gold[p] for p in hits), len(hits)),
        }
    return results


def _rank(by_claim: dict[str, list[str]], a: str, b: str) -> int | None:
    """Where b lands among a's candidates (or a among b's), 1 for first; None if never."""
    found = [
        candidates.index(other) + 1
        for claim, other in ((a, b), (b, a))
        if other in (candidates := by_claim.get(claim, []))
    ]
    return min(found) if found else None


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def store(db_path, suggestions: Iterable[Suggestion], by: str) -> int:
    """Record suggestions as relations of origin suggested, each through the journal."""
    from ..actions import relate

    count = 0
    for suggestion in suggestions:
        relate(
            db_path,
            suggestion.claim,
            suggestion.kind,
            suggestion.other,
            by,
            f"Suggested ({suggestion.score:.2f}): {suggestion.reason}",
            origin="suggested",
        )
        count += 1
    return count
