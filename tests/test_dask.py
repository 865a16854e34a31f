"""The per-document map on Dask (a real LocalCluster of two worker processes) gives the same
database as the local process pool, on SQLite and on PostgreSQL, and reports bad files the same way.

The cluster is reached through its scheduler address, the path a real cluster takes
(`--scheduler tcp://host:8786`).
"""

from __future__ import annotations

import inspect
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from councilplans.executors import map_documents_dask
from councilplans.pipeline import find_pdfs, run_pipeline
from extract import EXTRACTOR_VERSION, sha256_of
from load import link_actions, load_document, open_database
from tests.conftest import SAMPLES
from tests.pg import another_database, postgres_url  # noqa: F401  (postgres_url is the server fixture)

distributed = pytest.importorskip("distributed")

DOCUMENTS = ["cef-portfolio-plan-2018-22.pdf", "ecf-portfolio-plan-update-2017-18.pdf"]  # the two shortest samples
NOT_A_PDF = "saved-error-page.pdf"
ACTIONS_SQL = ("SELECT document, doc_sha256, council, doc_type, plan_period, period_start, period_end, status_as_of, "
               "priority_ref, priority_title, ref, parent_ref, level, text, leads, leads_raw, deadline_raw, "
               "deadline_kind, deadline_start, deadline_end, rag, progress, next_steps, page "
               "FROM v_actions ORDER BY document, page, ref, text")
MEASURES_SQL = "SELECT * FROM v_measures"
LINKS_SQL = ("SELECT document, ref, text, linked_document, linked_ref, linked_text, score, method "
             "FROM v_action_links ORDER BY document, linked_document, text, linked_text")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Two sample PDFs and an HTML page saved as .pdf."""
    root = tmp_path_factory.mktemp("dask-batch")
    for name in DOCUMENTS:
        shutil.copy(SAMPLES / name, root / name)
    (root / NOT_A_PDF).write_text("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>")
    return root


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def dask_results(folder, cluster, tmp_path_factory) -> dict:
    """Every file of the folder mapped on the cluster, with a shared extraction cache."""
    cache = tmp_path_factory.mktemp("dask-cache")
    todo = [(str(p), sha256_of(p)) for p in find_pdfs(folder)]
    results = list(map_documents_dask(todo, None, str(cache), scheduler=cluster.scheduler_address))
    return {"todo": todo, "results": {Path(r.path).name: r for r in results}, "cache": cache}


@pytest.fixture(scope="module")
def local_db(folder, tmp_path_factory) -> dict:
    """The same folder through the local process pool (cold: no cache), the way `councilplans run` does it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('local') / 'local.db'}"
    summary = run_pipeline(folder, url, workers=2, cache_dir=None)
    assert (summary.inserted, summary.failed) == (len(DOCUMENTS), 1), summary.errors
    engine = open_database(url)
    yield {"engine": engine, "summary": summary}
    engine.dispose()


def load_results(engine: Engine, results: dict) -> None:
    """Write the Dask results as the single writer does: one transaction per document, then links."""
    for name in DOCUMENTS:
        load_document(engine, results[name].plan, results[name].path)
    link_actions(engine)


def rows(engine: Engine, sql: str) -> list[tuple]:
    """Rows with dates as ISO text and scores rounded: PostgreSQL returns date and float objects."""
    def plain(v):
        return v.isoformat() if isinstance(v, date) else round(v, 6) if isinstance(v, float) else v

    with engine.connect() as conn:
        return sorted((tuple(plain(v) for v in row) for row in conn.execute(text(sql))), key=repr)


def assert_same_views(engine: Engine, local: Engine) -> None:
    dask_actions = rows(engine, ACTIONS_SQL)
    assert len(dask_actions) > 50 and dask_actions == rows(local, ACTIONS_SQL)
    dask_measures = rows(engine, MEASURES_SQL)
    assert len(dask_measures) > 20 and dask_measures == rows(local, MEASURES_SQL)
    assert rows(engine, LINKS_SQL) == rows(local, LINKS_SQL)


def test_every_file_comes_back_once(dask_results):
    results = dask_results["results"]
    assert sorted(results) == sorted(DOCUMENTS + [NOT_A_PDF])
    for name in DOCUMENTS:
        assert results[name].error is None and results[name].extracted
        assert results[name].plan.file_name == name and len(results[name].plan.actions) > 10
        assert results[name].path == str(next(p for p, _ in dask_results["todo"] if p.endswith(name)))


def test_workers_wrote_the_shared_cache(dask_results):
    cached = sorted(p.name for p in dask_results["cache"].iterdir())
    expected = sorted(f"{sha}.extracted.{EXTRACTOR_VERSION}.json" for path, sha in dask_results["todo"]
                      if not path.endswith(NOT_A_PDF))
    assert cached == expected


def test_bad_file_reported_as_the_local_run_reports_it(dask_results, local_db):
    bad = dask_results["results"][NOT_A_PDF]
    assert bad.plan is None
    assert [(NOT_A_PDF, bad.stage, bad.error)] == local_db["summary"].errors
    assert bad.kind == local_db["summary"].failures[0].kind == "not_pdf"


def test_same_sqlite_content_as_local_run(dask_results, local_db, tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'dask.db'}")
    try:
        load_results(engine, dask_results["results"])
        assert_same_views(engine, local_db["engine"])
    finally:
        engine.dispose()


def test_same_content_on_postgresql(dask_results, local_db, postgres_url):  # noqa: F811
    engine = open_database(another_database(postgres_url, "councilplans_dask"))
    try:
        load_results(engine, dask_results["results"])
        assert_same_views(engine, local_db["engine"])
    finally:
        engine.dispose()


@pytest.mark.skipif("executor" not in inspect.signature(run_pipeline).parameters,
                    reason="run_pipeline has no executor option yet")
def test_run_pipeline_on_dask_matches_local_run(folder, cluster, local_db, tmp_path):
    url = f"sqlite:///{tmp_path / 'run-on-dask.db'}"
    summary = run_pipeline(folder, url, workers=2, cache_dir=None, executor="dask", scheduler=cluster.scheduler_address)
    assert (summary.inserted, summary.failed, summary.errors) == (len(DOCUMENTS), 1, local_db["summary"].errors)
    engine = open_database(url)
    try:
        assert_same_views(engine, local_db["engine"])
    finally:
        engine.dispose()


def test_file_missing_on_worker_is_reported_not_raised(cluster, tmp_path):
    gone = tmp_path / "moved-away.pdf"
    (result,) = map_documents_dask([(str(gone), "0" * 64)], None, None, scheduler=cluster.scheduler_address)
    assert (result.stage, result.plan, result.path) == ("read", None, str(gone))
    assert "file not found on Dask worker" in result.error
