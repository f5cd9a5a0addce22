"""Datasette hooks: readable vocabulary cells, the claim page's data, and the fact-checkers' form.

The hooks only adapt library calls (``ledger.queries``, ``ledger.actions``) to Datasette; the
form posts to routes that call the same functions as the CLI.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import rich
from datasette import hookimpl
from datasette.utils import tilde_decode, urlsafe_components
from datasette.utils.asgi import Base400, NotFound, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from .. import actions, rules
from ..errors import LedgerError
from ..names import similar_names
from ..queries import (
    claim_view,
    claims_over_time,
    competing_versions,
    document_view,
    entity_view,
    place_view,
)
from ..vocabulary import RelationKind, Status
from . import reading
from .charts import stacked_bars
from .facets import PrecomputedColumnFacet, PrecomputedDateFacet, render_json
from .guard import (
    LOGIN_ROUTE,
    PASSWORD_TOOL_ROUTE,
    bound_connection,
    guard,
    login_view,
    password_tool_not_served,
    trust_no_proxy,
)

PLUGIN_NAME = "claim-ledger"  # the distribution name, as Datasette lists plugins
STATUS_COLUMNS = {"status", "old_status", "new_status", "other_status"}


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
    if isinstance(value, dict) and "value" in value:  # a foreign key Datasette expanded
        value = value["value"]
    if column in STATUS_COLUMNS and isinstance(value, str) and value in Status._value2member_map_:
        return status_badge(value, datasette.urls.row(database, "statuses", value))
    if table == "statuses" and column == "id" and value in Status._value2member_map_:
        return status_badge(value)
    return None


@hookimpl(trylast=True)  # the last wrapper applied is the outermost: before any other plugin's
def asgi_wrapper(datasette):
    trust_no_proxy()
    return guard


@hookimpl
def prepare_connection(conn):
    # Readers wait for a fact-checker's commit instead of failing with "database is locked".
    conn.execute("PRAGMA busy_timeout = 5000")
    bound_connection(conn)


@hookimpl
def register_facet_classes():
    return [PrecomputedColumnFacet, PrecomputedDateFacet]


@hookimpl
def register_output_renderer():
    # Datasette's own JSON, plus the facets that were asked for but not counted in time.
    return {"extension": "json", "render": render_json}


@hookimpl
def extra_css_urls(datasette):
    return [
        datasette.urls.static_plugins(PLUGIN_NAME, "ledger.css"),
        datasette.urls.static_plugins(PLUGIN_NAME, "reading.css"),
    ]


async def _may_change(datasette, database: str, actor: dict | None) -> bool:
    db = datasette.get_database(database)
    if not actor or not db.is_mutable:
        return False
    return await db.execute_fn(lambda conn: actions.may_change(conn, actor.get("id")))


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    async def template_vars():
        values = {
            "ledger_statuses": list(Status),
            "ledger_relation_kinds": list(RelationKind),
            **reading.template_vars(),
        }
        if view_name == "table" and table == "claims":
            claims_db = datasette.get_database(database)
            values["ledger_date_labels"] = lambda column: reading.date_labels(claims_db, column)

            async def did_you_mean(query: str) -> list:
                return await claims_db.execute_fn(lambda conn: similar_names(conn, query))

            # called by the template only when a search finds (almost) nothing
            values["ledger_did_you_mean"] = did_you_mean
        if view_name != "row" or table not in ROW_PAGES or request is None:
            return values
        row_id = tilde_decode(urlsafe_components(request.url_vars["pks"])[0])
        db = datasette.get_database(database)
        name, view = ROW_PAGES[table]
        try:
            values[name] = await db.execute_fn(lambda conn: view(conn, row_id))
        except LedgerError:
            return values
        if table == "claims":
            values["may_change"] = await _may_change(datasette, database, request.actor)
            values["claim_action_url"] = lambda action: datasette.urls.path(
                f"/-/ledger/{database}/claims/{row_id}/{action}"
            )
        return values

    return template_vars


ROW_PAGES = {
    "claims": ("claim", claim_view),
    "entities": ("entity_page", entity_view),
    "places": ("place_page", place_view),
    "documents": ("document_page", document_view),
}
"""Row pages the plugin extends: the template variable and the library view behind it."""


async def ledger_database(datasette):
    """The name of the first attached database that holds a ledger."""
    for name, db in datasette.databases.items():
        if name != "_internal" and await db.table_exists("questions"):
            return name
    return None


async def questions_page(request, datasette):
    """The competing-attributions page: every disputed question and its versions."""
    database = await ledger_database(datasette)
    if database is None:
        return Response.text("No ledger database is being served.", status=404)
    db = datasette.get_database(database)
    questions = await db.execute_fn(competing_versions)
    return Response.html(
        await datasette.render_template(
            "ledger_questions.html",
            {"questions": questions, "database": database},
            request=request,
        )
    )


async def timeline_page(request, datasette):
    """Claims over time by status, by the year they are about or the year they were said."""
    database = await ledger_database(datasette)
    if database is None:
        return Response.text("No ledger database is being served.", status=404)
    by = request.args.get("by", "about")
    if by not in ("about", "said"):
        return Response.text("by must be about or said", status=400)
    db = datasette.get_database(database)
    data = await db.execute_fn(lambda conn: claims_over_time(conn, by))
    return Response.html(
        await datasette.render_template(
            "ledger_timeline.html",
            {
                "data": data,
                "chart": stacked_bars(data, datasette.urls.table(database, "claims")),
                "database": database,
                "by": by,
            },
            request=request,
        )
    )


async def claim_action(request, datasette):
    """POST handler of the fact-checkers' form: one library call, then back to the claim."""
    database = request.url_vars["database"]
    claim_id = request.url_vars["claim_id"]
    action = request.url_vars["action"]
    if request.method != "POST":
        return Response.text("Use the form on the claim's page.", status=405)
    try:
        db = datasette.get_database(database)
    except KeyError:
        return Response.text("No such database.", status=404)
    if not await _may_change(datasette, database, request.actor):
        return Response.text(
            "Forbidden: only logged-in fact-checkers may change the ledger.", status=403
        )
    form = await request.post_vars()
    actor_id = request.actor["id"]
    path = Path(db.path)
    try:
        kind, other = form.get("kind", ""), form.get("other", "").strip()
        rationale = form.get("rationale", "")
        if action == "verify":
            evidence = (form.get("evidence") or "").split()
            accept = (form.get("accept") or "").strip() or None
            call = (
                actions.verify,
                path,
                claim_id,
                form.get("status", ""),
                actor_id,
                rationale,
                evidence,
                accept,
            )
        else:
            change = actions.relate if action == "relate" else actions.unrelate
            call = (change, path, claim_id, kind, other, actor_id, rationale)
        entry = await asyncio.to_thread(*call)
    except LedgerError as error:
        datasette.add_message(request, f"Not recorded: {error}", datasette.ERROR)
    else:
        datasette.add_message(request, f"Recorded as journal entry {entry.seq}.", datasette.INFO)
        for finding in entry.findings:  # what the rules say of the change: shown, not refused
            datasette.add_message(request, rules.finding_line(finding), datasette.WARNING)
        if entry.affected:
            ids = ", ".join(claim["id"] for claim in entry.affected)
            datasette.add_message(
                request, f"Claims resting on this one, to look at again: {ids}.", datasette.WARNING
            )
    return Response.redirect(datasette.urls.row(database, "claims", claim_id))


