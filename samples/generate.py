#!/usr/bin/env python3
"""Render the sample council-plan PDFs from their expected JSON and narrative markdown.

    python samples/generate.py [--out DIR] [--variant NAME] [DOC_KEY ...]

Each document is rebuilt as a published committee paper: portrait narrative pages
(front sheet, commentary, legend) from samples/source/<doc_key>.narrative.md, then the
action tables (and KPI tables) on landscape pages with ruled borders, a grey header row
repeated on every page, a running header and a 'Page N' footer. The table contents come
only from samples/<doc_key>.expected.json, so the expected output is true by construction.

Output is deterministic (reportlab ``invariant=1``): the same inputs and variant give the
same bytes. Variants (see VARIANTS and samples/README.md) change page size, font, column
order, row-split behaviour and how RAG ratings are shown, to keep the extractor honest.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

SAMPLES = Path(__file__).resolve().parent
SOURCE = SAMPLES / "source"

DOC_KEYS = [
    "cypp-2009-11-review-2010",
    "ecf-portfolio-plan-update-2017-18",
    "cef-portfolio-plan-2018-22",
    "cyp-portfolio-plan-2011-12",
    "csc-improvement-plan-2016-17",
]

# Running-header titles, as a committee clerk would abbreviate them.
SHORT_TITLES = {
    "cypp-2009-11-review-2010": "CYPP 2009-2011: Action Plan Annual Review (April 2010)",
    "ecf-portfolio-plan-update-2017-18": "Education, Children and Families Portfolio Plan Update 2017/18",
    "cef-portfolio-plan-2018-22": "Children, Education and Families Portfolio Plan 2018-2022",
    "cyp-portfolio-plan-2011-12": "Children and Young People Portfolio Plan 2011/12",
    "csc-improvement-plan-2016-17": "Children's Service Improvement Action Plan 2016-17",
}

RAG_STANDARD = {"Red": "#FF0000", "Amber": "#FFC000", "Green": "#00B050", "Blue": "#0070C0"}
RAG_MUTED = {"Red": "#C00000", "Amber": "#E46C0A", "Green": "#92D050", "Blue": "#2E75B6"}
RAG_MEANING = {
    "Red": "not started or severely delayed",
    "Amber": "in progress, under review",
    "Green": "complete or on track",
    "Blue": "completed",
}

HEADER_FILL = "#D9D9D9"    # table header rows
BANNER_FILL = "#BFBFBF"    # full-width theme / priority banners
SUBBANNER_FILL = "#F2F2F2"  # area-of-focus / issue rows
RULE = 0.5                 # grid line width, points
FALLBACK_FONT = "DejaVuSans"
FALLBACK_FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


# --------------------------------------------------------------------------- options

@dataclass(frozen=True)
class Rendering:
    """Variant options: everything that changes how a document looks, not what it says."""

    name: str = "standard"
    page_size: tuple[float, float] = A4
    landscape_tables: bool = True       # action tables on landscape pages
    font: str = "Helvetica"             # base-14 family: Helvetica or Times-Roman
    font_size: float = 8.0              # table cell text; narrative is 2pt larger
    margin: float = 1.5 * cm
    alternate_columns: bool = False     # each family's alternative column order
    rag_words: bool = True              # print the rating word in its shaded cell
    rag_fills: dict = field(default_factory=lambda: dict(RAG_STANDARD))
    rag_legend: bool = False            # colour key at the foot of every table page
    vertical_rules: bool = True         # False: rows ruled top and bottom only, no column rules
    split_rows_where_they_fall: bool = True  # True: a row breaks at the page end (Word-like);
                                             # False: rows move whole to the next page if they fit

    @property
    def fonts(self) -> dict[str, str]:
        if self.font.startswith("Times"):
            return {"regular": "Times-Roman", "bold": "Times-Bold", "italic": "Times-Italic"}
        return {"regular": "Helvetica", "bold": "Helvetica-Bold", "italic": "Helvetica-Oblique"}


VARIANTS = {
    "standard": Rendering(),
    "alt-columns": Rendering(
        name="alt-columns",
        page_size=LETTER,
        landscape_tables=False,
        font="Times-Roman",
        font_size=8.5,
        margin=1.8 * cm,
        alternate_columns=True,
        split_rows_where_they_fall=False,
    ),
    "colour-only": Rendering(
        name="colour-only",
        rag_words=False,
        rag_fills=dict(RAG_MUTED),
        rag_legend=True,
    ),
    "open-rules": Rendering(
        name="open-rules",
        vertical_rules=False,
    ),
}


# --------------------------------------------------------------------------- styles

class Styles:
    """The paragraph styles of one rendering."""

    def __init__(self, r: Rendering):
        f, fs = r.fonts, r.font_size
        lead = fs * 1.2
        self.fonts = f
        self.cell = ParagraphStyle("cell", fontName=f["regular"], fontSize=fs, leading=lead)
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=f["bold"])
        self.sub_cell = ParagraphStyle("subcell", parent=self.cell, leftIndent=9)
        self.header = ParagraphStyle("hdr", parent=self.cell_bold, alignment=TA_CENTER)
        self.rag = ParagraphStyle("rag", parent=self.cell_bold, fontSize=fs - 1, leading=lead - 1,
                                  alignment=TA_CENTER)
        self.bullet = ParagraphStyle("bul", parent=self.cell, leftIndent=9, bulletIndent=0,
                                     spaceAfter=2)
        self.sub_bullet = ParagraphStyle("sub", parent=self.bullet, leftIndent=18, bulletIndent=9)
        self.lead_line = ParagraphStyle("leadline", parent=self.cell, spaceAfter=3)
        self.banner = ParagraphStyle("banner", parent=self.cell_bold, fontSize=fs + 1, leading=lead + 1)
        self.body = ParagraphStyle("body", fontName=f["regular"], fontSize=fs + 2, leading=(fs + 2) * 1.3,
                                   spaceAfter=6)
        self.body_bullet = ParagraphStyle("bbul", parent=self.body, leftIndent=14, bulletIndent=2,
                                          spaceAfter=3)
        self.body_sub_bullet = ParagraphStyle("bsub", parent=self.body_bullet, leftIndent=28, bulletIndent=16)
        self.body_cell = ParagraphStyle("bcell", parent=self.body, spaceAfter=0)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontName=f["bold"], fontSize=fs + 6,
                                 leading=(fs + 6) * 1.25, spaceBefore=6, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=f["bold"], fontSize=fs + 3,
                                 leading=(fs + 3) * 1.25, spaceBefore=6, spaceAfter=4)
        self.h3 = ParagraphStyle("h3", parent=self.body, fontName=f["bold"], spaceBefore=4, spaceAfter=3)
        self.page_banner = ParagraphStyle("pbanner", parent=self.h2, textColor=colors.white,
                                          backColor=colors.HexColor("#1F4E79"), borderPadding=(4, 4, 4, 4),
                                          spaceBefore=4, spaceAfter=10)


def markup(text: str | None) -> str:
    """Plain text as paragraph markup: escaped, and any character the base-14 fonts cannot
    show (outside WinAnsi/cp1252, e.g. U+2010) set in the Unicode fallback font."""
    out = []
    for ch in escape(text or ""):
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(f'<font name="{FALLBACK_FONT}">{ch}</font>' if has_fallback_font() else "?")
    return "".join(out)


def para(text: str | None, style: ParagraphStyle, **kw) -> Paragraph:
    """A paragraph of plain text (no markup from the data is trusted)."""
    return Paragraph(markup(text), style, **kw)


def bullets(items: list[str], st: Styles, glyph: str = "•") -> list[Flowable]:
    """Cell bullet list: '•' items; an item starting with '– ' or '- ' becomes a '–' sub-item."""
    out = []
    for item in items:
        m = re.match(r"^\s*[–-]\s+(.*)", item)
        if m:
            out.append(para(m.group(1), st.sub_bullet, bulletText="–"))
        else:
            out.append(para(item, st.bullet, bulletText=glyph))
    return out


def lines(text: str | None) -> list[str]:
    """Split a '\\n'-separated multi-item field into its non-empty items."""
    return [s.strip() for s in (text or "").split("\n") if s.strip()]


def sentences(text: str | None) -> list[str]:
    """Split running progress text into bullet items: at printed '•' marks, else one per sentence."""
    if not text:
        return []
    if "\n" in text:
        return lines(text)
    if "•" in text:
        return [s.strip() for s in text.split("•") if s.strip()]
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(‘'\"])", text.strip()) if s]


def stacked(values: list[str], st: Styles) -> list[Flowable]:
    """Several values in one cell, one per line (leads, dates), with a small gap between them."""
    return [para(v, st.lead_line) for v in values]


# --------------------------------------------------------------------------- grid

@dataclass
class Column:
    key: str
    header: str          # as printed; columns sharing a header (and group) are spanned in the header
    weight: float        # share of the table width
    group: str | None = None
    min_width: float = 0  # points; e.g. a RAG column must fit 'Amber' on one line


class Grid:
    """Rows of cells addressed by column key, with spans, fills and rules, built into one Table.

    Column order is applied only at build time, so a family layout is written once and the
    alt-columns variant merely passes another key order.
    """

    def __init__(self, columns: list[Column], order: list[str] | None = None):
        by_key = {c.key: c for c in columns}
        self.columns = [by_key[k] for k in (order or [c.key for c in columns])]
        self.index = {c.key: i for i, c in enumerate(self.columns)}
        self.rows: list[dict[str, object]] = []
        self.spans: list[tuple[int, int, int, int]] = []
        self.fills: list[tuple[int, int, int, int, str]] = []
        self.unruled_below: set[int] = set()

    def _cols(self, keys) -> tuple[int, int]:
        idx = sorted(self.index[k] for k in keys)
        if idx != list(range(idx[0], idx[-1] + 1)):
            raise ValueError(f"columns {keys} are not adjacent in order {list(self.index)}")
        return idx[0], idx[-1]

    def add(self, cells: dict[str, object], *, ruled_below: bool = True) -> int:
        self.rows.append(cells)
        n = len(self.rows)  # row 0 of the table is the header
        if not ruled_below:
            self.unruled_below.add(n)
        return n

    def span(self, keys: list[str], first: int, last: int | None = None) -> None:
        c0, c1 = self._cols(keys)
        last = first if last is None else last
        if (c0, first) != (c1, last):
            self.spans.append((c0, first, c1, last))

    def fill(self, keys: list[str], row: int, colour: str, last: int | None = None) -> None:
        c0, c1 = self._cols(keys)
        self.fills.append((c0, row, c1, row if last is None else last, colour))

    def all_keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def first_of(self, keys: list[str]) -> str:
        """The key shown leftmost among `keys` (where a spanned cell's content goes)."""
        return self.columns[self._cols(keys)[0]].key

    def header_cells(self, st: Styles) -> tuple[list[object], list[tuple]]:
        cells, cmds, i = [], [], 0
        while i < len(self.columns):
            col = self.columns[i]
            j = i
            while col.group and j + 1 < len(self.columns) and self.columns[j + 1].group == col.group:
                j += 1
            cells.append(para(col.header, st.header))
            cells.extend([""] * (j - i))
            if j > i:
                cmds.append(("SPAN", (i, 0), (j, 0)))
            i = j + 1
        return cells, cmds

    def build(self, st: Styles, r: Rendering, width: float) -> Table:
        minimums = [c.min_width if c.group else max(c.min_width, longest_word(c.header, st.header) + 7)
                    for c in self.columns]
        widths = fit_widths([c.weight for c in self.columns], minimums, width)
        header, cmds = self.header_cells(st)
        data = [header] + [[row.get(c.key, "") for c in self.columns] for row in self.rows]
        cmds += [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_FILL)),
        ]
        if r.vertical_rules:
            cmds += [("BOX", (0, 0), (-1, -1), RULE, colors.black),
                     ("LINEAFTER", (0, 0), (-2, -1), RULE, colors.black)]
        else:
            cmds += [("LINEABOVE", (0, 0), (-1, 0), RULE, colors.black),
                     ("LINEBELOW", (0, -1), (-1, -1), RULE, colors.black)]
        for n in range(0, len(data) - 1):
            if n not in self.unruled_below:
                cmds.append(("LINEBELOW", (0, n), (-1, n), RULE, colors.black))
        for c0, r0, c1, r1 in self.spans:
            cmds.append(("SPAN", (c0, r0), (c1, r1)))
        for c0, r0, c1, r1, colour in self.fills:
            cmds.append(("BACKGROUND", (c0, r0), (c1, r1), colors.HexColor(colour)))
        split = dict(splitByRow=0, splitInRow=1) if r.split_rows_where_they_fall else dict(splitByRow=1, splitInRow=24)
        return RuledTable(data, colWidths=widths, repeatRows=1, style=TableStyle(cmds), **split)


