#!/usr/bin/env python3
"""The 'kpi-cards' rendering: a quarterly performance report made of KPI cards.

    python tests/renderings/render_kpi_cards.py [--keep-html DIR] [DOC_KEY ...]

The performance teams' dashboard habit: instead of a KPI table, every indicator is a card
with its ref and name, a rating box carrying the word (GREEN / AMBER / RED) on its fill,
a small inline-SVG bar chart of its numeric values (bars and a dashed target line, no text
in the chart), a direction-of-travel arrow (↑ ↓ →) and one line of labelled values such as
'Latest: 846   Target: >800   Previous: 750'. The report opens with a cover ('<Directorate>
Quarterly Performance Report Q4 2017/18', council, status date), a summary count grid
('GREEN 12 | AMBER 5 | RED 3') that is not an indicator, and a key saying which column of the
plan each label shows.

Built from the measures of the documents that have them (ecf, cyp, csc). Because it adds
ratings and relabels values, it writes its own expected file beside each PDF:
tests/renderings/kpi-cards/<key>.expected.json (same format: measures with 'rag',
'direction' and 'values' keyed by the labels printed on the card; actions: []).

Rating, deterministically: where the latest value and the target are both numbers, meeting
the target is GREEN, being within 10% of it AMBER, otherwise RED (higher is better unless the
target says '<'); otherwise the rating comes from a hash of the indicator's name. The
direction compares latest with previous where both are numbers, otherwise it too comes from
a hash of the name.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

OUT = C.HERE / "kpi-cards"
KEYS = ["ecf-portfolio-plan-update-2017-18", "cyp-portfolio-plan-2011-12", "csc-improvement-plan-2016-17"]

DIRECTORATES = {
    "ecf-portfolio-plan-update-2017-18": "Education, Children and Families",
    "cyp-portfolio-plan-2011-12": "Children and Young People Services",
    "csc-improvement-plan-2016-17": "Children’s Social Care",
}

# Card label <- the plan's own column (lower case), in the order printed on the card.
LABELS = [
    ("Latest", ["2017/18 outturn", "bromley 2015/16"]),
    ("Target", ["2017/18 target", "target 16/17"]),
    ("Previous", ["2016/17 outturn", "bromley 2014/15"]),
    ("Next target", ["target 17/18"]),
    ("National", ["national average 2014/15"]),
    ("Stat. neighbours", ["statistical neighbours 2014/15"]),
    ("Type", ["type of indicator"]),
    ("Frequency", ["reporting frequency"]),
]
RATINGS = ["GREEN", "AMBER", "RED"]
FILL = {"GREEN": "#00A651", "AMBER": "#F7A600", "RED": "#D7262E"}
ARROWS = {"up": "↑", "down": "↓", "same": "→"}

NUM_RE = re.compile(r"^\s*(?P<cmp>[<>≤≥]=?)?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<pct>%)?\s*\*?\s*(?:\([^)]*\))?\s*$")


def number(value: str | None) -> tuple[str, float] | None:
    """('<'/'>'/'', value) for a value that is one number ('846', '>800', '56% (to end
    February)', '17.3%'); None for text ('TBC', 'New', '668 93.4')."""
    m = NUM_RE.match(value or "")
    if not m:
        return None
    return (m.group("cmp") or "").replace("≤", "<").replace("≥", ">")[:1], float(m.group("num").replace(",", ""))


def name_hash(name: str, salt: str) -> int:
    return int(hashlib.sha256(f"{salt}:{name}".encode()).hexdigest(), 16)


def rating(name: str, values: dict[str, str]) -> tuple[str, str]:
    """(rating, how): from latest vs target where both are numbers, else from the name."""
    latest, target = number(values.get("Latest")), number(values.get("Target"))
    if latest and target:
        cmp, t = target
        v = latest[1]
        meets = v <= t if cmp == "<" else v >= t
        if meets:
            return "GREEN", "values"
        return ("AMBER" if abs(v - t) <= 0.1 * abs(t) else "RED"), "values"
    return RATINGS[name_hash(name, "rating") % 3], "hash"


