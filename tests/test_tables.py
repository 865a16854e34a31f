"""The tables export (`councilplans tables`, `read_tables`) and the tables kept in the database.

The expected tables are written by hand: one from a sample page as pdfplumber shows its rules,
shading and words (page 12 of the 2011-12 portfolio plan), one from the drawing instructions of a
small grid with merged cells and a coloured cell that the test draws itself. Neither is taken
from the export's output.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from councilplans import read_tables
from councilplans.tables import TableList, TablesError, from_extracted, parse_pages

from .conftest import SAMPLES

PORTFOLIO = SAMPLES / "cyp-portfolio-plan-2011-12.pdf"

# page 12 of the portfolio plan: rules at x 42.52 | 537.38 | 668.38 | 799.37 and y 274.52 | 290.12 |
# 315.32; a grey (0.851 = #D9D9D9) rectangle fills the header row from x 42.52 to 799.37
INDICATORS_TABLE = {
    "page": 12, "bbox": [42.52, 274.52, 799.37, 315.32], "reader": "ruled", "n_rows": 2, "n_cols": 3,
    "cells": [
        {"row": 0, "col": 0, "row_span": 1, "col_span": 1, "text": "INDICATORS",
         "bbox": [42.52, 274.52, 537.38, 290.12], "fill": "#D9D9D9"},
        {"row": 0, "col": 1, "row_span": 1, "col_span": 1, "text": "TYPE OF INDICATOR",
         "bbox": [537.38, 274.52, 668.38, 290.12], "fill": "#D9D9D9"},
        {"row": 0, "col": 2, "row_span": 1, "col_span": 1, "text": "REPORTING FREQUENCY",
         "bbox": [668.38, 274.52, 799.37, 290.12], "fill": "#D9D9D9"},
        {"row": 1, "col": 0, "row_span": 1, "col_span": 1,
         "text": "The number of schools which have converted to Academy status",
         "bbox": [42.52, 290.12, 537.38, 315.32], "fill": None},
        {"row": 1, "col": 1, "row_span": 1, "col_span": 1, "text": "BBB promise 2011/12\nLocal indicator",
         "bbox": [537.38, 290.12, 668.38, 315.32], "fill": None},
        {"row": 1, "col": 2, "row_span": 1, "col_span": 1, "text": "Quarterly",
         "bbox": [668.38, 290.12, 799.37, 315.32], "fill": None},
    ],
}

# the grid the test draws (top-left points): columns at 20 | 100 | 180 | 280, rows at 20 | 40 | 60 | 80;
# "Timing" spans the first two columns of the header, "Lead" the first column of both body rows,
# and "Done" is filled #00B050
PAGE_WIDTH, PAGE_HEIGHT = 300, 200
GREEN = (0, 0xB0 / 255, 0x50 / 255)
SPANS_CELLS = [  # row, col, row_span, col_span, text, box, fill
    (0, 0, 1, 2, "Timing", (20, 20, 180, 40), None),
    (0, 2, 1, 1, "Status", (180, 20, 280, 40), None),
    (1, 0, 2, 1, "Lead", (20, 40, 100, 80), None),
    (1, 1, 1, 1, "Q1", (100, 40, 180, 60), None),
    (1, 2, 1, 1, "Done", (180, 40, 280, 60), "#00B050"),
    (2, 1, 1, 1, "Q2", (100, 60, 180, 80), None),
    (2, 2, 1, 1, "Late", (180, 60, 280, 80), None),
]
SPANS_TABLE = {
    "page": 1, "bbox": [20, 20, 280, 80], "reader": "ruled", "n_rows": 3, "n_cols": 3,
    "cells": [{"row": r, "col": c, "row_span": rs, "col_span": cs, "text": text, "bbox": list(box), "fill": fill}
              for r, c, rs, cs, text, box, fill in SPANS_CELLS],
}
SPANS_GRID = [["Timing", "", "Status"], ["Lead", "Q1", "Done"], ["", "Q2", "Late"]]
RULES = [  # (x0, top, x1, bottom): each drawn as a line
    (20, 20, 280, 20), (20, 40, 280, 40), (100, 60, 280, 60), (20, 80, 280, 80),
    (20, 20, 20, 80), (100, 40, 100, 80), (180, 20, 180, 80), (280, 20, 280, 80),
]


def draw_spans_pdf(path: Path) -> Path:
    """A one-page PDF holding the grid above, drawn with reportlab (whose origin is the bottom left)."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    pdf.setFillColorRGB(*GREEN)
    pdf.rect(180, PAGE_HEIGHT - 60, 100, 20, stroke=0, fill=1)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setLineWidth(0.5)
    for x0, top, x1, bottom in RULES:
        pdf.line(x0, PAGE_HEIGHT - top, x1, PAGE_HEIGHT - bottom)
    pdf.setFont("Helvetica", 9)
    for _, _, _, _, text, (x0, top, _, _), _ in SPANS_CELLS:
        pdf.drawString(x0 + 4, PAGE_HEIGHT - top - 13, text)
    pdf.drawString(20, PAGE_HEIGHT - 120, "A line of text under the table.")
    pdf.save()
    return path