@dataclass
class Ctx:
    """What a family layout needs: the document, styles, variant and table frame width."""

    doc: dict
    st: Styles
    r: Rendering
    width: float
    kpi_done: set = field(default_factory=set)       # KPI tables already printed
    kpi_at_marker: set = field(default_factory=set)  # KPI tables placed by a narrative marker

    @property
    def priorities(self) -> dict[str, dict]:
        return {p["ref"]: p for p in self.doc["priorities"]}


class RuledTable(LongTable):
    """A LongTable that rules its bottom edge on every page, as Word does.

    reportlab leaves the bottom of a page's part open when a row (or a spanned cell) breaks
    across the page; the printed papers close it, and a ruling-line table finder needs it.
    """

    def draw(self):
        super().draw()
        self.canv.saveState()
        self.canv.setLineWidth(RULE)
        self.canv.line(0, 0, self._width, 0)
        self.canv.restoreState()


def fit_widths(weights: list[float], minimums: list[float], width: float) -> list[float]:
    """Share `width` by weight, then give narrow columns their minimum, taken from the widest."""
    widths = [width * w / sum(weights) for w in weights]
    for i, m in enumerate(minimums):
        if widths[i] < m:
            widest = max(range(len(widths)), key=widths.__getitem__)
            widths[widest] -= m - widths[i]
            widths[i] = m
    return widths


