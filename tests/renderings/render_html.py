#!/usr/bin/env python3
"""The 'html' rendering: each document as a web page, printed to PDF by Chromium.

    python tests/renderings/render_html.py [--keep-html DIR] [DOC_KEY ...]

What a council's intranet or committee-management page looks like when someone presses
'Print -> Save as PDF':

* A4 PORTRAIT, system sans-serif font, thin grey cell borders;
* another column order than both the samples and their alt-columns variant: the lead
  first, then the deadline, then the action text, and the rating before the progress;
* the table header is printed once, NOT repeated after a page break
  (``thead { display: table-row-group }``), and rows break across pages wherever Chromium
  breaks them;
* a rating is ONLY the cell's background colour (no word); a small colour legend
  ('Red = ..., Amber = ..., Green = ...') is printed above the first rated table;
* theme / priority banners are colspan rows; a parent (issue, action, aim) is a rowspan
  cell over its rows.

Output: tests/renderings/html/<key>.pdf.

    python tests/renderings/render_html.py --unruled [DOC_KEY ...]

prints the same pages with NO rules and NO shading at all (a plain web table styled
``border: none``): columns only from the gaps between the text, rows only from its spacing,
each rating printed as its word in bold. Output: tests/renderings/html-unruled/<key>.pdf.

    python tests/renderings/render_html.py --unruled --middle [DOC_KEY ...]

the same with every cell set in the middle of its row (``vertical-align: middle``, a browser's
own default for table cells) and more padding: a cell's lines no longer start where its row does.
Output: tests/renderings/html-middle/<key>.pdf.
"""
from __future__ import annotations

import html
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

OUT = C.HERE / "html"
UNRULED_OUT = C.HERE / "html-unruled"
MIDDLE_OUT = C.HERE / "html-middle"

# Column orders (keys of common.action_tables); none equals the samples' standard or
# alt-columns order.
ORDERS = {
    "cypp-2009-11-review-2010": ["lead", "deadline", "task", "rating", "progress"],
    "ecf-portfolio-plan-update-2017-18": ["no", "aim", "action", "rag", "progress", "next"],
    "cef-portfolio-plan-2018-22": ["lead", "date", "action", "detail", "measure"],
    "cyp-portfolio-plan-2011-12": ["lead", "deadline", "no", "action", "tasks"],
    "csc-improvement-plan-2016-17": ["lead", "time", "id", "issue", "actions", "agency"],
}
WIDTHS = {  # percent of the table width, by column key
    "cypp-2009-11-review-2010": {"lead": 17, "deadline": 10, "task": 26, "rating": 9, "progress": 38},
    "ecf-portfolio-plan-update-2017-18": {"no": 5, "aim": 13, "action": 20, "rag": 7, "progress": 30, "next": 25},
    "cef-portfolio-plan-2018-22": {"lead": 14, "date": 11, "action": 18, "detail": 32, "measure": 25},
    "cyp-portfolio-plan-2011-12": {"lead": 19, "deadline": 10, "no": 8, "action": 23, "tasks": 40},
    "csc-improvement-plan-2016-17": {"lead": 11, "time": 10, "id": 5, "issue": 21, "actions": 40, "agency": 13},
}
RAG_FILL = {"Red": "#E06666", "Amber": "#F6B26B", "Green": "#93C47D", "Blue": "#6FA8DC"}
LEGENDS = {
    "cypp-2009-11-review-2010": [
        ("Red", "Not yet initiated or progress is severely delayed"),
        ("Amber", "Actions initiated - progress adequate but under review"),
        ("Green", "Task completed or good progress being made and on track to meet deadline")],
    "ecf-portfolio-plan-update-2017-18": [
        ("Red", "off track"), ("Amber", "requiring more work"), ("Green", "on track")],
}

