"""The login limiter's window and the cookie hardening, on their own."""

from ledger.web.guard import LoginLimiter, harden_cookie


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