def longest_word(text: str, style: ParagraphStyle) -> float:
    """Width of the longest word of `text` in `style`: a header column must not split a word."""
    return max((pdfmetrics.stringWidth(w, style.fontName, style.fontSize) for w in text.split()), default=0)


def rag_min_width(st: Styles) -> float:
    """Width that keeps the longest rating word on one line in a RAG cell."""
    return pdfmetrics.stringWidth("Amber", st.rag.fontName, st.rag.fontSize) + 8


def rag_cell(rating: str | None, ctx: Ctx) -> object:
    """The printed content of a RAG cell: the word, or nothing in the colour-only variant."""
    if not rating or not ctx.r.rag_words:
        return ""
    style = ctx.st.rag
    if rating in ("Red", "Blue"):
        style = ParagraphStyle("ragw", parent=style, textColor=colors.white)
    return para(rating, style)


def shade_rag(g: "Grid", key: str, row: int, rating: str | None, cells: dict, ctx: Ctx) -> None:
    """Fill a RAG cell with its rating's colour and (unless colour-only) print the word."""
    if rating:
        cells[key] = rag_cell(rating, ctx)
        g.fill([key], row, ctx.r.rag_fills[rating])


def banner_row(g: "Grid", text: str, ctx: Ctx) -> None:
    """A full-width shaded row (theme or priority banner) inside an action table."""
    n = g.add({g.all_keys()[0]: para(text, ctx.st.banner)})
    g.span(g.all_keys(), n)
    g.fill(g.all_keys(), n, BANNER_FILL)


def cypp_tables(ctx: Ctx) -> list[Flowable]:
    """CYPP annual review: theme banners, AREA OF FOCUS rows with their own rating, task rows;
    'Progress Rating' spans three narrow R / A / G columns and the word sits in its colour's column."""
    doc, st, r = ctx.doc, ctx.st, ctx.r
    tc = doc["table_columns"]
    columns = [
        Column("task", tc[0], 25), Column("deadline", tc[1], 9), Column("lead", tc[2], 18),
        Column("progress", tc[3], 33),
        *(Column(k, tc[4], 5, "rating", rag_min_width(st)) for k in "RAG"),
    ]
    order = ["R", "A", "G", "task", "lead", "deadline", "progress"] if r.alternate_columns else None
    g = Grid(columns, order)
    rag_col = {"Red": "R", "Amber": "A", "Green": "G", "Blue": "G"}
    text_keys = ["task", "deadline", "lead", "progress"]
    theme = None
    for a in doc["actions"]:
        if a["level"] == "priority_area":
            p_theme = ctx.priorities.get(a["ref"], {}).get("theme")
            if p_theme and p_theme != theme:
                theme = p_theme
                banner_row(g, theme, ctx)
            cells: dict = {}
            n = g.add(cells)
            cells[g.first_of(text_keys)] = para(f"AREA OF FOCUS {a['ref']}: {a['text']}", st.cell_bold)
            g.span(text_keys, n)
            g.fill(text_keys, n, SUBBANNER_FILL)
        else:
            cells = {
                "task": para(f"{a['ref']} {a['text']}" if a["ref"] else a["text"], st.cell),
                "deadline": para(a["deadline_raw"], st.cell),
                "lead": stacked(a["leads"], st),
                "progress": bullets(sentences(a["progress"]), st),
            }
            n = g.add(cells)
        if a["rag"]:
            shade_rag(g, rag_col[a["rag"]], n, a["rag"], cells, ctx)
    return [g.build(st, r, ctx.width)]


def ecf_tables(ctx: Ctx) -> list[Flowable]:
    """ECF portfolio plan update: a 'Priority Outcome n' banner row, the No / 'We aimed to' cells
    spanning their lettered actions, a RAG status column, and each priority's KPI table after
    its actions."""
    doc, st, r = ctx.doc, ctx.st, ctx.r
    tc = doc["table_columns"]
    columns = [Column("no", tc[0], 5), Column("aim", tc[1], 14), Column("rag", tc[2], 7, min_width=rag_min_width(st)),
               Column("action", tc[3], 20), Column("progress", tc[4], 29), Column("next", tc[5], 25)]
    order = ["no", "aim", "action", "progress", "next", "rag"] if r.alternate_columns else None
    out: list[Flowable] = []
    for p in doc["priorities"]:
        areas = [a for a in doc["actions"] if a["priority_ref"] == p["ref"] and a["level"] == "priority_area"]
        if not areas:
            continue
        if out:
            out.append(PageBreak())
        g = Grid(columns, order)
        banner_row(g, f"Priority Outcome {p['ref']}", ctx)
        for area in areas:
            acts = [a for a in doc["actions"] if a["parent_ref"] == area["ref"] and a["level"] != "priority_area"]
            first = None
            for i, a in enumerate(acts or [area]):
                cells = {
                    "no": para(area["ref"], st.cell_bold) if i == 0 else "",
                    "aim": para(area["text"], st.cell) if i == 0 else "",
                    "action": para(f"{a['ref']}) {a['text']}" if acts else "", st.cell),
                    "progress": [para(t, st.cell) for t in lines(a["progress"])],
                    "next": [para(t, st.cell) for t in lines(a["next_steps"])],
                }
                n = g.add(cells)
                if acts:
                    shade_rag(g, "rag", n, a["rag"], cells, ctx)
                first = n if first is None else first
            g.span(["no"], first, n)
            g.span(["aim"], first, n)
        out.append(g.build(st, r, ctx.width))
        out += kpi_after_priority(ctx, p["ref"])
    return out


