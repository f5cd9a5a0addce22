"""The login limiter's window, the cookie hardening and the SQL connection's bounds, on their own.

The same defences attacked over HTTP are in tests/test_attacks_http.py.
"""

import sqlite3

import pytest

from ledger.web.guard import (
    COLUMNS_MAX,
    RESULT_MAX,
    VALUE_MAX,
    LoginLimiter,
    bound_connection,
    harden_cookie,
)


def test_limiter_blocks_after_max_failures_and_forgets_after_the_window():
    limiter = LoginLimiter(max_failures=3, window=60)
    keys = ["addr:1.2.3.4", "user:checker"]
    for t in (0, 1, 2):
        assert limiter.blocked(keys, now=t) == 0
        limiter.failed(keys, now=t)
    assert limiter.blocked(keys, now=3) == 57
    assert limiter.blocked(keys, now=61) == 0
    limiter.failed(keys, now=70)
    limiter.succeeded(keys)
    assert limiter.blocked(keys, now=71) == 0


def test_only_the_actor_cookie_is_changed():
    assert harden_cookie(b"ds_actor=abc; Path=/") == b"ds_actor=abc; Path=/; HttpOnly; SameSite=Lax"
    assert (
        harden_cookie(b"ds_actor=abc; HttpOnly; SameSite=Strict")
        == b"ds_actor=abc; HttpOnly; SameSite=Strict"
    )
    assert harden_cookie(b"ds_csrftoken=x; Path=/") == b"ds_csrftoken=x; Path=/"


def bounded_connection() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row  # as Datasette sets it before the plugin's hook runs
    bound_connection(conn)
    return conn


def test_a_value_up_to_the_bound_is_read_and_a_longer_one_is_never_made():
    conn = bounded_connection()
    row = conn.execute("SELECT zeroblob(?) AS value", (VALUE_MAX,)).fetchone()
    assert len(row["value"]) == VALUE_MAX  # rows keep the names Datasette reads them by
    with pytest.raises(sqlite3.DataError, match="string or blob too big"):
        conn.execute("SELECT zeroblob(?)", (VALUE_MAX + 1,))
    with pytest.raises(sqlite3.DataError, match="string or blob too big"):
        conn.execute("SELECT hex(zeroblob(?))", (VALUE_MAX // 2 + 1,))


def test_a_result_wider_than_the_bound_is_refused():
    conn = bounded_connection()
    assert len(conn.execute("SELECT " + ", ".join(["1"] * COLUMNS_MAX)).fetchone()) == COLUMNS_MAX
    with pytest.raises(sqlite3.OperationalError, match="too many columns"):
        conn.execute("SELECT " + ", ".join(["1"] * (COLUMNS_MAX + 1)))


def test_each_query_may_return_up_to_the_bound_in_strings_and_blobs():
    conn = bounded_connection()
    value = 100_000
    rows = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT zeroblob(?) FROM n"
    )
    within = RESULT_MAX // value
    for _ in range(2):  # the count starts afresh with each query
        assert len(conn.execute(rows, (within, value)).fetchall()) == within
    with pytest.raises(sqlite3.OperationalError, match="query result larger than 32 MB"):
        conn.execute(rows, (within + 1, value)).fetchall()


def test_functions_that_reveal_internals_are_denied():
    conn = bounded_connection()
    for sql in ("SELECT fts3_tokenizer('simple')", "SELECT FTS3_Tokenizer('porter', x'00')"):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            conn.execute(sql)
    assert conn.execute("SELECT hex('ok')").fetchone()[0] == "6F6B"
