"""The verification rules: each a small function over a built ledger, returning findings.

A finding names its rule, its severity (an error is refused, a warning is shown), the claims it
is about and one plain sentence saying why. ``run_rules`` runs every rule in one pass, over the
whole ledger or only over the findings that touch some claims (what a status change can alter).

The rules read the tables (claims, relations, status_evidence, the journal) with set-based SQL
and keep per-claim work small, so they run on the seed ledger, on the live ledger before every
change and in ``ledger audit``. They read who supports whom from ``ledger/standing.py``;
``derive_question_relations`` records the relations the rule question-versions-linked derives.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .errors import Problem, SeedErrors
from .standing import (
    FAILED,
    LINKING,
    OPEN,
    SUPPORTING,
    Scope,
    claim_facts,
    current_status_entry,
    dependence,
    drift,
    linking_relations,
    opposed_pairs,
    same_source_groups,
    sql_in,
    support_table,
)
from .vocabulary import RelationKind, RelationOrigin, Rule, Severity, Status, SubjectRole


@dataclass(frozen=True)
class Finding:
    """What a rule found: the claims concerned and one sentence saying why."""

    rule: Rule
    severity: Severity
    claims: tuple[str, ...]
    message: str
    accepted: str | None = None
    """The rationale of whoever accepted the warning, when it is accepted."""
    mutual: bool = False
    """Whether the finding is about all its claims alike; otherwise about its first claim."""

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.rule.value, self.severity.value, self.claims)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def concerns(self, claim_id: str) -> bool:
        """Whether an acceptance recorded on this claim can accept the finding."""
        return claim_id == self.claims[0] or (self.mutual and claim_id in self.claims)

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.value,
            "severity": self.severity.value,
            "claims": list(self.claims),
            "message": self.message,
            "accepted": self.accepted,
        }

    def __str__(self) -> str:
        return finding_line(self.as_dict())


def finding_line(finding: dict) -> str:
    """A finding as `Finding.as_dict` gives it, in one line: `warning: rule: why (accepted: …)`."""
    accepted = f" (accepted: {finding['accepted']})" if finding.get("accepted") else ""
    return f"{finding['severity']}: {finding['rule']}: {finding['message']}{accepted}"


class RuleErrors(SeedErrors):
    """The seeds break a rule in a way that cannot be accepted: each error is a problem."""

    def __init__(self, findings: list[Finding], where: str):
        self.findings = findings
        super().__init__([Problem(where, None, str(f)) for f in findings if f.is_error])


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def summary(findings: list[Finding]) -> str:
    """'2 errors, 5 warnings (3 accepted)' — one line for the CLI."""
    errs = len(errors(findings))
    warnings = [f for f in findings if not f.is_error]
    accepted = sum(1 for f in warnings if f.accepted)
    return (
        f"{errs} error{'s' if errs != 1 else ''}, {len(warnings)} "
        f"warning{'s' if len(warnings) != 1 else ''} ({accepted} accepted)"
    )


def run_rules(conn: sqlite3.Connection, claim_ids: Scope = None) -> list[Finding]:
    """Every rule in one pass: all findings, or those touching ``claim_ids``; accepted marked."""
    scope = None if claim_ids is None else sorted(set(claim_ids))
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(conn, scope))
    if scope is not None:
        wanted = set(scope)
        findings = [f for f in findings if wanted.intersection(f.claims)]
    findings = _mark_accepted(conn, findings)
    findings.sort(key=lambda f: (not f.is_error, f.rule.value, f.claims))
    return findings


@dataclass(frozen=True)
class Verdicts:
    """The rules over a whole live ledger, and whether the columns they keep are current."""

    findings: list[Finding]
    stale: list[str]
    """Where independent_supports, contradicted_by or status_evidence disagree with the ledger."""

    @property
    def ok(self) -> bool:
        return not self.stale and not errors(self.findings)

    @property
    def summary(self) -> str:
        stale = f"{len(self.stale)} stale counts" if self.stale else "the counts are current"
        return f"{summary(self.findings)}; {stale}"


def audit(conn: sqlite3.Connection) -> Verdicts:
    """Every rule over the ledger, and a check that the rules' columns are current."""
    return Verdicts(run_rules(conn), drift(conn))