def cef_tables(ctx: Ctx) -> list[Flowable]:
    """CEF portfolio plan: per priority a 'Priority - <name>' page banner, its statement and the
    Rationale / Key strategies / Aligns-to box, then its action table. An action whose tasks
    print on separate rows spans them in the first column."""
    doc, st, r = ctx.doc, ctx.st, ctx.r
    tc = doc["table_columns"]
    columns = [Column("action", tc[0], 20), Column("detail", tc[1], 32), Column("measure", tc[2], 26),
               Column("date", tc[3], 10), Column("lead", tc[4], 12)]
    order = ["action", "detail", "measure", "lead", "date"] if r.alternate_columns else None
    out: list[Flowable] = []

    groups = []  # (priority_ref, action, [tasks printed on its own rows])
    for a in doc["actions"]:
        if a["level"] == "task" and groups and a.get("parent_text") == groups[-1][1]["text"]:
            groups[-1][2].append(a)
        else:
            groups.append((a["priority_ref"], a, []))

    def start(p: dict, contd: bool) -> Grid:
        if out:
            out.append(PageBreak())
        title = p.get("banner_title") or f"Priority - {p['title']}"
        out.append(para(title + (" [cont'd]" if contd else ""), st.page_banner))
        if not contd:
            if p.get("banner_text"):
                out.append(para(p["banner_text"], st.body))
            if p.get("rationale") or p.get("key_strategies"):
                out.extend([cef_rationale_box(p, st, ctx.width), Spacer(1, 10)])
        return Grid(columns, order)

    g, current = None, None
    for pref, action, tasks in groups:
        p = ctx.priorities[pref]
        if pref != current or p.get("contd_banner_before") == action["text"]:
            if g is not None:
                out.append(g.build(st, r, ctx.width))
            g = start(p, contd=(pref == current))
            current = pref
        rows = tasks or [action]
        first = None
        for i, t in enumerate(rows):
            n = g.add({
                "action": para(action["text"], st.cell) if i == 0 else "",
                "detail": bullets(lines(t.get("detail") or (t["text"] if tasks else "")), st),
                "measure": bullets(lines(t.get("measure_of_success")), st),
                "date": para(t["deadline_raw"], st.cell),
                "lead": stacked(t["leads"], st),
            })
            first = n if first is None else first
        g.span(["action"], first, n)
    if g is not None:
        out.append(g.build(st, r, ctx.width))
    return out


