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


def test_html_in_a_quote_or_note_is_shown_as_text(mini_seeds, tmp_path, page):
    import hashlib

    from ledger.build import build

    from .conftest import Server

    payload = "<script>window.__pwned = 1</script>"
    note = '<img src="x" onerror="window.__pwned = 2">'
    text_file = mini_seeds / "documents" / "daily-2024-01-10.txt"
    data = text_file.read_bytes() + f"\nThe mayor wrote {payload} on the notice board.\n".encode()
    text_file.write_bytes(data)
    doc = mini_seeds / "documents" / "daily-2024-01-10.yml"
    doc.write_text(
        doc.read_text().replace(
            "sha256: bc51820b8aadc77257025798ccf18ff4637811a6a256d6939ae351a569098004",
            f"sha256: {hashlib.sha256(data).hexdigest()}",
        )
        + f"""
  - id: daily-script-notice
    quote: "The mayor wrote {payload} on the notice board"
    text: 'The mayor posted a notice {note}'
    speaker: riverton-council
    speaker_label: the mayor
    kind: event
    note: '{note}'
"""
    )
    db = tmp_path / "ledger.db"
    build(mini_seeds, db)
    server = Server(db)
    try:
        for path in (
            "/ledger/claims/daily-script-notice",
            "/ledger/claims?_search=notice",
            "/ledger/documents/daily-2024-01-10",
        ):
            page.goto(server.url + path)
            assert page.evaluate("window.__pwned") is None, path
        page.goto(server.url + "/ledger/claims/daily-script-notice")
        assert payload in page.locator("mark.ledger-quote").inner_text()
        assert note in page.locator("h1.ledger-claim-text").inner_text()
    finally:
        server.stop()
