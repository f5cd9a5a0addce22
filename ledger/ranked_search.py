"""Ranked full-text search that stays fast for the commonest words of a published snapshot.

FTS5 ranks by bm25 every row a query matches, so a word found in a third of a million claims
costs a third of a million scores on each request. A snapshot never changes, so `ledger
publish` ranks once the single-word queries that match at least `SHARE` of the claims (and
`MIN_DOCS`), storing each one's answer — the live query's own, run with that word — in
`search_top`. A query is looked up there
only when it is one bare word: FTS5 itself turns it into its stemmed term, by matching it against
`search_terms`, a small FTS5 table with the same tokenizer holding one spelling of each ranked
term.

A query of several such words costs FTS5 a bm25 score for every claim holding them all (a ninth
of a million claims for two words in a third each), and the pairs are too many to rank in
advance. FTS5's bm25 of a query is a sum, phrase by phrase, of a score that depends only on the
phrase's frequency in the claim, the claim's length in tokens and the phrase's document count.
So `ledger publish` also stores, for each common term, its frequency in every claim
(`search_postings`), and every claim's length (`search_documents`); `ledger_ranked(q)`, a SQL
function the snapshot's server registers (`register`), computes the same sums in the same order
with numpy — the same floating-point operations, so the same numbers, which `build` checks
against FTS5 for each term — and returns the best rows. Every other query — a phrase, a prefix,
a rarer word — is ranked by FTS5 as before. The snapshot's `search_claims` is the live one
rewritten by `snapshot_sql`.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
import zlib
from dataclasses import dataclass

import numpy as np

from .files import uri

SHARE = 0.05
MIN_DOCS = 5000
TOP_TABLE = "search_top"
TERMS_TABLE = "search_terms"
POSTINGS_TABLE = "search_postings"
DOCUMENTS_TABLE = "search_documents"
K1, B = 1.2, 0.75
"""FTS5's bm25 constants."""
RANKED_ROWS = 1000
"""Rows `ledger_ranked` returns, best first: the search's page and then some (its joins, on
foreign keys, drop none)."""
BARE_WORD = "trim(:q) <> '' AND trim(:q) NOT GLOB '*[^0-9A-Za-z]*'"
"""SQL true when the query is one bare word (ASCII letters and digits), the only kind stored."""
STORED = f"""with stored as (
  select claim_rowid, position from {TOP_TABLE}
   where term_id = (
     case when {BARE_WORD} then (
       select rowid from {TERMS_TABLE} where {TERMS_TABLE} match '"' || trim(:q) || '"') end)
  union all
  select json_extract(value, '$[0]'), json_extract(value, '$[1]')
    from json_each(ledger_ranked(:q))
)
"""
FROM_FTS = re.compile(r"\bfrom\s+claims_fts\b", re.IGNORECASE)
MATCH_FTS = re.compile(r"\bclaims_fts\s+match\s+", re.IGNORECASE)
SELECT_LIST = re.compile(r"^\s*select\b.*?\bfrom\s+claims_fts\b", re.IGNORECASE | re.DOTALL)


def _match_expression(sql: str) -> tuple[int, int, str] | None:
    """Where `claims_fts match <expression>` sits in ``sql``, and the expression."""
    found = MATCH_FTS.search(sql)
    if found is None:
        return None
    start = end = found.end()
    if sql[start : start + 1] == "(":  # a parenthesised expression: find its closing bracket
        depth, quoted = 0, None
        for end in range(start, len(sql)):
            char = sql[end]
            if quoted:
                quoted = None if char == quoted else quoted
            elif char in "'\"":
                quoted = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    break
        end += 1
    else:
        end = start + len(re.match(r"[:@$]?\w+", sql[start:]).group(0))
    return found.start(), end, sql[start:end]