def caused_by_change(before: list[Finding], after: list[Finding]) -> list[Finding]:
    """Findings present after a change and not before it."""
    seen = {f.key for f in before}
    return [f for f in after if f.key not in seen]


# -- the rules -------------------------------------------------------------------------------


def independence(conn: sqlite3.Connection, scope: Scope) -> list[Finding]:
    """A corroborated claim needs an independent source: a corroborating claim that counts as
    one (claims.independent_supports), or a source outside the ledger cited by its URL."""
    where, params = sql_in("c.id", scope)
    unsupported = [
        claim_id
        for (claim_id,) in conn.execute(
            f"""
            SELECT c.id FROM claims c
             WHERE c.status = 'corroborated' AND c.independent_supports = 0 AND {where}
               AND NOT EXISTS (SELECT 1 FROM status_evidence se
                                WHERE se.claim_id = c.id AND se.evidence_claim_id IS NULL)
             ORDER BY c.id
            """,
            params,
        )
    ]
    supports = support_table(conn, unsupported) if unsupported else {}
    findings = []
    for claim_id in unsupported:
        listed = supports.get(claim_id, [])
        if listed:
            why = "; ".join(f"{s.claim}: {s.reason}" for s in listed)
            message = (
                f"{claim_id} is corroborated, but none of the claims supporting it is an "
                f"independent source ({why}), and its status cites no source outside the ledger."
            )
        else:
            message = (
                f"{claim_id} is corroborated, but no claim is linked to it as corroborating and "
                "its status cites no source outside the ledger."
            )
        findings.append(Finding(Rule.INDEPENDENCE, Severity.ERROR, (claim_id,), message))
    return findings


def circular_support(conn: sqlite3.Connection, scope: Scope) -> list[Finding]:
    """Claims whose statuses cite only each other must hold two independent sources among
    them; otherwise the circle is one voice echoing itself: an error for each such circle."""
    edges: dict[str, list[str]] = {}
    grounded: set[str] = set()
    frontier = None if scope is None else list(scope)
    seen: set[str] = set()
    queried: set[str] = set(frontier or ())
    while True:
        where, params = sql_in("se.claim_id", frontier)
        rows = conn.execute(
            "SELECT se.claim_id, se.evidence_claim_id, cited.status FROM status_evidence se "
            "JOIN claims c ON c.id = se.claim_id "
            "LEFT JOIN claims cited ON cited.id = se.evidence_claim_id "
            f"WHERE c.status IN ('corroborated', 'confirmed') AND {where}",
            params,
        ).fetchall()
        nxt = []
        for claim_id, cited, cited_status in rows:
            seen.add(claim_id)
            if cited is None or cited_status not in SUPPORTING:
                grounded.add(claim_id)  # a URL, or a claim that stands on its own statement
                continue
            edges.setdefault(claim_id, []).append(cited)
            if cited not in seen:
                nxt.append(cited)
        if frontier is None or not nxt:
            break
        frontier = sorted(set(nxt) - queried)
        queried.update(frontier)
        if not frontier:
            break
    findings = []
    for component in _strongly_connected(edges):
        members = set(component)
        if len(members) < 2 or members & grounded:
            continue
        if any(c not in members for m in members for c in edges.get(m, [])):
            continue
        if _holds_independent_pair(conn, sorted(members)):
            continue
        claims = tuple(sorted(members))
        findings.append(
            Finding(
                Rule.CIRCULAR_SUPPORT,
                Severity.ERROR,
                claims,
                f"The statuses of {', '.join(claims)} cite only each other as evidence, and no "
                "two of them are independent sources: support that runs only in a circle "
                "counts for nothing. Cite a source outside the circle, or lower a status.",
            )
        )
    return findings


