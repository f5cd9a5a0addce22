"""Charts drawn as inline SVG on the server: no JavaScript, no external files."""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import Markup, escape

STATUS_COLOURS = {
    "unverified": "#90a4ae",
    "corroborated": "#1e88e5",
    "confirmed": "#43a047",
    "contested": "#fbc02d",
    "disputed": "#fb8c00",
    "false": "#e53935",
    "unverifiable": "#8e24aa",
}

# Each status also has its own texture, so that bars are told apart without seeing colour.
_TEXTURES = {
    "unverified": "",
    "corroborated": '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="#fff" stroke-width="1"/>',
    "confirmed": "",
    "contested": '<path d="M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2" stroke="#5d4037" stroke-width="1"/>',
    "disputed": '<path d="M0,3 h6 M3,0 v6" stroke="#4e2600" stroke-width="1"/>',
    "false": '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
    "unverifiable": '<path d="M0,1.5 h6 M0,4.5 h6" stroke="#fff" stroke-width="1"/>',
}

DATE_COLUMNS = {"about": "about_earliest", "said": "said_on_earliest"}
"""The claims column each time axis counts by: the year a claim's date or period begins."""


def status_fill(status: str) -> str:
    """The SVG fill of a status: its colour, with its texture where it has one."""
    return f"url(#ledger-fill-{status})" if _TEXTURES[status] else STATUS_COLOURS[status]


def fill_definitions() -> str:
    """SVG patterns for the textured statuses, referenced by status_fill()."""
    patterns = "".join(
        f'<pattern id="ledger-fill-{status}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{STATUS_COLOURS[status]}"/>{texture}</pattern>'
        for status, texture in _TEXTURES.items()
        if texture
    )
    return f"<defs>{patterns}</defs>"


def year_claims_url(claims_url: str, by: str, year: int, status: str | None = None) -> str:
    """The claims table filtered to one year (and one status): the claims a bar counts."""
    args = {f"{DATE_COLUMNS[by]}__startswith": str(year)}
    if status:
        args["status"] = status
    return f"{claims_url}?{urlencode(args)}"


def stacked_bars(
    data: dict, claims_url: str | None = None, width: int = 880, height: int = 320
) -> Markup:
    """Claims per year as bars stacked by status; each segment links to the claims it counts."""
    years = data["years"]
    if not years:
        return Markup("<p>No dated claims.</p>")
    by = data.get("by", "about")
    left, bottom, top = 40, 28, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    most = max(sum(y["counts"].values()) for y in years) or 1
    slot = plot_w / len(years)
    bar = max(4.0, slot * 0.7)
    parts = [
        f'<svg class="ledger-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Claims per year by status" xmlns="http://www.w3.org/2000/svg">',
        fill_definitions(),
    ]
    for tick in _ticks(most):
        y = top + plot_h - plot_h * tick / most
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eceff1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#607d8b">{tick}</text>'
        )
    for index, year in enumerate(years):
        x = left + index * slot + (slot - bar) / 2
        base = top + plot_h
        for status in data["statuses"]:
            count = year["counts"].get(status["id"], 0)
            if not count:
                continue
            h = plot_h * count / most
            base -= h
            label = escape(f"{year['year']}: {count} {status['label'].lower()}")
            rect = (
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{status_fill(status["id"])}" stroke="#fff" stroke-width="0.5" '
                f'data-year="{year["year"]}" data-status="{status["id"]}" '
                f'data-count="{count}"><title>{label}</title></rect>'
            )
            if claims_url:
                href = escape(year_claims_url(claims_url, by, year["year"], status["id"]))
                rect = f'<a href="{href}" aria-label="{label}">{rect}</a>'
            parts.append(rect)
        if len(years) <= 20 or index % 2 == 0:
            text = (
                f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="11" fill="#455a64">{year["year"]}</text>'
            )
            if claims_url and year["counts"]:
                href = escape(year_claims_url(claims_url, by, year["year"]))
                text = f'<a href="{href}">{text}</a>'
            parts.append(text)
    parts.append("</svg>")
    legend = "".join(
        f'<span class="ledger-legend-item"><svg class="ledger-swatch" viewBox="0 0 12 12" '
        f'aria-hidden="true"><rect width="12" height="12" fill="{status_fill(s["id"])}"/></svg>'
        f"{escape(s['label'])}</span>"
        for s in data["statuses"]
    )
    return Markup("".join(parts) + f'<p class="ledger-legend">{legend}</p>')


def _ticks(most: int) -> list[int]:
    step = max(1, round(most / 4))
    return list(range(0, most + 1, step))