def snapshot_sql(live_sql: str) -> str:
    """The live `search_claims` SQL, reading the stored ranking when there is one.

    `claims_fts` becomes the stored rows followed by FTS5's own; FTS5 is told to skip its work
    when a stored answer exists by a rowid bound (it ranks inside its own scan, before any
    other condition of the query is looked at). SQL of another shape is returned unchanged.
    """
    match = _match_expression(live_sql)
    if match is None or not FROM_FTS.search(live_sql):
        return live_sql
    start, end, expression = match
    rest = live_sql[:start] + "1" + live_sql[end:]
    source = (
        "from (select claim_rowid as rowid, position as rank from stored union all "
        f"select rowid, rank from claims_fts where claims_fts match {expression} "
        f"and rowid <= (case when exists (select 1 from stored) then -1 else {2**63 - 1} end)"
        ") as claims_fts"
    )
    return STORED + FROM_FTS.sub(lambda _: source, rest, count=1)


TOKEN = re.compile(r"[^\W_]+")
"""A token as FTS5's unicode61 tokenizer cuts them: a run of letters and digits."""


def build(
    conn: sqlite3.Connection,
    live_sql: str,
    table: str = "claims",
    fts: str = "claims_fts",
    min_docs: int = MIN_DOCS,
) -> int:
    """Rank the common single-word queries once, with the live query itself (``live_sql``, its
    select list aside); return how many were stored."""
    claims = conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    threshold = max(min_docs, int(claims * SHARE))
    ranking = SELECT_LIST.sub("select claims_fts.rowid from claims_fts", live_sql, count=1)
    conn.execute(f"CREATE VIRTUAL TABLE {TERMS_TABLE} USING fts5(word, tokenize='porter')")
    conn.execute(
        f"CREATE TABLE {TOP_TABLE} (term_id INTEGER, position INTEGER, claim_rowid INTEGER, "
        "PRIMARY KEY (term_id, position)) WITHOUT ROWID"
    )
    conn.execute(
        f"CREATE TABLE {POSTINGS_TABLE} (term_id INTEGER PRIMARY KEY, idf REAL, width INTEGER, "
        "frequencies BLOB)"
    )
    conn.execute(
        f"CREATE TABLE {DOCUMENTS_TABLE} (row_count INTEGER, average_tokens REAL, rowids BLOB, "
        "tokens BLOB)"
    )
    conn.execute(f"CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, [{fts}], row)")
    conn.execute(f"CREATE VIRTUAL TABLE temp.places USING fts5vocab(main, [{fts}], instance)")
    try:
        common = conn.execute(
            "SELECT term, doc FROM temp.terms WHERE doc >= ? ORDER BY term", (threshold,)
        ).fetchall()
        stored = 0
        postings = _Documents.build(conn, fts)
        for term, documents in common:
            word = _spelling(conn, table, fts, term, documents)
            if word is None:
                continue  # asked for, it is ranked by FTS5 as any other query
            stored += 1
            postings.store(conn, fts, stored, term, word)
            conn.execute(f"INSERT INTO {TERMS_TABLE} (rowid, word) VALUES (?, ?)", (stored, word))
            conn.executemany(
                f"INSERT INTO {TOP_TABLE} VALUES (?, ?, ?)",
                (
                    (stored, position, rowid)
                    for position, (rowid,) in enumerate(conn.execute(ranking, {"q": word}))
                ),
            )
        return stored
    finally:
        conn.execute("DROP TABLE temp.terms")
        conn.execute("DROP TABLE temp.places")


def _spelling(conn, table: str, fts: str, term: str, documents: int) -> str | None:
    """A bare word, as written in some claim, that FTS5 turns into ``term`` (or None)."""
    doc, column, offset = conn.execute(
        "SELECT doc, col, offset FROM temp.places WHERE term = ? LIMIT 1", (term,)
    ).fetchone()
    text = conn.execute(f"SELECT [{column}] FROM [{table}] WHERE rowid = ?", (doc,)).fetchone()[0]
    tokens = TOKEN.findall(text or "")
    if offset >= len(tokens) or not re.fullmatch(r"[0-9A-Za-z]+", tokens[offset]):
        return None
    word = tokens[offset]
    # The word must be that term and nothing else: it finds exactly the term's documents.
    found = conn.execute(
        f"SELECT count(*) FROM [{fts}] WHERE [{fts}] MATCH ?", (f'"{word}"',)
    ).fetchone()[0]
    return word if found == documents else None


