#!/usr/bin/env python3
"""The 'docx' rendering: each document typed up in a word processor and saved as PDF.

    python tests/renderings/render_docx.py [--keep-docx DIR] [DOC_KEY ...]

python-docx writes a .docx the way a council officer's Word file is built: a cover page
(title, council, plan period, status line), the prose pages as headings and paragraphs,
then the action tables on A4 landscape pages as real Word tables with MERGED CELLS:

* a parent's cell (csc 'ID'/'Issue', cyp 'No.'/'ACTIONS', ecf 'No'/'We aimed to', a cef
  action with several task rows) is one cell merged vertically (vMerge) over its rows,
  one task per row;
* where consecutive rows under one parent carry the same deadline, lead or agency, that
  cell is merged vertically over them, so the value is printed once;
* theme / priority banners inside a table are one cell merged across all columns
  (gridSpan);
* the header row is marked 'repeat as header row at the top of each page' (w:tblHeader);
* a rating is a shaded cell carrying its word.

LibreOffice Writer (headless) converts the .docx to tests/renderings/docx/<key>.pdf.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

OUT = C.HERE / "docx"
FONT = "Liberation Sans"          # metric-compatible stand-in for Arial/Calibri-era council templates
TABLE_PT = 8.5
BODY_PT = 10.5
RAG_FILL = {"Red": "FF0000", "Amber": "FFC000", "Green": "00B050", "Blue": "0070C0"}
HEADER_FILL = "1F497D"            # Word 2010 'Dark Blue, Text 2' header row, white bold text
BANNER_FILL = "C6D9F1"
AREA_FILL = "DBE5F1"
A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(1.6)


# --------------------------------------------------------------------------- low-level helpers

def set_cell_fill(cell, hex_fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_fill)
    tc_pr.append(shd)


def repeat_as_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    tr_pr.append(cant)


def set_widths(table, widths) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths):
        gc.set(qn("w:w"), str(int(w.twips if hasattr(w, "twips") else w / 635)))
    for row in table.rows:
        for tc, w in zip(row._tr.tc_lst, widths):
            tc.width = w


def fixed_layout(table) -> None:
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)


def add_field(paragraph, instr: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    paragraph._p.append(fld)


def style_run(run, size: float | None = None, bold: bool = False, italic: bool = False,
              colour: str | None = None) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold or None
    run.font.italic = italic or None
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


def write_paras(cell, paras: list[C.Para], size: float = TABLE_PT, colour: str | None = None,
                bold: bool = False) -> None:
    """Cell content: one Word paragraph per item; bullets typed as '•' / '–' with a hanging indent."""
    first = True
    for p in paras:
        par = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        pf = par.paragraph_format
        pf.space_after = Pt(2)
        pf.space_before = Pt(0)
        text = p.text
        if p.style == "bullet":
            text = "•\t" + text
            pf.left_indent, pf.first_line_indent = Cm(0.35), Cm(-0.35)
            pf.tab_stops.add_tab_stop(Cm(0.35))
        elif p.style == "sub":
            text = "–\t" + text
            pf.left_indent, pf.first_line_indent = Cm(0.7), Cm(-0.35)
            pf.tab_stops.add_tab_stop(Cm(0.7))
        style_run(par.add_run(text), size, bold=bold or p.style == "bold", italic=p.style == "italic",
                  colour=colour)


def write_rag(cell, rating: str | None) -> None:
    if not rating:
        return
    set_cell_fill(cell, RAG_FILL[rating])
    par = cell.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    style_run(par.add_run(rating), TABLE_PT, bold=True, colour="FFFFFF" if rating in ("Red", "Blue") else None)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


# --------------------------------------------------------------------------- the document

class Writer:
    def __init__(self, doc: C.Doc):
        self.doc = doc
        self.d = Document()
        self.orientation = "portrait"
        self._styles()
        sec = self.d.sections[0]
        self._page(sec, "portrait")
        self._header_footer(sec)
        self.kpis = C.kpi_tables(doc)
        self.kpi_at_marker = {t.key for t in self.kpis if t.marker_arg}
        self.kpi_done: set[str] = set()

    # ---- setup
    def _styles(self) -> None:
        st = self.d.styles
        normal = st["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        normal.paragraph_format.space_after = Pt(6)
        for name, size in (("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11), ("Title", 26)):
            s = st[name]
            s.font.name = FONT
            s.font.size = Pt(size)
            s.font.bold = True
            s.font.color.rgb = RGBColor.from_string("1F497D")
            rfonts = s.element.get_or_add_rPr().get_or_add_rFonts()
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                rfonts.set(qn(attr), FONT)
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                rfonts.attrib.pop(qn(attr), None)
        cp = self.d.core_properties
        cp.title = self.doc.data["title"]
        cp.author = self.doc.data["council"]
        cp.last_modified_by = self.doc.data["council"]
        cp.revision = 1
        import datetime as dt
        cp.created = cp.modified = dt.datetime(2000, 1, 1)

    def _page(self, sec, orientation: str) -> None:
        w, h = A4
        sec.orientation = WD_ORIENT.LANDSCAPE if orientation == "landscape" else WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = (h, w) if orientation == "landscape" else (w, h)
        sec.left_margin = sec.right_margin = MARGIN
        sec.top_margin = sec.bottom_margin = Cm(1.5)
        sec.header_distance = sec.footer_distance = Cm(0.7)
        self.orientation = orientation

    def _header_footer(self, sec) -> None:
        hp = sec.header.paragraphs[0]
        style_run(hp.add_run(f"{self.doc.data['council']}  |  {self.doc.data['title']}"), 7.5, colour="7F7F7F")
        fp = sec.footer.paragraphs[0]
        fp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        style_run(fp.add_run("Page "), 8)
        add_field(fp, "PAGE")
        style_run(fp.add_run(" of "), 8)
        add_field(fp, "NUMPAGES")

    @property
    def width(self):
        sec = self.d.sections[-1]
        return sec.page_width - sec.left_margin - sec.right_margin

    def to(self, orientation: str) -> None:
        if orientation != self.orientation:
            sec = self.d.add_section(WD_SECTION.NEW_PAGE)
            self._page(sec, orientation)

    def page_break(self) -> None:
        self.d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # ---- text
    def para(self, text: str, style: str | None = None, size: float | None = None, bold=False,
             align=None, space_after: float | None = None):
        p = self.d.add_paragraph(style=style)
        for t, b, i in C.runs(text):
            style_run(p.add_run(t), size, bold=bold or b, italic=i)
        if align:
            p.alignment = align
        if space_after is not None:
            p.paragraph_format.space_after = Pt(space_after)
        return p

    def heading(self, text: str, level: int):
        h = self.d.add_heading(level=min(level, 3))
        for t, b, i in C.runs(text):
            style_run(h.add_run(t), None, bold=True, italic=i)
        h.paragraph_format.keep_with_next = True
        return h

    def cover(self) -> None:
        c = C.cover_facts(self.doc)
        for _ in range(6):
            self.d.add_paragraph()
        self.para(c.council.upper(), size=14, bold=True, space_after=18)
        t = self.d.add_paragraph(style="Title")
        style_run(t.add_run(c.title), 26, bold=True, colour="1F497D")
        if c.period:
            self.para(f"Plan period: {c.period}", size=13, space_after=6)
        if c.status:
            self.para(c.status, size=13, space_after=6)
        self.page_break()

    def narrative_table(self, block: C.Block) -> None:
        ncols = max(len(r) for r in block.rows)
        t = self.d.add_table(rows=0, cols=ncols)
        t.style = "Table Grid"
        for i, r in enumerate(block.rows):
            cells = t.add_row().cells
            for j in range(ncols):
                text = r[j] if j < len(r) else ""
                p = cells[j].paragraphs[0]
                for s, b, it in C.runs(text):
                    style_run(p.add_run(s), 9.5, bold=b or (block.header and i == 0), italic=it)
                if block.header and i == 0:
                    set_cell_fill(cells[j], "D9D9D9")
        lengths = [max(len(C.plain(r[j])) if j < len(r) else 0 for r in block.rows) + 6 for j in range(ncols)]
        shares = [min(max(n / sum(lengths), 0.12), 0.7) for n in lengths]
        set_widths(t, [int(self.width * s / sum(shares)) for s in shares])
        self.d.add_paragraph().paragraph_format.space_after = Pt(2)

    # ---- action tables
    def action_table(self, at: C.ActionTable) -> None:
        keys = at.column_keys
        total = sum(c.weight for c in at.columns)
        widths = [int(self.width * c.weight / total) for c in at.columns]
        t = self.d.add_table(rows=1, cols=len(keys))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        fixed_layout(t)
        hdr = t.rows[0]
        repeat_as_header(hdr)
        for c, col in zip(hdr.cells, at.columns):
            set_cell_fill(c, HEADER_FILL)
            write_paras(c, [C.Para(col.header)], TABLE_PT, colour="FFFFFF", bold=True)
            c.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        merges: list[tuple[int, int, int, int]] = []  # (row0, col0, row1, col1)
        for item in at.items:
            if isinstance(item, C.Section):
                cells = t.add_row().cells
                n = len(t.rows) - 1
                if item.kind == "area":
                    span = [k for k in keys if k != at.rag_key]
                    c0, c1 = keys.index(span[0]), keys.index(span[-1])
                    write_paras(cells[c0], [C.Para(item.text, "bold")])
                    for j in range(c0, c1 + 1):
                        set_cell_fill(cells[j], AREA_FILL)
                    merges.append((n, c0, n, c1))
                    if at.rag_key:
                        write_rag(cells[keys.index(at.rag_key)], item.rag)
                else:
                    write_paras(cells[0], [C.Para(item.text, "bold")], TABLE_PT + 1)
                    for j in range(len(keys)):
                        set_cell_fill(cells[j], BANNER_FILL)
                    merges.append((n, 0, n, len(keys) - 1))
                continue
            g: C.Group = item
            first = len(t.rows)
            rows = g.rows or [{}]
            # equal consecutive values under one parent are merged (printed once): find the runs
            covered: set[tuple[int, str]] = set()
            for k in keys:
                if k in g.parent_keys or k == at.rag_key or k not in MERGEABLE or not g.rows:
                    continue
                for a, b in C.merge_runs(g.rows, k):
                    if b > a:
                        merges.append((first + a, keys.index(k), first + b, keys.index(k)))
                        covered.update((i, k) for i in range(a + 1, b + 1))
            for i, r in enumerate(rows):
                cells = t.add_row().cells
                for j, k in enumerate(keys):
                    if k in g.parent_keys or (i, k) in covered:
                        continue
                    c = r.get(k)
                    if c is None:
                        continue
                    if c.rag:
                        write_rag(cells[j], c.rag)
                    else:
                        write_paras(cells[j], c.paras)
            last = len(t.rows) - 1
            # the parent: written in the first row, merged down over its rows
            for k in g.parent_keys:
                j = keys.index(k)
                write_paras(t.cell(first, j), g.parent_cells[k].paras)
                if last > first:
                    merges.append((first, j, last, j))
        set_widths(t, widths)
        for r0, c0, r1, c1 in merges:
            t.cell(r0, c0).merge(t.cell(r1, c1))
        self.d.add_paragraph().paragraph_format.space_after = Pt(4)

    def kpi_table(self, kt: C.KpiTable) -> None:
        if kt.key in self.kpi_done:
            return
        self.kpi_done.add(kt.key)
        if kt.heading:
            p = self.para(kt.heading, bold=True, size=10.5)
            p.paragraph_format.keep_with_next = True
        for labels, rows in kt.parts:
            lower = [x.lower() for x in labels]
            weights = [4 if (i == 0 and lab.startswith("no")) else 30 if labels[i] == kt.name_label else 9
                       for i, lab in enumerate(lower)]
            widths = [int(self.width * w / sum(weights)) for w in weights]
            t = self.d.add_table(rows=1, cols=len(labels))
            t.style = "Table Grid"
            fixed_layout(t)
            repeat_as_header(t.rows[0])
            for c, lab in zip(t.rows[0].cells, labels):
                set_cell_fill(c, HEADER_FILL)
                write_paras(c, [C.Para(lab)], TABLE_PT, colour="FFFFFF", bold=True)
            merges = []
            for r in rows:
                cells = t.add_row().cells
                n = len(t.rows) - 1
                if r.measure is None:
                    write_paras(cells[0], [C.Para(r.text, "bold")])
                    for c in cells:
                        set_cell_fill(c, AREA_FILL)
                    merges.append(n)
                    continue
                for j, lab in enumerate(labels):
                    c = r.cells.get(lab)
                    if c:
                        write_paras(cells[j], c.paras)
                        if r.indent and lab == kt.name_label:
                            for p in cells[j].paragraphs:
                                p.paragraph_format.left_indent = Cm(0.4)
            set_widths(t, widths)
            for n in merges:
                t.cell(n, 0).merge(t.cell(n, len(labels) - 1))
            self.d.add_paragraph().paragraph_format.space_after = Pt(2)
        for f in kt.footer:
            self.para(f, size=9.5)

    def kpis_after(self, pref: str | None) -> None:
        for kt in self.kpis:
            if kt.priority_ref == pref and kt.key not in self.kpi_at_marker:
                self.kpi_table(kt)

    def cef_intro(self, intro: dict) -> None:
        if intro.get("banner_text"):
            self.para(intro["banner_text"], size=10)
        if not (intro.get("rationale") or intro.get("key_strategies")):
            return
        t = self.d.add_table(rows=1, cols=3)
        t.style = "Table Grid"
        fixed_layout(t)
        a, b, c = t.rows[0].cells
        p = a.paragraphs[0]
        style_run(p.add_run("Rationale "), 9, bold=True)
        style_run(p.add_run(intro.get("rationale") or ""), 9)
        for cell_, title, items in ((b, "Key strategies/plans", intro.get("key_strategies") or []),
                                    (c, "Aligns to Building a Better Bromley", intro.get("aligns_to") or [])):
            style_run(cell_.paragraphs[0].add_run(title), 9, bold=True)
            for it in items:
                pp = cell_.add_paragraph()
                pp.paragraph_format.space_after = Pt(1)
                style_run(pp.add_run("✓ " + it), 9)
        for x in (a, b, c):
            set_cell_fill(x, "F2F2F2")
        set_widths(t, [int(self.width * s) for s in (0.42, 0.32, 0.26)])
        self.d.add_paragraph().paragraph_format.space_after = Pt(2)

    def action_tables(self) -> None:
        if C.needs_abbreviation_key(self.doc):
            self.heading("Key to abbreviations used in action plan \u201clead\u201d column", 3)
            self.narrative_table(C.Block("table", rows=[["Abbrev.", "Full Title"]] + [
                [k, v] for k, v in self.doc.data["abbreviations"].items()], header=True))
        self.to("landscape")
        tables = C.action_tables(self.doc)
        for i, at in enumerate(tables):
            if i and (at.heading or at.items and isinstance(at.items[0], C.Section)):
                self.page_break()
            if at.heading:
                h = self.heading(at.heading, 2)
                if at.subheading:
                    self.para(at.subheading, bold=True, size=11).paragraph_format.keep_with_next = True
                h.paragraph_format.keep_with_next = True
            if at.intro:
                self.cef_intro(at.intro)
            self.action_table(at)
            last_of_priority = i + 1 == len(tables) or tables[i + 1].priority_ref != at.priority_ref
            if at.priority_ref is not None and last_of_priority:
                self.kpis_after(at.priority_ref)

    # ---- the whole document
    def build(self) -> Document:
        self.cover()
        blocks = C.parse_narrative(self.doc.narrative)
        if not any(b.kind == "marker" and C.marker(b)[0] == "ACTION TABLES" for b in blocks):
            blocks.append(C.Block("marker", "ACTION TABLES"))
        after_tables = False
        footnotes = set((self.doc.data.get("kpi_notes") or {}).values())
        for b in blocks:
            if b.kind == "marker":
                name, arg = C.marker(b)
                if name == "LANDSCAPE":
                    self.to("landscape")
                elif name == "PORTRAIT":
                    self.to("portrait")
                elif name == "PAGE BREAK":
                    self.page_break()
                elif name == "ACTION TABLES":
                    self.action_tables()
                    after_tables = True
                elif name == "KPI TABLE":
                    self.to("landscape")
                    kt = next((k for k in self.kpis if k.marker_arg == arg or k.key == arg), None)
                    if kt:
                        self.kpi_table(kt)
                continue
            if b.kind == "h":
                if after_tables and b.level <= 2 and self.orientation == "landscape":
                    self.to("portrait")
                self.heading(b.text, b.level)
            elif b.kind == "p":
                if after_tables and b.text in footnotes:
                    continue  # already printed under its KPI table
                self.para(b.text)
            elif b.kind == "bullets":
                for lvl, text in b.items:
                    p = self.d.add_paragraph(style="List Bullet 2" if lvl else "List Bullet")
                    for t, bo, it in C.runs(text):
                        style_run(p.add_run(t), None, bold=bo, italic=it)
                    p.paragraph_format.space_after = Pt(2)
            elif b.kind == "table":
                self.narrative_table(b)
        return self.d


MERGEABLE = {"deadline", "lead", "time", "agency", "date"}


def render(key: str, keep: Path | None = None) -> Path:
    doc = C.load(key)
    d = Writer(doc).build()
    out_pdf = OUT / f"{key}.pdf"
    with tempfile.TemporaryDirectory() as tmp:
        src = (keep or Path(tmp)) / f"{key}.docx"
        src.parent.mkdir(parents=True, exist_ok=True)
        d.save(src)
        C.soffice_to_pdf(src, out_pdf)
    return out_pdf


def main(argv: list[str]) -> int:
    keep = None
    if "--keep-docx" in argv:
        i = argv.index("--keep-docx")
        keep = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    for key in C.selected_keys(argv):
        print(render(key, keep))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