def _holds_independent_pair(conn: sqlite3.Connection, claims: list[str]) -> bool:
    facts = claim_facts(conn, claims)
    same = same_source_groups(conn)
    repeats = {
        frozenset((a, b))
        for a, _kind, b, _origin in linking_relations(conn, claims, (RelationKind.REPEATS.value,))
    }
    return any(
        dependence(facts[a], facts[b], repeats, same) is None
        and dependence(facts[b], facts[a], repeats, same) is None
        for i, a in enumerate(claims)
        for b in claims[i + 1 :]
    )


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (evidence chains can be long)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(edges.get(start, [])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, []))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def evidence_linked(conn: sqlite3.Connection, scope: Scope) -> list[Finding]:
    """A claim cited as evidence for a status is related to the claim."""
    where, params = sql_in("se.claim_id", scope)
    rows = conn.execute(
        f"""
        SELECT se.claim_id, se.evidence_claim_id FROM status_evidence se
         WHERE se.evidence_claim_id IS NOT NULL AND {where}
           AND NOT EXISTS (
             SELECT 1 FROM relations r WHERE r.{LINKING} AND (
               (r.claim_id = se.claim_id AND r.other_claim_id = se.evidence_claim_id)
               OR (r.claim_id = se.evidence_claim_id AND r.other_claim_id = se.claim_id)))
         ORDER BY 1, 2
        """,
        params,
    ).fetchall()
    return [
        Finding(
            Rule.EVIDENCE_LINKED,
            Severity.ERROR,
            (claim_id, cited),
            f"The status of {claim_id} cites {cited} as evidence, but no relation links the two "
            "claims: relate them, saying what agrees or differs.",
        )
        for claim_id, cited in rows
    ]


def _addresses(conn: sqlite3.Connection, claim_id: str, other: str) -> bool:
    """Whether the claim's current status entry cites or names the other claim."""
    entry = current_status_entry(conn, claim_id)
    return entry is not None and (other in entry[1] or other in entry[0])


def contradictions_faced(conn: sqlite3.Connection, scope: Scope) -> list[Finding]:
    """Opposed claims cannot both stand; one standing against an equal rival must say why."""
    findings = []
    for pair in opposed_pairs(conn, scope):
        verb = "contradict" if pair.kind == RelationKind.CONTRADICTS.value else "compete"
        derived = pair.origin == RelationOrigin.DERIVED.value
        if pair.status_a in SUPPORTING and pair.status_b in SUPPORTING:
            findings.append(
                Finding(
                    Rule.CONTRADICTIONS_FACED,
                    Severity.WARNING if derived else Severity.ERROR,
                    tuple(sorted((pair.a, pair.b))),
                    f"{pair.a} ({pair.status_a}) and {pair.b} ({pair.status_b}) {verb}"
                    f"{' (a derived relation)' if derived else ''}, so they cannot both stand: "
                    "make one contested, disputed or false, or withdraw the relation.",
                    mutual=True,
                )
            )
            continue
        for this, other, status, other_status, mine, theirs in (
            (pair.a, pair.b, pair.status_a, pair.status_b, pair.supports_a, pair.supports_b),
            (pair.b, pair.a, pair.status_b, pair.status_a, pair.supports_b, pair.supports_a),
        ):
            if status not in SUPPORTING or other_status in FAILED or theirs < mine:
                continue
            if _addresses(conn, this, other):
                continue
            findings.append(
                Finding(
                    Rule.CONTRADICTIONS_FACED,
                    Severity.WARNING,
                    (this, other),
                    f"{this} is {status} while {other}, which {verb}s with it, has as much "
                    f"independent support ({theirs} against {mine}): it should be contested "
                    f"unless its status's rationale addresses {other}.",
                )
            )
    return findings