def cef_rationale_box(p: dict, st: Styles, width: float) -> Table:
    """The three-part box printed above each CEF action table ('✓' items need a TTF)."""
    tick = "✓" if has_fallback_font() else "•"
    tick_style = ParagraphStyle("tick", parent=st.cell, leftIndent=11, bulletIndent=0,
                                bulletFontName=FALLBACK_FONT if has_fallback_font() else st.fonts["regular"])

    def ticked(title: str, items: list[str]) -> list[Flowable]:
        return [para(title, st.cell_bold)] + [para(i, tick_style, bulletText=tick) for i in items]

    rationale = [Paragraph(f"<b>Rationale</b> {markup(p.get('rationale'))}", st.cell)]
    data = [[rationale, ticked("Key strategies/plans", p.get("key_strategies") or []),
             ticked("Aligns to Building a Better Bromley", p.get("aligns_to") or [])]]
    return Table(data, colWidths=[width * 0.4, width * 0.33, width * 0.27], style=TableStyle([
        ("BOX", (0, 0), (-1, -1), RULE, colors.black),
        ("LINEAFTER", (0, 0), (-2, -1), RULE, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#EAF1F8")),
    ]))


def cyp_task_bullets(t: dict, st: Styles) -> list[Flowable]:
    """One task's bullet, with its '–' sub-items (which the JSON also appends to its text)."""
    if t.get("sub_bullet"):
        return [para(t["text"], st.sub_bullet, bulletText="–")]
    text, subs = t["text"], t.get("sub_items") or []
    tail = " " + "; ".join(subs)
    if subs and text.endswith(tail):
        text = text[: -len(tail)]
    return [para(text, st.bullet, bulletText="•")] + [para(s, st.sub_bullet, bulletText="–") for s in subs]


def cyp_tables(ctx: Ctx) -> list[Flowable]:
    """CYP portfolio plan: 'Priority Outcome: N' page banners; each action's tasks are sub-rows
    with no rule between them while No. / ACTIONS span them, so the action reads as one row
    whose TASKS cell holds several bullets with a deadline and lead level with each."""
    doc, st, r = ctx.doc, ctx.st, ctx.r
    tc = doc["table_columns"]
    columns = [Column("no", tc[0], 7), Column("action", tc[1], 22), Column("tasks", tc[2], 40),
               Column("deadline", tc[3], 10), Column("lead", tc[4], 21)]
    order = ["no", "action", "tasks", "lead", "deadline"] if r.alternate_columns else None
    out: list[Flowable] = []
    for p in doc["priorities"]:
        actions = [a for a in doc["actions"] if a["priority_ref"] == p["ref"] and a["level"] == "action"]
        if not actions:
            continue
        if out:
            out.append(PageBreak())
        out.append(para(p.get("label") or f"Priority Outcome: {p['ref']}", st.page_banner))
        out.append(para(p["title"], st.h2))
        g = Grid(columns, order)
        for a in actions:
            tasks = [t for t in doc["actions"] if t["level"] == "task" and t["parent_ref"] == a["ref"]]
            first = None
            for i, t in enumerate(tasks or [None]):
                n = g.add({
                    "no": para(a.get("ref_raw") or a["ref"], st.cell_bold) if i == 0 else "",
                    "action": para(a["text"], st.cell) if i == 0 else "",
                    "tasks": cyp_task_bullets(t, st) if t else "",
                    "deadline": para(t["deadline_raw"], st.cell) if t else "",
                    "lead": (para(t["leads_raw"], st.cell) if t.get("leads_raw") else stacked(t["leads"], st))
                    if t else "",
                }, ruled_below=(i == max(len(tasks), 1) - 1))
                first = n if first is None else first
            g.span(["no"], first, n)
            g.span(["action"], first, n)
        out.append(g.build(st, r, ctx.width))
        out += kpi_after_priority(ctx, p["ref"])
    return out


def csc_key_action(t: dict, st: Styles) -> list[Flowable]:
    """'1.1.1 text', with the '- ' sub-items the text carries printed as '-' bullets below it."""
    text = f"{t['ref']} {t['text']}" if t["ref"] else t["text"]
    head, sep, rest = text.partition(": - ")
    if not sep:
        return [para(text, st.cell)]
    items = [s.strip() for s in re.split(r"\s-\s", rest) if s.strip()]
    return [para(head + ":", st.cell)] + [para(i, st.sub_bullet, bulletText="-") for i in items]


def csc_tables(ctx: Ctx) -> list[Flowable]:
    """CSC improvement plan: 'Priority One: ...' page banners; each Issue row (ID + issue text)
    spans its key actions '1.1.1 ...', each with its own timescale, lead(s) and agency; the
    priority's performance-measures table follows."""
    doc, st, r = ctx.doc, ctx.st, ctx.r
    tc = doc["table_columns"]
    columns = [Column("id", tc[0], 5), Column("issue", tc[1], 20), Column("actions", tc[2], 41),
               Column("time", tc[3], 10), Column("lead", tc[4], 12), Column("agency", tc[5], 12)]
    order = ["id", "issue", "actions", "lead", "agency", "time"] if r.alternate_columns else None
    out: list[Flowable] = []
    for p in doc["priorities"]:
        issues = [a for a in doc["actions"] if a["priority_ref"] == p["ref"] and a["level"] == "action"]
        if not issues:
            continue
        if out:
            out.append(PageBreak())
        out.append(para(p.get("table_banner") or p.get("printed_as") or p["title"], st.page_banner))
        g = Grid(columns, order)
        for issue in issues:
            tasks = [t for t in doc["actions"] if t["level"] == "task" and t["parent_ref"] == issue["ref"]]
            first = None
            for i, t in enumerate(tasks or [issue]):
                n = g.add({
                    "id": para(issue["ref"], st.cell_bold) if i == 0 else "",
                    "issue": para(issue["text"], st.cell) if i == 0 else "",
                    "actions": csc_key_action(t, st) if tasks else "",
                    "time": para(t["deadline_raw"], st.cell),
                    "lead": stacked(t["leads"], st),
                    "agency": stacked([s for s in (t.get("agency") or "").split("; ") if s], st),
                })
                first = n if first is None else first
            g.span(["id"], first, n)
            g.span(["issue"], first, n)
        out.append(g.build(st, r, ctx.width))
        out += kpi_after_priority(ctx, p["ref"])
    return out


def needs_abbreviation_key(doc: dict, narrative: str) -> bool:
    """Print the key if leads use abbreviations the narrative does not already explain."""
    abbrev = doc.get("abbreviations") or {}
    uses = any(a.get("leads") != a.get("leads_expanded") for a in doc["actions"])
    return bool(abbrev) and uses and not all(v in narrative for v in abbrev.values())


def abbreviation_key(doc: dict, st: Styles, width: float) -> list[Flowable]:
    """The document's key to lead abbreviations, as a small ruled table."""
    rows = [["Abbrev.", "Full Title"]] + [[k, v] for k, v in doc["abbreviations"].items()]
    return [para("Key to abbreviations used in action plan \u201clead\u201d column", st.h3),
            narrative_table(rows, True, st, width), Spacer(1, 8)]


FAMILIES = {
    "cypp-2009-11-review-2010": cypp_tables,
    "ecf-portfolio-plan-update-2017-18": ecf_tables,
    "cef-portfolio-plan-2018-22": cef_tables,
    "cyp-portfolio-plan-2011-12": cyp_tables,
    "csc-improvement-plan-2016-17": csc_tables,
}


# --------------------------------------------------------------------------- KPI tables

@dataclass
class KpiSpec:
    """One printed KPI table: where it goes, its heading and columns, and its rows."""

    key: str                    # table id ('P2', 'A1') or number ('1')
    priority_ref: str | None
    at_marker: bool             # placed by <!-- KPI TABLE n --> rather than after its priority
    heading: str | None
    columns: list[str]
    measures: list[dict]
    footer: list[str] = field(default_factory=list)
    marker_arg: str | None = None


def kpi_specs(doc: dict) -> list[KpiSpec]:
    """The document's KPI tables, from whichever of its descriptions it carries:
    `kpi_tables` (list of table specs), `kpi_after` as {priority: spec} or {table no: priority}
    (with `kpi_columns`, `kpi_notes`), or else one table per priority."""
    measures = doc.get("measures") or []
    if not measures:
        return []
    if doc.get("kpi_tables"):
        specs = []
        for t in doc["kpi_tables"]:
            m = re.search(r"KPI TABLE\s+(\S+)", t.get("marker") or "")
            specs.append(KpiSpec(
                t["id"], t.get("priority_ref"), t.get("placement") == "narrative_marker", t.get("title"),
                t.get("columns") or doc.get("kpi_columns") or [],
                [x for x in measures if x.get("kpi_table") == t["id"]],
                [t["note"]] if t.get("note") else [], m.group(1) if m else None))
        return specs
    after = doc.get("kpi_after") or {}
    if after and all(isinstance(v, dict) for v in after.values()):
        return [KpiSpec(p, p, False, v.get("heading"), v["columns"],
                        [x for x in measures if x.get("priority_ref") == p], v.get("footer") or [])
                for p, v in after.items()]
    notes = doc.get("kpi_notes") or {}
    if after:
        return [KpiSpec(n, p, False, None, doc.get("kpi_columns") or [],
                        [x for x in measures if x.get("priority_ref") == p], [notes[n]] if n in notes else [])
                for n, p in after.items()]
    prefs = list(dict.fromkeys(x.get("priority_ref") for x in measures))
    return [KpiSpec(str(p), p, False, None, doc.get("kpi_columns") or [],
                    [x for x in measures if x.get("priority_ref") == p]) for p in prefs]


def resolve_kpi_marker(specs: list[KpiSpec], arg: str) -> KpiSpec | None:
    """The KPI table a <!-- KPI TABLE arg --> marker names: by its recorded marker, its id,
    its priority, or its position."""
    for match in (lambda s: s.marker_arg == arg, lambda s: s.key == arg,
                  lambda s: s.priority_ref == arg and not s.at_marker):
        spec = next((s for s in specs if match(s)), None)
        if spec:
            return spec
    if arg.isdigit() and 0 < int(arg) <= len(specs):
        return specs[int(arg) - 1]
    return None


def kpi_after_priority(ctx: Ctx, pref: str) -> list[Flowable]:
    """The KPI table(s) printed after priority `pref`'s actions (unless a marker places them)."""
    out = []
    for spec in kpi_specs(ctx.doc):
        if spec.priority_ref == pref and not spec.at_marker and spec.key not in ctx.kpi_at_marker:
            out += kpi_section(ctx, spec)
    return out


def kpi_at_marker(ctx: Ctx, arg: str) -> list[Flowable]:
    """The KPI table placed by a <!-- KPI TABLE arg --> marker."""
    spec = resolve_kpi_marker(kpi_specs(ctx.doc), arg)
    return kpi_section(ctx, spec) if spec else []


# Measure fields printed in their own KPI columns (label, lower case -> record field).
KPI_FIELDS = {"type of indicator": "type_of_indicator", "source": "source", "source of data": "source",
              "accumulation of data": "accumulation"}


def kpi_section(ctx: Ctx, spec: KpiSpec) -> list[Flowable]:
    """Heading, ruled KPI table(s) and footer lines of one KPI table spec (printed once)."""
    if spec.key in ctx.kpi_done or not spec.measures:
        return []
    ctx.kpi_done.add(spec.key)
    st = ctx.st
    out: list[Flowable] = [Spacer(1, 12)]
    if spec.heading:
        out.append(para(spec.heading, st.h3))
    # A section whose rows print no target columns (csc Appendix 1 'general profile') gets
    # its own table with the narrower header, as printed.
    sections: list[tuple[list[str], list[dict]]] = []
    for m in spec.measures:
        cols = spec.columns
        if m.get("priority_ref") is None and spec.at_marker and ctx.doc.get("kpi_tables"):
            t = next(t for t in ctx.doc["kpi_tables"] if t["id"] == spec.key)
            cols = t.get("columns_general_profile") or cols
        if sections and sections[-1][0] == cols:
            sections[-1][1].append(m)
        else:
            sections.append((cols, [m]))
    for cols, measures in sections:
        out += [kpi_grid(cols, measures, ctx).build(st, ctx.r, ctx.width), Spacer(1, 6)]
    out += [para(f, st.body) for f in spec.footer]
    return out


def kpi_grid(labels: list[str], measures: list[dict], ctx: Ctx) -> "Grid":
    """Rows of one KPI table. Measures named '<group> <item>' print as bullets under their
    group heading in one cell (rows unruled between them); other groups print as a shaded
    sub-heading row when the group changes."""
    st = ctx.st
    labels = labels or ["Indicator"] + list(dict.fromkeys(k for m in measures for k in m["values"]))
    lower = [lab.lower() for lab in labels]
    has_no = lower[0].startswith("no")
    name_i = next((i for i, lab in enumerate(lower) if lab.startswith("indicator")), 1 if has_no else 0)
    weights = []
    for i, lab in enumerate(lower):
        weights.append(5 if (i == 0 and has_no) else 34 if i == name_i else 9)
    g = Grid([Column(f"c{i}", lab, w) for i, (lab, w) in enumerate(zip(labels, weights))])
    keys = g.all_keys()
    name_key = keys[name_i]
    first_value = next((k for k in keys if k not in (name_key, "c0" if has_no else None)), None)

    current_group = None
    for idx, m in enumerate(measures):
        group = m.get("group")
        bulleted = bool(group) and m["name"].startswith(group)
        nxt = measures[idx + 1] if idx + 1 < len(measures) else None
        if group and not bulleted and group != current_group:
            n = g.add({keys[0]: para(group, st.cell_bold)})
            g.span(keys, n)
            g.fill(keys, n, SUBBANNER_FILL)
        current_group = group
        if bulleted:
            item = m["name"][len(group):].strip()
            head = [para(group, st.cell)] if not (idx and measures[idx - 1].get("group") == group) else []
            name_cell = head + [para(item, st.bullet, bulletText="•")]
        else:
            label = m["name"] if has_no or not m.get("ref") else f"{m['ref']}. {m['name']}"
            style = st.sub_cell if m.get("parent_ref") and not m.get("ref") else st.cell
            name_cell = [Paragraph(f"<i>{markup(label)}</i>" if m.get("italic") else markup(label), style)]
        cells: dict[str, object] = {name_key: name_cell}
        if has_no:
            cells["c0"] = para(m.get("ref") or "", st.cell)
        for i, key in enumerate(keys):
            if key in cells:
                continue
            field_name = KPI_FIELDS.get(lower[i])
            value = m.get(field_name) if field_name and m.get(field_name) else m["values"].get(labels[i])
            flags = (m.get("flags") or []) if key == first_value else []
            cells[key] = [para(f, st.cell_bold) for f in flags] + ([para(value, st.cell)] if value else [])
        same_group_next = bulleted and nxt is not None and nxt.get("group") == group
        g.add(cells, ruled_below=not same_group_next)
    return g


# --------------------------------------------------------------------------- narrative

MARKER = re.compile(r"^<!--\s*(.*?)\s*-->$")


def inline(text: str) -> str:
    """Markdown inline markup -> reportlab paragraph markup (bold, italic, links as text)."""
    s = markup(text)
    s = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", s)
    s = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", s)
    s = re.sub(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])", r"<i>\1</i>", s)
    return s


