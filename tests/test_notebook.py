"""The analyst notebook runs end to end on the samples and its numbers agree with plain SQL.

The notebook computes in pandas; the checks here recompute the same answers in SQLite so a
wrong join, filter or month count on either side shows up as a mismatch.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "analyst.ipynb"
FIGURES = ["rag_by_year_priority.png", "deadline_slippage.png", "kpi_series.png", "kpi_trends.png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

RAG_COUNTS_SQL = """
SELECT COALESCE(substr(period_start, 1, 4), 'unknown') AS year, COALESCE(priority_ref, 'none') AS priority,
       rag, COUNT(*) AS n
FROM v_actions WHERE rag IS NOT NULL
GROUP BY 1, 2, 3
"""

SLIPPAGE_SQL = """
SELECT l.action_id, l.linked_action_id,
       (CAST(strftime('%Y', n.deadline_end) AS INTEGER) - CAST(strftime('%Y', e.deadline_end) AS INTEGER)) * 12
       + CAST(strftime('%m', n.deadline_end) AS INTEGER) - CAST(strftime('%m', e.deadline_end) AS INTEGER)
       AS months_slipped
FROM v_action_links l
JOIN v_actions e ON e.action_id = l.action_id
JOIN v_actions n ON n.action_id = l.linked_action_id
WHERE n.deadline_end > e.deadline_end AND l.direction IN ('plan_period', 'status_date')
"""


def sqlite_rows(url: str, sql: str) -> set[tuple]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return set(conn.execute(sql).fetchall())


@pytest.fixture(scope="module")
def executed(samples_db, tmp_path_factory):
    """Run the notebook once (cwd = notebooks/, as Jupyter would) with the samples database."""
    figures = tmp_path_factory.mktemp("figures")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COUNCILPLANS_DB", samples_db)
        env.setenv("COUNCILPLANS_FIGURES", str(figures))
        client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        client.execute()
    return notebook, figures


@pytest.fixture(scope="module")
def results(executed) -> dict:
    _, figures = executed
    return json.loads((figures / "analyst_results.json").read_text())


def test_committed_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_every_code_cell_follows_a_markdown_cell():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    for before, cell in zip(cells, cells[1:]):
        if cell.cell_type == "code":
            assert before.cell_type == "markdown", cell.source[:60]


def test_notebook_runs_without_errors(executed):
    notebook, _ = executed
    errors = [out for cell in notebook.cells if cell.cell_type == "code"
              for out in cell.outputs if out.output_type == "error"]
    assert not errors
    assert all(cell.execution_count for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.parametrize("name", FIGURES)
def test_each_figure_is_a_png(executed, name):
    _, figures = executed
    data = (figures / name).read_bytes()
    assert len(data) > 5000 and data.startswith(PNG_SIGNATURE)


def test_rag_counts_match_sql(samples_db, results):
    notebook = {(r["year"], r["priority"], r["rag"], r["n"]) for r in results["rag_counts"]}
    assert notebook and notebook == sqlite_rows(samples_db, RAG_COUNTS_SQL)
    assert {rag for _, _, rag, _ in notebook} >= {"Red", "Amber", "Green"}


def test_slippage_matches_sql(samples_db, results):
    notebook = {(r["action_id"], r["linked_action_id"], r["months_slipped"]) for r in results["slippage"]}
    assert notebook and notebook == sqlite_rows(samples_db, SLIPPAGE_SQL)
    assert all(months > 0 for _, _, months in notebook)


def test_kpi_trends_found_indicators(results):
    assert results["kpi_indicators_with_trend"] > 0


def test_kpi_series_is_the_view_for_an_indicator_of_several_documents(samples_db, results):
    series = results["kpi_series"]
    (indicator,) = {r["indicator_id"] for r in series}
    notebook = {(r["period"], r["value_kind"], r["value_raw"], r["document"]) for r in series}
    assert notebook == sqlite_rows(samples_db, "SELECT period, value_kind, value_raw, document FROM v_measure_series "
                                               f"WHERE indicator_id = {int(indicator)}")
    assert len({p for p, _, _, _ in notebook}) > 1
    (documents,) = sqlite_rows(samples_db, "SELECT COUNT(DISTINCT m.document_id) FROM measure_indicators mi "
                                           "JOIN measures m ON m.id = mi.measure_id "
                                           f"WHERE mi.indicator_id = {int(indicator)}")
    assert documents[0] >= 2