CSS = """
@page { size: A4 portrait; margin: 14mm 12mm 14mm 12mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       font-size: 9.5pt; line-height: 1.35; color: #222; margin: 0; }
header.site { border-bottom: 3px solid #00703c; padding: 4px 0 10px; margin-bottom: 14px; }
header.site .council { font-size: 10pt; font-weight: 600; color: #00703c; letter-spacing: .02em; }
header.site h1 { font-size: 19pt; margin: 6px 0 4px; line-height: 1.2; }
header.site .meta { font-size: 9.5pt; color: #555; }
header.site .meta span + span::before { content: "  ·  "; color: #999; }
h1 { font-size: 15pt; margin: 16px 0 6px; } h2 { font-size: 12.5pt; margin: 14px 0 5px; }
h3, h4, h5, h6 { font-size: 10.5pt; margin: 10px 0 4px; }
p { margin: 0 0 6px; }
ul.prose { margin: 0 0 6px; padding-left: 18px; } ul.prose ul { padding-left: 16px; list-style-type: "– "; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 12px; }
td, th { border: 0.5pt solid #a6a6a6; padding: 3px 4px; vertical-align: top; text-align: left; }
table.small { width: auto; max-width: 100%; font-size: 9pt; }
table.plan { font-size: 7.6pt; line-height: 1.28; table-layout: fixed; }
table.plan th { background: #eeeeee; font-weight: 600; }
thead { display: table-row-group; }      /* the header is NOT repeated on a new page */
tr.banner td { background: #dfe9f3; font-weight: 700; font-size: 8.4pt; }
tr.area td.text { background: #f3f6f9; font-weight: 700; }
td p { margin: 0 0 2px; } td p:last-child { margin-bottom: 0; }
td ul { margin: 0 0 2px; padding-left: 11px; } td ul.sub { list-style-type: "– "; padding-left: 20px; }
td.rag { padding: 0; }
td.indent { padding-left: 14px; }
.legend { font-size: 8pt; margin: 2px 0 8px; }
.legend i { display: inline-block; width: 10px; height: 10px; border: 0.5pt solid #888; vertical-align: -1px;
            margin: 0 3px 0 10px; }
.legend i:first-of-type { margin-left: 0; }
.plan-heading { font-size: 12pt; font-weight: 700; margin: 14px 0 4px; color: #00703c; }
.plan-sub { font-weight: 700; margin: 0 0 6px; }
.intro { display: flex; gap: 0; border: 0.5pt solid #a6a6a6; margin: 4px 0 10px; font-size: 8.5pt; }
.intro > div { padding: 4px 6px; flex: 1; } .intro > div + div { border-left: 0.5pt solid #a6a6a6; }
.intro ul { margin: 0; padding-left: 14px; list-style-type: "✓ "; }
.kpi-heading { font-weight: 700; margin: 12px 0 4px; }
table.kpi { font-size: 7.8pt; }
table.kpi th { background: #eeeeee; font-weight: 600; }
tr.group td { background: #f3f6f9; font-weight: 700; }
.break { break-before: page; }
"""


def esc(s: str | None) -> str:
    return html.escape(s or "", quote=False)


def inline(text: str) -> str:
    out = []
    for t, b, i in C.runs(text):
        t = esc(t)
        out.append(f"<strong>{t}</strong>" if b else f"<em>{t}</em>" if i else t)
    return "".join(out)


def cell_html(c: C.Cell | None) -> str:
    """Paragraphs, with consecutive bullet / sub items as lists."""
    if c is None:
        return ""
    out, i, paras = [], 0, c.paras
    while i < len(paras):
        p = paras[i]
        if p.style in ("bullet", "sub"):
            j = i
            while j < len(paras) and paras[j].style == p.style:
                j += 1
            cls = ' class="sub"' if p.style == "sub" else ""
            out.append(f"<ul{cls}>" + "".join(f"<li>{esc(x.text)}</li>" for x in paras[i:j]) + "</ul>")
            i = j
            continue
        t = esc(p.text)
        if p.style == "bold":
            t = f"<strong>{t}</strong>"
        elif p.style == "italic":
            t = f"<em>{t}</em>"
        out.append(f"<p>{t}</p>")
        i += 1
    return "".join(out)


UNRULED_CSS = """
td, th, .intro, .intro > div + div, .legend i { border: none !important; }
td, th { padding: 2px 9px 5px 0; }
table.plan th, table.kpi th, tr.banner td, tr.area td.text, tr.group td { background: none; }
header.site { border-bottom: none; }
td.rag { padding: 2px 9px 5px 0; font-weight: 700; }
.legend i { display: none; }
"""
UNRULED = False  # set by --unruled: no rules, no shading, ratings as words
MIDDLE_CSS = """
td, th { vertical-align: middle !important; padding: 4px 12px 4px 0; }
"""
MIDDLE = False  # set by --middle (with --unruled): cells set in the middle of their rows


def rag_td(rating: str | None, rowspan: int = 1) -> str:
    rs = f' rowspan="{rowspan}"' if rowspan > 1 else ""
    if not rating:
        return f'<td class="rag"{rs}></td>'
    if UNRULED:
        return f'<td class="rag"{rs}>{rating}</td>'
    return f'<td class="rag"{rs} style="background:{RAG_FILL[rating]}"></td>'