def _varint_sum(blob: bytes) -> int:
    """The sum of the varints in an FTS5 `docsize` record: a row's tokens, all columns."""
    total = value = 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            total, value = total + value, 0
    return total


@dataclass
class _Documents:
    """Every row of the FTS index: its rowid and its length in tokens, as bm25 reads them."""

    rowids: np.ndarray
    tokens: np.ndarray
    average_tokens: float

    @classmethod
    def build(cls, conn: sqlite3.Connection, fts: str) -> _Documents:
        rows = conn.execute(f"SELECT id, sz FROM [{fts}_docsize] ORDER BY id").fetchall()
        rowids = np.array([rowid for rowid, _ in rows], dtype=np.int64)
        tokens = np.array([_varint_sum(sz) for _, sz in rows], dtype=np.float64)
        # FTS5: the tokens of every column of every row over the rows, as doubles.
        average = float(int(tokens.sum())) / float(len(rows)) if rows else 0.0
        conn.execute(
            f"INSERT INTO {DOCUMENTS_TABLE} VALUES (?, ?, ?, ?)",
            (
                len(rows),
                average,
                zlib.compress(rowids.tobytes()),
                zlib.compress(tokens.astype(np.int32).tobytes()),
            ),
        )
        return cls(rowids, tokens, average)

    def store(self, conn: sqlite3.Connection, fts: str, term_id: int, term: str, word: str):
        """Store ``term``'s frequency in every row, if its scores come out as FTS5's."""
        found = conn.execute(
            "SELECT doc, count(*) FROM temp.places WHERE term = ? GROUP BY doc", (term,)
        ).fetchall()
        docs = np.array([doc for doc, _ in found], dtype=np.int64)
        counts = np.array([count for _, count in found], dtype=np.int64)
        width = 1 if counts.max(initial=0) <= 0xFF else 2
        frequencies = np.zeros(len(self.rowids), dtype=np.uint8 if width == 1 else np.uint16)
        frequencies[np.searchsorted(self.rowids, docs)] = counts
        idf = _idf(len(self.rowids), len(docs))
        # Checked on a run of the term's rows against FTS5's own scores: a term whose scores
        # differ is not stored, and queries with it are ranked by FTS5.
        sample = docs[:2000]
        if len(sample):
            expected = conn.execute(
                f"SELECT rowid, rank FROM [{fts}] WHERE [{fts}] MATCH ? "
                "AND rowid BETWEEN ? AND ? ORDER BY rowid",
                (f'"{word}"', int(sample[0]), int(sample[-1])),
            ).fetchall()
            positions = np.searchsorted(self.rowids, sample)
            ranks = -1.0 * (0.0 + self.scores(idf, frequencies, positions))
            if [rowid for rowid, _ in expected] != sample.tolist() or not np.array_equal(
                np.array([rank for _, rank in expected]), ranks
            ):
                return
        conn.execute(
            f"INSERT INTO {POSTINGS_TABLE} VALUES (?, ?, ?, ?)",
            (term_id, idf, width, zlib.compress(frequencies.tobytes())),
        )

    def scores(self, idf: float, frequencies: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """One phrase's bm25 term in the rows at ``positions``, as FTS5 computes it."""
        f = frequencies[positions].astype(np.float64)
        length = self.tokens[positions]
        return idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * length / self.average_tokens)))


def _idf(rows: int, hits: int) -> float:
    idf = math.log((rows - hits + 0.5) / (hits + 0.5))
    return idf if idf > 0.0 else 1e-6


