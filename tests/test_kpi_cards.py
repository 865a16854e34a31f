"""Performance reports laid out as KPI cards (extract/readers/kpi_cards.py, normalise/kpis.py).

Read from three hands: the five seeds' KPIs as Chromium prints dashboard cards
(tests/renderings/kpi-cards/, their expected files beside them), a real funding report whose table
goes on over clipped pages (../shared/real-dev, expected file written by hand in tests/real/), and
cards drawn here with reportlab in other habits than either: square stroked boxes, a title in a
dark header band, a traffic-light dot with its word beside it, values in a small grid of headings,
a rating word alone on a line, a chart with axis labels and a legend, and a cover's summary count
grid that must not become an indicator.
"""

from __future__ import annotations

import json

import pytest

from extract.pdf import extract_document
from normalise.plan import normalise_document

from .conftest import ROOT, SHARED

KPI_CARDS = ROOT / "tests" / "renderings" / "kpi-cards"
BRISTOL = SHARED / "real-dev" / "uk_bristol_bswn_funding_kpi_report_2023.pdf"
BRISTOL_EXPECTED = ROOT / "tests" / "real" / "uk_bristol_bswn_funding_kpi_report_2023.expected.json"


def squash(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


def read(pdf) -> list:
    return normalise_document(extract_document(pdf)).measures


def as_expected(measure) -> dict:
    return {"name": squash(measure.name), "values": {v.column_label: squash(v.value_raw) for v in measure.values},
            "rag": measure.rag.value if measure.rag else None}


@pytest.mark.parametrize("key", ["ecf-portfolio-plan-update-2017-18", "cyp-portfolio-plan-2011-12"])
def test_every_card_of_a_dashboard_is_one_indicator_with_its_values_and_rating(key):
    expected = json.loads((KPI_CARDS / f"{key}.expected.json").read_text())["measures"]
    got = read(KPI_CARDS / f"{key}.pdf")
    assert [as_expected(m) for m in got] == [
        {"name": squash(m["name"]), "values": {k: squash(v) for k, v in m["values"].items()}, "rag": m["rag"]}
        for m in expected]


def test_a_card_keeps_its_ref_badge_direction_and_the_kind_of_each_value():
    measures = read(KPI_CARDS / "ecf-portfolio-plan-update-2017-18.pdf")
    first = measures[0]
    assert (first.ref, first.priority_ref, first.rag.value, first.status_raw, first.direction) == \
        ("1", "1", "Red", "RED", "↓")
    assert [(v.column_label, v.value_raw, v.value_num, v.value_kind) for v in first.values] == [
        ("Latest", "350", 350.0, "outturn"), ("Target", "397", 397.0, "target"), ("Previous", "388", 388.0, "baseline")]
    assert first.values[0].provenance.page == 2
    csc = read(KPI_CARDS / "csc-improvement-plan-2016-17.pdf")
    wrapped = next(m for m in csc if m.name.startswith("% of Social Work assessments completed within 45 days"))
    assert {v.column_label: v.value_raw for v in wrapped.values}["Next target"] == "91%"  # 'Next' / 'target: 91%'
    assert next(m for m in csc if m.ref == "2a").name == "Number of case file audits completed - of these"


def test_the_cover_summary_grid_is_no_indicator():
    doc = extract_document(KPI_CARDS / "ecf-portfolio-plan-update-2017-18.pdf")
    assert not doc.pages[0].tables  # GREEN 12 | AMBER 4 | RED 9
    assert {t.reader for t in doc.tables} == {"kpi_card"}


@pytest.mark.skipif(not BRISTOL.is_file(), reason="../shared/real-dev is not present in this clone")
def test_a_funding_report_drawn_whole_on_every_page_and_clipped_gives_each_target_once():
    """TextEdit prints the table whole on each page and clips it: rows shown on the pages before and
    after lie inside the page box under a clip that hides them."""
    expected = json.loads(BRISTOL_EXPECTED.read_text())["measures"]
    got = read(BRISTOL)
    assert [(squash(m.name), {v.column_label: v.value_raw for v in m.values}, m.priority_ref) for m in got] == [
        (squash(m["name"]), m["values"], m["priority_ref"]) for m in expected]
    assert all(m.rag is None for m in got)


# -- cards drawn by another hand ----------------------------------------------------------------

NAVY, GREY = (0.1, 0.2, 0.4), (0.55, 0.55, 0.55)
RAG = {"green": (0.2, 0.62, 0.3), "amber": (0.96, 0.7, 0.1), "red": (0.82, 0.15, 0.15)}


def draw_card(c, x, y, w, h, title, rating=None, rating_word=None, dot=True, grid=None, line=None,
              direction=None, chart=True, spaced=None, rounded=False):
    """One card with its top-left corner at (x, y) in top-down coordinates (reportlab's y is flipped)."""
    from reportlab.lib.colors import Color

    page_h = 842
    top = page_h - y
    c.setStrokeColor(Color(*GREY))
    c.setLineWidth(0.75)
    if rounded:
        c.roundRect(x, top - h, w, h, 6, stroke=1, fill=0)
    else:
        c.rect(x, top - h, w, h, stroke=1, fill=0)
    c.setFillColor(Color(*NAVY))
    c.rect(x, top - 22, w, 22, stroke=0, fill=1)
    c.setFillColor(Color(1, 1, 1))
    c.setFont("Helvetica-Bold", 9)
    c.drawString(x + 8, top - 15, title)
    body = top - 40
    if rating:
        c.setFillColor(Color(*RAG[rating]))
        if dot == "pill":
            c.roundRect(x + 10, body - 12, 80, 16, 8, stroke=0, fill=1)
            c.setFillColor(Color(1, 1, 1))
            c.setFont("Helvetica-Bold", 8)
            c.drawString(x + 16, body - 7, rating_word)
        elif dot:
            c.circle(x + 16, body - 4, 6, stroke=0, fill=1)
            c.setFillColor(Color(0, 0, 0))
            c.setFont("Helvetica", 8)
            c.drawString(x + 27, body - 7, rating_word)
        else:
            c.setFillColor(Color(0, 0, 0))
            c.setFont("Helvetica-Bold", 9)
            c.drawString(x + 10, body - 7, rating_word)
    if chart:  # bars on an axis, tick numbers, period labels and a legend: none of it is a value
        cx, base = x + 150, body - 40
        c.setStrokeColor(Color(*GREY))
        c.line(cx, base, cx + 160, base)
        c.setFont("Helvetica", 6)
        c.setFillColor(Color(0, 0, 0))
        for i, tick in enumerate(("0", "5", "10")):
            c.drawRightString(cx - 3, base - 2 + i * 18, tick)
        for i, (label, bar) in enumerate(zip(("Apr", "May", "Jun", "Jul"), (20, 28, 24, 34))):
            c.setFillColor(Color(0.6, 0.65, 0.75))
            c.rect(cx + 8 + i * 38, base, 22, bar, stroke=0, fill=1)
            c.setFillColor(Color(0, 0, 0))
            c.drawString(cx + 12 + i * 38, base - 8, label)
        c.setFillColor(Color(0.6, 0.65, 0.75))
        c.rect(cx + 175, base + 28, 6, 6, stroke=0, fill=1)
        c.setFillColor(Color(0, 0, 0))
        c.drawString(cx + 184, base + 28, "Actual")
    if direction:
        c.setFont("Helvetica", 8)
        c.drawString(x + 10, body - 30, direction)
    c.setFillColor(Color(0, 0, 0))
    if grid:
        c.setFont("Helvetica-Bold", 7.5)
        for i, (head, _) in enumerate(grid):
            c.drawString(x + 10 + i * 120, top - h + 26, head)
        c.setFont("Helvetica", 7.5)
        for i, (_, value) in enumerate(grid):
            c.drawString(x + 10 + i * 120, top - h + 16, value)
    if spaced:  # headings and values with a word space between, no colon; a wide gap between pairs
        pos = x + 10
        for label, value in spaced:
            c.setFont("Helvetica-Bold", 7.5)
            c.drawString(pos, top - h + 14, label + " ")
            pos += c.stringWidth(label + " ", "Helvetica-Bold", 7.5)
            c.setFont("Helvetica", 7.5)
            c.drawString(pos, top - h + 14, value)
            pos += c.stringWidth(value, "Helvetica", 7.5) + 16
    if line:
        c.setFont("Helvetica", 7.5)
        pos = x + 10
        for label, value in line:
            c.setFont("Helvetica-Bold", 7.5)
            c.drawString(pos, top - h + 14, label)
            pos += c.stringWidth(label, "Helvetica-Bold", 7.5) + 3
            c.setFont("Helvetica", 7.5)
            c.drawString(pos, top - h + 14, value)
            pos += c.stringWidth(value, "Helvetica", 7.5) + 14


@pytest.fixture(scope="module")
def reportlab_cards(tmp_path_factory):
    from reportlab.lib.colors import Color
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("cards") / "adult-social-care-q3.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica-Bold", 16)
    c.drawString(40, 780, "Adult Social Care Performance Scorecard Q3 2023/24")
    c.setFont("Helvetica", 9)
    c.drawString(40, 760, "Summary of ratings")
    for i, (word, n) in enumerate((("Green", "5"), ("Amber", "2"), ("Red", "1"))):  # a count grid, not indicators
        c.setFillColor(Color(*RAG[word.lower()]))
        c.roundRect(40 + i * 90, 715, 80, 32, 4, stroke=0, fill=1)
        c.setFillColor(Color(1, 1, 1))
        c.setFont("Helvetica-Bold", 10)
        c.drawString(50 + i * 90, 727, f"{word} {n}")
    c.setFillColor(Color(0, 0, 0))
    c.setStrokeColor(Color(*GREY))
    c.rect(330, 715, 225, 50, stroke=1, fill=0)  # a box counting ratings: its pill and the count beside it
    c.setFont("Helvetica-Bold", 9)
    c.drawString(338, 752, "Indicators rated this quarter")
    c.setFillColor(Color(*RAG["green"]))
    c.roundRect(338, 722, 50, 16, 4, stroke=0, fill=1)
    c.setFillColor(Color(1, 1, 1))
    c.drawString(344, 727, "Green")
    c.setFillColor(Color(0, 0, 0))
    c.drawString(394, 727, "5")
    draw_card(c, 40, 140, 515, 130, "ASC01 Adults in contact with secondary mental health services in paid employment",
              rating="green", rating_word="On target", grid=[("2022/23 outturn", "6.1%"), ("2023/24 target", "7%"),
                                                            ("Q3 2023/24", "7.2%")], direction="Improving")
    draw_card(c, 40, 290, 515, 130, "ASC02 Average days from referral to assessment", rating="red",
              rating_word="Off target", line=[("Latest:", "12 days"), ("Target:", "10 days"), ("Tolerance:", "2 days"),
                                              ("Previous:", "Amber")])
    draw_card(c, 40, 440, 515, 110, "ASC03 Carers assessed or reviewed in the year", rating="amber",
              rating_word="AMBER", dot=False, line=[("Actual:", "85%"), ("Target:", "90%")], chart=False)
    draw_card(c, 40, 570, 515, 130, "Percentage of people who use services who feel safe", rating="amber",
              rating_word="Within tolerance", dot="pill", rounded=True,
              spaced=[("Latest", "4.2%"), ("Target", "4%"), ("Previous", "Green")])
    # the rating as a band across the card's top saying it, the title under it
    top = 842 - 715
    c.setStrokeColor(Color(*GREY))
    c.rect(40, top - 95, 515, 95, stroke=1, fill=0)
    c.setFillColor(Color(*RAG["green"]))
    c.rect(40, top - 16, 515, 16, stroke=0, fill=1)
    c.setFillColor(Color(1, 1, 1))
    c.setFont("Helvetica-Bold", 8)
    c.drawString(48, top - 11, "ON TRACK")
    c.setFillColor(Color(0, 0, 0))
    c.setFont("Helvetica-Bold", 9)
    c.drawString(48, top - 32, "Delayed transfers of care from hospital per 100,000 population")
    c.setFont("Helvetica", 7.5)
    c.drawString(48, top - 80, "Q3 2023/24: 6.4     Target: 9.0     Q2 2023/24: 7.1")
    c.showPage()
    c.save()
    return path