@pytest.fixture(scope="module")
def spans_pdf(tmp_path_factory) -> Path:
    return draw_spans_pdf(tmp_path_factory.mktemp("spans") / "spans.pdf")


def approx_table(expected: dict):
    """The expected table with every box compared to a hundredth of a point (the export's rounding)."""
    out = dict(expected, bbox=pytest.approx(expected["bbox"], abs=0.011))
    out["cells"] = [dict(c, bbox=pytest.approx(c["bbox"], abs=0.011)) for c in expected["cells"]]
    return out


def test_json_form_of_a_sample_page_matches_the_hand_written_table():
    found = read_tables(PORTFOLIO, pages="12").to_dict()
    assert found["file"] == PORTFOLIO.name
    header_table = next(t for t in found["tables"] if t["cells"][0]["text"] == "INDICATORS")
    assert header_table == approx_table(INDICATORS_TABLE)


def test_json_form_keeps_spans_fills_and_boxes(spans_pdf):
    assert read_tables(spans_pdf).to_dict() == {"file": "spans.pdf", "tables": [approx_table(SPANS_TABLE)]}


def test_api_in_camelot_habit(spans_pdf):
    tables = read_tables(spans_pdf, pages="1")
    assert tables.n == 1 and len(tables) == 1
    table = tables[0]
    assert (table.page, table.reader, table.shape) == (1, "ruled", (3, 3))
    assert table.bbox == pytest.approx((20, 20, 280, 80), abs=0.011)
    assert table.df.shape == (3, 3) and list(table.df.columns) == [0, 1, 2]
    assert table.df.values.tolist() == SPANS_GRID
    assert [(c.row, c.col, c.row_span, c.col_span, c.text) for c in table.cells] == [c[:5] for c in SPANS_CELLS]
    assert table.to_csv().splitlines()[0] == '"Timing","","Status"'
    assert read_tables(spans_pdf, pages="2-end").n == 0  # a page the document does not have: no tables


def test_csv_and_xlsx_open_with_pandas_and_openpyxl(spans_pdf, tmp_path):
    import openpyxl
    import pandas as pd

    tables = read_tables(spans_pdf)
    (csv_file,) = tables.export(tmp_path / "spans.csv", "csv")
    assert csv_file.name == "spans-p1-t1.csv"
    assert pd.read_csv(csv_file, header=None, keep_default_na=False, dtype=str).values.tolist() == SPANS_GRID
    (book_file,) = tables.export(tmp_path / "spans.xlsx", "xlsx")
    book = openpyxl.load_workbook(book_file)
    assert book.sheetnames == ["p1-t1"]
    sheet = book["p1-t1"]
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:B1", "A2:A3"}
    assert sheet["C2"].value == "Done" and sheet["C2"].fill.fgColor.rgb.endswith("00B050")
    assert sheet["C3"].fill.fill_type is None
    read_back = pd.read_excel(book_file, sheet_name="p1-t1", header=None, dtype=str).fillna("")
    assert read_back.values.tolist() == SPANS_GRID