def parse_markdown(text: str) -> list[tuple]:
    """Split narrative markdown into blocks: ('h', level, text), ('p', text),
    ('bullets', [(level, text)]), ('table', rows, has_header), ('rule',), ('marker', name, arg)."""
    blocks: list[tuple] = []
    para_lines: list[str] = []
    items: list[list] = []
    table: list[list[str]] = []
    has_header = False

    def flush():
        nonlocal para_lines, items, table, has_header
        if para_lines:
            blocks.append(("p", " ".join(para_lines)))
        if items:
            blocks.append(("bullets", [(lvl, txt) for lvl, txt in items]))
        if table:
            blocks.append(("table", table, has_header))
        para_lines, items, table, has_header = [], [], [], False

    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if m := MARKER.match(stripped):
            flush()
            blocks.append(("marker", m.group(1).upper()))
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            if para_lines or items:
                flush()
            cells = [c.strip() for c in stripped[1:-1].split("|")]
            if all(re.fullmatch(r":?-*:?", c) for c in cells):
                has_header = len(table) == 1
            else:
                table.append(cells)
            continue
        if table:
            flush()
        if re.fullmatch(r"-{3,}|\*{3,}|_{3,}", stripped):
            flush()
            blocks.append(("rule",))
            continue
        if m := re.match(r"^(#{1,6})\s+(.*)", stripped):
            flush()
            blocks.append(("h", len(m.group(1)), m.group(2).strip()))
            continue
        if m := re.match(r"^(\s*)[-*•]\s+(.*)", line):
            if para_lines:
                flush()
            items.append([1 if len(m.group(1)) >= 2 else 0, m.group(2)])
            continue
        if items and line.startswith(" "):
            items[-1][1] += " " + stripped
            continue
        if items:
            flush()
        para_lines.append(stripped)
    flush()
    return blocks