def test_cards_of_another_hand_square_boxes_dots_grids_and_charts(reportlab_cards):
    doc = extract_document(reportlab_cards)
    assert [t.reader for t in doc.tables] == ["kpi_card"] * 5
    got = [as_expected(m) | {"ref": m.ref, "direction": m.direction, "status": m.status_raw}
           for m in normalise_document(doc).measures]
    assert got == [
        {"ref": None, "name": "ASC01 Adults in contact with secondary mental health services in paid employment",
         "values": {"2022/23 outturn": "6.1%", "2023/24 target": "7%", "Q3 2023/24": "7.2%"}, "rag": "Green",
         "direction": "Improving", "status": "On target"},
        {"ref": None, "name": "ASC02 Average days from referral to assessment",
         "values": {"Latest": "12 days", "Target": "10 days", "Tolerance": "2 days", "Previous": "Amber"},
         "rag": "Red", "direction": None, "status": "Off target"},
        {"ref": None, "name": "ASC03 Carers assessed or reviewed in the year",
         "values": {"Actual": "85%", "Target": "90%"}, "rag": "Amber", "direction": None, "status": "AMBER"},
        {"ref": None, "name": "Percentage of people who use services who feel safe",
         "values": {"Latest": "4.2%", "Target": "4%", "Previous": "Green"}, "rag": "Amber", "direction": None,
         "status": "Within tolerance"},
        {"ref": None, "name": "Delayed transfers of care from hospital per 100,000 population",
         "values": {"Q3 2023/24": "6.4", "Target": "9.0", "Q2 2023/24": "7.1"}, "rag": "Green", "direction": None,
         "status": "ON TRACK"},
    ]


