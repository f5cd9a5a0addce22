"""An ASGI guard in front of Datasette: slows password guessing and hardens the session cookie.

* Failed fact-checker logins (`POST /-/login` answered without a redirect) are counted per
  client address and per user name; after `MAX_FAILURES` within `WINDOW` seconds further
  attempts get 429 until the window has passed. A successful login clears the count.
* The signed actor cookie (`ds_actor`) is sent HttpOnly (scripts cannot read it) and
  SameSite=Lax (other sites cannot send it with a POST).
"""

from __future__ import annotations

import time
import urllib.parse
from collections import defaultdict, deque

MAX_FAILURES = 5
WINDOW = 300.0
LOGIN_PATH = "/-/login"


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


def guard(app, limiter: LoginLimiter | None = None):
    """Wrap an ASGI app with the login limiter and the cookie hardening."""
    limiter = limiter or LoginLimiter()

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        keys: list[str] = []
        is_login = scope["path"] == LOGIN_PATH and scope["method"] == "POST"
        if is_login:
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            user = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("username", [""])[0]
            client = (scope.get("client") or ("unknown", 0))[0]
            keys = [f"addr:{client}", f"user:{user}"]
            wait = limiter.blocked(keys)
            if wait:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"retry-after", str(int(wait) + 1).encode()),
                        ],
                    }
                )
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"Too many failed logins; try again later.\n",
                    }
                )
                return
            sent = False

            async def replay():
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive_for_app = replay
        else:
            receive_for_app = receive

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [
                    (name, harden_cookie(value) if name.lower() == b"set-cookie" else value)
                    for name, value in message.get("headers", [])
                ]
                if is_login:
                    if message["status"] in (301, 302, 303):
                        limiter.succeeded(keys)
                    elif message["status"] == 200:
                        limiter.failed(keys)
            await send(message)

        return await app(scope, receive_for_app, send_guarded)

    return guarded
