"""Cross-year answers checked against what is known by hand: the links truth, slippage, trend and KPI series.

Expected rows here are written from the seed texts and the expected JSON (never from a run), or
from plans made up in the test whose links are known by construction.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from councilplans.linkscore import find_records, load_truth, score_database, total
from load import link_actions, load_document, open_database
from load.queries import MEASURE_SERIES, RAG_TREND, SLIPPAGE
from normalise.records import (
    ActionRecord, Deadline, DeadlineKind, Level, Measure, MeasureValue, PlanDocument, RagRating,
)

from .conftest import SAMPLES, db_rows

TRUTH = SAMPLES / "links.truth.yaml"


def expected(file_name: str) -> dict:
    return json.loads((SAMPLES / file_name.replace(".pdf", ".expected.json")).read_text())


# --- the truth itself -------------------------------------------------------------------------

def test_every_truth_record_names_one_record_of_its_expected_json():
    truth = load_truth(TRUTH)
    for kind, key, field in (("actions", "actions", "text"), ("measures", "measures", "name")):
        for pair in getattr(truth, kind):
            for spec in (pair.earlier, pair.later):
                doc = expected(truth.documents[spec.doc])
                qualifier = "parent_ref" if kind == "actions" else "priority_ref"
                records = [{"text": r[field], "ref": r.get("ref"), "qualifier": r.get(qualifier)} for r in doc[key]]
                assert len(find_records(spec, records)) == 1, spec


def test_truth_pairs_are_written_earlier_plan_first_once_each():
    truth = load_truth(TRUTH)
    start = {alias: expected(name)["plan_period"]["start"] for alias, name in truth.documents.items()}
    for kind in ("actions", "measures"):
        seen = set()
        for pair in getattr(truth, kind):
            assert start[pair.earlier.doc] < start[pair.later.doc], pair
            key = (pair.earlier, pair.later)
            assert key not in seen, f"listed twice: {pair}"
            seen.add(key)
            if pair.relation == "related":
                assert pair.why, f"a related pair says why: {pair}"
    assert sum(p.relation == "same" for p in truth.actions) == 121
    assert sum(p.relation == "same" for p in truth.measures) == 11


def test_links_score_against_the_truth(samples_db):
    """The figures load/links.py states for its thresholds, as floors; no right link points backwards."""
    scores = score_database(samples_db, TRUTH)
    actions, kpis = total(scores["actions"]), total(scores["measures"])
    assert (actions.same, actions.right, actions.wrong, actions.backwards) == (121, 18, 7, 0)
    assert actions.precision >= 0.7 and actions.recall >= 0.14
    assert (kpis.same, kpis.right, kpis.wrong) == (11, 6, 1)
    assert kpis.precision >= 0.85 and kpis.recall >= 0.5


# --- slippage ---------------------------------------------------------------------------------

def plan(sha: str, period: tuple[str, str] | None, status: str | None, actions: list[ActionRecord],
         measures: list[Measure] | None = None) -> PlanDocument:
    return PlanDocument(
        file_name=f"{sha[:6]}.pdf", sha256=sha, page_count=1, council="London Borough of Testing",
        plan_period_label=f"{period[0][:4]}-{period[1][:4]}" if period else None,
        period_start=date.fromisoformat(period[0]) if period else None,
        period_end=date.fromisoformat(period[1]) if period else None,
        status_as_of=date.fromisoformat(status) if status else None,
        extractor_version="test", normaliser_version="test", actions=actions, measures=measures or [])


def action(ref: str, words: str, raw: str | None = None, end: str | None = None, rag: str | None = None) -> ActionRecord:
    deadline = Deadline(raw=raw, kind=DeadlineKind.MONTH if end else DeadlineKind.NONE,
                        start=date.fromisoformat(end[:8] + "01") if end else None,
                        end=date.fromisoformat(end) if end else None)
    return ActionRecord(ref=ref, level=Level.ACTION, priority_ref="1", text=words, deadline=deadline,
                        rag=RagRating(rag) if rag else None)


SCHOOL = "Publish the school travel plan for every primary school"
YOUTH = "Open two youth centres with evening sessions for teenagers"
FOSTER = "Recruit twenty new foster carers through a campaign in libraries"
PARKS = "Plant hedgerows along the canal towpath beside the allotments"


@pytest.fixture
def made_up(tmp_path):
    """Three plans of one council: 2016-18, 2018-20, and a 2018-20 update as at a later date."""
    engine = open_database(f"sqlite:///{tmp_path / 'made-up.db'}")
    load_document(engine, plan("1" * 64, ("2016-04-01", "2018-03-31"), None, [
        action("1", SCHOOL, "March 2017", "2017-03-31"),
        action("2", YOUTH, "June 2017", "2017-06-30"),
        action("3", FOSTER, "Ongoing"),
        action("4", PARKS, "April 2017", "2017-04-30"),
    ]), "one.pdf")
    load_document(engine, plan("2" * 64, ("2018-04-01", "2020-03-31"), "2018-09-30", [
        action("1", SCHOOL, "Sep 2018", "2018-09-30"),  # 18 months later
        action("2", YOUTH, "Dec 2016", "2016-12-31"),  # earlier than before: not slippage
        action("3", FOSTER, "March 2019", "2019-03-31"),  # no earlier deadline: not slippage
    ]), "two.pdf")
    load_document(engine, plan("3" * 64, ("2018-04-01", "2020-03-31"), "2019-03-31", [
        action("1", SCHOOL, "Jan 2019", "2019-01-31"),  # 4 months after the September update's
    ]), "three.pdf")
    link_actions(engine)
    yield engine
    engine.dispose()


def test_slippage_lists_exactly_the_linked_pairs_with_a_later_deadline_later(made_up):
    url = str(made_up.url)
    rows = [(r["earlier_document"], r["earlier_ref"], r["earlier_deadline"], r["later_document"], r["later_ref"],
             r["later_deadline"], r["months_slipped"]) for r in db_rows(url, SLIPPAGE)]
    assert rows == [
        ("111111.pdf", "1", "March 2017", "333333.pdf", "1", "Jan 2019", 22),
        ("111111.pdf", "1", "March 2017", "222222.pdf", "1", "Sep 2018", 18),
        ("222222.pdf", "1", "Sep 2018", "333333.pdf", "1", "Jan 2019", 4),
    ]
    directions = {(r["document"], r["linked_document"]): r["direction"]
                  for r in db_rows(url, "SELECT document, linked_document, direction FROM v_action_links")}
    assert directions == {("111111.pdf", "222222.pdf"): "plan_period", ("111111.pdf", "333333.pdf"): "plan_period",
                          ("222222.pdf", "333333.pdf"): "status_date"}


def test_slippage_leaves_out_links_whose_order_is_unknown(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'unknown.db'}")
    load_document(engine, plan("a" * 64, None, None, [action("1", SCHOOL, "March 2017", "2017-03-31")]), "a.pdf")
    load_document(engine, plan("b" * 64, None, None, [action("1", SCHOOL, "Sep 2018", "2018-09-30")]), "b.pdf")
    assert link_actions(engine) == 1
    url = str(engine.url)
    assert [r["direction"] for r in db_rows(url, "SELECT direction FROM v_action_links")] == ["unknown"]
    assert db_rows(url, SLIPPAGE) == []
    engine.dispose()


def test_slippage_on_the_samples(samples_db):
    """Every row is a link whose later deadline is later (and every such link is a row); the rows on
    pairs the truth calls the same commitment are these, deadlines as the seeds print them."""
    rows = db_rows(samples_db, SLIPPAGE)
    later = db_rows(samples_db, "SELECT l.action_id, l.linked_action_id FROM v_action_links l "
                                "JOIN v_actions e ON e.action_id = l.action_id "
                                "JOIN v_actions n ON n.action_id = l.linked_action_id "
                                "WHERE n.deadline_end > e.deadline_end")
    assert {(r["action_id"], r["linked_action_id"]) for r in rows} == {(r["action_id"], r["linked_action_id"])
                                                                       for r in later}
    assert all(r["months_slipped"] > 0 for r in rows)
    on_truth = [(r["earlier_document"], r["earlier_ref"], r["earlier_deadline"], r["later_document"],
                 r["later_deadline"], r["months_slipped"]) for r in rows
                if r["later_text"].startswith("Review and revise the Borough's Bullying Strategy")]
    assert on_truth == [("cypp-2009-11-review-2010.pdf", "21.2", "March 2011", "cyp-portfolio-plan-2011-12.pdf",
                         "July 2012", 16)]


# --- trend ------------------------------------------------------------------------------------

# Ratings of actions and tasks per priority, counted by hand in the expected JSON (the CYPP review's
# rows give tasks Green 101, Amber 15, Red 3; the ECF update's 11/7 and 6/12 match its own totals).
CYPP_TREND = [
    ('1', 0, 4, 3, 0), ('2', 0, 0, 3, 0), ('3', 0, 0, 5, 0), ('4', 0, 1, 4, 0), ('5', 0, 0, 4, 0), ('6', 0, 1, 5, 0),
    ('7', 0, 0, 7, 0), ('8', 0, 1, 4, 0), ('9', 0, 1, 1, 0), ('10', 0, 1, 2, 0), ('11', 0, 1, 3, 0), ('12', 0, 0, 8, 0),
    ('13', 0, 1, 3, 0), ('14', 0, 0, 2, 0), ('15', 0, 1, 2, 0), ('16', 0, 0, 5, 0), ('17', 0, 0, 3, 0), ('18', 0, 0, 1, 0),
    ('19', 0, 0, 2, 0), ('20', 0, 1, 1, 0), ('21', 0, 0, 2, 0), ('22', 0, 0, 3, 0), ('23', 0, 0, 4, 0), ('24', 2, 0, 3, 0),
    ('25', 0, 0, 2, 0), ('26', 0, 0, 3, 0), ('27', 0, 0, 2, 0), ('28', 0, 0, 3, 0), ('29', 1, 1, 3, 0), ('30', 0, 0, 3, 0),
    ('31', 0, 0, 3, 0), ('32', 0, 1, 2, 0),
]
ECF_TREND = [('1', 0, 7, 11, 0), ('2', 0, 12, 6, 0)]


def test_trend_counts_rag_per_plan_period_and_priority(samples_db):
    rows = [(r["period_start"], r["priority_ref"], r["red"], r["amber"], r["green"], r["blue"], r["rated"])
            for r in db_rows(samples_db, RAG_TREND)]
    want = [("2009-04-01", *r, sum(r[1:])) for r in CYPP_TREND] + [("2017-04-01", *r, sum(r[1:])) for r in ECF_TREND]
    assert rows == want
    assert sum(r[2] for r in rows[:32]) == 3 and sum(r[3] for r in rows[:32]) == 15 and sum(r[4] for r in rows[:32]) == 101


def test_trend_titles_and_periods_as_printed(samples_db):
    rows = db_rows(samples_db, RAG_TREND)
    assert {r["plan_period"] for r in rows} == {"2009 – 2011", "2017/18"}
    assert rows[23]["priority_title"].startswith("Work with relevant services to increase the availability")


# --- KPI series -------------------------------------------------------------------------------

def test_measure_series_of_care_leavers_in_suitable_accommodation(samples_db):
    """The CYP 2011/12 plan names the indicator (no figures); the CSC plan prints it twice (priority six's
    table, row 6h: 75%, 85%, 85%; its appendix, row 47: 75% in 2014/15, 73%, 85%, 95%): the appendix,
    printed last, gives each period's figure."""
    (indicator,) = db_rows(samples_db, "SELECT DISTINCT indicator_id FROM v_measure_series "
                                       "WHERE indicator LIKE 'Care leavers in suitable accommodation%'")
    rows = [(r["period"], r["value_kind"], r["value_raw"], r["value_num"], r["document"], r["values_found"])
            for r in db_rows(samples_db, "SELECT * FROM v_measure_series WHERE indicator_id = :i "
                                         "ORDER BY period, value_kind", i=indicator["indicator_id"])]
    csc = "csc-improvement-plan-2016-17.pdf"
    assert rows == [("2014/15", "outturn", "75%", 75.0, csc, 1), ("2015/16", "outturn", "73%", 73.0, csc, 2),
                    ("2016/17", "target", "85%", 85.0, csc, 2), ("2017/18", "target", "95%", 95.0, csc, 2)]
    members = db_rows(samples_db, "SELECT d.file_name, m.ref FROM measure_indicators mi "
                                  "JOIN measures m ON m.id = mi.measure_id JOIN documents d ON d.id = m.document_id "
                                  "WHERE mi.indicator_id = :i ORDER BY d.file_name, m.seq", i=indicator["indicator_id"])
    assert [(m["file_name"], m["ref"]) for m in members] == [(csc, "6h"), (csc, "47"),
                                                             ("cyp-portfolio-plan-2011-12.pdf", None)]


