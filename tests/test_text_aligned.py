"""Tables with no rules and no shading, read from the alignment of their text alone
(extract/readers/aligned.py), on the samples as Chromium prints them from a web page with
`border: none` (tests/renderings/html-unruled: another tool's layout, not our generator's).

Values are as printed on the pages named (page numbers of those PDFs).
"""

from __future__ import annotations

import pdfplumber
import pytest

from councilplans.pipeline import run_pipeline
from extract.pdf import extract_page

from .conftest import ROOT, db_rows

UNRULED = ROOT / "tests" / "renderings" / "html-unruled"
CSC = "csc-improvement-plan-2016-17.pdf"


def page_tables(pdf_name: str, page: int) -> list[list[list[str]]]:
    with pdfplumber.open(UNRULED / pdf_name) as pdf:
        tables = extract_page(pdf.pages[page - 1], str(UNRULED / pdf_name)).tables
    return [[[c.text.replace("\n", " ") if c else "" for c in row] for row in t.grid()] for t in tables]


def one_table(pdf_name: str, page: int):
    with pdfplumber.open(UNRULED / pdf_name) as pdf:
        (table,) = extract_page(pdf.pages[page - 1], str(UNRULED / pdf_name)).tables
    return table


@pytest.fixture(scope="module")
def unruled_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('unruled') / 'u.db'}"
    summary = run_pipeline(UNRULED, url, workers=2, cache_dir=None)
    assert summary.failed == 0, summary.errors
    return url


def test_a_cell_running_on_beside_the_next_rows_spans_them():
    """csc p11: the Issue of 1.1 runs on beside key actions 1.1.1 to 1.1.4, whose Lead and
    Timescale stand on each row; its lines sit between theirs, at their own leading."""
    table = one_table(CSC, 11)
    grid = [[c.text.replace("\n", " ") if c else "" for c in row] for row in table.grid()]
    assert grid[0] == ["Lead", "Timescale between Jun 16 – Oct 17", "ID", "Issue (Ofsted Para & Rec)", "Key Actions",
                       "Agency Involvement"]
    assert [row[0] for row in grid[1:6]] == ["CEX"] * 5
    assert [row[1] for row in grid[1:6]] == ["Sep 16", "Sep 16", "Sep 16", "April 17", "April 17"]
    assert [row[4][:5] for row in grid[1:6]] == ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5"]
    issue = next(c for c in table.cells if c.text.startswith("Senior leadership capacity"))
    assert issue.row == 1 and issue.row_span >= 4
    assert issue.text.replace("\n", " ").endswith("choices for children in Bromley. Para 99 Rec 1 &2")
    assert grid[6][:3] == ["DCS", "Jun – Sep 16", "1.2"]


def test_the_end_of_a_cell_cut_by_the_page_break_opens_the_next_page():
    """csc p12: the first lines carry on key action 1.2.1 from p11, in its column alone."""
    grid = page_tables(CSC, 12)[0]
    assert grid[0][:4] == ["", "", "", ""] and grid[0][5] == ""
    assert grid[0][4].startswith("and Principal Social Work role; with a direct reporting line to the DCS (completed)")
    assert grid[1][:3] == ["DCS", "Dec 16", "1.3"]


def test_a_column_of_few_entries_between_two_wide_ones_is_a_column():
    """ecf p2: the rating words stand in a narrow column between the action and the update,
    on one line of each row only."""
    grid = page_tables("ecf-portfolio-plan-update-2017-18.pdf", 2)[0]
    assert [row[1] for row in grid] == ["Amber", "Amber", "Amber", "Green", "Green", "Green"]
    assert grid[0][0].startswith("d) Explore opportunities for more integrated working between Health Visiting")