FORMER_CLAIM_PATH = re.compile(r"^/(?P<database>[^/]+)/claims/(?P<former>[^/.]+)(?P<ext>\.json)?$")


@hookimpl(tryfirst=True)  # Datasette answers with the first handler's response: ours first
def handle_exception(datasette, request, exception):
    """A claim's former id (kept when two records of one quote were merged) is a redirect to
    the claim, so published links keep working; anything else is Datasette's to answer."""
    match = FORMER_CLAIM_PATH.match(request.path)
    if not isinstance(exception, NotFound) or match is None:
        return None

    async def redirect():
        if match["database"] not in datasette.databases:
            return None
        db = datasette.get_database(match["database"])
        if not await db.table_exists("former_claim_ids"):
            return None
        row = (
            await db.execute(
                "SELECT claim_id FROM former_claim_ids WHERE former_id = ?",
                [tilde_decode(match["former"])],
            )
        ).first()
        if row is None:
            return None
        url = datasette.urls.row(match["database"], "claims", row[0])
        return Response.redirect(url + (match["ext"] or ""), status=301)

    return redirect


@hookimpl(specname="handle_exception", hookwrapper=True)
def quiet_readers_mistakes(datasette, request, exception):
    """A reader's mistake (a page that does not exist, a refused request, invalid SQL) gets
    Datasette's own error page, but not the traceback Datasette prints to the server's log
    for every error, with its local variables: the log keeps tracebacks for real faults."""
    outcome = yield
    status = getattr(exception, "status", 500)
    if not isinstance(exception, Base400 | DatasetteError) or status >= 500:
        return
    outcome.force_result(
        [
            _quietly(answer) if getattr(answer, "__module__", "") == DEFAULT_HANDLER else answer
            for answer in outcome.get_result()
        ]
    )


DEFAULT_HANDLER = "datasette.handle_exception"
"""The module of Datasette's own error page, the handler that prints every traceback."""


def _quietly(render):
    async def quietly():
        with rich.get_console().capture():  # the console Datasette's handler prints to
            return await render()

    return quietly


@hookimpl(tryfirst=True)  # Datasette takes the first route that matches: ours, not the plugin's
def register_routes():
    return [
        (LOGIN_ROUTE, login_view()),
        (PASSWORD_TOOL_ROUTE, password_tool_not_served),
        (r"^/-/questions$", questions_page),
        (r"^/-/timeline$", timeline_page),
        (
            r"^/-/ledger/(?P<database>[^/]+)/claims/(?P<claim_id>[^/]+)/"
            r"(?P<action>verify|relate|unrelate)$",
            claim_action,
        ),
    ]
