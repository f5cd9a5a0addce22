"""What protects the running server from its public: how a request is authenticated, how password
guessing is slowed, and how much one SQL query may cost.

Authentication has one road. The only credential is Datasette's signed `ds_actor` cookie, and
the only place that issues it is `login_view` (`/-/login`):

* it counts every attempt, per peer address and per user name, before the password is checked;
  after `MAX_FAILURES` within `WINDOW` seconds further attempts get 429 until the window has
  passed, and a successful login clears the count;
* the pbkdf2 hash (480,000 rounds) runs in a worker thread of its own, never on the event loop;
* the user name it counts is the one whose password it checks (one parse of the form);
* the address is the TCP peer: `trust_no_proxy` stops uvicorn replacing it with the client's own
  `X-Forwarded-For`.

`guard` wraps the whole app. It drops `Authorization` headers, because datasette-auth-passwords
accepts HTTP Basic on every request (a road the limiter never sees) and asgi-csrf skips its check
for any request with `Authorization: Bearer`; and it sends the actor cookie HttpOnly (scripts
cannot read it) and SameSite=Lax (other sites cannot send it with a POST).

`bound_connection` limits every SQLite connection Datasette opens (so the public SQL interface
and every page): the size of one value, the columns of a result, the bytes of strings and blobs
one query returns, and the functions that reveal internals.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
import urllib.parse
import weakref
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor

from datasette.utils.asgi import Response
from datasette_auth_passwords.utils import verify_password

from ..accounts import password_hashes

MAX_FAILURES = 5
WINDOW = 300.0
HASH_THREADS = 1  # password checks take one core at most; readers keep the others
LOGIN_ROUTE = r"^/-/login$"
PASSWORD_TOOL_ROUTE = r"^/-/password-tool$"

VALUE_MAX = 250_000  # bytes in one string or blob; above drafts.MAX_ARTICLE_BYTES (200,000)
COLUMNS_MAX = 64  # columns in a table or result; the widest table (claims) has 31. With
# VALUE_MAX it bounds one row (16 MB), which Python builds whole before it can be counted.
RESULT_MAX = 32_000_000  # bytes of strings and blobs in one query's rows
DENIED_FUNCTIONS = frozenset({"fts3_tokenizer"})  # returns a raw memory address

_hashing = ThreadPoolExecutor(HASH_THREADS, thread_name_prefix="password-hash")


class LoginLimiter:
    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW):
        self.max_failures, self.window = max_failures, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, keys: list[str], now: float | None = None) -> float:
        """Seconds until another attempt is allowed, or 0."""
        now = time.monotonic() if now is None else now
        waits = [
            self.window - (now - times[0])
            for times in (self._recent(k, now) for k in keys)
            if len(times) >= self.max_failures
        ]
        return max(waits, default=0.0)

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self.failures.pop(key, None)


def login_view():
    """The `/-/login` view: datasette-auth-passwords' form and accounts, behind the limiter."""
    limiter = LoginLimiter()  # one per server: attempts counted across requests

    async def login(request, datasette):
        config = datasette.plugin_config("datasette-auth-passwords") or {}
        # accounts: `ledger fact-checker`'s environment variables, and the plugin's own
        hashes = password_hashes() | {
            key.removesuffix("_password_hash"): value
            for key, value in config.items()
            if key.endswith("_password_hash") and value
        }
        error = None if hashes else "This instance does not have any configured accounts"
        if request.method == "POST":
            body = (await request.post_body()).decode("utf-8", "replace")
            form = dict(urllib.parse.parse_qsl(body))
            username, password = form.get("username", ""), form.get("password", "")
            keys = [f"addr:{(request.scope.get('client') or ('unknown',))[0]}", f"user:{username}"]
            wait = limiter.blocked(keys)
            if wait:
                return Response.text(
                    "Too many failed logins; try again later.\n",
                    status=429,
                    headers={"retry-after": str(int(wait) + 1)},
                )
            # Counted as failed until the hash says otherwise, so guesses sent at once cannot
            # all pass the check above while the first ones are still hashing.
            limiter.failed(keys)
            check = (_hashing, verify_password, password, hashes.get(username))
            if await asyncio.get_running_loop().run_in_executor(*check):
                limiter.succeeded(keys)
                actor = (config.get("actors") or {}).get(username) or {"id": username}
                response = Response.redirect(datasette.urls.path("/"))
                response.set_cookie("ds_actor", datasette.sign({"a": actor}, "actor"))
                return response
            error = "Invalid username or password"
        page = await datasette.render_template(
            "password_login.html", {"error": error}, request=request
        )
        return Response.html(page)

    return login


async def password_tool_not_served():
    """datasette-auth-passwords' tool hashes any password for anyone: a free way to load the CPU."""
    return Response.text(
        "Not found. Make a password hash with `datasette hash-password` on the server.\n",
        status=404,
    )


def trust_no_proxy() -> None:
    """Make uvicorn keep the TCP peer as the client address unless the operator names a proxy.

    By default uvicorn believes `X-Forwarded-For` from loopback, so anyone on the machine could
    choose the address the limiter counts. uvicorn reads this variable when `datasette serve`
    starts it, after the app (and so this hook) is built. Behind a reverse proxy, set it to the
    proxy's address.
    """
    os.environ.setdefault("FORWARDED_ALLOW_IPS", "")


def harden_cookie(value: bytes) -> bytes:
    """Add HttpOnly and SameSite=Lax to a Set-Cookie header value for the actor cookie."""
    text = value.decode("latin-1")
    if not text.startswith("ds_actor="):
        return value
    parts = [p.strip() for p in text.split(";")]
    lower = {p.lower().split("=")[0] for p in parts}
    if "httponly" not in lower:
        parts.append("HttpOnly")
    if "samesite" not in lower:
        parts.append("SameSite=Lax")
    return "; ".join(parts).encode("latin-1")


def guard(app):
    """Wrap an ASGI app: no `Authorization` header reaches it, and the actor cookie is hardened."""

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [
                    (name, harden_cookie(value) if name.lower() == b"set-cookie" else value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        return await app(dict(scope, headers=headers), receive, send_guarded)

    return guarded


def _deny_internals(action, _arg1, arg2, *_):
    # For a function call SQLite passes the function's name as the second argument.
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def bound_connection(conn: sqlite3.Connection) -> None:
    """Bound what one query on this connection can make the server hold, and deny internals.

    SQLite refuses a value over `VALUE_MAX` before making it; the rows' strings and blobs are
    counted as they reach Python, where Datasette's time limit no longer applies.
    """
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_MAX)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, COLUMNS_MAX)
    conn.set_authorizer(_deny_internals)
    returned: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()
    make_row = conn.row_factory or (lambda _cursor, values: values)

    def counted_row(cursor, values):
        size = returned.get(cursor, 0)
        size += sum(len(v) for v in values if isinstance(v, (str, bytes)))
        if size > RESULT_MAX:
            raise sqlite3.OperationalError(
                f"query result larger than {RESULT_MAX // 1_000_000} MB; "
                "select fewer rows or columns"
            )
        returned[cursor] = size
        return make_row(cursor, values)

    conn.row_factory = counted_row
