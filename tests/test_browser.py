"""Real-browser tests: Playwright driving Debian's chromium against a real Datasette server."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_fact_checker_confirms_a_claim_in_the_browser(mini_server, page):
    page.goto(mini_server.url + "/-/login")
    page.fill("input[name=username]", "checker")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.goto(mini_server.url + "/ledger/claims/daily-200-homes")
    form = page.locator("#ledger-verify-form")
    form.locator("select[name=status]").select_option("confirmed")
    form.locator("textarea[name=rationale]").fill("The council's flood register lists 214 homes")
    form.locator("textarea[name=evidence]").fill("https://example.org/register")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/ledger/claims/daily-200-homes")
    status = page.locator(".ledger-status-line .ledger-status")
    assert status.inner_text() == "Confirmed"
    entry = page.locator(".ledger-history-entry").last
    assert "Unverified → Confirmed" in entry.inner_text()
    assert "The council's flood register lists 214 homes" in entry.inner_text()
    assert "Test Fact-Checker" in entry.inner_text()