def marker_parts(text: str) -> tuple[str, str]:
    """'KPI TABLE 2' -> ('KPI TABLE', '2'); 'ACTION TABLES' -> ('ACTION TABLES', '')."""
    m = re.match(r"^(ACTION TABLES|KPI TABLE|LANDSCAPE|PORTRAIT|PAGE BREAK)\b\s*(.*)$", text)
    return (m.group(1), m.group(2).strip()) if m else (text, "")


def narrative_table(rows: list[list[str]], has_header: bool, st: Styles, width: float) -> Table:
    """A small ruled table from the narrative (summary of ratings, front-sheet boxes)."""
    ncols = max(len(r) for r in rows)
    rows = [r + [""] * (ncols - len(r)) for r in rows]
    lengths = [max(len(re.sub(r"\*", "", r[i])) for r in rows) + 4 for i in range(ncols)]
    total = sum(lengths)
    shares = [min(max(n / total, 0.12), 0.7) for n in lengths]
    widths = [width * s / sum(shares) for s in shares]
    if ncols <= 4 and sum(lengths) < 80:
        widths = [w * 0.7 for w in widths]
    data = [[Paragraph(inline(c), st.body_cell) for c in r] for r in rows]
    cmds = [("GRID", (0, 0), (-1, -1), RULE, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if has_header:
        data[0] = [Paragraph(f"<b>{inline(c)}</b>", st.body_cell) for c in rows[0]]
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_FILL)))
    return Table(data, colWidths=widths, style=TableStyle(cmds), hAlign="LEFT", repeatRows=1 if has_header else 0)


class Story:
    """Builds the flowable list, switching between portrait narrative and landscape table pages."""

    def __init__(self):
        self.items: list[Flowable] = []
        self.template = "narrative"
        self.after_tables = False

    def to(self, template: str) -> None:
        if self.template != template:
            self.items += [NextPageTemplate(template), PageBreak()]
            self.template = template


def build_story(doc: dict, narrative: str, st: Styles, r: Rendering, widths: dict[str, float]) -> list[Flowable]:
    """Narrative blocks in order, with the action/KPI tables inserted at their marker lines.

    Markers: <!-- ACTION TABLES --> (all action tables, on landscape pages; appended at the end
    if the narrative has none), <!-- KPI TABLE n --> (priority n's KPI table here instead of
    after its actions), <!-- LANDSCAPE -->, <!-- PORTRAIT -->, <!-- PAGE BREAK -->. After the
    action tables, text stays on the table pages (a legend, a footnote) until the next heading,
    which returns to portrait pages.
    """
    s = Story()
    ctx = Ctx(doc, st, r, widths["tables"])
    blocks = parse_markdown(narrative)
    if not any(b[0] == "marker" and b[1] == "ACTION TABLES" for b in blocks):
        blocks.append(("marker", "ACTION TABLES"))
    # A KPI table placed by a marker is not also printed after its priority's actions.
    specs = kpi_specs(doc)
    for b in blocks:
        if b[0] == "marker" and marker_parts(b[1])[0] == "KPI TABLE":
            spec = resolve_kpi_marker(specs, marker_parts(b[1])[1])
            if spec:
                ctx.kpi_at_marker.add(spec.key)
    footnotes = {n for n in (doc.get("kpi_notes") or {}).values()}

    def introduces_kpi_table(i: int) -> bool:
        """True if headings from block i lead straight to a KPI TABLE marker (keep them together)."""
        while i < len(blocks) and blocks[i][0] == "h":
            i += 1
        return i < len(blocks) and blocks[i][0] == "marker" and marker_parts(blocks[i][1])[0] == "KPI TABLE"

    for i, b in enumerate(blocks):
        kind = b[0]
        if kind == "marker":
            name, arg = marker_parts(b[1])
            if name == "LANDSCAPE":
                s.to("tables")
            elif name == "PORTRAIT":
                s.to("narrative")
            elif name == "PAGE BREAK":
                s.items.append(PageBreak())
            elif name == "ACTION TABLES":
                if needs_abbreviation_key(doc, narrative):
                    s.items += abbreviation_key(doc, st, widths[s.template])
                s.to("tables")
                s.items += FAMILIES[doc["doc_key"]](ctx)
                s.after_tables = True
            elif name == "KPI TABLE":
                s.to("tables")
                s.items += kpi_at_marker(ctx, arg)
            continue
        if kind == "h" and introduces_kpi_table(i):
            s.to("tables")
        elif kind == "h" and s.after_tables and s.template == "tables":
            s.to("narrative")
        width = widths[s.template]
        if kind == "h":
            style = {1: st.h1, 2: st.h2}.get(b[1], st.h3)
            if b[1] <= 2:
                s.items.append(CondPageBreak(60))
            s.items.append(Paragraph(inline(b[2]), style))
        elif kind == "p":
            if s.after_tables and b[1] in footnotes:
                continue  # already printed under its KPI table
            s.items.append(Paragraph(inline(b[1]), st.body))
        elif kind == "bullets":
            for lvl, txt in b[1]:
                style, glyph = (st.body_sub_bullet, "–") if lvl else (st.body_bullet, "•")
                s.items.append(Paragraph(inline(txt), style, bulletText=glyph))
            s.items.append(Spacer(1, 4))
        elif kind == "table":
            s.items += [narrative_table(b[1], b[2], st, width), Spacer(1, 8)]
        elif kind == "rule":
            s.items.append(Spacer(1, 6))
    return s.items


# --------------------------------------------------------------------------- document

