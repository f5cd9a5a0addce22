"""Public reading: the claims table, canned queries, document page, map, timeline and the
fact-checker's form, over real HTTP and in Debian's chromium at 1280×800 and 390×844."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
import yaml

from ledger.build import check
from ledger.queries import document_view
from ledger.vocabulary import Status
from ledger.web.charts import status_fill
from ledger.web.reading import human_date

from .conftest import METADATA, PASSWORD, ROOT, SEEDS

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def ledger():
    return check(SEEDS)


@pytest.fixture(scope="module")
def canned_queries() -> dict:
    return yaml.safe_load(METADATA.read_text())["databases"]["ledger"]["queries"]


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def public_pages(ledger) -> list[str]:
    claim = next(c for c in ledger.claims if c.question)
    return [
        "/",
        "/ledger/claims",
        f"/ledger/claims/{claim.id}",
        f"/ledger/documents/{claim.document}",
        f"/ledger/entities/{claim.speaker}",
        "/-/questions",
        "/ledger/contradictions",
        "/ledger/competing_attributions",
        "/ledger/claims_map",
        "/ledger/search_claims?q=Harfoush",
        "/-/timeline",
    ]


# ----------------------------------------------------------------- dates in words


@pytest.mark.parametrize(
    ("edtf", "words"),
    [
        ("2024-02-13", "13 February 2024"),
        ("2024-03?", "March 2024 (uncertain)"),
        ("2023-01~", "about January 2023"),
        ("2022-01?/2022-02?", "January – February 2022 (uncertain)"),
        ("2024-02-21/2024-02-29", "21–29 February 2024"),
        ("2018-22", "Summer 2018"),
        ("2022-10/2024-02", "October 2022 – February 2024"),
        ("not a date", "not a date"),
    ],
)
def test_dates_are_shown_in_words_with_their_uncertainty(edtf, words):
    assert human_date(edtf) == words


# ----------------------------------------------------------------- the claims table


def test_claims_table_shows_one_short_row_per_claim_with_its_status(http, ledger):
    html = http.get("/ledger/claims?_size=20").text
    rows = re.findall(
        r'<tr class="ledger-claim-row" data-claim-id="([^"]+)">(.*?)</tr>', html, re.S
    )
    assert len(rows) == 20
    statuses = {c.id: c.status.value for c in ledger.claims}
    for claim_id, row in rows:
        assert f'href="/ledger/claims/{claim_id}"' in row
        status = Status(statuses[claim_id])
        assert f'class="ledger-status ledger-status-{status.value}"' in row
        assert f'title="{status.definition}"' in row  # the definition on hover
    # The glossary is one click away, not above the table; JSON, CSV and every column stay.
    assert html.index('class="ledger-claims-table"') < html.index('id="ledger-glossary"')
    assert re.search(r'href="/ledger/claims\.json\?_size=20[^"]*">json</a>', html)
    assert re.search(r'href="/ledger/claims\.csv\?_size=20[^"]*">CSV</a>', html)
    assert "_layout=columns" in html


def test_every_column_stays_reachable_in_datasettes_own_table(http):
    columns = yaml.safe_load(METADATA.read_text())["databases"]["ledger"]["tables"]["claims"][
        "columns"
    ]
    html = http.get("/ledger/claims?_layout=columns&_size=5").text
    shown = set(re.findall(r'<th [^>]*data-column="([^"]+)"', html))
    assert set(columns) <= shown
    assert 'class="rows-and-columns"' in html  # Datasette's table, with its column menus
    # (Datasette needs the sort column among the chosen ones to page through them.)
    chosen = http.get("/ledger/claims?_col=text&_col=status&_col=said_on_earliest&_size=5").text
    assert set(re.findall(r'<th [^>]*data-column="([^"]+)"', chosen)) == {
        "id",
        "text",
        "status",
        "said_on_earliest",
    }


def test_facets_are_listed_once_and_labelled_for_people(http):
    html = http.get("/ledger/claims?_facet=status&_facet=speaker_id&_facet=status").text
    facets = re.findall(r'<section class="ledger-facet" data-facet="([^"]+)"', html)
    assert len(facets) == len(set(facets))
    assert facets[0] == "status"
    anonymous = html.split('data-facet="anonymous"', 1)[1].split("</section>", 1)[0]
    assert "<h2>Anonymous source" in anonymous
    values = re.findall(r'class="ledger-facet-value"[^>]*>([^<]+)<', anonymous)
    assert sorted(v.strip() for v in values) == ["no", "yes"]
    dates = html.split('data-facet="said_on_earliest"', 1)[1].split("</section>", 1)[0]
    assert "Date said" in dates
    assert "(uncertain)" in dates  # "2024-03?" is not shown as 2024-03-01


def test_a_date_facet_value_names_every_date_it_stands_for(http, ledger):
    uncertain = next(c for c in ledger.claims if c.said_on.endswith("?") and "/" not in c.said_on)
    html = http.get("/ledger/claims").text
    dates = html.split('data-facet="said_on_earliest"', 1)[1].split("</section>", 1)[0]
    assert human_date(uncertain.said_on) in text_of(dates)


# ----------------------------------------------------------------- canned queries


def test_no_canned_query_shows_its_sql_unless_asked(http, canned_queries):
    for name, query in canned_queries.items():
        html = http.get(f"/ledger/{name}").text
        first_line = query["sql"].strip().splitlines()[1].strip()
        assert 'id="sql-query"' not in html, name
        assert unescape(first_line) not in unescape(html), name
        assert "_show_sql=1" in html, name
        shown = http.get(f"/ledger/{name}?_show_sql=1").text
        assert 'id="sql-query"' in shown, name
        assert first_line in unescape(shown), name


def test_canned_queries_have_titles_and_headings_in_words(http, canned_queries):
    titles = [q["title"] for q in canned_queries.values()]
    assert len(titles) == len(set(titles))
    assert "Competing attributions" not in titles  # the questions page's title
    for name, query in canned_queries.items():
        html = http.get(f"/ledger/{name}?q=Daraa").text
        assert f"<title>{query['title']}</title>" in unescape(html), name
        headings = [text_of(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)]
        assert all("_" not in h for h in headings), (name, headings)


def test_claim_ids_in_canned_queries_are_links(http):
    for name in ("contradictions", "competing_attributions", "anonymous_claims"):
        rows = http.get(f"/ledger/{name}.json?_shape=objects").json()["rows"]
        html = http.get(f"/ledger/{name}").text
        assert rows, name
        for row in rows:
            for column in ("claim", "other_claim"):
                if column in row:
                    assert f'href="/ledger/claims/{row[column]}"' in html, (name, row[column])


def test_contradictions_are_a_side_by_side_page(http):
    rows = http.get("/ledger/contradictions.json?_shape=objects").json()["rows"]
    html = http.get("/ledger/contradictions").text
    pairs = re.findall(r'<li class="ledger-pair" data-claim="([^"]+)" data-other="([^"]+)">', html)
    assert pairs == [(r["claim"], r["other_claim"]) for r in rows]
    first = html.split('<li class="ledger-pair"', 2)[1]
    assert first.count('class="ledger-pair-side"') == 2
    assert "What differs:" in first
    assert " ".join(rows[0]["what_differs"].split()) in text_of(first)


def test_search_starts_empty_without_an_error_and_forgives_punctuation(http):
    empty = http.get("/ledger/search_claims")
    assert empty.status_code == 200
    assert "fts5" not in empty.text and "message-error" not in empty.text
    assert "Nothing found" not in empty.text
    found = http.get("/ledger/search_claims.json?q=al-Harfoush&_shape=objects")
    assert found.status_code == 200 and found.json()["rows"]
    phrase = http.get('/ledger/search_claims.json?q="Abu Ishaq"&_shape=objects').json()["rows"]
    assert phrase and phrase[0]["speaker"] == "Abu Ishaq"


def test_map_counts_claims_by_status(http, ledger):
    rows = http.get("/ledger/claims_map.json?_shape=objects").json()["rows"]
    by_place: dict[str, dict[str, str]] = {}
    for claim in ledger.claims:
        for place in claim.places:
            by_place.setdefault(place, {})[claim.id] = claim.status.value
    for row in rows:
        listed = {c["id"]: c["status"] for c in json.loads(row["claim_statuses"])}
        assert listed == by_place[row["place_id"]]
        assert row["claims"] == len(listed)
        assert sum(row[s.value] for s in Status) == row["claims"]
    html = http.get("/ledger/claims_map").text
    assert 'id="ledger-map"' in html and "ledger-map.js" in html
    statuses = json.loads(unescape(re.search(r'data-statuses="([^"]+)"', html).group(1)))
    assert [s["id"] for s in statuses] == [s.value for s in Status]
    assert len({s["colour"] for s in statuses}) == len(Status)


# ----------------------------------------------------------------- document, timeline, statuses


def test_document_page_highlights_and_links_every_claim(http, ledger):
    document = ledger.documents[0]
    claims = [c for c in ledger.claims if c.document == document.id]
    html = http.get(f"/ledger/documents/{document.id}").text
    assert "<h1>" in html and document.title in unescape(html)
    for claim in claims:
        assert f'href="/ledger/claims/{claim.id}"' in html
        assert re.search(rf'data-claims="[^"]*\b{re.escape(claim.id)}\b', html), claim.id
    text = html.split('class="ledger-document-text"', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r'class="ledger-doc-marker"', text)) == len(claims)


def test_quoted_passages_put_every_quote_back_together(seed_db):
    import sqlite3

    conn = sqlite3.connect(seed_db)
    for (document_id,) in conn.execute("SELECT id FROM documents"):
        view = document_view(conn, document_id)
        pieces = [piece for paragraph in view["paragraphs"] for piece in paragraph]
        for claim in view["claims"]:
            quoted = "".join(p["text"] for p in pieces if claim in p["claims"])
            assert quoted == claim["quote"].replace("\n", ""), claim["id"]
            assert sum(claim in p["starts"] for p in pieces) == 1


def test_timeline_bars_and_cells_link_to_the_claims_they_count(http):
    html = http.get("/-/timeline?by=about").text
    bars = re.findall(r'<a href="([^"]+)" aria-label="[^"]*"><rect [^>]*data-count="(\d+)"', html)
    assert bars and len(bars) == len(re.findall(r"<rect [^>]*data-count=", html))
    for href, count in bars[:6]:
        url = unescape(href).replace("/ledger/claims?", "/ledger/claims.json?_size=0&")
        assert http.get(url).json()["filtered_table_rows_count"] == int(count)


def test_statuses_are_told_apart_by_more_than_colour():
    css = (ROOT / "ledger" / "web" / "static" / "reading.css").read_text()
    signs = {
        s.value: re.search(rf"\.ledger-status-{s.value}::before {{ content: \"([^\"]+)\"", css)
        for s in Status
    }
    assert all(signs.values()), signs
    assert len({m.group(1) for m in signs.values()}) == len(Status)
    fills = {status_fill(s.value) for s in Status}
    assert len(fills) == len(Status)
    textured = [s for s in Status if status_fill(s.value).startswith("url(")]
    assert {"contested", "disputed"} <= {s.value for s in textured}


# ----------------------------------------------------------------- in the browser

browser = pytest.mark.browser


@browser
def test_first_claim_row_and_its_status_are_on_the_first_screen(seed_server, page):
    page.set_viewport_size(DESK)
    page.goto(seed_server.url + "/ledger/claims")
    row = page.locator("tr.ledger-claim-row").first
    status = row.locator(".ledger-status")
    assert status.is_visible()
    for element in (row.locator(".ledger-cell-claim a"), status):
        box = element.bounding_box()
        assert box["y"] + box["height"] <= DESK["height"], box
    search = page.locator("input#_search").bounding_box()
    assert search["y"] + search["height"] <= DESK["height"]
    assert page.locator('.ledger-facet[data-facet="status"]').is_visible()


@browser
def test_no_public_page_is_wider_than_a_phone(seed_server, page, ledger):
    page.set_viewport_size(PHONE)
    page.route("**/*.tile.openstreetmap.org/**", lambda route: route.abort())
    for path in public_pages(ledger):
        page.goto(seed_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)


@browser
def test_canned_query_sql_appears_only_when_asked(seed_server, page):
    page.set_viewport_size(PHONE)
    page.goto(seed_server.url + "/ledger/contradictions")
    assert page.locator("#sql-query").count() == 0
    assert "select" not in page.locator("section.content").inner_text().lower()
    page.click("text=Show the SQL behind this page")
    page.wait_for_url("**_show_sql=1")
    assert page.locator("#sql-query").is_visible()
    assert "from relations" in page.locator("#sql-query").inner_text()


@browser
def test_map_markers_count_claims_and_are_coloured_by_status(seed_server, page, http):
    rows = http.get("/ledger/claims_map.json?_shape=objects").json()["rows"]
    page.set_viewport_size(DESK)
    page.route("**/*.tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(seed_server.url + "/ledger/claims_map")
    page.wait_for_selector("#ledger-map[data-markers]")
    assert page.locator("#ledger-map").get_attribute("data-markers") == str(len(rows))
    icons = page.locator(".ledger-map-marker")
    assert icons.count() > 0
    colours = set()
    for i in range(icons.count()):
        svg = icons.nth(i).inner_html()
        colours |= set(re.findall(r'stroke="(#[0-9a-f]{6})" stroke-width="6"', svg))
        assert re.search(r"<text[^>]*>(\d+)</text>", svg)
    assert len(colours) >= 2  # unverified and at least one other status
    # A place's popup (not a cluster's: that zooms in) names its claims' statuses in words.
    place = page.locator(".leaflet-marker-icon.ledger-map-marker:not(.ledger-map-cluster)").first
    count = int(re.search(r"<text[^>]*>(\d+)</text>", place.inner_html()).group(1))
    place.click()
    popup = page.locator(".ledger-map-popup")
    assert popup.is_visible()
    assert f"{count} claim" in popup.inner_text() and "by status" in popup.inner_text()
    assert popup.locator('a[href*="_through="]').count() >= 1


@browser
def test_a_timeline_bar_leads_to_its_claims(seed_server, page):
    page.set_viewport_size(DESK)
    page.goto(seed_server.url + "/-/timeline?by=said")
    bar = page.locator("svg.ledger-chart a rect").first
    count = int(bar.get_attribute("data-count"))
    page.locator("svg.ledger-chart a").first.click()
    page.wait_for_url("**/ledger/claims?*")
    shown = page.locator(".ledger-count strong").inner_text()
    assert shown == f"{count} claim{'s' if count != 1 else ''}"
    assert page.locator("tr.ledger-claim-row").count() == min(count, 100)  # a page of them


@browser
def test_contested_and_disputed_differ_without_colour(seed_server, page):
    page.goto(seed_server.url + "/ledger/claims?_facet=status")
    signs = page.evaluate(
        """() => Object.fromEntries(['contested', 'disputed', 'unverified', 'corroborated']
          .map(s => {
            const el = document.createElement('span');
            el.className = 'ledger-status ledger-status-' + s;
            document.body.appendChild(el);
            const style = getComputedStyle(el);
            return [s, getComputedStyle(el, '::before').content + ' ' + style.borderStyle];
        }))"""
    )
    assert len(set(signs.values())) == 4, signs


def _log_in(page, server, user: str = "checker") -> None:
    page.goto(server.url + "/-/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")


@browser
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "390"])
def test_fact_checker_form_is_full_width_near_the_status_with_it_preselected(
    mini_server, page, viewport
):
    page.set_viewport_size(viewport)
    _log_in(page, mini_server)
    page.goto(mini_server.url + "/ledger/claims/daily-200-homes")
    form = page.locator("#ledger-verify-form")
    assert form.locator("select[name=status]").input_value() == "unverified"
    status = page.locator(".ledger-status-line").bounding_box()
    box = form.bounding_box()
    article = page.locator("article.ledger-claim").bounding_box()
    assert box["y"] - (status["y"] + status["height"]) < 120, (status, box)
    assert box["width"] >= 0.85 * article["width"], (box, article)
    reason = form.locator("textarea[name=rationale]").bounding_box()
    assert reason["width"] >= (0.4 if viewport is DESK else 0.85) * article["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@browser
def test_a_refused_change_keeps_what_was_typed(mini_server, page):
    _log_in(page, mini_server)
    page.goto(mini_server.url + "/ledger/claims/daily-200-homes")
    form = page.locator("#ledger-verify-form")
    form.locator("select[name=status]").select_option("confirmed")
    form.locator("textarea[name=rationale]").fill("The council's register says 214 homes")
    with page.expect_navigation():  # confirmed needs evidence: refused, back to the page
        form.locator("button[type=submit]").click()
    assert page.locator(".ledger-status-line .ledger-status").inner_text().endswith("Unverified")
    form = page.locator("#ledger-verify-form")
    assert form.locator("select[name=status]").input_value() == "confirmed"
    assert form.locator("textarea[name=rationale]").input_value() == (
        "The council's register says 214 homes"
    )
    message = page.locator(".ledger-factcheck .ledger-form-error")
    assert message.is_visible() and "evidence" in message.inner_text()
    # Once recorded, nothing is put back.
    form.locator("textarea[name=evidence]").fill("https://example.org/register")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".ledger-status-line .ledger-status").inner_text().endswith("Confirmed")
    assert page.locator("#ledger-verify-form textarea[name=rationale]").input_value() == ""


@browser
def test_refusals_are_in_the_words_of_the_page(mini_server, page):
    _log_in(page, mini_server)
    page.goto(mini_server.url + "/ledger/claims/daily-200-homes")
    form = page.locator("#ledger-verify-form")
    form.locator("select[name=status]").select_option("confirmed")
    form.locator("textarea[name=rationale]").fill("Registered")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    message = page.locator(".ledger-factcheck .ledger-form-error").inner_text()
    assert "evidence" in message and "--" not in message


def test_the_screenshots_script_names_the_pages_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / "scripts" / "screenshots").read_text()
    shots = re.findall(r"docs/screenshots/([\w-]+\.png)", readme)
    assert len(shots) >= 6
    for name in shots:
        assert name.removesuffix(".png").rsplit("-", 1)[0] in script, name
        assert Path(ROOT / "docs" / "screenshots" / name).is_file(), name


# ----------------------------------------------------------------- names that forgive spelling


@browser
@pytest.mark.parametrize("spelling", ["Hurfush", "هرفوش"])
def test_a_misspelt_or_arabic_name_leads_to_its_claims(seed_server, page, spelling):
    page.set_viewport_size(PHONE)
    page.goto(seed_server.url + "/ledger/claims")
    page.fill("input#_search", spelling)
    page.locator("input#_search").press("Enter")
    suggestion = page.locator('.ledger-did-you-mean a[data-name="muayad-al-harfoush"]')
    suggestion.click()
    page.wait_for_load_state()
    rows = page.locator("tr.ledger-claim-row")
    assert rows.count() >= 5
    assert "Harfoush" in rows.first.inner_text()