def test_a_box_of_text_in_columns_over_a_table_is_apart_from_it():
    """cef p5: the Rationale / Key strategies / Aligns box set just above the DLT Lead table."""
    tables = page_tables("cef-portfolio-plan-2018-22.pdf", 5)
    heads = [t[0] for t in tables]
    assert ["DLT Lead", "Target date", "Action to meet priority", "Detail", "Measure of success"] in heads
    table = tables[heads.index(["DLT Lead", "Target date", "Action to meet priority", "Detail", "Measure of success"])]
    assert table[1][:3] == ["Director Children’s Social Care Director Adult Social Care",
                            "April 2022 (annual programme)", "Raise awareness of children and adults safeguarding"]


def test_a_bulleted_list_with_bullets_from_a_symbol_font_is_no_table():
    """ICDAR us-022 p1: three bullets read as a character of no script beside their text."""
    path = ROOT.parent / "shared" / "realworld" / "pdfs" / "icdar_us-022_performance_data_shaded.pdf"
    if not path.exists():
        pytest.skip("../shared/realworld is not present in this clone")
    with pdfplumber.open(path) as pdf:
        assert extract_page(pdf.pages[0], str(path)).tables == []


def test_pages_going_on_without_the_first_column_keep_their_roles(unruled_db):
    """ecf pp2-3: the outcome column holds no text on these pages, so no gutter shows it; the rows
    still read as actions with their ratings, under the outcome opened on p1."""
    rows = db_rows(unruled_db, "SELECT ref, parent_ref, rag, page FROM v_actions WHERE document = :d AND page IN (2, 3) "
                   "ORDER BY action_id", d="ecf-portfolio-plan-update-2017-18.pdf")
    assert [(r["ref"], r["rag"]) for r in rows] == [
        ("d", "Amber"), ("e", "Amber"), ("f", "Amber"), ("g", "Green"), ("h", "Green"), ("i", "Green"),
        ("j", "Green"), ("k", "Amber"), ("l", "Green"), ("m", "Green"), ("n", "Green")]
    assert {r["parent_ref"] for r in rows} == {"1.1"}


def test_an_indicator_table_going_on_over_the_page_without_its_header(unruled_db):
    """cyp p12: the first row repeats what the rows on p11 held ('National indicator'): a body row,
    not a header; its indicators are read under p11's header."""
    names = {r["name"] for r in db_rows(unruled_db, "SELECT name FROM v_measures WHERE document = :d AND page = 12",
                                        d="cyp-portfolio-plan-2011-12.pdf")}
    assert {"Key Stage 4: 5 + A*-C (including English and Maths)", "Key Stage 4: Progress in English",
            "Key Stage 4: Progress in Maths", "Persistent absence: Secondary"} <= names
    assert not names & {"National indicator", "Reported in Quarter 3", "Reported in Quarter 4"}


def test_cells_set_in_the_middle_of_their_rows():
    """html-middle csc p11 (`vertical-align: middle`): a row's cells start at different heights and
    the Issue of 1.1 sits beside the middle of its five key actions; each key action is still a
    row with its own Lead and Timescale, and the Issue one cell over the five."""
    path = ROOT / "tests" / "renderings" / "html-middle" / CSC
    with pdfplumber.open(path) as pdf:
        (table,) = extract_page(pdf.pages[10], str(path)).tables
    grid = [[c.text.replace("\n", " ") if c else "" for c in row] for row in table.grid()]
    assert grid[0] == ["Lead", "Timescale between Jun 16 – Oct 17", "ID", "Issue (Ofsted Para & Rec)", "Key Actions",
                       "Agency Involvement"]
    assert [(row[0], row[1], row[4][:5], row[5]) for row in grid[1:6]] == [
        ("CEX", "Sep 16", "1.1.1", "N/A"), ("CEX", "Sep 16", "1.1.2", "N/A"), ("CEX", "Sep 16", "1.1.3", "N/A"),
        ("CEX", "April 17", "1.1.4", "N/A"), ("CEX", "April 17", "1.1.5", "N/A")]
    issue = next(c for c in table.cells if c.text.startswith("Senior leadership capacity"))
    assert (issue.row, issue.row_span) == (1, 5)
    assert grid[6][:3] == ["DCS", "Jun – Sep 16", "1.2"]