def direction(name: str, values: dict[str, str]) -> tuple[str, str]:
    latest, prev = number(values.get("Latest")), number(values.get("Previous"))
    if latest and prev:
        d = "up" if latest[1] > prev[1] else "down" if latest[1] < prev[1] else "same"
        return d, "values"
    return ["up", "down", "same"][name_hash(name, "direction") % 3], "hash"


def card_values(m: dict) -> dict[str, str]:
    """The measure's values under the card's labels, in card order (empty cells left out)."""
    by_col = {k.lower(): v for k, v in (m.get("values") or {}).items() if v}
    out = {}
    for label, cols in LABELS:
        for c in cols:
            if c in by_col:
                out[label] = by_col[c]
                break
    return out


@dataclass
class Card:
    ref: str | None
    priority_ref: str | None
    name: str
    values: dict[str, str]
    rag: str
    rag_from: str
    direction: str
    direction_from: str
    section: str
    group: str | None


def quarter(doc: C.Doc) -> tuple[str, dt.date, dt.date, dt.date]:
    """(label 'Q4 2017/18', status date, financial year start, end): the status date of the
    plan, else the end of Q3 of the financial year the plan starts in."""
    d = doc.data
    if d.get("status_as_of"):
        status = dt.date.fromisoformat(d["status_as_of"])
    else:
        start = dt.date.fromisoformat(d["plan_period"]["start"])
        fy = start.year if start.month >= 4 else start.year - 1
        status = dt.date(fy, 12, 31)
    fy = status.year if status.month >= 4 else status.year - 1
    q = {4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3, 11: 3, 12: 3, 1: 4, 2: 4, 3: 4}[status.month]
    return f"Q{q} {fy}/{str(fy + 1)[2:]}", status, dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def long_date(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def sections(doc: C.Doc) -> list[tuple[str, C.KpiTable]]:
    out = []
    for kt in C.kpi_tables(doc):
        p = doc.priorities.get(kt.priority_ref) if kt.priority_ref else None
        if p:
            title = p.get("printed_as") or p.get("label") or f"Priority Outcome {p['ref']}"
            title = f"{title}: {p['title']}" if not p.get("printed_as") else title
        else:
            title = kt.heading or "Other measures"
        out.append((title, kt))
    return out


def cards(doc: C.Doc) -> list[Card]:
    out = []
    for title, kt in sections(doc):
        for _labels, rows in kt.parts:
            for r in rows:
                m = r.measure
                if m is None:
                    continue
                values = card_values(m)
                rag, rag_from = rating(m["name"], values)
                d, d_from = direction(m["name"], values)
                out.append(Card(m.get("ref"), m.get("priority_ref"), m["name"], values, rag, rag_from, d, d_from,
                                title, m.get("group") if kt.marker_arg else None))
    return out


# --------------------------------------------------------------------------- drawing

def chart(card: Card) -> str:
    """A small bar chart of the numeric values (bars: previous / latest / comparators; a dashed
    line: the target). No text, no grid: it must not read as a table."""
    series = [("Previous", "#9FB3C8"), ("Latest", FILL[card.rag]), ("National", "#C9B8E0"),
              ("Stat. neighbours", "#E3C9A8")]
    bars = [(lab, number(card.values.get(lab))[1], colour) for lab, colour in series
            if number(card.values.get(lab))]
    target = number(card.values.get("Target"))
    w, h, pad = 150, 58, 4
    top = max([v for _, v, _ in bars] + ([target[1]] if target else []) + [0])
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#8c8c8c" stroke-width="1"/>']
    if top > 0 and bars:
        slot = (w - 2 * pad) / max(len(bars), 2)
        for i, (_, v, colour) in enumerate(bars):
            bh = (h - 2 * pad - 4) * v / top
            x = pad + i * slot + slot * 0.18
            parts.append(f'<rect x="{x:.1f}" y="{h - pad - bh:.1f}" width="{slot * 0.64:.1f}" height="{bh:.1f}" '
                         f'fill="{colour}" rx="1.5"/>')
    if target and top > 0:
        y = h - pad - (h - 2 * pad - 4) * target[1] / top
        parts.append(f'<line x1="{pad}" y1="{y:.1f}" x2="{w - pad}" y2="{y:.1f}" stroke="#333" stroke-width="1.2" '
                     f'stroke-dasharray="4 3"/>')
    if not bars and not target:
        # nothing numeric to draw: a faint empty plot area
        parts.append(f'<rect x="{pad}" y="{pad}" width="{w - 2 * pad}" height="{h - 2 * pad - 1}" fill="#f4f4f4"/>')
    parts.append("</svg>")
    return "".join(parts)


CSS = """
@page { size: A4 landscape; margin: 11mm 11mm 11mm 11mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 8pt; color: #1a1a1a; margin: 0; }
.cover { height: 178mm; display: flex; flex-direction: column; justify-content: center; padding: 0 14mm;
         background: #0b3c5d; color: #fff; break-after: page; }
.cover .council { font-size: 15pt; opacity: .9; margin-bottom: 10mm; }
.cover h1 { font-size: 30pt; line-height: 1.15; margin: 0 0 8mm; }
.cover .status { font-size: 14pt; }
.summary { display: grid; grid-template-columns: repeat(3, 42mm); gap: 4mm; margin-top: 14mm; }
.summary div { padding: 4mm; border-radius: 2mm; font-size: 16pt; font-weight: 700; text-align: center; color: #fff; }
.key { font-size: 8pt; color: #333; margin: 0 0 4mm; }
h2.section { font-size: 12pt; color: #0b3c5d; margin: 0 0 3mm; padding-bottom: 1.5mm; border-bottom: 1.5pt solid #0b3c5d;
             break-after: avoid; }
h3.group { font-size: 9pt; color: #14507a; margin: 2mm 0 2mm; break-after: avoid; }
.section-wrap { break-before: page; }
.grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3.5mm; margin-bottom: 3mm; }
.card { border: 0.6pt solid #c8d0d8; border-radius: 2mm; padding: 2.5mm 3mm; break-inside: avoid; background: #fff;
        border-bottom-width: 1.4pt; }
.card .head { display: flex; gap: 2mm; align-items: flex-start; min-height: 9mm; }
.card .ref { background: #0b3c5d; color: #fff; font-weight: 700; border-radius: 1mm; padding: 0.4mm 1.4mm; font-size: 8pt; }
.card .name { font-weight: 700; font-size: 8.3pt; line-height: 1.25; }
.card .body { display: flex; align-items: center; gap: 3mm; margin: 2mm 0 1.5mm; }
.card .rating { width: 17mm; padding: 2mm 0; text-align: center; font-weight: 700; font-size: 8.5pt; color: #fff;
                border-radius: 1mm; }
.card .rating.AMBER { color: #1a1a1a; }
.card .arrow { font-size: 20pt; font-weight: 700; color: #0b3c5d; width: 8mm; text-align: center; }
.card .values { font-size: 7.8pt; line-height: 1.35; }
.card .values span { margin-right: 3.5mm; }
.card .values b { font-weight: 700; color: #0b3c5d; }
"""


def esc(s: str | None) -> str:
    return html.escape(s or "", quote=False)


def card_html(c: Card) -> str:
    ref = f'<span class="ref">{esc(c.ref)}</span>' if c.ref else ""
    values = "".join(f"<span><b>{esc(k)}:</b> {esc(v)}</span> " for k, v in c.values.items())
    return (f'<div class="card"><div class="head">{ref}<div class="name">{esc(c.name)}</div></div>'
            f'<div class="body"><div class="rating {c.rag}" style="background:{FILL[c.rag]}">{c.rag}</div>'
            f'{chart(c)}<div class="arrow">{ARROWS[c.direction]}</div></div>'
            f'<div class="values">{values.strip()}</div></div>')


def key_line(doc: C.Doc) -> str:
    cols = {k.lower(): k for m in doc.data["measures"] for k in m.get("values") or {}}
    parts = []
    for label, sources in LABELS:
        src = next((cols[s] for s in sources if s in cols), None)
        if src:
            parts.append(f"{label} = {src}")
    return ("How to read the cards: " + "; ".join(parts) +
            ". The arrow shows the direction of travel since the previous value; the dashed line marks the target.")


def report(doc: C.Doc) -> tuple[str, dict]:
    q, status, fy0, fy1 = quarter(doc)
    title = f"{DIRECTORATES[doc.key]} Quarterly Performance Report {q}"
    cs = cards(doc)
    counts = {r: sum(c.rag == r for c in cs) for r in RATINGS}
    parts = [f'<section class="cover"><div class="council">{esc(doc.data["council"])}</div><h1>{esc(title)}</h1>'
             f'<div class="status">Position as at {long_date(status)}</div><div class="summary">'
             + "".join(f'<div style="background:{FILL[r]}">{r} {counts[r]}</div>' for r in RATINGS)
             + "</div></section>"]
    first = True
    by_section: dict[str, list[Card]] = {}
    for c in cs:
        by_section.setdefault(c.section, []).append(c)
    for sec, items in by_section.items():
        parts.append('<div class="section-wrap">')
        parts.append(f'<h2 class="section">{esc(sec)}</h2>')
        if first:
            parts.append(f'<p class="key">{esc(key_line(doc))}</p>')
            first = False
        group, grid = object(), []
        for c in items:
            if c.group != group:
                if grid:
                    parts.append('<div class="grid">' + "".join(grid) + "</div>")
                    grid = []
                if c.group:
                    parts.append(f'<h3 class="group">{esc(c.group)}</h3>')
                group = c.group
            grid.append(card_html(c))
        if grid:
            parts.append('<div class="grid">' + "".join(grid) + "</div>")
        parts.append("</div>")
    page = (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
    expected = {
        "seed_file": doc.data.get("seed_file"),
        "doc_key": doc.key,
        "title": title,
        "council": doc.data["council"],
        "doc_type": "performance_report",
        "plan_period": {"start": fy0.isoformat(), "end": fy1.isoformat(), "label": f"{fy0.year}/{str(fy1.year)[2:]}"},
        "status_as_of": status.isoformat(),
        "source_document": doc.data["title"],
        "table_columns": [],
        "kpi_columns": [label for label, _ in LABELS if any(label in c.values for c in cs)],
        "priorities": [{"ref": p["ref"], "title": p["title"]} for p in doc.data["priorities"]
                       if any(c.priority_ref == p["ref"] for c in cs)],
        "actions": [],
        "measures": [
            {"ref": c.ref, "priority_ref": c.priority_ref, "name": c.name, "values": c.values,
             "rag": c.rag.title(), "direction": c.direction, "rag_from": c.rag_from,
             "direction_from": c.direction_from, "section": c.section}
            | ({"group": c.group} if c.group else {})
            for c in cs],
        "summary_counts": {r.title(): counts[r] for r in RATINGS},
        "notes": [
            f"Generated by tests/renderings/render_kpi_cards.py from samples/{doc.key}.expected.json: one card per "
            f"measure there ({len(cs)}), in its order. Card values are that measure's values relabelled "
            "(key line on the first section page: " + key_line(doc) + "); empty cells are left out.",
            "rag is printed in capitals on the card (GREEN / AMBER / RED) and stored in the format's Green/Amber/Red. "
            "rag_from 'values': from Latest vs Target (meets target -> Green, within 10% -> Amber, else Red; "
            "higher is better unless the target starts with '<'); 'hash': from sha256 of the name (no comparable "
            "numbers). direction (up/down/same, printed ↑ ↓ →) likewise from Latest vs Previous or a hash.",
            "The cover's summary grid (GREEN n | AMBER n | RED n) counts the cards; it is not an indicator. "
            "The charts are drawn without text.",
        ],
    }
    return page, expected


def render(key: str, keep: Path | None = None) -> Path:
    page, expected = report(C.load(key))
    out_pdf = OUT / f"{key}.pdf"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{key}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        src = (keep or Path(tmp)) / f"{key}.html"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(page, encoding="utf-8")
        C.chromium_to_pdf(src, out_pdf)
    return out_pdf


def main(argv: list[str]) -> int:
    keep = None
    if "--keep-html" in argv:
        i = argv.index("--keep-html")
        keep = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    keys = [a for a in argv if not a.startswith("-")] or KEYS
    unknown = set(keys) - set(KEYS)
    if unknown:
        raise SystemExit(f"no measures to make cards of: {', '.join(sorted(unknown))}")
    for key in keys:
        print(render(key, keep))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