def like_situations(conn: sqlite3.Connection, scope: Scope) -> list[Finding]:
    """Opposed versions that stand equal get like statuses, in the pair and across the ledger."""
    findings = []
    standoffs = [
        p
        for p in opposed_pairs(conn, scope)
        if p.status_a in OPEN and p.status_b in OPEN and p.supports_a == p.supports_b
    ]
    examples: dict[str, tuple[str, str] | None] = {}
    for pair in standoffs:
        statuses = {pair.status_a, pair.status_b}
        claims = tuple(sorted((pair.a, pair.b)))
        if statuses == {Status.CONTESTED.value, Status.UNVERIFIED.value}:
            contested, open_ = (
                (pair.a, pair.b) if pair.status_a == Status.CONTESTED.value else (pair.b, pair.a)
            )
            findings.append(
                Finding(
                    Rule.LIKE_SITUATIONS,
                    Severity.WARNING,
                    claims,
                    f"{contested} is contested but {open_}, the version opposing it with as much "
                    "support, is unverified: like situations get like statuses.",
                    mutual=True,
                )
            )
        elif (
            statuses == {Status.UNVERIFIED.value}
            and pair.origin == RelationOrigin.CURATED.value
            and pair.question_a is not None
            and pair.question_a == pair.question_b
        ):
            if pair.question_a not in examples:
                examples[pair.question_a] = _contested_standoff(conn, pair.question_a)
            example = examples[pair.question_a]
            if example is None:
                continue
            findings.append(
                Finding(
                    Rule.LIKE_SITUATIONS,
                    Severity.WARNING,
                    claims,
                    f"{pair.a} and {pair.b} answer the disputed question {pair.question_a} as "
                    f"opposing versions with equal support yet are both unverified, while "
                    f"{example[0]} and {example[1]}, in the same situation, are contested: "
                    "like situations get like statuses.",
                    mutual=True,
                )
            )
    return findings


def _contested_standoff(conn: sqlite3.Connection, other_than: str) -> tuple[str, str] | None:
    """A curated pair of opposed, equally supported versions of another question, both
    contested: the example a standoff left unverified is measured against."""
    return conn.execute(
        """
        SELECT a.id, b.id FROM relations r
          JOIN claims a ON a.id = r.claim_id JOIN claims b ON b.id = r.other_claim_id
         WHERE r.kind IN ('contradicts', 'competes') AND r.origin = 'curated'
           AND a.status = 'contested' AND b.status = 'contested'
           AND a.question IS NOT NULL AND a.question = b.question AND a.question != ?
           AND a.independent_supports = b.independent_supports
         ORDER BY a.question, a.id, b.id LIMIT 1
        """,
        (other_than,),
    ).fetchone()


# -- versions of a disputed question ---------------------------------------------------------

PRECISE_PLACES = ("exact", "locality")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in NUMBER.findall(text)}


@dataclass
class _Version:
    id: str
    text: str
    kind: str
    question: str
    title: str
    about: tuple[str | None, str | None]
    place: str | None
    place_name: str | None
    parties: dict[str, str] = field(default_factory=dict)


def _versions(conn: sqlite3.Connection, scope: Scope) -> dict[str, list[_Version]]:
    """Claims answering a disputed question, by question (only questions touching ``scope``)."""
    where, params = sql_in("c.id", scope)
    rows = conn.execute(
        f"""
        SELECT c.id, c.text, c.kind, c.question, q.title, c.about_earliest, c.about_latest,
               CASE WHEN p.coordinates_precision IN ('exact', 'locality') THEN p.id END,
               p.name
          FROM claims c JOIN questions q ON q.id = c.question
          LEFT JOIN places p ON p.id = c.place_id
         WHERE c.question IN (SELECT question FROM claims c WHERE {where}
                              AND question IS NOT NULL)
         ORDER BY c.question, c.id
        """,
        params,
    ).fetchall()
    versions = {
        row[0]: _Version(row[0], row[1], row[2], row[3], row[4], (row[5], row[6]), row[7], row[8])
        for row in rows
    }
    same = same_source_groups(conn)
    roles = (SubjectRole.ACCUSED.value, SubjectRole.RESPONSIBLE.value)
    for claim_id, entity, name in conn.execute(
        "SELECT cs.claim_id, cs.entity_id, e.name FROM claim_subjects cs "
        "JOIN entities e ON e.id = cs.entity_id "
        f"WHERE cs.role IN {roles} AND cs.claim_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(versions)),),
    ):
        versions[claim_id].parties[same.get(entity, entity)] = name
    by_question: dict[str, list[_Version]] = {}
    for version in versions.values():
        by_question.setdefault(version.question, []).append(version)
    return by_question


