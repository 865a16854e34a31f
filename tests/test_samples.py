"""Every sample PDF scored against its hand-written expected JSON, plus exact spot checks."""

from __future__ import annotations

import json

import pytest

from councilplans.scoring import score_folder

from .conftest import SAMPLES, db_rows

# Floors measured on the bundled samples (see `make score`); a drop below any is a regression.
ACTION_FIELDS = dict(recall=1.0, precision=1.0, exact_text=1.0, rag=1.0, deadline=1.0)
FLOORS = {
    "cypp-2009-11-review-2010.pdf": dict(ACTION_FIELDS, lead_precision=1.0, lead_recall=1.0),
    "cef-portfolio-plan-2018-22.pdf": dict(ACTION_FIELDS, lead_precision=1.0, lead_recall=1.0),
    "ecf-portfolio-plan-update-2017-18.pdf": dict(ACTION_FIELDS, kpi_recall=1.0, kpi_values=1.0),
    "csc-improvement-plan-2016-17.pdf": dict(ACTION_FIELDS, lead_precision=1.0, lead_recall=1.0,
                                             kpi_recall=1.0, kpi_values=1.0),
    "cyp-portfolio-plan-2011-12.pdf": dict(ACTION_FIELDS, lead_precision=1.0, lead_recall=1.0,
                                           kpi_recall=1.0, kpi_values=0.94),
}
DEFAULT_FLOOR = dict(recall=0.85, precision=0.9, rag=0.95, deadline=0.85)


@pytest.fixture(scope="module")
def scores(samples_db):
    return {s.document: s for s in score_folder(SAMPLES, samples_db)}


def test_every_sample_has_expected_json_and_was_scored(scores):
    expected = sorted(p.name.replace(".expected.json", ".pdf") for p in SAMPLES.glob("*.expected.json"))
    assert sorted(scores) == expected
    assert len(expected) == 5


@pytest.mark.parametrize("pdf", sorted(p.name.replace(".expected.json", ".pdf") for p in SAMPLES.glob("*.expected.json")))
def test_sample_meets_its_floor(scores, pdf):
    ratios = scores[pdf].ratios()
    for name, floor in FLOORS.get(pdf, DEFAULT_FLOOR).items():
        assert ratios[name] is not None and ratios[name] >= floor, (name, ratios, scores[pdf].misses[:5])


def test_progress_review_task_values_are_exact(samples_db):
    (task,) = db_rows(samples_db, "SELECT * FROM v_actions WHERE document = :d AND ref = '1.1'",
                   d="cypp-2009-11-review-2010.pdf")
    assert task["level"] == "task"
    assert task["text"] == "Develop a Maternity Strategy in conjunction with Bromley Hospitals NHS Trust."
    assert task["deadline_raw"] == "31 August 2009"
    assert (task["deadline_kind"], str(task["deadline_start"]), str(task["deadline_end"])) == ("date", "2009-08-31", "2009-08-31")
    assert task["rag"] == "Amber"
    assert task["leads_raw"] == "Consultant in Public Health, Bromley Primary Care Trust"
    assert task["leads"] == "Consultant in Public Health"
    assert task["priority_ref"] == "1" and task["parent_ref"] == "1"
    assert task["progress"].startswith("Draft Maternity Strategy developed with Bromley Hospitals NHS Trust.")


def test_area_of_focus_carries_its_own_rating(samples_db):
    areas = db_rows(samples_db, "SELECT ref, rag FROM v_actions WHERE document = :d AND level = 'priority_area'",
                 d="cypp-2009-11-review-2010.pdf")
    assert len(areas) == 32
    assert {a["rag"] for a in areas} == {"Green", "Amber"}
    expected = json.loads((SAMPLES / "cypp-2009-11-review-2010.expected.json").read_text())
    assert sum(a["rag"] == "Green" for a in areas) == expected["reported_totals"]["areas_of_focus"]["Green"]


def test_stacked_tasks_get_their_own_deadline_and_lead(samples_db):
    """An action row whose TASKS cell holds several bullets becomes one task per bullet."""
    expected = json.loads((SAMPLES / "cyp-portfolio-plan-2011-12.expected.json").read_text())
    exp_tasks = [a for a in expected["actions"] if a["level"] == "task"]
    got = db_rows(samples_db, "SELECT v.* FROM v_actions v JOIN actions a ON a.id = v.action_id "
                           "WHERE document = :d AND v.level = 'task' ORDER BY a.seq", d="cyp-portfolio-plan-2011-12.pdf")
    assert len(got) >= 0.95 * len(exp_tasks)
    by_text = {g["text"]: g for g in got}
    agreed = [e for e in exp_tasks if e["text"] in by_text and by_text[e["text"]]["deadline_raw"] == e["deadline_raw"]]
    assert len(agreed) >= 0.9 * len(exp_tasks)


def test_kpi_values_keep_raw_text_and_parse_numbers(samples_db):
    got = db_rows(samples_db, "SELECT * FROM v_measures WHERE document = :d", d="ecf-portfolio-plan-update-2017-18.pdf")
    expected = json.loads((SAMPLES / "ecf-portfolio-plan-update-2017-18.expected.json").read_text())
    assert len({g["name"] for g in got}) == len({m["name"] for m in expected["measures"]})
    labels = {g["column_label"] for g in got}
    assert labels == {"2016/17 outturn", "2017/18 Target", "2017/18 Outturn"}
    numeric = [g for g in got if g["value_raw"].rstrip("%").replace(",", "").replace(".", "", 1).isdigit()]
    assert numeric and all(g["value_num"] is not None for g in numeric)
    kinds = {g["column_label"]: g["value_kind"] for g in got}
    assert kinds == {"2016/17 outturn": "outturn", "2017/18 Target": "target", "2017/18 Outturn": "outturn"}
