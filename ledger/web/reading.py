"""What readers' pages show in words: dates with their uncertainty, column and facet labels.

Datasette shows stored values as they are (`2024-03-01`, `anonymous 1`, `other_said_on`); the
templates of the claims table and the canned queries ask these functions for the words.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3

from datasette.utils import path_with_added_args, path_with_removed_args

from ..vocabulary import Status
from .charts import STATUS_COLOURS

MONTHS = (
    "January February March April May June July August September October November December"
).split()
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%]?)$")

FACET_LABELS = {
    "status": "Status",
    "outlet_id": "Outlet",
    "speaker_id": "Speaker",
    "kind": "Kind of claim",
    "anonymous": "Anonymous source",
    "place_id": "Main place",
    "document_id": "Report",
    "question": "Disputed question",
    "credibility": "Credibility",
    "said_on_earliest": "Date said",
    "about_earliest": "Date it is about",
}
"""Facet headings on the claims table, for the columns readers facet by."""

COLUMN_LABELS = {
    "claim": "Claim",
    "claim_id": "Claim",
    "claim_text": "What it says",
    "text": "What it says",
    "quote": "Quote",
    "speaker": "Who says it",
    "speaker_label": "Speaker as printed",
    "outlet": "Outlet",
    "outlet_id": "Outlet",
    "said_on": "Said on",
    "status": "Status",
    "other_claim": "Other claim",
    "other_text": "What the other says",
    "other_speaker": "Who says the other",
    "other_outlet": "Its outlet",
    "other_said_on": "Said on",
    "other_status": "Its status",
    "what_differs": "What differs",
    "source_described_as": "The source, as the report describes it",
    "anonymity_reason": "Why it is anonymous",
    "cue": "Attribution",
    "place_id": "Place id",
    "name": "Place",
    "precision": "Precision of the point",
    "claims": "Claims",
    "claim_statuses": "Claims by status",
    "id": "Claim",
    "seq": "Entry",
    "old_status": "From",
    "new_status": "To",
    "actor_id": "By",
    "rationale": "Why",
    "evidence": "Evidence",
}
"""Column headings of the canned queries; any other column is its name in words."""

LINK_COLUMNS = {
    "actor_id": "actors",
    "claim": "claims",
    "claim_id": "claims",
    "other_claim": "claims",
    "place_id": "places",
    "speaker_id": "entities",
    "outlet_id": "outlets",
    "document_id": "documents",
}
"""Query columns that hold an id, shown as a link to its row: the table each id is from."""

DATE_COLUMNS = {"said_on", "other_said_on", "about", "published"}
"""Query columns holding an EDTF date, shown in words."""


def column_shown(name: str) -> bool:
    """Whether a query column belongs in the page's table; the map's data and the Atom feed's
    columns are for scripts, and stay in the JSON and CSV."""
    return name != "claim_statuses" and not name.startswith("atom_")


PARAMETER_LABELS = {"q": "Words or names to look for"}
"""Canned queries' parameters, as their form labels them."""


def human_date(value: str | None) -> str:
    """An EDTF date or period in words: '2024-03?' is 'March 2024 (uncertain)'."""
    if not value:
        return ""
    value = value.strip()
    if "/" in value:
        start, _, end = value.partition("/")
        return _period(start, end) or value
    parsed = _parse(value)
    if parsed is None:
        return value
    return _qualified(_words(parsed), parsed[3])


def _parse(value: str) -> tuple[int, int | None, int | None, str] | None:
    found = _DATE.match(value)
    if not found:
        return None
    year, month, day, qualifier = found.groups()
    month_n = int(month) if month else None
    if month_n is not None and not (1 <= month_n <= 12 or (month_n in SEASONS and not day)):
        return None
    return int(year), month_n, int(day) if day else None, qualifier


def _words(parsed: tuple[int, int | None, int | None, str], year: bool = True) -> str:
    y, month, day, _ = parsed
    suffix = f" {y}" if year else ""
    if month is None:
        return str(y)
    if month in SEASONS:
        return f"{SEASONS[month]}{suffix}".capitalize()
    if day is None:
        return f"{MONTHS[month - 1]}{suffix}"
    return f"{day} {MONTHS[month - 1]}{suffix}"


def _qualified(words: str, qualifier: str) -> str:
    if qualifier == "~":
        return f"about {words}"
    if qualifier == "?":
        return f"{words} (uncertain)"
    if qualifier == "%":
        return f"about {words} (uncertain)"
    return words


