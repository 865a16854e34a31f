"""Unit and property tests for the value parsers: deadlines, RAG, refs, leads."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalise.deadlines import parse_deadline
from normalise.document import find_doc_type, find_title
from normalise.leads import parse_leads, split_leads
from normalise.rag import rag_from_colour, rag_from_word, split_rag_prefix
from normalise.records import RagRating
from normalise.refs import clean_ref, next_ref, parse_priority_heading, split_ref, with_separators_restored


@pytest.mark.parametrize("raw, kind, start, end", [
    ("31 August 2009", "date", "2009-08-31", "2009-08-31"),
    ("March 2012", "month", "2012-03-01", "2012-03-31"),
    ("Sept 2018", "month", "2018-09-01", "2018-09-30"),
    ("Sep 16", "month", "2016-09-01", "2016-09-30"),
    ("By Apr 17", "month", "2017-04-01", "2017-04-30"),
    ("Jun – Sep 16", "range", "2016-06-01", "2016-09-30"),
    ("Dec – Mar 17", "range", "2016-12-01", "2017-03-31"),
    ("April 2022 (annual programme)", "recurring", "2022-04-01", "2022-04-30"),
    ("Ongoing", "ongoing", None, None),
    ("N/A", "none", None, None),
    ("TBC", "none", None, None),
    ("Q3 2017/18", "range", "2017-10-01", "2017-12-31"),
    ("2018/19", "range", "2018-04-01", "2019-03-31"),
    ("when funding allows", "none", None, None),
    ("Dec16", "month", "2016-12-01", "2016-12-31"),
    ("September 2009 November 2009 Summer 2011", "range", "2009-09-01", "2011-08-31"),
    ("Summer 2011", "range", "2011-06-01", "2011-08-31"),
    ("Aug – Feb17", "range", "2016-08-01", "2017-02-28"),
    ("Jun / Sep 16", "range", "2016-06-01", "2016-09-30"),
    ("From Aug 16", "ongoing", "2016-08-01", None),
    ("By end Sep16 then quarterly prog", "recurring", "2016-09-01", "2016-09-30"),
])
def test_deadline_forms(raw, kind, start, end):
    d = parse_deadline(raw)
    assert (d.raw, d.kind.value, d.start and d.start.isoformat(), d.end and d.end.isoformat()) == (raw, kind, start, end)


def test_end_of_financial_year_uses_the_plan_period():
    d = parse_deadline("end of financial year", period_end=date(2018, 3, 31))
    assert (d.kind.value, d.end) == ("date", date(2018, 3, 31))


@given(st.integers(2000, 2099), st.integers(1, 12), st.booleans(), st.booleans())
def test_any_month_year_round_trips_to_month_bounds(year, month, long_name, short_year):
    name = calendar.month_name[month] if long_name else calendar.month_abbr[month]
    raw = f"{name} {year % 100:02d}" if short_year else f"{name} {year}"
    d = parse_deadline(raw)
    assert d.kind.value == "month"
    assert d.start == date(year, month, 1)
    assert d.end == date(year, month, calendar.monthrange(year, month)[1])


@given(st.text(max_size=40))
def test_parser_never_fails_and_start_precedes_end(raw):
    d = parse_deadline(raw)
    if d.start and d.end:
        assert d.start <= d.end
    if raw.strip():
        assert d.raw is not None


@pytest.mark.parametrize("word, rating", [
    ("R", RagRating.RED), ("Amber", RagRating.AMBER), ("green", RagRating.GREEN), ("Amber/Green", RagRating.AMBER),
    ("On track", RagRating.GREEN), ("Completed", RagRating.BLUE), ("Progress", None),
])
def test_rag_words(word, rating):
    assert rag_from_word(word) == rating


@pytest.mark.parametrize("rgb, rating", [
    ((1, 0, 0), RagRating.RED), ((0.75, 0, 0), RagRating.RED), ((1, 0.75, 0), RagRating.AMBER),
    ((0.89, 0.42, 0.04), RagRating.AMBER), ((0, 0.69, 0.31), RagRating.GREEN), ((0.57, 0.82, 0.31), RagRating.GREEN),
    ((0.85, 0.85, 0.85), None), ((1, 1, 1), None), ((0.2, 0.4, 0.8), RagRating.BLUE),
])
def test_rag_colours_by_hue(rgb, rating):
    assert rag_from_colour(rgb) == rating


def test_rag_word_before_action_text():
    assert split_rag_prefix("Amber a) Continue to implement") == (RagRating.AMBER, "a) Continue to implement")
    assert split_rag_prefix("GREEN Continue to implement") == (RagRating.GREEN, "Continue to implement")
    assert split_rag_prefix("Red - Not started") == (RagRating.RED, "Not started")


@pytest.mark.parametrize("name", ["Green Bonds", "Green Tariff", "Blue Badge scheme", "Red Kite Trail"])
def test_names_opening_with_a_colour_are_no_rating(name):
    assert split_rag_prefix(name) == (None, name)


@pytest.mark.parametrize("heading, timeframe", [
    ("Short Term Policy", True), ("Short & Long Term Policy", True), ("Long-Term", True), ("Immediate", True),
    ("Medium term actions (2-5 years)", True), ("Years 1-2", True), ("Long term vision for the borough", False),
    ("Energy Efficiency", False), ("Term dates", False),
])
def test_headings_naming_a_time_frame(heading, timeframe):
    from normalise.headings import read_heading
    assert (read_heading(heading, banner=False).kind == "timeframe") is timeframe


def test_a_title_naming_one_year_is_that_calendar_year():
    from normalise.document import bare_year
    assert bare_year("City of Winston-Salem 2020 Sustainability Plan") == ("2020", date(2020, 1, 1), date(2020, 12, 31))
    assert bare_year("Portfolio Plan 2017/18") is None  # a financial year is a period, read elsewhere
    assert bare_year("Plan 2018 to 2022") is None


def test_a_status_mark_the_key_defines_comes_off_the_title():
    """'Already In Place = (Y)' (Atlanta's key, PDF p60): '... Fund (Y)' is the title and its status."""
    from normalise.legends import STATUS_MARK_LEGEND_RE, Legends
    m = STATUS_MARK_LEGEND_RE.match("Already In Place = (Y)")
    legends = Legends(marks={m["mark"]: m["meaning"]})
    assert legends.split_mark("Revolving Loan Fund (Y)") == ("Revolving Loan Fund", "(Y)")
    assert legends.split_mark("Resilience Hub (Solar + Storage)") == ("Resilience Hub (Solar + Storage)", None)
    assert STATUS_MARK_LEGEND_RE.match("(Y) = Already in place")


@pytest.mark.parametrize("printed, ref, flags", [
    ("1.1 (BBB)", "1.1", ["BBB"]), ("2.4 [BBB]", "2.4", ["BBB"]), ("a)", "a", []), ("1.1.1", "1.1.1", []),
])
def test_refs(printed, ref, flags):
    assert clean_ref(printed) == (ref, flags)


def test_ref_split_from_text():
    assert split_ref("1.2 Complete a Maternity Needs Assessment.") == ("1.2", [], "Complete a Maternity Needs Assessment.")


@pytest.mark.parametrize("ref, printed, follows", [
    ("a", "b", True), ("1.2", "1.3", True), ("9", "10", True), ("1.2.3", "1.2.4", True),
    ("a", "c", False), ("b", "a", False), ("1.2", "2.1", False), ("1.9", "1.10.1", False), (None, "b", False),
    ("a", None, False), ("2", "b", False),
])
def test_the_next_ref(ref, printed, follows):
    """An open row at a page's foot ends where the next page's first row prints the ref after its own."""
    assert next_ref(ref, printed) is follows


def test_status_cells_as_a_scan_reads_them():
    """Copier scans: a rule's remnant read as marks after the word, and a word read twice."""
    assert [rag_from_word(t) for t in ("Green : :", "Red Red", "| {", "Green 2")] == \
           [RagRating.GREEN, RagRating.RED, None, None]


def test_a_refs_lost_dot_is_put_back_where_the_level_prints_it():
    """docx-ecf copier scan: areas 1.1, 1.2 and 2.1 read `11`, `12`, `21`, while 2.2 kept its dot;
    their actions follow. A plan numbering its actions 1 ... 11 under priority 1 is left alone."""
    from normalise.records import ActionRecord, Level

    def record(ref, parent, level, parent_seq=None):
        return ActionRecord(ref=ref, parent_ref=parent, level=level, text="x", parent_seq=parent_seq)

    area, action = Level.PRIORITY_AREA, Level.ACTION
    plan = [record("11", "1", area), record("a", "11", action, 0), record("21", "2", area),
            record("a", "21", action, 2), record("2.2", "2", area)]
    with_separators_restored(plan)
    assert [(r.ref, r.parent_ref) for r in plan] == [("1.1", "1"), ("a", "1.1"), ("2.1", "2"), ("a", "2.1"), ("2.2", "2")]
    numbered = [record(str(n), "1", action) for n in range(1, 13)]
    with_separators_restored(numbered)
    assert [r.ref for r in numbered] == [str(n) for n in range(1, 13)]


@pytest.mark.parametrize("heading, parsed", [
    ("AREA OF FOCUS 3: Address the health needs", ("3", "Address the health needs")),
    ("Priority Outcome 2", ("2", "")),
    ("Priority One - Leadership and governance", ("1", "Leadership and governance")),
])
def test_priority_headings(heading, parsed):
    assert parse_priority_heading(heading) == parsed


@pytest.mark.parametrize("lines, leads", [
    (["Director Children's Social Care Director Adult Social Care"],
     ["Director Children's Social Care", "Director Adult Social Care"]),
    (["DCS CEX"], ["DCS", "CEX"]),
    (["Assistant Director, Access and", "Inclusion, Children and Young", "People Service, London Borough of",
      "Bromley", "Consultant Clinical", "Psychologist, Oxleas NHS", "Foundation Trust"],
     ["Assistant Director, Access and Inclusion, Children and Young People Service, London Borough of Bromley",
      "Consultant Clinical Psychologist, Oxleas NHS Foundation Trust"]),
    (["Information Systems", "Strategic Adviser, London Borough of Bromley"],
     ["Information Systems Strategic Adviser, London Borough of Bromley"]),
])
def test_split_leads(lines, leads):
    assert split_leads(lines) == leads


def test_lead_role_and_organisation_and_document_key():
    (lead,) = parse_leads(["Consultant in Public Health, Bromley Primary Care Trust"])
    assert (lead.role, lead.organisation) == ("Consultant in Public Health", "Bromley Primary Care Trust")
    (dcs,) = parse_leads(["DCS"], {"DCS": "Director Children's Services"})
    assert (dcs.raw, dcs.role, dcs.canonical) == ("DCS", "Director of Children's Services", True)


def test_leads_split_by_the_documents_own_key():
    key = {"HO LS": "Head of Legal Services", "HOS S&CP": "Head of Service Safeguarding & Care Planning",
           "AD Housing": "Assistant Director Housing", "HOS C&R": "Head of Service Care and Resources",
           "BSCB": "Bromley Safeguarding Children's Board"}
    assert split_leads(["AD Housing HOS C&R"], key) == ["AD Housing", "HOS C&R"]
    assert split_leads(["HO LS HOS S&CP"], key) == ["HO LS", "HOS S&CP"]
    # an organisation's abbreviation is part of the post, never a post of its own
    assert split_leads(["BSCB Chair and Members"], key) == ["BSCB Chair and Members"]
    (lead,) = parse_leads(["HOS C&R"], key)
    assert (lead.raw, lead.role, lead.canonical) == ("HOS C&R", "Head of Service Care and Resources", True)


def test_a_title_wrapped_onto_a_line_finishing_its_kind():
    """As Chromium lays out the ecf cover (tests/renderings/html-unruled, p1): the title's last
    words wrap onto a line of their own, and they say what kind of plan it is."""
    lines = ["London Borough of Bromley", "Education, Children and Families Portfolio Plan", "Update 2017/18",
             "Plan period: 2017/18 · As at the end of March 2018"]
    title = find_title(lines)
    assert title == "Education, Children and Families Portfolio Plan Update 2017/18"
    assert find_doc_type(title, lines) == "portfolio_plan_update"
    # a short line under a title that adds nothing to its kind is not part of it
    assert find_title(["Children's Services Improvement Plan", "June 2016 to October 2017"]) == \
        "Children's Services Improvement Plan"
