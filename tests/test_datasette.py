"""The seed ledger served by a real Datasette process, queried over loopback HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from ledger.build import check

from .conftest import SEEDS, Server, configured_facets


@pytest.fixture(scope="module")
def seed_ledger():
    return check(SEEDS)


def facet(http, name: str, query: str = "") -> dict:
    payload = http.get(f"/ledger/claims.json?_facet={name}&_size=0{query}").json()
    return {item["value"]: item["count"] for item in payload["facet_results"][name]["results"]}


def test_status_facet_counts_equal_the_seeds(http, seed_ledger):
    expected = Counter(c.status.value for c in seed_ledger.claims)
    assert facet(http, "status") == dict(expected)


def test_outlet_facet_counts_equal_the_seeds(http, seed_ledger):
    expected = Counter(c.outlet for c in seed_ledger.claims)
    assert facet(http, "outlet_id") == dict(expected)


def test_every_configured_facet_is_computed(http):
    payload = http.get("/ledger/claims.json?_size=0").json()
    assert {
        "status",
        "outlet_id",
        "speaker_id",
        "kind",
        "anonymous",
        "place_id",
        "said_on_earliest",
    } <= configured_facets()
    assert set(payload["facet_results"]) == configured_facets()
    assert payload.get("facets_timed_out", []) == []


def test_search_finds_a_quoted_word(http, seed_ledger):
    claim = next(c for c in seed_ledger.claims if "Tafas" in c.quote)
    rows = http.get("/ledger/claims.json?_search=Tafas&_shape=objects").json()["rows"]
    assert claim.id in {row["id"] for row in rows}


def test_search_by_alias_finds_claims_about_the_place(http, seed_ledger):
    about_jassim = {c.id for c in seed_ledger.claims if "jassim" in c.places}
    assert about_jassim
    rows = http.get("/ledger/claims.json?_search=Jasim&_shape=objects&_size=max").json()["rows"]
    assert about_jassim <= {row["id"] for row in rows}


def test_claim_page_highlights_the_quote_in_its_paragraph(http, seed_ledger):
    claim = seed_ledger.claims[0]
    page = http.get(f"/ledger/claims/{claim.id}")
    assert page.status_code == 200
    html = page.text
    assert '<mark class="ledger-quote">' in html
    marked = html.split('<mark class="ledger-quote">', 1)[1].split("</mark>", 1)[0]
    from html import unescape

    assert unescape(marked) == claim.quote
    assert 'class="ledger-context"' in html  # the surrounding paragraph is shown too


def test_status_is_shown_as_label_with_definition(http):
    html = http.get("/ledger/claims").text
    assert 'class="ledger-status ledger-status-unverified"' in html
    assert 'title="Not yet checked against other sources' in html


def test_canned_queries_run(http):
    for name in ("contradictions", "competing_attributions", "anonymous_claims"):
        response = http.get(f"/ledger/{name}.json?_shape=objects")
        assert response.status_code == 200, name
        assert "rows" in response.json()
    anonymous = http.get("/ledger/anonymous_claims.json?_shape=objects").json()["rows"]
    assert anonymous and all(row["source_described_as"] for row in anonymous)


def test_foreign_keys_show_names(http):
    import re

    html = http.get("/ledger/claims?_size=5").text
    cells = re.findall(r'<td class="col-outlet_id[^"]*">(.*?)</td>', html, re.S)
    assert cells and all(
        re.search(
            r">(Syria Direct|The New Arab|Enab Baladi|The Syrian "
            r"Observatory for Human Rights)</a>",
            c,
        )
        for c in cells
    )


def test_public_cannot_write_through_sql(http):
    response = http.get("/ledger.json", params={"sql": "DELETE FROM claims"})
    assert response.status_code == 400
    assert http.get("/ledger/claims.json?_size=0").json()["filtered_table_rows_count"] > 0


def test_mini_ledger_contradiction_shows_on_claim_page(mini_db):
    server = Server(mini_db)
    try:
        with server.client() as client:
            html = client.get("/ledger/claims/daily-200-homes").text
    finally:
        server.stop()
    assert "ledger-relation-contradicts" in html
    assert "120 homes flooded against more than 200." in html


def test_the_plugin_keeps_its_hooks_when_the_ledger_is_imported_first():
    # Importing ledger.web must not load Datasette's plugins: that would register this
    # package half-imported, with no hooks (facets, JSON renderer and pages silently gone).
    code = (
        "import ledger.web.guard\n"
        "from datasette.plugins import pm\n"
        "plugin = pm.get_plugin('claim_ledger')\n"
        "hooks = {h.name for h in pm.get_hookcallers(plugin)}\n"
        "wanted = {'register_facet_classes', 'register_output_renderer', 'register_routes'}\n"
        "assert wanted <= hooks, hooks\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_readers_mistake_is_an_error_page_without_a_traceback_in_the_log(seed_server, http):
    before = len(seed_server.output())
    assert http.get("/ledger/claims/no-such-claim").status_code == 404
    assert http.get("/ledger.json?sql=selct+1").status_code == 400
    assert "Record not found" in http.get("/ledger/claims/no-such-claim").text
    log = seed_server.output()[before:]
    assert '"GET /ledger/claims/no-such-claim HTTP/1.1" 404' in log  # the access log keeps it
    assert '"GET /ledger.json?sql=selct+1 HTTP/1.1" 400' in log
    assert "Traceback" not in log and "NotFound" not in log and "locals" not in log
