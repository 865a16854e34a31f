"""Full-text search (load/search.py) on SQLite: the same rows as the LIKE search it replaces, ranked,
kept in step by the loader and by corrections, filled for databases loaded before it (migration 0006).
PostgreSQL's tsvector index against the same samples: tests/test_postgres.py."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from load import drop_document, load_document, open_database
from load.corrections import add_correction
from load.queries import THEME
from load.search import fts5_query, search_actions, search_kpis, tsquery

from .conftest import SAMPLES, copy_at_revision, db_rows

THEMES = ["school improvement", "exclusions", "safeguarding", "attendance", "looked after", "early help",
          "Ofsted", "mental health", "youth offending", "CAMHS"]


def like_rows(url: str, theme: str) -> list[int]:
    return [r["action_id"] for r in db_rows(url, THEME.replace("v.rag\n", "v.rag, v.action_id\n"),
                                            pattern=f"%{theme.lower()}%")]


def fts_rows(url: str, theme: str, **kwargs) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = search_actions(conn, theme, **kwargs)
    engine.dispose()
    return found


@pytest.mark.parametrize("theme", THEMES)
def test_full_text_search_finds_the_rows_like_finds_ranked(samples_db, theme):
    like = like_rows(samples_db, theme)
    found = fts_rows(samples_db, theme)
    assert sorted(r["action_id"] for r in found) == sorted(like)
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True)
    oldest_first = fts_rows(samples_db, theme, oldest_first=True)
    assert [r["action_id"] for r in oldest_first] == like  # LIKE's own order: oldest plan first


def test_themes_find_something_on_the_samples(samples_db):
    assert sum(bool(like_rows(samples_db, t)) for t in THEMES) >= 8


def test_the_best_match_comes_first(samples_db):
    found = fts_rows(samples_db, "school improvement")
    assert "school improvement strategy with schools" in found[0]["text"]  # short text, the phrase in it


def test_progress_is_searched_when_asked(samples_db):
    theme = "looked after"
    in_progress = db_rows(samples_db, "SELECT action_id FROM v_actions WHERE level <> 'priority_area' AND "
                                      "lower(progress) LIKE :p AND lower(text) NOT LIKE :p", p=f"%{theme}%")
    assert in_progress, "the samples have progress text naming the theme"
    wider = {r["action_id"] for r in fts_rows(samples_db, theme, fields=("text", "progress"))}
    assert {r["action_id"] for r in in_progress} <= wider
    assert set(like_rows(samples_db, theme)) <= wider


def test_kpi_names_are_searched(samples_db):
    engine = create_engine(samples_db)
    with engine.connect() as conn:
        found = search_kpis(conn, "looked after")
    engine.dispose()
    assert found and all("looked after" in r["name"].lower() for r in found)
    like = db_rows(samples_db, "SELECT id FROM measures WHERE lower(name) LIKE '%looked after%'")
    assert sorted(r["measure_id"] for r in found) == sorted(r["id"] for r in like)


@pytest.mark.parametrize("theme", ['"', "AND", "NEAR(", "a*b", "x OR", "col:val", "'; DROP TABLE actions; --"])
def test_no_theme_is_read_as_query_syntax(samples_db, theme):
    fts_rows(samples_db, theme)  # no error


def test_queries_quote_every_word():
    assert fts5_query("School  improvement!") == '{text} : "school improvement" *'
    assert fts5_query("NEAR(x", ("text", "progress")) == '{text progress} : "near x" *'
    assert fts5_query("!!") is None and tsquery("  ") is None
    assert tsquery("looked after") == "looked <-> after:*"


def index_counts(url: str) -> tuple:
    (row,) = db_rows(url, "SELECT (SELECT COUNT(*) FROM actions) AS actions, (SELECT COUNT(*) FROM actions_fts) AS fts, "
                          "(SELECT COUNT(*) FROM measures) AS measures, (SELECT COUNT(*) FROM measures_fts) AS kpis, "
                          "(SELECT COUNT(*) FROM actions_fts f WHERE f.rowid NOT IN (SELECT id FROM actions)) AS orphans")
    return row["actions"], row["fts"], row["measures"], row["kpis"], row["orphans"]


def test_the_index_holds_every_row_of_the_samples(samples_db):
    actions, fts, measures, kpis, orphans = index_counts(samples_db)
    assert actions == fts > 500 and measures == kpis > 100 and orphans == 0


@pytest.fixture
def one_document(samples_cache, tmp_path):
    from councilplans.document import process_document
    from extract import sha256_of

    path = SAMPLES / "cef-portfolio-plan-2018-22.pdf"
    plan = process_document(str(path), sha256_of(path), str(samples_cache)).plan
    url = f"sqlite:///{tmp_path / 'one.db'}"
    engine = open_database(url)
    load_document(engine, plan, str(path))
    yield url, engine, plan, path
    engine.dispose()


def test_reloading_and_dropping_keep_the_index_in_step(one_document):
    url, engine, plan, path = one_document
    first = index_counts(url)
    load_document(engine, plan, str(path))  # new row ids: the old entries go with their rows
    assert index_counts(url) == first and first[0] == first[1] > 0
    assert fts_rows(url, "school places")
    drop_document(engine, plan.sha256)
    assert index_counts(url) == (0, 0, 0, 0, 0)


def test_a_failed_load_leaves_the_index_as_it_was(one_document):
    url, engine, plan, path = one_document
    before = index_counts(url)
    broken = plan.model_copy(update={"measures": plan.measures + [plan.measures[0].model_copy(update={"name": None})]}) \
        if plan.measures else plan.model_copy(update={"actions": plan.actions + [plan.actions[0].model_copy(update={"text": None})]})
    with pytest.raises(Exception):
        load_document(engine, broken, str(path))
    assert index_counts(url) == before


def test_a_corrected_text_is_found_by_its_new_words(one_document):
    url, engine, plan, path = one_document
    (target,) = db_rows(url, "SELECT action_id FROM v_actions WHERE text = 'Secure sufficient school places'")
    add_correction(engine, target["action_id"], "text", "Secure sufficient secondary places for every pupil")
    assert [r["action_id"] for r in fts_rows(url, "secondary places for every")] == [target["action_id"]]
    assert target["action_id"] not in {r["action_id"] for r in fts_rows(url, "school places")}
    load_document(engine, plan, str(path))  # re-extracted: the correction is re-attached, and indexed again
    (again,) = fts_rows(url, "secondary places for every")
    assert again["text"] == "Secure sufficient secondary places for every pupil"


def test_a_database_from_before_gets_its_index_on_upgrade(samples_db, tmp_path):
    url = copy_at_revision(samples_db, tmp_path / "old.db", "0004")
    with sqlite3.connect(tmp_path / "old.db") as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "actions_fts" not in names and "actions_fts_delete" not in names
    open_database(url).dispose()
    actions, fts, measures, kpis, orphans = index_counts(url)
    assert actions == fts and measures == kpis and not orphans
    assert sorted(r["action_id"] for r in fts_rows(url, "safeguarding")) == sorted(like_rows(url, "safeguarding"))
    url_down = copy_at_revision(url, tmp_path / "down.db", "0004")  # and the downgrade takes it away again
    engine = create_engine(url_down)
    with engine.connect() as conn:
        assert not conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE '%fts%'")).all()
    engine.dispose()


def test_compare_cli_ranks_and_lists_kpis(samples_db):
    out = subprocess.run([sys.executable, "-m", "councilplans", "compare", "looked after", "--progress",
                          "--db", samples_db], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "score" in out.stdout and "KPIs named after 'looked after'" in out.stdout
    nothing = subprocess.run([sys.executable, "-m", "councilplans", "compare", "?!", "--db", samples_db],
                             capture_output=True, text=True)
    assert nothing.returncode == 2 and "no word" in nothing.stderr


def test_report_cli_writes_the_plots(samples_db, tmp_path):
    out_file = tmp_path / "report.html"
    out = subprocess.run([sys.executable, "-m", "councilplans", "report", "--out", str(out_file), "--db", samples_db],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    body = out_file.read_text()
    assert body.startswith("<!DOCTYPE html>") and body.count("<svg") == 2 and 'class="slip"' in body
    assert 'class="rag-green"' in body and "2009" in body


def test_a_copy_without_triggers_gets_them_back_on_the_next_load(one_document, tmp_path):
    """A later migration that rebuilds the actions table drops its triggers; the next load restores them."""
    url, engine, plan, path = one_document
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER actions_fts_delete"))
    load_document(engine, plan, str(path))
    counts = index_counts(url)
    assert counts[0] == counts[1] and counts[4] == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM sqlite_master WHERE name = 'actions_fts_delete'")).scalar() == 1
