"""The pipeline against a real PostgreSQL server: the analyst views must match SQLite's.

PostgreSQL runs the whole pipeline from a cold extraction cache; SQLite then loads the same
samples from that cache, so both databases hold the same extractions and any difference
between them comes from the database layer.
"""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine, event, exc, inspect, text

from councilplans.document import process_document
from councilplans.pipeline import run_pipeline
from extract import sha256_of
from load import link_actions, load_document, open_database
from tests.conftest import SAMPLES
from tests.pg import another_database, postgres_url  # noqa: F401  (postgres_url is the server fixture)

VIEWS = ["v_actions", "v_measures", "v_action_links", "v_documents"]
COMPARED_ACTION_COLUMNS = ["document", "ref", "level", "text", "leads", "deadline_raw", "deadline_kind",
                           "deadline_start", "deadline_end", "rag", "priority_ref"]
SAMPLE_COUNT = len(list(SAMPLES.glob("*.pdf")))
RELOADED_SAMPLE = "cyp-portfolio-plan-2011-12.pdf"  # actions, tasks, leads, KPIs and generic tables
VIEWS_COUNTED = {"generic_tables"}  # a view over tables since schema 0008
DOCUMENT_TABLES = {  # table (alias x) -> SQL joining it to its document (alias d)
    "documents": "documents x JOIN documents d ON d.id = x.id",
    "document_files": "document_files x JOIN documents d ON d.id = x.document_id",
    "priorities": "priorities x JOIN documents d ON d.id = x.document_id",
    "actions": "actions x JOIN documents d ON d.id = x.document_id",
    "action_leads": "action_leads x JOIN actions a ON a.id = x.action_id JOIN documents d ON d.id = a.document_id",
    "provenance": "provenance x JOIN actions a ON a.id = x.action_id JOIN documents d ON d.id = a.document_id",
    "measures": "measures x JOIN documents d ON d.id = x.document_id",
    "measure_values": "measure_values x JOIN measures m ON m.id = x.measure_id JOIN documents d ON d.id = m.document_id",
    "generic_tables": "generic_tables x JOIN documents d ON d.id = x.document_id",
    "actions_search": "actions_search x JOIN actions a ON a.id = x.action_id JOIN documents d ON d.id = a.document_id",
    "measures_search": "measures_search x JOIN measures m ON m.id = x.measure_id JOIN documents d ON d.id = m.document_id",
    "tables": "tables x JOIN documents d ON d.id = x.document_id",
    "table_cells": "table_cells x JOIN tables t ON t.id = x.table_id JOIN documents d ON d.id = t.document_id",
    "table_records": "table_records x JOIN tables t ON t.id = x.table_id JOIN documents d ON d.id = t.document_id",
}


@pytest.fixture(scope="module")
def loaded(postgres_url, tmp_path_factory) -> dict:  # noqa: F811
    """The samples loaded into PostgreSQL (cold) and into a temp SQLite file (same extractions)."""
    cache = tmp_path_factory.mktemp("extract-cache")
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'samples.db'}"
    on_pg = run_pipeline(SAMPLES, postgres_url, workers=2, cache_dir=cache)
    on_sqlite = run_pipeline(SAMPLES, sqlite_url, workers=2, cache_dir=cache)
    for summary in (on_pg, on_sqlite):
        assert (summary.failed, summary.inserted) == (0, SAMPLE_COUNT), summary.errors
    assert on_pg.extracted == SAMPLE_COUNT and on_sqlite.extracted == 0  # PostgreSQL ran the whole pipeline
    pg, lite = create_engine(postgres_url), create_engine(sqlite_url)
    yield {"url": postgres_url, "pg": pg, "sqlite": lite, "cache": cache}
    pg.dispose()
    lite.dispose()


def rows(engine: Engine, sql: str, **params) -> list[tuple]:
    """Query rows with dates as ISO text: PostgreSQL returns date objects where SQLite has strings."""
    with engine.connect() as conn:
        found = conn.execute(text(sql), params)
        return [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in found]