def _period(start: str, end: str) -> str | None:
    first, last = _parse(start), _parse(end)
    if first is None or last is None:
        return None
    qualifiers = {first[3], last[3]} - {""}
    same_year = first[0] == last[0] and first[1] is not None and last[1] is not None
    if len(qualifiers) <= 1 and same_year:
        if first[2] and last[2] and first[1] == last[1]:  # 21–29 February 2024
            words = f"{first[2]}–{_words(last)}"
        else:
            words = f"{_words(first, year=False)} – {_words(last)}"
        return _qualified(words, qualifiers.pop() if qualifiers else "")
    return f"{_qualified(_words(first), first[3])} – {_qualified(_words(last), last[3])}"


def column_label(name: str) -> str:
    """A query column's heading in words."""
    return COLUMN_LABELS.get(name) or name.replace("_", " ").capitalize()


def facet_label(name: str) -> str:
    """A facet's heading in words."""
    return FACET_LABELS.get(name) or name.removesuffix("_id").replace("_", " ").capitalize()


def facets_in_order(facet_results: list[dict]) -> list[dict]:
    """Each facet once (a `_facet=` for a configured facet repeats it), in FACET_LABELS' order."""
    seen: dict[str, dict] = {}
    for facet in facet_results:
        seen.setdefault(facet["name"], facet)
    order = list(FACET_LABELS)
    return sorted(
        seen.values(),
        key=lambda f: order.index(f["name"]) if f["name"] in order else len(order),
    )


def facet_value_label(name: str, value, label) -> str:
    """A facet value in words: anonymity as yes/no, a status as its label."""
    if name == "anonymous":
        return {"1": "yes", "0": "no"}.get(str(value), str(label))
    if name == "status" and value in Status._value2member_map_:
        return Status(value).label
    return "-" if label in (None, "") else str(label)


_date_cache: dict[tuple, dict[str, str]] = {}


async def date_labels(db, column: str) -> dict[str, str]:
    """Each day a date facet of the claims table shows, with the dates it stands for in words.

    A date facet groups claims by the earliest day their EDTF date can mean, so '2024-03?'
    counts under 2024-03-01; the label gives 'March 2024 (uncertain)' back. Dates never
    change without a rebuild, so the labels are kept until the file changes.
    """
    edtf_column = column.removesuffix("_earliest")
    if edtf_column == column:
        return {}
    try:
        stat = os.stat(db.path) if db.path else None
    except OSError:
        stat = None
    key = (db.name, column, db.is_mutable and stat and (stat.st_ino, stat.st_mtime_ns))
    if key not in _date_cache:
        _date_cache[key] = await db.execute_fn(lambda conn: _date_labels(conn, edtf_column))
    return _date_cache[key]


def _date_labels(conn: sqlite3.Connection, edtf_column: str) -> dict[str, str]:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(claims)")}
    if {edtf_column, f"{edtf_column}_earliest"} - columns:
        return {}
    spellings: dict[str, list[str]] = {}
    for day, edtf in conn.execute(
        f"SELECT date({edtf_column}_earliest), {edtf_column} FROM claims "
        f"WHERE {edtf_column}_earliest IS NOT NULL GROUP BY 1, 2 ORDER BY 1, count(*) DESC"
    ):
        spellings.setdefault(day, []).append(human_date(edtf))
    return {
        day: " / ".join(words[:2]) + (" …" if len(words) > 2 else "")
        for day, words in spellings.items()
    }


def template_vars() -> dict:
    """The functions readers' templates call, as Datasette template variables."""
    return {
        "human_date": human_date,
        "column_label": column_label,
        "facet_label": facet_label,
        "facets_in_order": facets_in_order,
        "facet_value_label": facet_value_label,
        # Datasette gives these to table pages only; canned queries' pages need them too.
        "path_with_added_args": path_with_added_args,
        "path_with_removed_args": path_with_removed_args,
        "ledger_link_columns": LINK_COLUMNS,
        "ledger_date_columns": DATE_COLUMNS,
        "column_shown": column_shown,
        "ledger_parameter_labels": PARAMETER_LABELS,
        "ledger_status_colours": STATUS_COLOURS,
        "ledger_status_colours_json": json.dumps(
            [{"id": s.value, "label": s.label, "colour": STATUS_COLOURS[s.value]} for s in Status]
        ),
    }