def test_export_reads_the_pipelines_own_tables():
    """Same readers, same path: the export is the extraction the pipeline runs, table for table,
    and a page read alone gives the tables that page gives in a whole reading."""
    from extract.pdf import extract_document

    whole = extract_document(PORTFOLIO)
    assert [t.to_dict() for t in read_tables(PORTFOLIO)] == [from_extracted(t).to_dict() for t in whole.tables]
    assert [t.to_dict() for t in read_tables(PORTFOLIO, pages=[6, 12])] == [
        from_extracted(t).to_dict() for t in whole.tables if t.page in (6, 12)]


def test_page_syntax_is_camelots():
    assert parse_pages("1,3-5") == {1, 3, 4, 5}
    assert parse_pages("all") is None and parse_pages(None) is None and parse_pages("1-end") is None
    later = parse_pages("2,7-end")
    assert 2 in later and 7 in later and 700 in later and 3 not in later and 1 not in later
    for bad in ("0", "x", "5-3"):
        with pytest.raises(ValueError):
            parse_pages(bad)


def test_unreadable_file_raises_with_the_pipelines_kind(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_text("<html>not a pdf</html>")
    with pytest.raises(TablesError) as caught:
        read_tables(broken)
    assert caught.value.kind == "not_pdf"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "councilplans", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_prints_one_pdfs_json_and_writes_a_folders_files(spans_pdf, tmp_path):
    out = cli("tables", str(spans_pdf))
    assert out.returncode == 0, out.stderr
    assert TableList.from_dict(json.loads(out.stdout)).to_dict() == read_tables(spans_pdf).to_dict()

    folder = tmp_path / "papers"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(spans_pdf, folder / "sub" / "spans.pdf")
    shutil.copy(PORTFOLIO, folder)
    (folder / "broken.pdf").write_text("<html>not a pdf</html>")
    out = cli("tables", str(folder), "--pages", "1,12", "--format", "csv", "--out", str(tmp_path / "csv"))
    assert out.returncode == 1  # one file could not be read; the others were written
    assert "broken.pdf" in out.stderr and "not_pdf" in out.stderr
    written = sorted(p.relative_to(tmp_path / "csv").as_posix() for p in (tmp_path / "csv").rglob("*.csv"))
    assert "sub/spans-p1-t1.csv" in written
    assert {w for w in written if w.startswith("cyp")} == {"cyp-portfolio-plan-2011-12-p12-t1.csv",
                                                         "cyp-portfolio-plan-2011-12-p12-t2.csv"}
    out = cli("tables", str(folder / "sub"), "-f", "json", "-o", str(tmp_path / "json"))
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "json" / "spans.json").read_text())["tables"][0]["n_rows"] == 3
    out = cli("tables", str(spans_pdf), "--pages", "x")
    assert out.returncode == 2 and "bad page range" in out.stderr