def _differences(a: _Version, b: _Version) -> list[str]:
    """How two versions of a question differ: parties, figures, dates, places."""
    found = []
    if a.parties and b.parties and not set(a.parties) & set(b.parties):
        found.append(
            "different parties held responsible ("
            f"{', '.join(sorted(a.parties.values()))} against "
            f"{', '.join(sorted(b.parties.values()))})"
        )
    if a.kind == b.kind == "figure":
        numbers_a, numbers_b = _numbers(a.text), _numbers(b.text)
        if numbers_a and numbers_b and not numbers_a & numbers_b:
            found.append("different figures")
    if a.kind == b.kind == "event":
        if a.about[0] and b.about[0] and (a.about[1] < b.about[0] or b.about[1] < a.about[0]):
            found.append(f"different dates ({a.about[0][:7]} against {b.about[0][:7]})")
        if a.place and b.place and a.place != b.place:
            found.append(f"different places ({a.place_name} against {b.place_name})")
    return found


def differing_versions(
    conn: sqlite3.Connection, scope: Scope
) -> list[tuple[str, str, str, list[str]]]:
    """(claim, other, question title, differences) for versions of a question that differ."""
    pairs = []
    wanted = None if scope is None else set(scope)
    for versions in _versions(conn, scope).values():
        for i, a in enumerate(versions):
            for b in versions[i + 1 :]:
                if wanted is not None and a.id not in wanted and b.id not in wanted:
                    continue
                differences = _differences(a, b)
                if differences:
                    pairs.append((a.id, b.id, a.title, differences))
    return pairs


def _linked_pairs(conn: sqlite3.Connection, ids: list[str], derived: bool) -> set[frozenset]:
    origin = "origin = 'derived'" if derived else f"{LINKING} AND origin != 'derived'"
    where_a, params = sql_in("claim_id", ids)
    where_b, _ = sql_in("other_claim_id", ids)
    return {
        frozenset(pair)
        for pair in conn.execute(
            f"SELECT claim_id, other_claim_id FROM relations WHERE {origin} AND {where_a} "
            f"UNION SELECT claim_id, other_claim_id FROM relations WHERE {origin} AND {where_b}",
            params + params,
        )
    }


def question_versions_linked(conn: sqlite3.Connection, scope: Scope) -> list[Finding]:
    """Differing versions of a disputed question are related (by a person or as derived)."""
    pairs = differing_versions(conn, scope)
    if not pairs:
        return []
    ids = sorted({c for a, b, _, _ in pairs for c in (a, b)})
    linked = _linked_pairs(conn, ids, derived=False) | _linked_pairs(conn, ids, derived=True)
    return [
        Finding(
            Rule.QUESTION_VERSIONS_LINKED,
            Severity.WARNING,
            (a, b),
            f"{a} and {b} answer “{title}” with {'; '.join(differences)}, but no relation "
            "links them.",
            mutual=True,
        )
        for a, b, title, differences in pairs
        if frozenset((a, b)) not in linked
    ]


