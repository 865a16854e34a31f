"""Plots where a picture says more: RAG counts by plan period and priority, slipped deadlines.

Inline SVG (no plotting library at run time), built from rows of two queries that run unchanged
on SQLite and PostgreSQL: `councilplans report` writes it as one HTML file, and the Datasette
review plugin serves the same figures at /-/review/<database>/report.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape

from load.queries import RAG_TREND

RAG_COLOURS = {"red": "#d73027", "amber": "#f59f00", "green": "#1a9850", "blue": "#4575b4"}

SLIPPED = """
SELECT l.document AS earlier_document, e.plan_period AS earlier_period, l.ref AS earlier_ref,
       e.deadline_raw AS earlier_deadline, e.deadline_end AS earlier_end,
       l.linked_document AS later_document, n.plan_period AS later_period, l.linked_ref AS later_ref,
       n.deadline_raw AS later_deadline, n.deadline_end AS later_end, l.text AS earlier_text, l.score
FROM v_action_links l
JOIN v_actions e ON e.action_id = l.action_id
JOIN v_actions n ON n.action_id = l.linked_action_id
WHERE e.deadline_end IS NOT NULL AND n.deadline_end IS NOT NULL AND n.deadline_end > e.deadline_end
ORDER BY e.deadline_end, n.deadline_end, l.action_id
"""

QUERIES = {"rag": RAG_TREND, "slipped": SLIPPED}

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 18, 6, 330, 420


def as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def natural(ref) -> tuple:
    """Sort key putting priority 2 before 10 (numbers as numbers, the rest as text)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.findall(r"\d+|\D+", str(ref or "")))


def rag_chart(rows: list[dict]) -> str:
    """Horizontal stacked bars, one per plan period and priority, grouped by period (oldest first)."""
    if not rows:
        return '<p class="no-data">No rated actions in this database.</p>'
    rows = sorted(rows, key=lambda r: (str(r["period_start"] or ""), str(r["plan_period"] or ""),
                                       natural(r["priority_ref"])))
    most = max(sum(int(r[c] or 0) for c in RAG_COLOURS) for r in rows) or 1
    unit = CHART_WIDTH / most
    parts, y, period = [], 30, object()
    for r in rows:
        if r["plan_period"] != period:
            period = r["plan_period"]
            y += 8
            parts.append(f'<text class="period" x="0" y="{y + 12}" font-weight="bold">{escape(str(period or "(no period)"))}</text>')
            y += BAR_HEIGHT + BAR_GAP
        label = " ".join(x for x in (r["priority_ref"], clip(r["priority_title"], 44)) if x) or "(no priority)"
        parts.append(f'<text x="12" y="{y + 13}">{escape(label)}</text>')
        x = LABEL_WIDTH
        for colour, fill in RAG_COLOURS.items():
            n = int(r[colour] or 0)
            if n:
                w = n * unit
                parts.append(f'<rect class="rag-{colour}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                             f'fill="{fill}"><title>{escape(label)}: {n} {colour}</title></rect>')
                if w >= 16:
                    parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 13}" text-anchor="middle" fill="#fff">{n}</text>')
                x += w
        y += BAR_HEIGHT + BAR_GAP
    legend = "".join(f'<rect x="{LABEL_WIDTH + i * 90}" y="4" width="12" height="12" fill="{fill}"/>'
                     f'<text x="{LABEL_WIDTH + i * 90 + 16}" y="15">{colour.title()}</text>'
                     for i, (colour, fill) in enumerate(RAG_COLOURS.items()))
    width = LABEL_WIDTH + CHART_WIDTH + 20
    return (f'<svg class="chart rag-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10}" '
            f'viewBox="0 0 {width} {y + 10}" font-family="sans-serif" font-size="12" role="img" '
            f'aria-label="RAG counts by plan period and priority">{legend}{"".join(parts)}</svg>')


