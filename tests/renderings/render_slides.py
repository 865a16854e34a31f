#!/usr/bin/env python3
"""The 'slides' rendering: each document as a delivery-plan slide deck exported to PDF.

    python tests/renderings/render_slides.py [--keep-pptx DIR] [DOC_KEY ...]

A delivery plan as a programme office presents it to a board: python-pptx builds a 16:9
deck and LibreOffice Impress exports it. After a title slide, each slide has

* a title: the priority (theme, priority outcome, priority banner) it belongs to;
* one table of commitments in the order 'what we will do | lead | timescale | measure /
  progress', under the headers the document itself prints (e.g. cef 'Action to meet
  priority | Detail | DLT Lead | Target date | Measure of success');
* a dark header row with white text, alternating row shading, and section rows spanning
  the columns for a parent (csc issue, cyp action, ecf aim, cypp area of focus with its
  rating, a cef action with several task rows);
* long cells wrapped in the cell; a small footer with the slide number.

A table that does not fit continues on the next slide under the same title with its
header row repeated. Row heights are estimated from the font metrics (Pillow) so that the
rows of each slide fit; Impress then lays the text out itself. The KPI tables follow their
priority as slides of the same kind; cef priorities get a slide with their statement,
rationale and key strategies before their commitments.

Output: tests/renderings/slides/<key>.pdf.
"""
from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

OUT = C.HERE / "slides"
FONT = "Liberation Sans"
FONT_FILES = {False: "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
              True: "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"}
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
LEFT = Inches(0.4)
TABLE_TOP = Inches(1.2)
TABLE_W = SLIDE_W - 2 * LEFT
TABLE_BOTTOM = Inches(6.85)                 # footer below
CELL_PT = {"cef-portfolio-plan-2018-22": 11.0, "cyp-portfolio-plan-2011-12": 10.0}   # default 9 pt
HEADER_PT = 0.5                             # header row: cell size + this
MARGIN_X = Inches(0.06)
MARGIN_Y = Inches(0.035)
LINE = 1.11                                 # line pitch / font size in Impress (Liberation Sans)
SAFETY = 1.04                               # head-room on each estimated row

NAVY = "1F3864"
ROW_ALT = ("FFFFFF", "EEF2F8")
SECTION_FILL = "C9D6EA"
RAG_FILL = {"Red": "C00000", "Amber": "FFC000", "Green": "70AD47", "Blue": "2E75B6"}

# Per document: the slide columns (keys of common.action_tables) and their width weights.
COLUMNS = {
    "cypp-2009-11-review-2010": [("task", 27), ("lead", 17), ("deadline", 10), ("progress", 38), ("rating", 8)],
    "ecf-portfolio-plan-update-2017-18": [("action", 27), ("rag", 7), ("progress", 36), ("next", 30)],
    "cef-portfolio-plan-2018-22": [("action", 19), ("detail", 33), ("lead", 14), ("date", 10), ("measure", 24)],
    "cyp-portfolio-plan-2011-12": [("tasks", 58), ("lead", 27), ("deadline", 15)],
    "csc-improvement-plan-2016-17": [("actions", 56), ("lead", 14), ("time", 14), ("agency", 16)],
}


# --------------------------------------------------------------------------- measuring text

@lru_cache(maxsize=None)
def font(bold: bool, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_FILES[bold], size=int(round(size * 20)))  # 20x for sub-point precision


def text_width(text: str, bold: bool, size: float) -> float:
    """Width in points."""
    return font(bold, size).getlength(text) / 20