def derive_question_relations(conn: sqlite3.Connection, claim_ids: Scope = None) -> int:
    """Record a derived competes relation for each pair of differing versions nobody related,
    and withdraw derived ones that no longer hold; return how many are recorded now."""
    scope = None if claim_ids is None else sorted(set(claim_ids))
    pairs = differing_versions(conn, scope)
    ids = scope if scope is not None else None
    linked = _linked_pairs(conn, ids, derived=False)
    wanted = {
        frozenset((a, b)): (a, b, title, differences)
        for a, b, title, differences in pairs
        if frozenset((a, b)) not in linked
    }
    where_a, params = sql_in("claim_id", scope)
    where_b, _ = sql_in("other_claim_id", scope)
    existing = {
        frozenset((a, b)): row_id
        for row_id, a, b in conn.execute(
            f"SELECT id, claim_id, other_claim_id FROM relations WHERE origin = 'derived' "
            f"AND ({where_a} OR {where_b})",
            params + params,
        )
    }
    stale = [row_id for pair, row_id in existing.items() if pair not in wanted]
    conn.executemany("DELETE FROM relations WHERE id = ?", [(r,) for r in stale])
    conn.executemany(
        "INSERT INTO relations (claim_id, kind, other_claim_id, note, added_by, origin) "
        "VALUES (?, 'competes', ?, ?, NULL, 'derived')",
        [
            (
                a,
                b,
                f"Both answer “{title}”, with {'; '.join(differences)}. Derived by the rule "
                "question-versions-linked: no person has related the two claims yet.",
            )
            for pair, (a, b, title, differences) in sorted(wanted.items(), key=lambda w: w[1])
            if pair not in existing
        ],
    )
    return len(wanted)


# -- what a restatement may say ----------------------------------------------------------------

NAME = re.compile(
    r"(?<![A-Za-z'’\-])(?:[A-Z]|(?:al|el|ad|as|ash|ar|an|az|at|ath|bin|ibn|abu|umm)-[A-Z])"
    r"[A-Za-z'’\-]*"
)
"""A capitalised word, or a name led by a lower-case particle (al-Azizi)."""
COMMON_CAPITALS = frozenset(
    """a about according after again against all also although among an and another any as at
    because before both but by despite during each either even for former from further had has
    have he her his however i if in into is it its last local many meanwhile more most mr ms
    much neither next no nor not now of on once one only or other others our over several she
    since so some such than that the their them then there these they this those though three
    through to today two under unlike until up upon we what when where whether which while who
    whom whose why with within without yet you""".split()
)
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
    "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100", "dozens": "12",
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5",
}  # fmt: skip


DIGITS_IN_WORDS: dict[str, list[str]] = {}
for _word, _digits in NUMBER_WORDS.items():
    DIGITS_IN_WORDS.setdefault(_digits, []).append(_word)


class Passage:
    """The words a restatement may use: its quote's paragraph, the speaker as printed, the
    names of what the claim is linked to, and its curated dates."""

    def __init__(self, text: str, dates: frozenset[str]):
        self.raw = text
        self.text = text.lower()
        self.dates = dates
        self._numbers: set[str] | None = None

    def has_word(self, word: str) -> bool:
        # A substring is enough: a name's derived forms (Syria, Syrian) count as present.
        return word in self.dates or word in self.text

    def has_number(self, number: str) -> bool:
        if self._numbers is None:
            self._numbers = _numbers(self.raw)
        return (
            number in self._numbers
            or number in self.dates
            or any(self.has_word(w) for w in DIGITS_IN_WORDS.get(number, ()))
        )


def unsupported_words(text: str, passage: Passage) -> list[str]:
    """Numbers and capitalised names in ``text`` that ``passage`` does not hold."""
    missing = [n for n in sorted(_numbers(text), key=text.find) if not passage.has_number(n)]
    for word in NAME.findall(text):
        word = word.rstrip("'’").removesuffix("'s").removesuffix("’s")
        lowered = word.lower()
        if lowered in COMMON_CAPITALS or word in missing or passage.has_word(lowered):
            continue
        capitalised = [raw.lower() for raw in word.split("-") if raw[:1].isupper()]
        if capitalised and all(passage.has_word(part) for part in capitalised):
            continue
        missing.append(word)
    return missing


MONTHS = (
    "january february march april may june july august september october november december"
).split()


@lru_cache(maxsize=4096)
def _date_words(earliest: str | None, latest: str | None) -> frozenset[str]:
    """The years, months and day a dated period can be written with (2022, may, 4)."""
    if not earliest or not latest:
        return frozenset()
    words = {str(year) for year in range(int(earliest[:4]), int(latest[:4]) + 1)}
    months = (int(latest[:4]) - int(earliest[:4])) * 12 + int(latest[5:7]) - int(earliest[5:7])
    if months < 12:
        first = int(earliest[5:7]) - 1
        words.update(MONTHS[(first + i) % 12] for i in range(months + 1))
    if earliest == latest:
        words.add(str(int(earliest[8:10])))
    return frozenset(words)


def paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the paragraph holding text[start:end] begins and ends (paragraphs run between
    line breaks, which is how the archived captures are laid out)."""
    para_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if para_end == -1 else para_end


def restatement_within_quote(conn: sqlite3.Connection, scope: Scope) -> list[Finding]:
    """Numbers and names in a restatement appear in its quote or the quote's paragraph."""
    where, params = sql_in("c.id", scope)
    findings = []
    document, text = None, ""
    for row in conn.execute(
        f"""
        SELECT c.id, c.text, c.quote, c.anchor_start, c.anchor_end, c.speaker_label, c.names,
               o.name, c.document_id, c.about_earliest, c.about_latest, c.said_on_earliest,
               c.said_on_latest
          FROM claims c JOIN outlets o ON o.id = c.outlet_id
         WHERE {where}
         ORDER BY c.document_id, c.id
        """,
        params,
    ):
        claim_id, restated, quote, start, end, label, names, outlet, document_id = row[:9]
        if document_id != document:
            document = document_id
            text = conn.execute(
                "SELECT text FROM documents WHERE id = ?", (document_id,)
            ).fetchone()[0]
        # Who speaks, the names of what the claim is linked to and its curated dates are
        # attribution and curated fields (each checked on its own), not content the
        # restatement adds.
        para_start, para_end = paragraph_bounds(text, start, end)
        passage = Passage(
            " ".join((quote, text[para_start:para_end], label, names or "", outlet)),
            _date_words(row[9], row[10]) | _date_words(row[11], row[12]),
        )
        missing = unsupported_words(restated, passage)
        if missing:
            shown = ", ".join(f"“{w}”" for w in missing[:6])
            findings.append(
                Finding(
                    Rule.RESTATEMENT_WITHIN_QUOTE,
                    Severity.WARNING,
                    (claim_id,),
                    f"The restatement of {claim_id} says {shown}, found neither in its quote "
                    "nor in the quote's paragraph: split the claim, or keep the restatement to "
                    "what the passage says.",
                )
            )
    return findings


RULES = (
    independence,
    circular_support,
    evidence_linked,
    contradictions_faced,
    like_situations,
    question_versions_linked,
    restatement_within_quote,
)
"""Every rule, in the order of the Rule vocabulary."""


def _mark_accepted(conn: sqlite3.Connection, findings: list[Finding]) -> list[Finding]:
    """Warnings that a curator (seeds) or fact-checker (journal) accepted carry the rationale."""
    claims = sorted({c for f in findings if not f.is_error for c in f.claims})
    if not claims:
        return findings
    accepted: dict[tuple[str, str], str] = {}
    # The two halves of the view accepted_warnings, each through its index; the latest wins.
    for claim_id, rule, rationale, _order in conn.execute(
        """
        SELECT claims.id, json_extract(acceptance.value, '$.rule'),
               json_extract(acceptance.value, '$.rationale'), 0
          FROM claims, json_each(claims.accepted) AS acceptance
         WHERE claims.id IN (SELECT value FROM json_each(:claims))
           AND claims.accepted IS NOT NULL
        UNION ALL
        SELECT journal.claim_id, rule.value, journal.rationale, journal.seq
          FROM journal, json_each(journal.new_value) AS rule
         WHERE journal.claim_id IN (SELECT value FROM json_each(:claims))
           AND journal.action = 'accept'
         ORDER BY 1, 4
        """,
        {"claims": json.dumps(claims)},
    ):
        accepted[(claim_id, rule)] = rationale
    marked = []
    for finding in findings:
        rationale = None
        if not finding.is_error:
            rationale = next(
                (
                    accepted[(c, finding.rule.value)]
                    for c in finding.claims
                    if finding.concerns(c) and (c, finding.rule.value) in accepted
                ),
                None,
            )
        marked.append(replace(finding, accepted=rationale) if rationale else finding)
    return marked