class _Postings:
    """A snapshot's stored frequencies, read once per process (terms as they are asked for);
    `ranked` ranks a query of common words, `matching` finds its rows."""

    _loaded: dict[tuple, _Postings | None] = {}
    _lock = threading.Lock()
    CACHED_TERMS = 32

    def __init__(self, path: str, documents: _Documents):
        self.path, self.documents = path, documents
        self._local = threading.local()
        self._terms: dict[int, tuple[float, np.ndarray] | None] = {}

    @classmethod
    def get(cls, path: str) -> _Postings | None:
        with cls._lock:
            if path not in cls._loaded:
                conn = sqlite3.connect(uri(path, "immutable=1"), uri=True)
                try:
                    row = conn.execute(
                        f"SELECT row_count, average_tokens, rowids, tokens FROM {DOCUMENTS_TABLE}"
                    ).fetchone()
                except sqlite3.OperationalError:  # a ledger without stored postings
                    row = None
                finally:
                    conn.close()
                cls._loaded[path] = None
                if row is not None:
                    rowids = np.frombuffer(zlib.decompress(row[2]), dtype=np.int64)
                    tokens = np.frombuffer(zlib.decompress(row[3]), dtype=np.int32)
                    documents = _Documents(rowids, tokens.astype(np.float64), row[1])
                    cls._loaded[path] = cls(path, documents)
            return cls._loaded[path]

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = sqlite3.connect(uri(self.path, "immutable=1"), uri=True)
        return conn

    def _term(self, word: str) -> tuple[float, np.ndarray] | None:
        """The stored idf and frequencies of the term FTS5 makes of ``word``, if stored."""
        conn = self._connection()
        found = conn.execute(
            f"SELECT p.term_id, p.idf, p.width, p.frequencies FROM {TERMS_TABLE} t "
            f"JOIN {POSTINGS_TABLE} p ON p.term_id = t.rowid WHERE {TERMS_TABLE} MATCH ?",
            (f'"{word}"',),
        ).fetchone()
        if found is None:
            return None
        term_id, idf, width, blob = found
        with self._lock:
            if term_id not in self._terms:
                if len(self._terms) >= self.CACHED_TERMS:
                    self._terms.pop(next(iter(self._terms)))
                dtype = np.uint8 if width == 1 else np.uint16
                self._terms[term_id] = (idf, np.frombuffer(zlib.decompress(blob), dtype=dtype))
            return self._terms[term_id]

    def matching(self, words: list[str]) -> np.ndarray | None:
        """The rows holding every word (as FTS5 matches `"w1" "w2"`), as a mask over
        `documents.rowids`; None unless every word is a stored term."""
        terms = [self._term(word) for word in words]
        if not terms or any(term is None for term in terms):
            return None
        present = terms[0][1] > 0
        for _, frequencies in terms[1:]:
            present &= frequencies > 0
        return present

    def ranked(self, words: list[str], limit: int) -> list[list] | None:
        """The best ``limit`` rows of the query matching every word as a phrase, as
        [rowid, bm25] best first (FTS5's order: by score, then rowid); None unless every word
        is a stored term."""
        present = self.matching(words)
        if present is None:
            return None
        terms = [self._term(word) for word in words]
        positions = np.flatnonzero(present)
        score = np.zeros(len(positions))
        for idf, frequencies in terms:  # phrase by phrase, as FTS5 adds them
            score = score + self.documents.scores(idf, frequencies, positions)
        rank = -1.0 * score
        rowids = self.documents.rowids[positions]
        if len(rank) > limit:
            threshold = np.partition(rank, limit - 1)[limit - 1]
            chosen = np.flatnonzero(rank <= threshold)
            rank, rowids = rank[chosen], rowids[chosen]
        order = np.lexsort((rowids, rank))[:limit]
        return [[int(rowids[i]), float(rank[i])] for i in order]


def postings(path: str) -> _Postings | None:
    """The stored frequencies of a snapshot's common terms (None: it has none), per process."""
    return _Postings.get(path)


BARE_WORDS = re.compile(r"[0-9A-Za-z]+")


def register(conn: sqlite3.Connection, path: str) -> None:
    """Give ``conn`` the function `ledger_ranked(q)` the snapshot's `search_claims` calls: the
    ranking of a query of common words from the stored frequencies, as JSON, or NULL (FTS5 then
    ranks it) for any other query or a database without them."""

    def ledger_ranked(query):
        if not isinstance(query, str):
            return None
        words = query.strip(" ").split(" ")
        if len(words) < 2 or not all(BARE_WORDS.fullmatch(word) for word in words):
            return None
        postings = _Postings.get(path)
        ranked = postings.ranked(words, RANKED_ROWS) if postings is not None else None
        return json.dumps(ranked) if ranked else None

    conn.create_function("ledger_ranked", 1, ledger_ranked)
