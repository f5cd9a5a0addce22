"""Datasette hooks: readable vocabulary cells, and the data behind the claim page.

The hooks only adapt library calls (``ledger.queries``) to Datasette; no ledger logic here.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import tilde_decode, urlsafe_components
from markupsafe import Markup, escape

from ..errors import LedgerError
from ..queries import claim_view
from ..vocabulary import VOCABULARIES, Status

PLUGIN_NAME = "claim-ledger"  # the distribution name, as Datasette lists plugins
STATUS_COLUMNS = {"status", "old_status", "new_status"}


def status_badge(value: str, href: str | None = None) -> Markup:
    """A status shown as its label, with its definition on hover, styled by value."""
    status = Status(value)
    tag = "a" if href else "span"
    link = f' href="{escape(href)}"' if href else ""
    return Markup(
        f'<{tag}{link} class="ledger-status ledger-status-{status.value}" '
        f'title="{escape(status.definition)}">{escape(status.label)}</{tag}>'
    )


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column in STATUS_COLUMNS and isinstance(value, str) and value in Status._value2member_map_:
        return status_badge(value, datasette.urls.row(database, "statuses", value))
    if table == "statuses" and column == "id" and value in Status._value2member_map_:
        return status_badge(value)
    return None


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "ledger.css")]


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    async def claim_page_vars():
        if view_name != "row" or table != "claims" or request is None:
            return {}
        claim_id = tilde_decode(urlsafe_components(request.url_vars["pks"])[0])
        db = datasette.get_database(database)
        try:
            claim = await db.execute_fn(lambda conn: claim_view(conn, claim_id))
        except LedgerError:
            return {}
        return {"claim": claim}

    async def vocabularies():
        return {
            "ledger_statuses": [
                {"id": s.value, "label": s.label, "definition": s.definition} for s in Status
            ],
            "ledger_vocabularies": sorted(VOCABULARIES),
        }

    async def combined():
        return {**(await vocabularies()), **(await claim_page_vars())}

    return combined