def wrapped_lines(text: str, width_pt: float, bold: bool, size: float) -> int:
    n = 0
    for line in text.split("\n"):
        words, cur = line.split(), ""
        if not words:
            n += 1
            continue
        n += 1
        for w in words:
            trial = f"{cur} {w}" if cur else w
            if text_width(trial, bold, size) <= width_pt:
                cur = trial
            else:
                if cur:
                    n += 1
                cur = w
                while text_width(cur, bold, size) > width_pt:   # a word longer than the column
                    n += 1
                    cur = cur[len(cur) // 2:]
    return n


def para_text(p: C.Para) -> tuple[str, float]:
    """Printed text of a cell paragraph and its indent in points."""
    if p.style == "bullet":
        return "• " + p.text, 0
    if p.style == "sub":
        return "– " + p.text, 8
    return p.text, 0


def cell_height(paras: list[C.Para], width_emu: int, size: float, bold: bool = False) -> float:
    """Points."""
    inner = (width_emu - 2 * MARGIN_X) / 12700
    lines = 0
    for p in paras:
        text, indent = para_text(p)
        lines += wrapped_lines(text, inner - indent - 2, bold or p.style == "bold", size)
    lines = max(lines, 1)
    return lines * size * LINE + 2 * MARGIN_Y / 12700 + 1


# --------------------------------------------------------------------------- slide rows

@dataclass
class SRow:
    kind: str                                   # data | section | area
    cells: dict[str, C.Cell] = field(default_factory=dict)
    text: str = ""
    rag: str | None = None
    height: float = 0                           # estimated, points


@dataclass
class Block:
    """Rows under one slide title."""

    title: str
    columns: list[tuple[str, str, float]]       # (key, header, weight)
    rows: list[SRow] = field(default_factory=list)
    rag_key: str | None = None
    intro: dict | None = None                   # a cef priority statement slide before the table


def action_blocks(doc: C.Doc) -> list[Block]:
    spec = COLUMNS[doc.key]
    blocks: list[Block] = []
    for at in C.action_tables(doc):
        headers = {c.key: c.header for c in at.columns}
        cols = [(k, headers[k], w) for k, w in spec]
        title = at.heading or ""
        if at.subheading:
            title = f"{title} – {at.subheading}"
        block = None

        def new(t: str, intro: dict | None = None) -> Block:
            b = Block(t, cols, rag_key=at.rag_key, intro=intro)
            blocks.append(b)
            return b

        if title:
            block = new(title, at.intro)
        for item in at.items:
            if isinstance(item, C.Section):
                if item.kind == "banner":
                    t = item.text
                    if doc.key.startswith("ecf") and at.priority_ref:
                        t = f"{item.text}: {doc.priorities[at.priority_ref]['title']}"
                    block = new(t)
                else:
                    block.rows.append(SRow("area", text=item.text, rag=item.rag))
                continue
            g: C.Group = item
            if g.inline:
                row = dict(g.rows[0])
                row.update(g.parent_cells)
                block.rows.append(SRow("data", row))
                continue
            if g.label:
                block.rows.append(SRow("section", text=g.label))
            for r in g.rows:
                block.rows.append(SRow("data", dict(r)))
    return blocks


def kpi_blocks(doc: C.Doc, kt: C.KpiTable) -> list[Block]:
    out = []
    for labels, rows in kt.parts:
        weights = [(lab, lab, 5 if (i == 0 and lab.lower().startswith("no")) else 34 if lab == kt.name_label else 10)
                   for i, lab in enumerate(labels)]
        title = kt.heading or "Key performance measures"
        if kt.priority_ref and not (kt.heading or "").lower().startswith("priority"):
            p = doc.priorities.get(kt.priority_ref) or {}
            label = p.get("label") or f"Priority Outcome {kt.priority_ref}"
            title = f"{label} – {kt.heading or 'key performance measures'}"
        b = Block(title, weights)
        for r in rows:
            if r.measure is None:
                b.rows.append(SRow("section", text=r.text))
            else:
                b.rows.append(SRow("data", {lab: c for lab, c in r.cells.items()}))
        out.append(b)
    return out


def all_blocks(doc: C.Doc) -> list[Block]:
    """Action blocks in order, each priority's KPI tables after its last block, marker-placed
    KPI tables (csc Appendix 1) at the end."""
    blocks = action_blocks(doc)
    kpis = C.kpi_tables(doc)
    out: list[Block] = []
    by_priority: dict[str, list[C.KpiTable]] = {}
    for kt in kpis:
        if not kt.marker_arg:
            by_priority.setdefault(kt.priority_ref, []).append(kt)
    tables = C.action_tables(doc)
    # which priority each block belongs to: follow the tables' order
    owners: list[str | None] = []
    for at in tables:
        n_banners = sum(1 for i in at.items if isinstance(i, C.Section) and i.kind == "banner")
        owners += [at.priority_ref] * ((1 if at.heading else 0) + n_banners)
    for i, b in enumerate(blocks):
        out.append(b)
        pref = owners[i] if i < len(owners) else None
        nxt = owners[i + 1] if i + 1 < len(owners) else object()
        if pref is not None and nxt != pref:
            for kt in by_priority.pop(pref, []):
                out += kpi_blocks(doc, kt)
    for kt in kpis:
        if kt.marker_arg:
            out += kpi_blocks(doc, kt)
    return out


# --------------------------------------------------------------------------- pptx

def rgb(h: str) -> RGBColor:
    return RGBColor.from_string(h)


def fill(cell, colour: str) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = rgb(colour)


def write(cell, paras: list[C.Para], size: float, colour: str = "000000", bold: bool = False,
          align=None) -> None:
    tf = cell.text_frame
    tf.word_wrap = True
    cell.margin_left = cell.margin_right = MARGIN_X
    cell.margin_top = cell.margin_bottom = MARGIN_Y
    cell.vertical_anchor = MSO_ANCHOR.TOP
    first = True
    # an empty cell gets one space: Impress sizes a cell without text at its 18 pt default
    for p in paras or [C.Para(" ")]:
        par = tf.paragraphs[0] if first else tf.add_paragraph()
        first = False
        text, indent = para_text(p)
        if align is not None:
            par.alignment = align
        r = par.add_run()
        r.text = text
        f = r.font
        f.name, f.size, f.bold = FONT, Pt(size), bold or p.style == "bold"
        f.italic = p.style == "italic" or None
        f.color.rgb = rgb(colour)
        end_size(par, size)


def end_size(par, size: float) -> None:
    """Give the paragraph mark the cell's font size: Impress otherwise sizes an empty cell's
    line at the 18 pt default."""
    from pptx.oxml.ns import qn
    p = par._p
    for old in p.findall(qn("a:endParaRPr")):
        p.remove(old)
    end = p.makeelement(qn("a:endParaRPr"), {"lang": "en-GB", "sz": str(int(size * 100))})
    p.append(end)


def textbox(slide, left, top, width, height, text: str, size: float, bold=False, colour="000000",
            align=None, anchor=MSO_ANCHOR.TOP):
    tb = slide.shapes.add_textbox(left, top, width, height)
    tf = tb.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        r = p.add_run()
        r.text = line
        r.font.name, r.font.size, r.font.bold = FONT, Pt(size), bold
        r.font.color.rgb = rgb(colour)
        end_size(p, size)
    return tb


class Deck:
    def __init__(self, doc: C.Doc):
        self.doc = doc
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = SLIDE_W, SLIDE_H
        self.layout = self.prs.slide_layouts[6]   # blank
        self.n = 0
        self.pt = CELL_PT.get(doc.key, 9.0)
        self.hpt = self.pt + HEADER_PT
        cp = self.prs.core_properties
        cp.title, cp.author, cp.last_modified_by, cp.revision = doc.data["title"], doc.data["council"], doc.data["council"], 1
        import datetime as dt
        cp.created = cp.modified = dt.datetime(2000, 1, 1)

    def slide(self):
        s = self.prs.slides.add_slide(self.layout)
        self.n += 1
        band = s.shapes.add_shape(1, 0, 0, SLIDE_W, Inches(0.12), )
        band.fill.solid()
        band.fill.fore_color.rgb = rgb(NAVY)
        band.line.fill.background()
        textbox(s, LEFT, SLIDE_H - Inches(0.42), Inches(10), Inches(0.3),
                f"{self.doc.data['council']} | {self.doc.data['title']}", 8, colour="7F7F7F")
        textbox(s, SLIDE_W - LEFT - Inches(1.2), SLIDE_H - Inches(0.42), Inches(1.2), Inches(0.3),
                str(self.n), 9, colour="7F7F7F", align=PP_ALIGN.RIGHT)
        return s

    def title(self, s, text: str) -> None:
        size = 22 if text_width(text, True, 22) <= (TABLE_W / 12700) * 1.9 else 17
        textbox(s, LEFT, Inches(0.25), TABLE_W, Inches(0.9), text, size, bold=True, colour=NAVY,
                anchor=MSO_ANCHOR.MIDDLE)

    def cover(self) -> None:
        c = C.cover_facts(self.doc)
        s = self.slide()
        textbox(s, Inches(0.9), Inches(1.6), Inches(11.5), Inches(0.5), c.council, 20, colour="595959")
        textbox(s, Inches(0.9), Inches(2.2), Inches(11.5), Inches(2.0), c.title, 36, bold=True, colour=NAVY)
        lines = [x for x in (f"Plan period: {c.period}" if c.period else None, c.status) if x]
        textbox(s, Inches(0.9), Inches(4.6), Inches(11.5), Inches(1.0), "\n".join(lines), 18, colour="404040")

    def intro(self, title: str, intro: dict) -> None:
        s = self.slide()
        self.title(s, title)
        y = Inches(1.3)
        if intro.get("banner_text"):
            textbox(s, LEFT, y, TABLE_W, Inches(0.9), intro["banner_text"], 16, colour="262626")
            y += Inches(1.1)
        w = (TABLE_W - Inches(0.4)) // 3
        parts = [("Rationale", intro.get("rationale") or ""),
                 ("Key strategies/plans", "\n".join("✓ " + x for x in intro.get("key_strategies") or [])),
                 ("Aligns to Building a Better Bromley", "\n".join("✓ " + x for x in intro.get("aligns_to") or []))]
        for i, (head, body) in enumerate(parts):
            x = LEFT + i * (w + Inches(0.2))
            box = s.shapes.add_shape(1, x, y, w, Inches(3.9))
            box.fill.solid()
            box.fill.fore_color.rgb = rgb("EEF2F8")
            box.line.color.rgb = rgb("C9D6EA")
            textbox(s, x + Inches(0.15), y + Inches(0.1), w - Inches(0.3), Inches(0.4), head, 14, bold=True, colour=NAVY)
            textbox(s, x + Inches(0.15), y + Inches(0.55), w - Inches(0.3), Inches(3.2), body, 12, colour="262626")

    # ---- tables
    def widths(self, b: Block) -> list[int]:
        """Column widths by weight; a column is at least as wide as its header's longest word."""
        total = sum(w for _, _, w in b.columns)
        ws = [int(TABLE_W * w / total) for _, _, w in b.columns]
        for j, (_, h, _) in enumerate(b.columns):
            need = int((max(text_width(x, True, self.hpt) for x in h.split()) + 4) * 12700 + 2 * MARGIN_X)
            if ws[j] < need:
                widest = max(range(len(ws)), key=ws.__getitem__)
                ws[widest] -= need - ws[j]
                ws[j] = need
        ws[-1] += TABLE_W - sum(ws)
        return ws

    def measure(self, b: Block) -> tuple[float, list[int]]:
        ws = self.widths(b)
        keys = [k for k, _, _ in b.columns]
        header = max(cell_height([C.Para(h)], w, self.hpt, True) for (_, h, _), w in zip(b.columns, ws))
        for r in b.rows:
            if r.kind == "data":
                r.height = max(cell_height((r.cells.get(k) or C.Cell()).paras or [C.Para("")], w, self.pt)
                               for k, w in zip(keys, ws))
            elif r.kind == "area":
                span = sum(w for k, w in zip(keys, ws) if k != b.rag_key)
                r.height = cell_height([C.Para(r.text)], span, self.pt, True)
            else:
                r.height = cell_height([C.Para(r.text)], sum(ws), self.pt, True)
            r.height *= SAFETY
        return header * SAFETY, ws

    def table_slides(self, b: Block) -> None:
        if b.intro:
            self.intro(b.title, b.intro)
        header, ws = self.measure(b)
        room = (TABLE_BOTTOM - TABLE_TOP) / 12700 - header
        pages: list[list[SRow]] = [[]]
        used = 0.0
        for i, r in enumerate(b.rows):
            # a section row is not left alone at the foot of a slide
            need = r.height + (b.rows[i + 1].height if r.kind != "data" and i + 1 < len(b.rows) else 0)
            if pages[-1] and used + need > room:
                pages.append([])
                used = 0.0
            pages[-1].append(r)
            used += r.height
        for k, rows in enumerate(pages):
            if not rows and k:
                continue
            s = self.slide()
            self.title(s, b.title + (" (continued)" if k else ""))
            self.table(s, b, rows, header, ws)

    def table(self, s, b: Block, rows: list[SRow], header: float, ws: list[int]) -> None:
        keys = [k for k, _, _ in b.columns]
        height = int((header + sum(r.height for r in rows)) * 12700)
        shape = s.shapes.add_table(len(rows) + 1, len(keys), LEFT, TABLE_TOP, TABLE_W, height)
        t = shape.table
        t.first_row, t.horz_banding, t.vert_banding = True, False, False
        for j, w in enumerate(ws):
            t.columns[j].width = w
        t.rows[0].height = int(header * 12700)
        for j, (_, h, _) in enumerate(b.columns):
            c = t.cell(0, j)
            fill(c, NAVY)
            write(c, [C.Para(h)], self.hpt, "FFFFFF", bold=True)
        alt = 0
        for i, r in enumerate(rows, start=1):
            t.rows[i].height = int(r.height * 12700)
            if r.kind == "section":
                c = t.cell(i, 0)
                c.merge(t.cell(i, len(keys) - 1))
                for j in range(len(keys)):
                    fill(t.cell(i, j), SECTION_FILL)
                write(c, [C.Para(r.text)], self.pt, NAVY, bold=True)
                alt = 0
                continue
            if r.kind == "area":
                span = [j for j, k in enumerate(keys) if k != b.rag_key]
                c = t.cell(i, span[0])
                c.merge(t.cell(i, span[-1]))
                for j in span:
                    fill(t.cell(i, j), SECTION_FILL)
                write(c, [C.Para(r.text)], self.pt, NAVY, bold=True)
                self.rag(t.cell(i, keys.index(b.rag_key)), r.rag)
                alt = 0
                continue
            shade = ROW_ALT[alt % 2]
            alt += 1
            for j, k in enumerate(keys):
                c = t.cell(i, j)
                v = r.cells.get(k)
                if k == b.rag_key:
                    self.rag(c, v.rag if v else None, shade)
                    continue
                fill(c, shade)
                write(c, v.paras if v else [], self.pt)

    def rag(self, c, rating: str | None, shade: str = "FFFFFF") -> None:
        if not rating:
            fill(c, shade)
            write(c, [], self.pt)
            return
        fill(c, RAG_FILL[rating])
        write(c, [C.Para(rating)], self.pt, "FFFFFF" if rating in ("Red", "Green", "Blue") else "000000",
              bold=True, align=PP_ALIGN.CENTER)
        c.vertical_anchor = MSO_ANCHOR.MIDDLE

    def build(self) -> Presentation:
        self.cover()
        for b in all_blocks(self.doc):
            self.table_slides(b)
        return self.prs


def render(key: str, keep: Path | None = None) -> Path:
    prs = Deck(C.load(key)).build()
    out_pdf = OUT / f"{key}.pdf"
    with tempfile.TemporaryDirectory() as tmp:
        src = (keep or Path(tmp)) / f"{key}.pptx"
        src.parent.mkdir(parents=True, exist_ok=True)
        prs.save(src)
        C.soffice_to_pdf(src, out_pdf)
    return out_pdf


def main(argv: list[str]) -> int:
    keep = None
    if "--keep-pptx" in argv:
        i = argv.index("--keep-pptx")
        keep = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    for key in C.selected_keys(argv):
        print(render(key, keep))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