def ruled_grid(c, x, y, widths, heights, fills=None):
    """Rules (lines, no boxes) around and between cells; top-left corner at (x, y), top-down; fills:
    {(row, col): rgb} shading cells, a cell spanning the grid's width where its row has one width."""
    from reportlab.lib.colors import Color

    page_h = 842
    c.setLineWidth(0.5)
    c.setStrokeColor(Color(0, 0, 0))
    total = sum(widths[0])
    top = page_h - y
    for r, h in enumerate(heights):
        left = x
        for col, w in enumerate(widths[r]):
            if fills and (r, col) in fills:
                c.setFillColor(Color(*fills[(r, col)]))
                c.rect(left, top - h, w, h, stroke=0, fill=1)
            left += w
        top -= h
    top = page_h - y
    c.line(x, top, x + total, top)
    for r, h in enumerate(heights):
        left = x
        for w in widths[r][:-1]:
            left += w
            c.line(left, top, left, top - h)
        top -= h
        c.line(x, top, x + total, top)
    c.line(x, page_h - y, x, top)
    c.line(x + total, page_h - y, x + total, top)


@pytest.fixture(scope="module")
def framed_cards(tmp_path_factory):
    """Cards a word processor draws as small ruled tables: a title row across, the rating a shaded cell."""
    from reportlab.lib.colors import Color
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("framed") / "corporate-kpis-q2.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    text = c.drawString
    c.setFont("Helvetica-Bold", 14)
    text(40, 800, "Corporate Performance Report: Quarter 2")
    # a card: title across, then a shaded rating cell beside a cell of labelled values
    ruled_grid(c, 40, 70, [[500], [70, 430]], [22, 30], fills={(1, 0): RAG["green"]})
    c.setFont("Helvetica-Bold", 9)
    text(46, 842 - 85, "CP1 Percentage of invoices paid within 30 days")
    c.setFont("Helvetica-Bold", 9)
    text(68, 842 - 112, "G")
    c.setFont("Helvetica", 8)
    text(118, 842 - 112, "Latest: 95%")
    text(200, 842 - 112, "Target: 92%")
    text(282, 842 - 112, "Previous: Amber")
    # a card as rows of heading | value, its rating a cell saying Amber
    ruled_grid(c, 40, 130, [[500], [150, 350], [150, 350], [150, 350]], [22, 18, 18, 18],
               fills={(1, 1): RAG["amber"]})
    c.setFont("Helvetica-Bold", 9)
    text(46, 842 - 145, "CP2 Working days lost to sickness per employee")
    c.setFont("Helvetica", 8)
    for i, (head, value) in enumerate((("Status", "Amber"), ("Target", "8.5 days"), ("Actual", "9.1 days"))):
        text(46, 842 - 164 - i * 18, head)
        text(196, 842 - 164 - i * 18, value)
    # an ordinary KPI table with a rating column: a table, not cards
    ruled_grid(c, 40, 250, [[200, 100, 100, 100]] * 3, [18, 18, 18],
               fills={(1, 3): RAG["red"], (2, 3): RAG["green"]})
    c.setFont("Helvetica-Bold", 8)
    for col, head in enumerate(("Performance indicator", "Target", "Actual", "RAG")):
        text(46 + [0, 200, 300, 400][col], 842 - 262, head)
    c.setFont("Helvetica", 8)
    for r, row in enumerate((("Council tax collected", "97%", "95.2%", "Red"),
                             ("Business rates collected", "98%", "98.4%", "Green"))):
        for col, value in enumerate(row):
            text(46 + [0, 200, 300, 400][col], 842 - 280 - r * 18, value)
    # a page of cards in a grid of rules: each cell holds one card with its rating pill
    ruled_grid(c, 40, 330, [[250, 250]], [90])
    for i, (name, word, values) in enumerate((("Calls answered within 60 seconds", "RED", "Latest: 71%   Target: 80%"),
                                              ("Complaints answered on time", "GREEN", "Latest: 93%   Target: 90%"))):
        x = 40 + i * 250
        c.setFont("Helvetica-Bold", 9)
        text(x + 8, 842 - 346, name)
        c.setFillColor(Color(*RAG[word.lower()]))
        c.roundRect(x + 8, 842 - 385, 60, 18, 4, stroke=0, fill=1)
        c.setFillColor(Color(1, 1, 1))
        text(x + 16, 842 - 379, word)
        c.setFillColor(Color(0, 0, 0))
        c.setFont("Helvetica", 8)
        text(x + 8, 842 - 408, values)
    # a card boxed by four rules, its labelled values a word space apart
    ruled_grid(c, 40, 440, [[300]], [60])
    c.setFont("Helvetica-Bold", 9)
    text(48, 842 - 456, "Staff sickness days per FTE")
    c.setFillColor(Color(*RAG["red"]))
    c.roundRect(48, 842 - 482, 60, 16, 4, stroke=0, fill=1)
    c.setFillColor(Color(1, 1, 1))
    text(54, 842 - 477, "Off target")
    c.setFillColor(Color(0, 0, 0))
    c.setFont("Helvetica", 8)
    text(120, 842 - 477, "Latest: 9.8 Next target: 8.0 Previous: Amber")
    c.showPage()
    c.save()
    return path


