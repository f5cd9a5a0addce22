"""The attacks of issue 14 on a running server, over loopback HTTP; each must be refused.

Credentials: the only way to act as a fact-checker is the `ds_actor` cookie from `POST /-/login`,
which the limiter sees first. Public SQL: one query cannot make the server hold more than a
bounded amount of memory, nor read internals. Rerun with `pytest tests/test_attacks_http.py`.

A test that fills the login limiter has a server of its own (`mini_server`); the others share one.
"""

from __future__ import annotations

import base64
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from datasette_auth_passwords.utils import hash_password

from ledger.web.guard import VALUE_MAX

from .conftest import PASSWORD, Server, csrf_token, log_in
from .test_web_form import VERIFY, journal_size, status_of

FORM = {
    "status": "confirmed",
    "rationale": "written without the form's token",
    "evidence": "https://example.org/register",
}


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def from_address(server: Server, address: str) -> httpx.Client:
    """A client whose TCP peer address is `address` (every 127/8 address reaches loopback)."""
    return server.client(transport=httpx.HTTPTransport(local_address=address))


def actor(client: httpx.Client, **kwargs) -> dict | None:
    return client.get("/-/actor.json", **kwargs).json()["actor"]


def try_password(client: httpx.Client, form: dict, **kwargs) -> httpx.Response:
    """POST /-/login with these fields (a list repeats a field, in order) and the CSRF token."""
    token = csrf_token(client.get("/-/login").text)
    return client.post("/-/login", data={**form, "csrftoken": token}, **kwargs)


# Item 1 and item 9: no credential road beside the login form.


def test_http_basic_with_the_right_password_is_not_a_login(shared_mini_server):
    with shared_mini_server.client() as client:
        assert actor(client, headers=basic("checker", PASSWORD)) is None


def test_http_basic_post_without_cookie_writes_nothing(shared_mini_server, shared_mini_db):
    response = httpx.post(
        shared_mini_server.url + VERIFY, data=FORM, headers=basic("checker", PASSWORD)
    )
    assert response.status_code == 403
    assert journal_size(shared_mini_db) == 1 and status_of(shared_mini_db) == "unverified"


def test_session_cookie_with_a_bearer_header_still_needs_the_csrf_token(
    shared_mini_server, shared_mini_db
):
    with shared_mini_server.client() as client:
        assert log_in(client, "checker").status_code == 302
        response = client.post(VERIFY, data=FORM, headers={"Authorization": "Bearer x"})
    assert response.status_code == 403
    assert journal_size(shared_mini_db) == 1 and status_of(shared_mini_db) == "unverified"


# Item 2: hashing is after the limiter and off the event loop; no public hashing service.


