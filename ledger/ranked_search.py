"""Ranked full-text search that stays fast for the commonest words of a published snapshot.

FTS5 ranks by bm25 every row a query matches, so a word found in a third of a million claims
costs a third of a million scores on each request. A snapshot never changes, so `ledger
publish` ranks once the single-word queries that match at least `SHARE` of the claims (and
`MIN_DOCS`), storing each one's answer — the live query's own, run with that word — in
`search_top`. A query is looked up there
only when it is one bare word: FTS5 itself turns it into its stemmed term, by matching it against
`search_terms`, a small FTS5 table with the same tokenizer holding one spelling of each ranked
term. Every other query — two words, a phrase, a prefix, a rarer word — is ranked by FTS5 as
before. The snapshot's `search_claims` is the live one rewritten by `snapshot_sql`.
"""

from __future__ import annotations

import re
import sqlite3

SHARE = 0.05
MIN_DOCS = 5000
TOP_TABLE = "search_top"
TERMS_TABLE = "search_terms"
BARE_WORD = "trim(:q) <> '' AND trim(:q) NOT GLOB '*[^0-9A-Za-z]*'"
"""SQL true when the query is one bare word (ASCII letters and digits), the only kind stored."""
STORED = f"""with stored as (
  select claim_rowid, position from {TOP_TABLE}
   where term_id = (
     case when {BARE_WORD} then (
       select rowid from {TERMS_TABLE} where {TERMS_TABLE} match '"' || trim(:q) || '"') end)
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
    conn.execute(f"CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, [{fts}], row)")
    conn.execute(f"CREATE VIRTUAL TABLE temp.places USING fts5vocab(main, [{fts}], instance)")
    try:
        common = conn.execute(
            "SELECT term, doc FROM temp.terms WHERE doc >= ? ORDER BY term", (threshold,)
        ).fetchall()
        stored = 0
        for term, documents in common:
            word = _spelling(conn, table, fts, term, documents)
            if word is None:
                continue  # asked for, it is ranked by FTS5 as any other query
            stored += 1
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