def test_cards_framed_by_rules_and_a_grid_of_cards(framed_cards):
    doc = extract_document(framed_cards)
    assert [t.reader for t in doc.tables] == ["kpi_card", "kpi_card", "ruled", "kpi_card", "kpi_card", "kpi_card"]
    measures = normalise_document(doc).measures
    assert [as_expected(m) for m in measures] == [
        {"name": "CP1 Percentage of invoices paid within 30 days",
         "values": {"Latest": "95%", "Target": "92%", "Previous": "Amber"}, "rag": "Green"},
        {"name": "CP2 Working days lost to sickness per employee",
         "values": {"Target": "8.5 days", "Actual": "9.1 days"}, "rag": "Amber"},
        {"name": "Council tax collected", "values": {"Target": "97%", "Actual": "95.2%"}, "rag": "Red"},
        {"name": "Business rates collected", "values": {"Target": "98%", "Actual": "98.4%"}, "rag": "Green"},
        {"name": "Calls answered within 60 seconds", "values": {"Latest": "71%", "Target": "80%"}, "rag": "Red"},
        {"name": "Complaints answered on time", "values": {"Latest": "93%", "Target": "90%"}, "rag": "Green"},
        {"name": "Staff sickness days per FTE", "values": {"Latest": "9.8", "Next target": "8.0", "Previous": "Amber"},
         "rag": "Red"},
    ]