def kpi(name: str, *values: tuple[str, str, str]) -> Measure:
    return Measure(ref=None, name=name, values=[
        MeasureValue(column_label=label, value_raw=raw, value_num=float(raw.rstrip("%")), period_label=period,
                     value_kind=kind) for label, raw, period, kind in values])


def test_measure_series_one_row_per_period_and_kind_the_latest_document_winning(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'series.db'}")
    name = "Percentage of care leavers in suitable accommodation"
    load_document(engine, plan("1" * 64, ("2016-04-01", "2017-03-31"), None, [], [
        kpi(name, ("2015/16 outturn", "70%", "2015/16", "outturn"), ("Target 16/17", "80%", "16/17", "target"),
            ("National 2015/16", "81%", "2015/16", "benchmark")),
    ]), "one.pdf")
    load_document(engine, plan("2" * 64, ("2017-04-01", "2018-03-31"), "2018-03-31", [], [
        kpi(f"{name} [VG]", ("2016/17 outturn", "78%", "2016/17", "outturn"), ("2017/18 Target", "85%", "2017/18", "target"),
            ("Bromley 2015/16", "72%", "2015/16", "other")),  # the final 2015/16 figure, restated
    ]), "two.pdf")
    link_actions(engine)
    rows = [(r["period"], r["value_kind"], r["value_raw"], r["document"], r["values_found"])
            for r in db_rows(str(engine.url), "SELECT * FROM v_measure_series ORDER BY period, value_kind")]
    assert rows == [("2015/16", "outturn", "72%", "222222.pdf", 2), ("2016/17", "outturn", "78%", "222222.pdf", 1),
                    ("2016/17", "target", "80%", "111111.pdf", 1), ("2017/18", "target", "85%", "222222.pdf", 1)]
    assert [r["indicator"] for r in db_rows(str(engine.url), MEASURE_SERIES)] == [name] * 4
    engine.dispose()


def test_migration_0005_is_the_head_after_0004():
    from alembic.script import ScriptDirectory

    from load.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config()).get_revision("0005")
    assert script.down_revision == "0004"
    assert Path(script.path).name.startswith("0005_")
