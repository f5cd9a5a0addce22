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


def test_editor_reads_competing_attributions_and_a_claim_page(seed_server, page):
    page.goto(seed_server.url + "/")
    page.click("text=competing attributions")
    page.wait_for_url("**/-/questions")
    block = page.locator('section[data-question="killing-of-osama-al-azizi"]')
    assert block.locator("h2").inner_text().startswith("When and by whom was Osama al-Azizi")
    rows = block.locator("tr.ledger-version")
    assert rows.count() >= 2
    outlets = {rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())}
    assert {"Syria Direct", "Enab Baladi"} <= outlets
    rows.first.locator("td a").first.click()
    page.wait_for_url("**/ledger/claims/**")
    # The quote is highlighted inside its paragraph, and the contradiction is side by side.
    mark = page.locator("mark.ledger-quote")
    assert mark.is_visible()
    paragraph = page.locator(".ledger-quote-in-context blockquote").inner_text()
    assert mark.inner_text() in paragraph and len(paragraph) > len(mark.inner_text())
    contradicts = page.locator('.ledger-relation-group[data-kind="contradicts"]')
    assert contradicts.is_visible()
    assert "February" in contradicts.inner_text() or "January" in contradicts.inner_text()
    assert (
        page.locator(".ledger-question-link a")
        .get_attribute("href")
        .endswith("#killing-of-osama-al-azizi")
    )