def slippage_chart(rows: list[dict]) -> str:
    """One line per linked pair of actions, from the earlier plan's deadline to the later plan's, on a time axis."""
    pairs = [(r, as_date(r["earlier_end"]), as_date(r["later_end"])) for r in rows]
    pairs = [p for p in pairs if p[1] and p[2]]
    if not pairs:
        return '<p class="no-data">No linked action has a later deadline in a later plan.</p>'
    first = min(p[1] for p in pairs).year
    last = max(p[2] for p in pairs).year + 1
    span = max(1, (date(last, 1, 1) - date(first, 1, 1)).days)

    def x_of(d: date) -> float:
        return LABEL_WIDTH + CHART_WIDTH * (d - date(first, 1, 1)).days / span

    height = 40 + len(pairs) * (BAR_HEIGHT + BAR_GAP)
    parts = []
    step = 1 if last - first <= 10 else 2  # a year label needs about 40 px
    for year in range(first, last + 1):
        x = x_of(date(year, 1, 1))
        parts.append(f'<line x1="{x:.1f}" y1="22" x2="{x:.1f}" y2="{height - 6}" stroke="#ddd"/>')
        if (year - first) % step == 0:
            parts.append(f'<text x="{x:.1f}" y="16" text-anchor="middle">{year}</text>')
    y = 30
    for r, start, end in pairs:
        label = f"{r['earlier_ref'] or ''} {clip(r['earlier_text'], 40)}".strip()
        tip = (f"{label}: {r['earlier_deadline']} ({r['earlier_document']}) → {r['later_deadline']} "
               f"({r['later_document']})")
        x0, x1, mid = x_of(start), x_of(end), y + BAR_HEIGHT / 2
        parts.append(f'<g class="slip"><title>{escape(tip)}</title>'
                     f'<text x="0" y="{y + 13}">{escape(label)}</text>'
                     f'<line x1="{x0:.1f}" y1="{mid}" x2="{x1:.1f}" y2="{mid}" stroke="#d73027" stroke-width="2"/>'
                     f'<circle cx="{x0:.1f}" cy="{mid}" r="4" fill="#4575b4"/>'
                     f'<circle cx="{x1:.1f}" cy="{mid}" r="4" fill="#d73027"/></g>')
        y += BAR_HEIGHT + BAR_GAP
    width = LABEL_WIDTH + CHART_WIDTH + 20
    return (f'<svg class="chart slip-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img" '
            f'aria-label="Deadlines slipped between plans">{"".join(parts)}</svg>')


def report_fragment(rag_rows: list[dict], slipped_rows: list[dict]) -> str:
    """The figures with their headings, as HTML to put inside a page."""
    return (
        "<h2>RAG ratings by plan period and priority</h2>"
        "<p>Rated priority areas, actions and tasks, counted by rating (the same counts as "
        "<code>councilplans trend</code>).</p>" + rag_chart(rag_rows) +
        "<h2>Slipped deadlines across years</h2>"
        "<p>The same commitment restated in a later plan (<code>v_action_links</code>) with a later deadline: "
        "blue is the earlier plan's deadline, red the later plan's.</p>" + slippage_chart(slipped_rows))


def report_page(rag_rows: list[dict], slipped_rows: list[dict], title: str = "Council plans: RAG and slippage") -> str:
    """A whole HTML page, for `councilplans report`."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<style>body{font-family:sans-serif;margin:2em;max-width:960px}svg{max-width:100%;height:auto}</style>'
            f'</head><body><h1>{escape(title)}</h1>{report_fragment(rag_rows, slipped_rows)}</body></html>')


def report_rows(conn) -> tuple[list[dict], list[dict]]:
    """The rows of both figures through a SQLAlchemy connection (SQLite or PostgreSQL)."""
    from sqlalchemy import text

    return tuple([dict(r) for r in conn.execute(text(sql)).mappings()] for sql in (RAG_TREND, SLIPPED))