class PlanDocTemplate(BaseDocTemplate):
    """A4 (or Letter) committee paper: 'narrative' portrait pages and 'tables' pages."""

    def __init__(self, path: Path, doc: dict, r: Rendering, st: Styles):
        self.r, self.st = r, st
        self.running_title = SHORT_TITLES.get(doc["doc_key"], doc["title"])
        self.council = doc.get("council") or ""
        self.version = doc.get("version") or ""  # e.g. '(Draft) Version 14.3 – 02 September 2016'
        super().__init__(
            str(path), pagesize=portrait(r.page_size), invariant=1,
            title=doc["title"], author=self.council, subject=doc.get("doc_type", ""),
            creator="councilplans samples/generate.py", leftMargin=r.margin, rightMargin=r.margin,
            topMargin=r.margin, bottomMargin=r.margin,
        )
        table_size = landscape(r.page_size) if r.landscape_tables else portrait(r.page_size)
        legend_room = 16 if r.rag_legend else 0
        self.addPageTemplates([
            PageTemplate("narrative", frames=[self._frame(portrait(r.page_size), 0)],
                         onPage=self._decorate, pagesize=portrait(r.page_size)),
            PageTemplate("tables", frames=[self._frame(table_size, legend_room)],
                         onPage=self._decorate_tables, pagesize=table_size),
        ])

    def _frame(self, size, extra_bottom: float) -> Frame:
        w, h = size
        m = self.r.margin
        return Frame(m, m + 10 + extra_bottom, w - 2 * m, h - 2 * m - 22 - extra_bottom,
                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def frame_width(self, template: str) -> float:
        return next(t for t in self.pageTemplates if t.id == template).frames[0]._width

    def _decorate(self, canv, _doc) -> None:
        w, h = canv._pagesize
        m = self.r.margin
        f = self.r.fonts
        canv.saveState()
        canv.setFont(f["regular"], 7.5)
        canv.drawString(m, h - m + 4, self.running_title)
        canv.drawRightString(w - m, h - m + 4, self.council)
        canv.setLineWidth(0.3)
        canv.line(m, h - m, w - m, h - m)
        canv.setFont(f["regular"], 8)
        canv.drawCentredString(w / 2, m - 12, f"Page {canv.getPageNumber()}")
        if self.version:
            canv.setFont(f["regular"], 7)
            canv.drawString(m, m - 12, self.version)
        canv.restoreState()

    def _decorate_tables(self, canv, doc) -> None:
        self._decorate(canv, doc)
        if self.r.rag_legend:
            self._legend(canv)

    def _legend(self, canv) -> None:
        """Colour key printed at the foot of every table page (colour-only variant)."""
        m, f = self.r.margin, self.r.fonts
        x, y = m, m + 6
        canv.saveState()
        canv.setFont(f["bold"], 7.5)
        canv.drawString(x, y + 1, "Key:")
        x += 22
        canv.setFont(f["regular"], 7.5)
        for name in ("Red", "Amber", "Green"):
            canv.setFillColor(colors.HexColor(self.r.rag_fills[name]))
            canv.rect(x, y, 14, 8, stroke=1, fill=1)
            canv.setFillColor(colors.black)
            label = f"{name} = {RAG_MEANING[name]}"
            canv.drawString(x + 18, y + 1, label)
            x += 28 + pdfmetrics.stringWidth(label, f["regular"], 7.5)
        canv.restoreState()


def use_standard_bullet_code() -> None:
    """Encode '•' as WinAnsi 0x95 rather than reportlab's default 0x7F.

    reportlab maps U+2022 to code 127, which WinAnsiEncoding leaves undefined, so text
    extractors (pdfplumber/pdfminer) read every bullet as '(cid:127)'. Word and
    LibreOffice write 0x95; so do we.
    """
    import codecs
    from reportlab.pdfbase.rl_codecs import RL_Codecs

    data = RL_Codecs._RL_Codecs__rl_codecs_data["winansi"]
    if data.rexceptions.get(0x2022) != 0x95:
        data.rexceptions[0x2022] = 0x95
        RL_Codecs._RL_Codecs__rl_codecs_cache.pop("winansi", None)
        codecs.unregister(RL_Codecs._rl_codecs)  # also empties Python's codec lookup cache
        codecs.register(RL_Codecs._rl_codecs)


def has_fallback_font() -> bool:
    return FALLBACK_FONT in pdfmetrics.getRegisteredFontNames()


def register_fonts() -> None:
    """Register the Unicode fallback TTF (for '✓' and the odd non-WinAnsi character), if present."""
    if FALLBACK_FONT_FILE.exists() and not has_fallback_font():
        pdfmetrics.registerFont(TTFont(FALLBACK_FONT, str(FALLBACK_FONT_FILE)))


def render(doc_key: str, out_dir: Path, r: Rendering) -> Path:
    """Render one document to out_dir/<doc_key>.pdf and return the path."""
    doc = json.loads((SAMPLES / f"{doc_key}.expected.json").read_text(encoding="utf-8"))
    narrative_path = SOURCE / f"{doc_key}.narrative.md"
    narrative = narrative_path.read_text(encoding="utf-8") if narrative_path.exists() else f"# {doc['title']}\n"
    use_standard_bullet_code()
    register_fonts()
    st = Styles(r)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{doc_key}.pdf"
    pdf = PlanDocTemplate(path, doc, r, st)
    widths = {t: pdf.frame_width(t) for t in ("narrative", "tables")}
    pdf.build(build_story(doc, narrative, st, r, widths))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("doc_keys", nargs="*", metavar="DOC_KEY",
                    help="documents to render (default: every samples/<doc_key>.expected.json)")
    ap.add_argument("--out", type=Path, default=SAMPLES, help="output directory (default: samples/)")
    ap.add_argument("--variant", default="standard", choices=sorted(VARIANTS))
    args = ap.parse_args(argv)
    if args.variant != "standard" and args.out.resolve() == SAMPLES:
        ap.error("only the standard variant is written into samples/; pass --out DIR")
    keys = args.doc_keys or [k for k in DOC_KEYS if (SAMPLES / f"{k}.expected.json").exists()]
    for key in keys:
        if key not in FAMILIES or not (SAMPLES / f"{key}.expected.json").exists():
            ap.error(f"no layout or expected JSON for {key!r}; known: {', '.join(FAMILIES)}")
        path = render(key, args.out, VARIANTS[args.variant])
        print(f"{path}  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