class Page:
    def __init__(self, doc: C.Doc):
        self.doc = doc
        self.parts: list[str] = []
        self.kpis = C.kpi_tables(doc)
        self.kpi_at_marker = {t.key for t in self.kpis if t.marker_arg}
        self.kpi_done: set[str] = set()
        self.legend_done = False
        self.order = ORDERS[doc.key]
        self.widths = WIDTHS[doc.key]

    def add(self, s: str) -> None:
        self.parts.append(s)

    def header(self) -> None:
        c = C.cover_facts(self.doc)
        meta = []
        if c.period:
            meta.append(f"<span>Plan period: {esc(c.period)}</span>")
        if c.status:
            meta.append(f"<span>{esc(c.status)}</span>")
        self.add(f'<header class="site"><div class="council">{esc(c.council)}</div><h1>{esc(c.title)}</h1>'
                 f'<div class="meta">{"".join(meta)}</div></header>')

    def legend(self) -> None:
        if self.legend_done or self.doc.key not in LEGENDS:
            return
        self.legend_done = True
        items = ", ".join(f'<i style="background:{RAG_FILL[r]}"></i>{r} = {esc(m)}' for r, m in LEGENDS[self.doc.key])
        self.add(f'<div class="legend"><strong>Key:</strong> {items}</div>')

    def narrative_table(self, b: C.Block) -> None:
        rows = []
        for i, r in enumerate(b.rows):
            tag = "th" if b.header and i == 0 else "td"
            rows.append("<tr>" + "".join(f"<{tag}>{inline(c)}</{tag}>" for c in r) + "</tr>")
        self.add(f'<table class="small">{"".join(rows)}</table>')

    def action_table(self, at: C.ActionTable) -> None:
        cols = {c.key: c for c in at.columns}
        order = self.order
        n = len(order)
        if at.rag_key:
            self.legend()
        colgroup = "".join(f'<col style="width:{self.widths[k]}%">' for k in order)
        head = "".join(f"<th>{esc(cols[k].header)}</th>" for k in order)
        body = []
        for item in at.items:
            if isinstance(item, C.Section):
                if item.kind == "area":
                    # the area's text spans the columns before its rating; the rest stay empty
                    ri = order.index(at.rag_key)
                    tds = f'<td class="text" colspan="{ri}">{esc(item.text)}</td>' + rag_td(item.rag)
                    tds += "".join("<td></td>" for _ in range(n - ri - 1))
                    body.append(f'<tr class="area">{tds}</tr>')
                else:
                    body.append(f'<tr class="banner"><td colspan="{n}">{esc(item.text)}</td></tr>')
                continue
            g: C.Group = item
            rows = g.rows or [{}]
            for i, r in enumerate(rows):
                tds = []
                for k in order:
                    if k in g.parent_keys:
                        if i == 0:
                            rs = f' rowspan="{len(rows)}"' if len(rows) > 1 else ""
                            tds.append(f"<td{rs}>{cell_html(g.parent_cells[k])}</td>")
                        continue
                    c = r.get(k)
                    if k == at.rag_key:
                        tds.append(rag_td(c.rag if c else None))
                    else:
                        tds.append(f"<td>{cell_html(c)}</td>")
                body.append("<tr>" + "".join(tds) + "</tr>")
        self.add(f'<table class="plan"><colgroup>{colgroup}</colgroup><thead><tr>{head}</tr></thead>'
                 f'<tbody>{"".join(body)}</tbody></table>')

    def kpi_table(self, kt: C.KpiTable) -> None:
        if kt.key in self.kpi_done:
            return
        self.kpi_done.add(kt.key)
        if kt.heading:
            self.add(f'<div class="kpi-heading">{esc(kt.heading)}</div>')
        for labels, rows in kt.parts:
            head = "".join(f"<th>{esc(x)}</th>" for x in labels)
            body = []
            for r in rows:
                if r.measure is None:
                    body.append(f'<tr class="group"><td colspan="{len(labels)}">{esc(r.text)}</td></tr>')
                    continue
                tds = []
                for lab in labels:
                    cls = ' class="indent"' if r.indent and lab == kt.name_label else ""
                    tds.append(f"<td{cls}>{cell_html(r.cells.get(lab))}</td>")
                body.append("<tr>" + "".join(tds) + "</tr>")
            self.add(f'<table class="kpi"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
        for f in kt.footer:
            self.add(f"<p>{esc(f)}</p>")

    def kpis_after(self, pref: str | None) -> None:
        for kt in self.kpis:
            if kt.priority_ref == pref and kt.key not in self.kpi_at_marker:
                self.kpi_table(kt)

    def intro(self, intro: dict) -> None:
        if intro.get("banner_text"):
            self.add(f"<p>{esc(intro['banner_text'])}</p>")
        if not (intro.get("rationale") or intro.get("key_strategies")):
            return
        ks = "".join(f"<li>{esc(x)}</li>" for x in intro.get("key_strategies") or [])
        al = "".join(f"<li>{esc(x)}</li>" for x in intro.get("aligns_to") or [])
        self.add(f'<div class="intro"><div style="flex:1.3"><strong>Rationale</strong> {esc(intro.get("rationale"))}</div>'
                 f'<div><strong>Key strategies/plans</strong><ul>{ks}</ul></div>'
                 f'<div><strong>Aligns to Building a Better Bromley</strong><ul>{al}</ul></div></div>')

    def action_tables(self) -> None:
        if C.needs_abbreviation_key(self.doc):
            self.add("<h3>Key to abbreviations used in action plan \u201clead\u201d column</h3>")
            self.narrative_table(C.Block("table", rows=[["Abbrev.", "Full Title"]] + [
                [k, v] for k, v in self.doc.data["abbreviations"].items()], header=True))
        tables = C.action_tables(self.doc)
        for i, at in enumerate(tables):
            if at.heading:
                self.add(f'<div class="plan-heading">{esc(at.heading)}</div>')
                if at.subheading:
                    self.add(f'<div class="plan-sub">{esc(at.subheading)}</div>')
            if at.intro:
                self.intro(at.intro)
            self.action_table(at)
            last_of_priority = i + 1 == len(tables) or tables[i + 1].priority_ref != at.priority_ref
            if at.priority_ref is not None and last_of_priority:
                self.kpis_after(at.priority_ref)

    def build(self) -> str:
        self.header()
        blocks = C.parse_narrative(self.doc.narrative)
        if not any(b.kind == "marker" and C.marker(b)[0] == "ACTION TABLES" for b in blocks):
            blocks.append(C.Block("marker", "ACTION TABLES"))
        footnotes = set((self.doc.data.get("kpi_notes") or {}).values())
        after_tables = False
        for b in blocks:
            if b.kind == "marker":
                name, arg = C.marker(b)
                if name == "ACTION TABLES":
                    self.action_tables()
                    after_tables = True
                elif name == "KPI TABLE":
                    kt = next((k for k in self.kpis if k.marker_arg == arg or k.key == arg), None)
                    if kt:
                        self.kpi_table(kt)
                # LANDSCAPE / PORTRAIT / PAGE BREAK: a web page has no pages to turn
                continue
            if b.kind == "h":
                lvl = min(b.level + 1, 6)   # the page's own title is the h1
                self.add(f"<h{lvl}>{inline(b.text)}</h{lvl}>")
            elif b.kind == "p":
                if after_tables and b.text in footnotes:
                    continue
                self.add(f"<p>{inline(b.text)}</p>")
            elif b.kind == "bullets":
                out, open_sub = ['<ul class="prose">'], False
                for lvl, text in b.items:
                    if lvl and not open_sub:
                        out.append("<ul>")
                        open_sub = True
                    elif not lvl and open_sub:
                        out.append("</ul>")
                        open_sub = False
                    out.append(f"<li>{inline(text)}</li>")
                out.append("</ul>" * (2 if open_sub else 1))
                self.add("".join(out))
            elif b.kind == "table":
                self.narrative_table(b)
        title = esc(self.doc.data["title"])
        return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>'
                f"<style>{CSS}{UNRULED_CSS if UNRULED else ''}{MIDDLE_CSS if MIDDLE else ''}</style></head><body>{''.join(self.parts)}</body></html>")


def render(key: str, keep: Path | None = None) -> Path:
    page = Page(C.load(key)).build()
    out_pdf = (MIDDLE_OUT if MIDDLE else UNRULED_OUT if UNRULED else OUT) / f"{key}.pdf"
    with tempfile.TemporaryDirectory() as tmp:
        src = (keep or Path(tmp)) / f"{key}.html"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(page, encoding="utf-8")
        C.chromium_to_pdf(src, out_pdf)
    return out_pdf


def main(argv: list[str]) -> int:
    global UNRULED, MIDDLE
    if "--middle" in argv:
        MIDDLE = True
        argv = [a for a in argv if a != "--middle"]
    keep = None
    if "--unruled" in argv:
        UNRULED = True
        argv = [a for a in argv if a != "--unruled"]
    if "--keep-html" in argv:
        i = argv.index("--keep-html")
        keep = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    for key in C.selected_keys(argv):
        print(render(key, keep))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
