"""The Datasette metadata (councilplans/datasette.yaml) against a real samples database.

Datasette runs canned queries as plain SQLite, so running each one through sqlite3 with
named parameters is what `make serve` would do; the column descriptions are checked against
the real schema so a renamed column cannot leave stale documentation behind.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import yaml

METADATA = Path(__file__).resolve().parents[1] / "councilplans" / "datasette.yaml"
DESCRIBED = ["v_actions", "v_measures", "v_action_links", "v_slippage", "v_measure_series", "v_documents", "documents",
             "ingest_errors", "v_table_cells", "tables"]
PARAMETERS = {"theme": "school improvement", "lead": "Director of Children", "words": "looked after"}
MUST_RETURN_ROWS = ["actions_on_a_theme", "deadline_slippage", "rag_trend", "actions_of_a_lead",
                    "red_amber_past_deadline", "kpi_series", "search", "cells_of_unread_tables"]


def database_metadata() -> dict:
    (database,) = yaml.safe_load(METADATA.read_text())["databases"].values()
    return database


def connect(url: str) -> sqlite3.Connection:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.row_factory = sqlite3.Row
    return conn


def named_parameters(sql: str) -> set[str]:
    return set(re.findall(r"(?<![:\w]):(\w+)", sql))


def run_query(url: str, sql: str) -> list[sqlite3.Row]:
    params = {name: PARAMETERS[name] for name in named_parameters(sql)}
    with connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_metadata_has_title_and_every_table_described():
    metadata = yaml.safe_load(METADATA.read_text())
    assert metadata["title"] and metadata["description_html"]
    tables = database_metadata()["tables"]
    for name in DESCRIBED:
        assert tables[name]["description"] and tables[name]["columns"], name


@pytest.mark.parametrize("table", DESCRIBED)
def test_column_descriptions_match_the_schema(samples_db, table):
    with connect(samples_db) as conn:
        columns = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
    assert columns, f"{table} missing from the database"
    assert set(database_metadata()["tables"][table]["columns"]) == columns


def test_every_query_parameter_has_a_test_value():
    for name, query in database_metadata()["queries"].items():
        assert named_parameters(query["sql"]) <= set(PARAMETERS), name
        assert query["title"] and query["description"], name


@pytest.mark.parametrize("name", sorted(database_metadata()["queries"]))
def test_canned_query_runs(samples_db, name):
    rows = run_query(samples_db, database_metadata()["queries"][name]["sql"])
    if name in MUST_RETURN_ROWS:
        assert rows, f"{name} returned no rows on the samples"


def test_theme_query_spans_several_years(samples_db):
    rows = run_query(samples_db, database_metadata()["queries"]["actions_on_a_theme"]["sql"])
    assert all("school improvement" in row["text"].lower() for row in rows)
    assert len({row["period_start"][:4] for row in rows}) >= 3


def test_slippage_rows_move_later(samples_db):
    rows = run_query(samples_db, database_metadata()["queries"]["deadline_slippage"]["sql"])
    assert all(row["months_slipped"] > 0 and row["earlier_document"] != row["later_document"] for row in rows)


def test_past_deadline_rows_are_red_or_amber_and_overdue(samples_db):
    rows = run_query(samples_db, database_metadata()["queries"]["red_amber_past_deadline"]["sql"])
    assert all(row["rag"] in ("Red", "Amber") and row["deadline_end"] < row["status_as_of"] for row in rows)


def test_rag_trend_counts_add_up(samples_db):
    rows = run_query(samples_db, database_metadata()["queries"]["rag_trend"]["sql"])
    with connect(samples_db) as conn:
        (rated,) = conn.execute("SELECT COUNT(*) FROM v_actions WHERE rag IS NOT NULL AND level <> 'priority_area'").fetchone()
    assert sum(row["rated"] for row in rows) == rated
    assert all(row["red"] + row["amber"] + row["green"] + row["blue"] == row["rated"] for row in rows)