def columns(engine: Engine, view: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT * FROM {view} WHERE 1 = 0")).keys())


def test_views_exist_with_same_columns_in_same_order(loaded):
    assert set(VIEWS) <= set(inspect(loaded["pg"]).get_view_names())
    for view in VIEWS:
        assert columns(loaded["pg"], view) == columns(loaded["sqlite"], view), view


@pytest.mark.parametrize("view", ["v_actions", "v_measures"])
def test_same_row_counts_per_document(loaded, view):
    sql = f"SELECT document, COUNT(*) FROM {view} GROUP BY document ORDER BY document"
    on_pg = rows(loaded["pg"], sql)
    assert len(on_pg) >= 3 and all(n > 0 for _, n in on_pg)
    assert on_pg == rows(loaded["sqlite"], sql)


def test_action_values_identical_row_by_row(loaded):
    sql = (f"SELECT a.seq, {', '.join('v.' + c for c in COMPARED_ACTION_COLUMNS)} "
           "FROM v_actions v JOIN actions a ON a.id = v.action_id ORDER BY v.document, a.seq")
    on_pg, on_sqlite = rows(loaded["pg"], sql), rows(loaded["sqlite"], sql)
    assert len(on_pg) == len(on_sqlite) > 500
    assert any(row[COMPARED_ACTION_COLUMNS.index("deadline_end") + 1] for row in on_pg)  # dates were compared
    for pg_row, sqlite_row in zip(on_pg, on_sqlite):
        assert pg_row == sqlite_row


def test_measure_values_identical(loaded):
    sql = "SELECT * FROM v_measures"
    on_pg = sorted(rows(loaded["pg"], sql), key=repr)  # v_measures has no order column
    assert len(on_pg) > 500 and any(row[7] is not None for row in on_pg)  # value_num compared too
    assert on_pg == sorted(rows(loaded["sqlite"], sql), key=repr)


def test_action_links_identical(loaded):
    sql = ("SELECT document, ref, text, linked_document, linked_ref, linked_text, score, method FROM v_action_links "
           "ORDER BY document, linked_document, text, linked_text")
    on_pg, on_sqlite = rows(loaded["pg"], sql), rows(loaded["sqlite"], sql)
    assert len(on_pg) == len(on_sqlite) > 0
    for pg_row, sqlite_row in zip(on_pg, on_sqlite):
        assert pg_row[:6] + pg_row[7:] == sqlite_row[:6] + sqlite_row[7:]
        assert pg_row[6] == pytest.approx(sqlite_row[6])  # score


def test_second_run_inserts_nothing(loaded):
    before = rows(loaded["pg"], "SELECT COUNT(*) FROM actions")
    again = run_pipeline(SAMPLES, loaded["url"], workers=2, cache_dir=None)
    assert (again.inserted, again.unchanged, again.extracted, again.failed) == (0, SAMPLE_COUNT, 0, 0)
    latest = rows(loaded["pg"], "SELECT files_seen, inserted, unchanged, failed FROM ingest_runs "
                                "WHERE id = (SELECT MAX(id) FROM ingest_runs)")
    assert latest == [(SAMPLE_COUNT, 0, SAMPLE_COUNT, 0)]
    assert rows(loaded["pg"], "SELECT COUNT(*) FROM actions") == before


def wait_for_lock_waiters(engine: Engine, count: int, timeout: float = 60) -> None:
    """Block until `count` sessions of this database wait on a lock (PostgreSQL's own view of it)."""
    deadline = time.monotonic() + timeout
    sql = ("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
           "AND wait_event_type = 'Lock'")
    while rows(engine, sql)[0][0] < count:
        assert time.monotonic() < deadline, f"fewer than {count} sessions ever waited on a lock"
        time.sleep(0.05)


def test_two_link_recomputations_at_once_both_succeed(loaded):
    """Two runs finishing together both link; neither may fail on duplicate pairs."""
    engine = loaded["pg"]
    [(expected,)] = rows(engine, "SELECT COUNT(*) FROM action_links")
    with engine.begin() as conn:  # as if the documents had just been loaded by two runs
        conn.execute(text("DELETE FROM linked_documents"))
    with engine.connect() as holder, ThreadPoolExecutor(2) as pool:
        holder.execute(text("DELETE FROM action_links"))  # uncommitted: both linkers queue behind it
        recomputations = [pool.submit(link_actions, engine) for _ in range(2)]
        wait_for_lock_waiters(engine, 2)
        holder.rollback()
        assert sorted(r.result(timeout=120) for r in recomputations) == [0, expected], \
            "one run links everything, the other finds nothing left to link"
    assert rows(engine, "SELECT COUNT(*) FROM action_links") == [(expected,)]


@pytest.fixture(scope="module")
def reload_db(loaded, tmp_path_factory) -> dict:
    """One sample alone in its own PostgreSQL database, so reloading it disturbs no other test."""
    folder = tmp_path_factory.mktemp("one-sample")
    shutil.copy(SAMPLES / RELOADED_SAMPLE, folder)
    url = another_database(loaded["url"], "councilplans_reload")
    first = run_pipeline(folder, url, workers=1, cache_dir=loaded["cache"])
    assert (first.inserted, first.failed) == (1, 0), first.errors
    engine = create_engine(url)
    yield {"url": url, "folder": folder, "engine": engine, "cache": loaded["cache"]}
    engine.dispose()


def document_counts(engine: Engine) -> dict[str, int]:
    return {table: rows(engine, f"SELECT COUNT(*) FROM {joined}")[0][0] for table, joined in DOCUMENT_TABLES.items()}


def writing_transactions(engine: Engine) -> int:
    """How many transactions wrote the document's current rows (PostgreSQL's xmin per row)."""
    union = " UNION ".join(f"SELECT x.xmin::text AS xid FROM {joined}" for table, joined in DOCUMENT_TABLES.items()
                           if table not in VIEWS_COUNTED)  # a view has no xmin: its table's rows are counted
    return rows(engine, f"SELECT COUNT(DISTINCT xid) FROM ({union}) AS writers")[0][0]


def count_inserts(statements: Counter):
    """Listener counting INSERT statements per table, on every engine (run_pipeline makes its own)."""
    def listener(conn, cursor, statement, parameters, context, executemany):
        found = re.match(r"\s*INSERT INTO (\w+)", statement)
        if found:
            statements[found.group(1)] += 1
    return listener


def test_forced_reload_replaces_rows_in_one_transaction(reload_db):
    engine = reload_db["engine"]
    before, old_id = document_counts(engine), rows(engine, "SELECT id FROM documents")[0][0]
    assert before["actions"] > 100 and before["measure_values"] > 0 and before["generic_tables"] > 0
    inserts: Counter = Counter()
    listener = count_inserts(inserts)
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        reloaded = run_pipeline(reload_db["folder"], reload_db["url"], workers=1, force=True, cache_dir=reload_db["cache"])
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    assert (reloaded.inserted, reloaded.failed) == (1, 0)
    [(new_id,)] = rows(engine, "SELECT id FROM documents")
    assert new_id != old_id  # rows were replaced, not kept
    assert document_counts(engine) == before
    assert writing_transactions(engine) == 1
    # insertmanyvalues: a handful of INSERT statements carry every action row, not one per row
    assert inserts["actions"] <= 3 and inserts["provenance"] <= 3, inserts


def test_failed_reload_keeps_the_old_rows(reload_db):
    """A reload that fails half way (after the old rows were deleted) must roll back whole."""
    engine = open_database(reload_db["url"])
    path = reload_db["folder"] / RELOADED_SAMPLE
    plan = process_document(str(path), sha256_of(path), str(reload_db["cache"])).plan
    last = max(i for i, m in enumerate(plan.measures) if m.values)  # the last KPI with values: written last
    measure = plan.measures[last]
    broken_value = measure.values[-1].model_copy(update={"value_raw": None})  # NOT NULL column
    broken_measure = measure.model_copy(update={"values": measure.values[:-1] + [broken_value]})
    broken = plan.model_copy(update={"measures": plan.measures[:last] + [broken_measure] + plan.measures[last + 1:]})
    before, doc_id = document_counts(engine), rows(engine, "SELECT id FROM documents")
    with pytest.raises(exc.IntegrityError):
        load_document(engine, broken, str(path))
    assert rows(engine, "SELECT id FROM documents") == doc_id
    assert document_counts(engine) == before
    engine.dispose()


def test_long_document_text_loads_on_both_backends(loaded, tmp_path):
    """Refs and labels read from a PDF have no length limit on SQLite; PostgreSQL must accept them too."""
    path = SAMPLES / RELOADED_SAMPLE
    plan = process_document(str(path), sha256_of(path), str(loaded["cache"])).plan
    long_ref = "Ref " + "x" * 300
    measure = plan.measures[0].model_copy(update={"ref": long_ref, "priority_ref": long_ref})
    action = plan.actions[0].model_copy(update={"ref": long_ref, "priority_ref": long_ref})
    long_plan = plan.model_copy(update={"plan_period_label": long_ref, "council": long_ref,
                                        "actions": [action] + plan.actions[1:],
                                        "measures": [measure] + plan.measures[1:]})
    for url in (another_database(loaded["url"], "councilplans_long"), f"sqlite:///{tmp_path / 'long.db'}"):
        engine = open_database(url)
        load_document(engine, long_plan, str(path))
        found = (rows(engine, "SELECT plan_period, ref, priority_ref FROM v_actions WHERE ref = :ref", ref=long_ref)
                 + rows(engine, "SELECT ref FROM v_measures WHERE ref = :ref LIMIT 1", ref=long_ref))
        engine.dispose()
        assert found == [(long_ref, long_ref, long_ref), (long_ref,)], url


def search_keys(found: list[dict]) -> list[tuple]:
    """Search hits by what they are (row ids differ between the two databases)."""
    return sorted((r["document"], r.get("level") or "", r.get("ref") or "", r.get("text") or r.get("name")) for r in found)


def test_full_text_search_finds_the_same_rows_on_both_backends_as_like(loaded):
    from load.search import search_actions, search_kpis
    from tests.test_search import THEMES

    with loaded["pg"].connect() as pg, loaded["sqlite"].connect() as lite:
        for theme in THEMES:
            on_pg = search_actions(pg, theme)
            assert search_keys(on_pg) == search_keys(search_actions(lite, theme)), theme
            like = [dict(r) for r in pg.execute(text(
                "SELECT document, level, ref, text FROM v_actions WHERE level <> 'priority_area' "
                "AND lower(text) LIKE :p"), {"p": f"%{theme.lower()}%"}).mappings()]
            assert search_keys(on_pg) == search_keys(like), theme
            scores = [r["score"] for r in on_pg]
            assert scores == sorted(scores, reverse=True)
            wider = ("text", "progress")
            assert search_keys(search_actions(pg, theme, fields=wider)) == search_keys(search_actions(lite, theme, fields=wider))
            assert search_keys(search_kpis(pg, theme)) == search_keys(search_kpis(lite, theme)), theme


def test_the_search_index_holds_every_row_on_postgres(loaded):
    assert rows(loaded["pg"], "SELECT (SELECT COUNT(*) FROM actions) - (SELECT COUNT(*) FROM actions_search), "
                              "(SELECT COUNT(*) FROM measures) - (SELECT COUNT(*) FROM measures_search)") == [(0, 0)]
    plan = rows(loaded["pg"], "EXPLAIN SELECT action_id FROM actions_search WHERE text_tsv @@ to_tsquery('simple', 'x')")
    assert plan  # the GIN index is there to use (whether the planner does on so few rows is its choice)
    assert rows(loaded["pg"], "SELECT COUNT(*) FROM pg_indexes WHERE tablename IN ('actions_search', 'measures_search') "
                              "AND indexdef LIKE '%gin%'") == [(3,)]


def test_compare_cli_on_postgres(loaded):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "councilplans", "compare", "school improvement", "--db", loaded["url"]],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for doc in ("cypp-2009-11-review-2010.pdf", "cyp-portfolio-plan-2011-12.pdf", "cef-portfolio-plan-2018-22.pdf"):
        assert doc in out.stdout