def test_tables_are_in_the_database_after_a_run(spans_pdf, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(spans_pdf, folder)
    shutil.copy(PORTFOLIO, folder)
    db = tmp_path / "t.db"
    out = cli("run", str(folder), "--db", f"sqlite:///{db}", "--cache", str(tmp_path / "cache"))
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        spans = conn.execute("SELECT t.* FROM tables t JOIN documents d ON d.id = t.document_id "
                             "WHERE d.file_name = 'spans.pdf'").fetchall()
        assert [(t["page"], t["reader"], t["n_rows"], t["n_cols"]) for t in spans] == [(1, "ruled", 3, 3)]
        assert (spans[0]["x0"], spans[0]["top"], spans[0]["x1"], spans[0]["bottom"]) == pytest.approx((20, 20, 280, 80))
        cells = conn.execute('SELECT "row", col, row_span, col_span, text, fill FROM table_cells '
                             'WHERE table_id = ? ORDER BY "row", col', (spans[0]["id"],)).fetchall()
        assert [tuple(c) for c in cells] == [(r, c, rs, cs, text, fill) for r, c, rs, cs, text, _, fill in SPANS_CELLS]

        # every table of the plan is kept, each action and KPI linked to the table it was read from
        (plan_id,) = conn.execute("SELECT id FROM documents WHERE file_name = ?", (PORTFOLIO.name,)).fetchone()
        kept = conn.execute("SELECT count(*) FROM tables WHERE document_id = ?", (plan_id,)).fetchone()[0]
        assert kept == len(read_tables(PORTFOLIO))
        actions, linked = conn.execute(
            "SELECT count(*), count(r.table_id) FROM actions a LEFT JOIN table_records r ON r.action_id = a.id "
            "WHERE a.document_id = ? AND a.level != 'priority_area'", (plan_id,)).fetchone()
        assert actions > 50 and linked == actions
        kpi_table = conn.execute(
            "SELECT DISTINCT t.read_as, t.page FROM measures m JOIN table_records r ON r.measure_id = m.id "
            "JOIN tables t ON t.id = r.table_id WHERE m.document_id = ? AND t.page = 12", (plan_id,)).fetchall()
        assert [tuple(k) for k in kpi_table] == [("kpis", 12)]
        row = conn.execute("SELECT text, fill FROM v_table_cells WHERE document = ? AND page = 12 "
                           "AND \"row\" = 0 AND col = 0 AND text = 'INDICATORS'", (PORTFOLIO.name,)).fetchone()
        assert tuple(row) == ("INDICATORS", "#D9D9D9")
        generic = conn.execute("SELECT count(*) FROM generic_tables WHERE document_id = ?", (plan_id,)).fetchone()[0]
        assert generic == conn.execute("SELECT count(*) FROM tables WHERE document_id = ? AND read_as = 'generic'",
                                       (plan_id,)).fetchone()[0] > 0


def test_migration_keeps_generic_tables_both_ways(tmp_path):
    """Down to 0004 the generic tables go back to header + rows; up again, each is a table whose row 0
    is the header (no boxes or reader known for rows loaded before 0008)."""
    from sqlalchemy import create_engine, text

    from councilplans.pipeline import run_pipeline
    from load import open_database

    from .conftest import copy_at_revision, db_rows

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(PORTFOLIO, folder)
    url = f"sqlite:///{tmp_path / 'new.db'}"
    run_pipeline(folder, url, workers=1, cache_dir=None)
    generic = db_rows(url, "SELECT t.id, t.n_rows, t.n_cols FROM tables t WHERE read_as = 'generic' ORDER BY seq")
    first = db_rows(url, 'SELECT text FROM table_cells WHERE table_id = :t AND "row" = 0 ORDER BY col',
                    t=generic[0]["id"])
    old = copy_at_revision(url, tmp_path / "old.db", "0004")
    rows = db_rows(old, "SELECT header, rows FROM generic_tables ORDER BY id")
    assert len(rows) == len(generic)
    assert json.loads(rows[0]["header"]) == [c["text"] for c in first]
    assert len(json.loads(rows[0]["rows"])) == generic[0]["n_rows"] - 1
    engine = create_engine(old)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM documents WHERE id NOT IN (SELECT document_id FROM generic_tables)"))
    engine.dispose()
    open_database(old).dispose()  # up to the newest revision again
    back = db_rows(old, "SELECT id, reader, x0, n_rows, n_cols FROM generic_tables ORDER BY id")
    assert [(b["reader"], b["x0"], b["n_rows"]) for b in back] == [(None, None, g["n_rows"]) for g in generic]
    again = db_rows(old, 'SELECT text FROM table_cells WHERE table_id = :t AND "row" = 0 ORDER BY col', t=back[0]["id"])
    assert again == first


def test_xlsx_leaves_out_what_a_sheet_cannot_hold(tmp_path):
    """Spans a reader gave overlapping, or over another cell's text, are not merged; control characters go."""
    import openpyxl

    from councilplans.tables import Table, TableCell

    box = (0, 0, 1, 1)
    cells = [TableCell(0, 0, 1, 2, "wide", box), TableCell(0, 1, 2, 1, "tall\x07", box),
             TableCell(1, 0, 2, 1, "a", box), TableCell(2, 0, 1, 2, "foot", box)]
    tables = TableList([Table(1, box, "ruled", 3, 2, cells)], "x.pdf")
    (book_file,) = tables.export(tmp_path / "x.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(book_file)["p1-t1"]
    # "wide" would swallow "tall"'s text, "a" would swallow "foot"'s; "tall" and "foot" are merged
    assert {str(r) for r in sheet.merged_cells.ranges} == {"B1:B2", "A3:B3"}
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["wide", "tall"], ["a", None], ["foot", None]]
