#!/usr/bin/env python3
"""Render a plan as one small table per action (python-docx -> LibreOffice Writer -> PDF).

    python tests/renderings/render_cards.py [DOC_KEY ...]      # default: cef-portfolio-plan-2018-22

Some councils print each action as its own little table: the action's text in a first row
across the table, then a row of field names (Detail, Measure of success, Target date, Lead)
and a row of values under them — one row per task when the action has several. Priorities are
headings between the tables. Output: tests/renderings/cards/<key>.pdf, scored by
samples/<key>.expected.json unchanged.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

import common as C

OUT = C.HERE / "cards"
HEADER_FILL = "D9E2F3"
NUMBER_WORDS = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"]


def shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def write_cell(cell, content: C.Cell, size: float = 9, bold: bool = False) -> None:
    cell.text = ""
    first = True
    for para in content.paras or [C.Para("")]:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        run = p.add_run(("• " if para.style == "bullet" else "") + para.text)
        run.font.size = Pt(size)
        run.bold = bold


def action_card(document, group: C.Group, columns: list[C.Column]) -> None:
    fields = [c for c in columns if c.key != "action"]
    table = document.add_table(rows=2 + len(group.rows), cols=len(fields))
    table.style = "Table Grid"
    title = table.rows[0].cells[0].merge(table.rows[0].cells[-1])
    write_cell(title, group.parent_cells["action"], size=10, bold=True)
    for i, col in enumerate(fields):
        write_cell(table.rows[1].cells[i], C.cell(col.header), bold=True)
        shade(table.rows[1].cells[i], HEADER_FILL)
    for r, row in enumerate(group.rows, start=2):
        for i, col in enumerate(fields):
            write_cell(table.rows[r].cells[i], row.get(col.key, C.Cell()))
    document.add_paragraph()


def render(key: str) -> Path:
    doc = C.load(key)
    cover = C.cover_facts(doc)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.8))
    document.add_heading(cover.title, level=0)
    document.add_paragraph(cover.council)
    if cover.period:
        document.add_paragraph(cover.period)
    for ref, priority in doc.priorities.items():  # the plan names its numbered priorities before the tables
        document.add_paragraph(f"Priority {NUMBER_WORDS[int(ref)]}: {priority['title']}")
    document.add_page_break()
    for table in C.action_tables(doc):
        if table.heading:
            document.add_heading(table.heading, level=1)
        for item in table.items:
            if isinstance(item, C.Group):
                action_card(document, item, table.columns)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{key}.docx"
        document.save(src)
        out = OUT / f"{key}.pdf"
        C.soffice_to_pdf(src, out)
    return out


def main(argv: list[str]) -> int:
    for key in argv or ["cef-portfolio-plan-2018-22"]:
        print(render(key))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
