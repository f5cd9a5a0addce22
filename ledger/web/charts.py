"""Charts drawn as inline SVG on the server: no JavaScript, no external files."""

from __future__ import annotations

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


def stacked_bars(data: dict, width: int = 880, height: int = 320) -> Markup:
    """Claims per year as bars stacked by status, with a title on every segment."""
    years = data["years"]
    if not years:
        return Markup("<p>No dated claims.</p>")
    left, bottom, top = 40, 28, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    most = max(sum(y["counts"].values()) for y in years) or 1
    slot = plot_w / len(years)
    bar = max(4.0, slot * 0.7)
    parts = [
        f'<svg class="ledger-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Claims per year by status" xmlns="http://www.w3.org/2000/svg">'
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
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{STATUS_COLOURS[status["id"]]}" data-year="{year["year"]}" '
                f'data-status="{status["id"]}" data-count="{count}"><title>{label}</title></rect>'
            )
        if len(years) <= 20 or index % 2 == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="11" fill="#455a64">{year["year"]}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="ledger-legend-item"><span class="ledger-swatch" '
        f'style="background:{STATUS_COLOURS[s["id"]]}"></span>{escape(s["label"])}</span>'
        for s in data["statuses"]
    )
    return Markup("".join(parts) + f'<p class="ledger-legend">{legend}</p>')


def _ticks(most: int) -> list[int]:
    step = max(1, round(most / 4))
    return list(range(0, most + 1, step))