def test_a_corrected_text_is_searched_on_postgres(reload_db):
    from load.corrections import add_correction
    from load.search import search_actions

    engine = reload_db["engine"]
    (action_id,) = rows(engine, "SELECT action_id FROM v_actions WHERE level = 'task' ORDER BY action_id LIMIT 1")[0]
    add_correction(engine, action_id, "text", "Commission a zebra crossing survey")
    with engine.connect() as conn:
        assert [r["action_id"] for r in search_actions(conn, "zebra crossing")] == [action_id]
    reloaded = run_pipeline(reload_db["folder"], reload_db["url"], workers=1, force=True, cache_dir=reload_db["cache"])
    assert reloaded.inserted == 1
    with engine.connect() as conn:
        (found,) = search_actions(conn, "zebra crossing")
    assert found["text"] == "Commission a zebra crossing survey" and found["action_id"] != action_id


def test_document_sources_on_postgresql(loaded):
    """Where a fetched paper was published: written by record_sources, shown by v_documents, kept by a reload."""
    from datetime import datetime, timezone

    from load import DocumentSource, record_sources

    path = SAMPLES / RELOADED_SAMPLE
    plan = process_document(str(path), sha256_of(path), str(loaded["cache"])).plan
    engine = open_database(another_database(loaded["url"], "councilplans_sources"))
    load_document(engine, plan, str(path))
    source = DocumentSource(plan.sha256, "https://democracy.example.gov.uk/documents/s1/Plan.pdf", council="example",
                            committee="Cabinet", meeting_date=date(2011, 11, 15), item_title="Portfolio plan",
                            source_title="Plan", fetched_at=datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc))
    assert record_sources(engine, [source]) == record_sources(engine, [source]) == 1
    sql = "SELECT council, committee, meeting_date, item_title, source_url FROM v_documents"
    expected = [(plan.council, "Cabinet", "2011-11-15", "Portfolio plan", source.source_url)]
    assert rows(engine, sql) == expected  # the council printed in the PDF wins; its missing committee is filled
    load_document(engine, plan, str(path), replace_current=True)
    assert rows(engine, sql) == expected
    engine.dispose()
