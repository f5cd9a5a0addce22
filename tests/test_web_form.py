"""The fact-checkers' form on the claim page, over real HTTP: who may post, and what it records.

Tests that write nothing share one server (`shared_mini_server`); a test that records a change or
fills the login limiter has its own (`mini_server`).
"""

from __future__ import annotations

import sqlite3

from ledger import audit

from .conftest import csrf_token, log_in

CLAIM = "/ledger/claims/daily-200-homes"
VERIFY = "/-/ledger/ledger/claims/daily-200-homes/verify"
RELATE = "/-/ledger/ledger/claims/daily-200-homes/relate"


def status_of(db, claim_id="daily-200-homes"):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT status FROM claims WHERE id = ?", (claim_id,)).fetchone()[0]
    finally:
        conn.close()


def journal_size(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    finally:
        conn.close()


def test_fact_checker_changes_status_and_sees_history(mini_server, mini_db):
    with mini_server.client() as client:
        assert log_in(client, "checker").status_code == 302
        page = client.get(CLAIM).text
        assert 'id="ledger-verify-form"' in page
        response = client.post(
            VERIFY,
            data={
                "csrftoken": csrf_token(page),
                "status": "confirmed",
                "rationale": "Council flood register lists 214 homes",
                "evidence": "https://example.org/register\nweekly-120-homes",
            },
        )
        assert response.status_code == 302
        page = client.get(CLAIM).text
    assert status_of(mini_db) == "confirmed"
    assert "Recorded as journal entry 2." in page
    assert "Unverified → Confirmed" in page
    assert "Council flood register lists 214 homes" in page
    assert 'href="https://example.org/register"' in page
    conn = sqlite3.connect(mini_db)
    entry = conn.execute("SELECT actor_id, evidence FROM journal WHERE seq = 2").fetchone()
    assert entry == ("checker", '["https://example.org/register","weekly-120-homes"]')
    assert audit.verify(conn).ok


def test_refused_change_is_explained_and_writes_nothing(shared_mini_server, shared_mini_db):
    with shared_mini_server.client() as client:
        log_in(client, "checker")
        page = client.get(CLAIM).text
        client.post(
            VERIFY,
            data={
                "csrftoken": csrf_token(page),
                "status": "false",
                "rationale": "Made up",
                "evidence": "",
            },
        )
        page = client.get(CLAIM).text
    assert "Not recorded: status false needs at least one piece of evidence" in page
    assert status_of(shared_mini_db) == "unverified"
    assert journal_size(shared_mini_db) == 1


def test_fact_checker_relates_two_claims(mini_server, mini_db):
    with mini_server.client() as client:
        log_in(client, "checker")
        page = client.get(CLAIM).text
        client.post(
            RELATE,
            data={
                "csrftoken": csrf_token(page),
                "kind": "corroborates",
                "other": "daily-novak-reservoir",
                "rationale": "Same release, same day",
            },
        )
        page = client.get("/ledger/claims/daily-novak-reservoir").text
    assert "Same release, same day" in page
    assert "ledger-relation-corroborates" in page


def test_anonymous_reader_sees_history_but_no_form_and_cannot_post(
    shared_mini_server, shared_mini_db
):
    with shared_mini_server.client() as client:
        page = client.get("/ledger/claims/weekly-novak-warnings-sent").text
        assert "Status history" in page and "Unverified → Disputed" in page
        assert "ledger-verify-form" not in page
        # A reader with a valid CSRF token but no login is still refused.
        token = csrf_token(client.get("/-/login").text)
        response = client.post(
            VERIFY, data={"csrftoken": token, "status": "disputed", "rationale": "x"}
        )
    assert response.status_code == 403
    assert status_of(shared_mini_db) == "unverified"
    assert journal_size(shared_mini_db) == 1


def test_logged_in_editor_is_forbidden(shared_mini_server, shared_mini_db):
    with shared_mini_server.client() as client:
        assert log_in(client, "reader").status_code == 302
        page = client.get(CLAIM).text
        assert "ledger-verify-form" not in page
        token = csrf_token(client.get("/-/login").text)
        response = client.post(
            VERIFY, data={"csrftoken": token, "status": "disputed", "rationale": "x"}
        )
    assert response.status_code == 403
    assert journal_size(shared_mini_db) == 1


def test_post_without_csrf_token_is_refused(shared_mini_server, shared_mini_db):
    with shared_mini_server.client() as client:
        log_in(client, "checker")
        response = client.post(VERIFY, data={"status": "disputed", "rationale": "x"})
    assert response.status_code == 403
    assert status_of(shared_mini_db) == "unverified"


def test_wrong_password_does_not_log_in(shared_mini_server):
    with shared_mini_server.client() as client:
        response = log_in(client, "checker", password="wrong")
        assert response.status_code == 200
        assert "Invalid username or password" in response.text
        assert "ledger-verify-form" not in client.get(CLAIM).text


def test_every_write_route_refuses_the_public(shared_mini_server, shared_mini_db):
    with shared_mini_server.client() as client:
        token = csrf_token(client.get("/-/login").text)
        for action in ("verify", "relate", "unrelate"):
            response = client.post(
                f"/-/ledger/ledger/claims/daily-200-homes/{action}",
                data={
                    "csrftoken": token,
                    "status": "false",
                    "kind": "contradicts",
                    "other": "weekly-120-homes",
                    "rationale": "x",
                    "evidence": "https://x.org",
                },
            )
            assert response.status_code == 403, action
    assert journal_size(shared_mini_db) == 1
    assert status_of(shared_mini_db) == "unverified"


def test_sql_that_writes_is_refused(shared_mini_server, shared_mini_db):
    with shared_mini_server.client() as client:
        for sql in (
            "update claims set status = 'false'",
            "delete from journal",
            "insert into actors (id, name, role) values ('x', 'x', 'curator')",
            "drop table journal",
            "pragma writable_schema = 1",
        ):
            response = client.get("/ledger.json", params={"sql": sql})
            assert response.status_code in (400, 403), sql
    assert status_of(shared_mini_db) == "unverified" and journal_size(shared_mini_db) == 1


def test_session_cookie_is_httponly_and_samesite(shared_mini_server):
    with shared_mini_server.client() as client:
        response = log_in(client, "checker")
        cookie = next(
            v
            for k, v in response.headers.multi_items()
            if k.lower() == "set-cookie" and v.startswith("ds_actor=")
        )
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_failed_logins_are_rate_limited(mini_server):
    with mini_server.client() as client:
        statuses = [log_in(client, "checker", password=f"wrong{i}").status_code for i in range(6)]
        assert statuses[:5] == [200] * 5 and statuses[5] == 429
        # Even the right password waits until the window has passed.
        blocked = log_in(client, "checker")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    with mini_server.client() as other:
        # Another user name from the same address is limited too (by address).
        assert log_in(other, "reader").status_code == 429