def test_wrong_passwords_at_once_neither_stall_the_server_nor_pass_the_limiter(mini_server):
    # Timed on this machine now, as loaded as the server is: one hash and one ordinary request.
    began = time.perf_counter()
    hash_password("x")
    one_hash = time.perf_counter() - began
    began = time.perf_counter()
    httpx.get(mini_server.url + "/-/versions.json", timeout=60).raise_for_status()
    ordinary = time.perf_counter() - began
    attempts = 16
    start = threading.Barrier(attempts + 1)
    statuses: list[int] = []

    def guess(i: int) -> None:
        # Each from an address of its own, so only the per-user count holds them back.
        with from_address(mini_server, f"127.0.1.{i + 1}") as client:
            user = ("checker", "reader")[i % 2]
            form = {"username": user, "password": f"wrong{i}"}  # no cookie: no CSRF token needed
            start.wait()
            statuses.append(client.post("/-/login", data=form).status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(0.1)  # the guesses are in; an ordinary reader arrives behind them
    began = time.perf_counter()
    httpx.get(mini_server.url + "/-/versions.json", timeout=60).raise_for_status()
    waited = time.perf_counter() - began
    for thread in threads:
        thread.join()
    # On the event loop the reader waited for every hash queued before it (~15); now for none.
    assert waited < ordinary + 2 * one_hash
    # 5 failures per user name: only 10 of the 16 guesses may reach the hash.
    assert sorted(statuses) == [200] * 10 + [429] * 6


def test_the_password_tool_is_not_public(shared_mini_server):
    with shared_mini_server.client() as client:
        token = csrf_token(client.get("/-/login").text)
        response = client.post("/-/password-tool", data={"password": "x", "csrftoken": token})
    assert response.status_code in (403, 404)
    assert "pbkdf2_sha256$" not in response.text


# Item 3: the limiter cannot be fooled about the user name or the address.


def test_a_decoy_user_name_does_not_get_past_a_locked_account(mini_server):
    with from_address(mini_server, "127.0.0.2") as client:
        for i in range(5):
            assert log_in(client, "checker", password=f"wrong{i}").status_code == 200
    with from_address(mini_server, "127.0.0.3") as client:
        response = try_password(client, {"username": ["decoy", "checker"], "password": PASSWORD})
        assert response.status_code == 429
        assert actor(client) is None


def test_a_forged_x_forwarded_for_does_not_give_a_fresh_count(mini_server):
    with mini_server.client() as client:
        statuses = [
            try_password(
                client,
                {"username": f"guess{i}", "password": "wrong"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in range(6)
        ]
    assert statuses == [200] * 5 + [429]


# Item 8: the public SQL connection is bounded and reveals no internals.


@pytest.fixture(scope="module")
def sql_server(seed_db: Path):
    """A server of its own, so that its peak memory is this module's doing."""
    server = Server(seed_db)
    yield server
    server.stop()


def peak_memory(server: Server) -> int:
    """The server process's peak resident memory so far, in bytes (Linux)."""
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def sql(server: Server, query: str) -> httpx.Response:
    return httpx.get(server.url + "/ledger.json", params={"sql": query}, timeout=60)


MB = 1_000_000


def test_a_huge_value_is_refused_before_it_is_made(sql_server):
    before = peak_memory(sql_server)
    response = sql(sql_server, "select hex(zeroblob(100000000))")
    assert response.status_code == 400
    assert "string or blob too big" in response.json()["error"]
    assert len(response.content) < 10_000
    assert peak_memory(sql_server) - before < 50 * MB


def test_many_copies_of_a_large_value_are_refused(sql_server):
    # Each value is under the bound, but 20 columns x 100 rows of 230 KB make 460 MB.
    columns = ", ".join(["x"] * 20)
    value = f"hex(zeroblob({(VALUE_MAX - 20_000) // 2}))"
    query = f"with big(x) as (select {value}) select {columns} from big, claims limit 100"
    before = peak_memory(sql_server)
    response = sql(sql_server, query)
    assert response.status_code == 400
    assert "query result larger than" in response.json()["error"]
    assert peak_memory(sql_server) - before < 150 * MB


def test_fts3_tokenizer_does_not_reveal_an_address(sql_server):
    for query in ("select fts3_tokenizer('simple')", "select hex(FTS3_TOKENIZER('porter'))"):
        response = sql(sql_server, query)
        assert response.status_code in (400, 403), query
        assert "not authorized" in response.json()["error"], query


def test_the_largest_stored_values_are_still_served(sql_server, seed_db):
    conn = sqlite3.connect(seed_db)
    doc_id, length = conn.execute(
        "select id, length(text) from documents order by length(text) desc limit 1"
    ).fetchone()
    claims = conn.execute("select count(*) from claims").fetchone()[0]
    conn.close()
    rows = httpx.get(
        f"{sql_server.url}/ledger/documents/{doc_id}.json", params={"_shape": "array"}, timeout=60
    ).json()
    assert len(rows[0]["text"]) == length
    # Every claim with its document's text: about 7 MB, well inside the bounds.
    with_texts = sql(
        sql_server,
        "select documents.text, claims.* from claims join documents on documents.id = document_id",
    )
    assert with_texts.status_code == 200 and len(with_texts.json()["rows"]) == claims
    every_claim = httpx.get(f"{sql_server.url}/ledger/claims.json?_size=max", timeout=60)
    assert every_claim.status_code == 200
