"""The CLI end to end on a temporary folder and a temporary SQLite file (no mocks)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest

from .conftest import SAMPLES

V_ACTIONS_COLUMNS = [
    "document", "doc_sha256", "council", "doc_type", "plan_period", "period_start", "period_end", "status_as_of",
    "priority_ref", "priority_title", "ref", "parent_ref", "level", "text", "leads", "leads_raw", "deadline_raw",
    "deadline_kind", "deadline_start", "deadline_end", "rag", "progress", "next_steps", "page",
]
V_MEASURES_COLUMNS = ["document", "doc_sha256", "priority_ref", "ref", "name", "column_label", "value_raw",
                      "value_num", "period_label", "value_kind", "rag", "page"]
V_LINKS_COLUMNS = ["action_id", "document", "ref", "text", "linked_action_id", "linked_document", "linked_ref",
                   "linked_text", "score", "method"]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "councilplans", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "papers"
    src.mkdir()
    shutil.copy(SAMPLES / "ecf-portfolio-plan-update-2017-18.pdf", src)
    return src


EXTENSIONS = {"v_actions": ["status_raw"], "v_measures": ["direction"], "v_action_links": ["direction"]}  # README "The views"


def columns(db, view):
    with sqlite3.connect(db) as conn:
        return [d[0] for d in conn.execute(f"SELECT * FROM {view} LIMIT 0").description]


def test_help_explains_the_job_and_exit_status():
    out = cli("run", "--help")
    assert out.returncode == 0
    assert "Exit status" in out.stdout and "--workers" in out.stdout and "sha256" in out.stdout


def test_run_loads_views_then_a_rerun_changes_nothing(folder, tmp_path):
    db = tmp_path / "out.db"
    first = cli("run", str(folder), "--db", f"sqlite:///{db}", "--cache", str(tmp_path / "cache"))
    assert first.returncode == 0, first.stderr
    assert "1 loaded" in first.stderr
    for view, expected in [("v_actions", V_ACTIONS_COLUMNS), ("v_measures", V_MEASURES_COLUMNS),
                           ("v_action_links", V_LINKS_COLUMNS)]:
        # the analyst contract (DESIGN.md) in its order, then only the documented extensions
        assert [c for c in columns(db, view) if c != "action_id" or view == "v_action_links"] == expected + EXTENSIONS[view]
    with sqlite3.connect(db) as conn:
        actions = conn.execute("SELECT count(*), count(rag) FROM v_actions").fetchone()
        first_action = conn.execute(
            "SELECT v.ref, v.rag, v.status_as_of, v.plan_period FROM v_actions v JOIN actions a ON a.id = v.action_id "
            "WHERE v.level = 'action' ORDER BY a.seq LIMIT 1").fetchone()
    assert actions == (41, 36)
    assert first_action == ("a", "Amber", "2018-03-31", "2017/18")

    second = cli("run", str(folder), "--db", f"sqlite:///{db}", "--cache", str(tmp_path / "cache"))
    assert second.returncode == 0
    assert "0 loaded, 1 unchanged" in second.stderr and "0 extracted" in second.stderr
    assert "0 cross-year links made" in second.stderr
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT inserted, unchanged, extracted FROM ingest_runs ORDER BY id").fetchall()
        assert conn.execute("SELECT count(*) FROM v_actions").fetchone()[0] == 41
    assert runs == [(1, 0, 1), (0, 1, 0)]


def test_duplicate_file_under_two_names_is_ingested_once(folder, tmp_path):
    shutil.copy(folder / "ecf-portfolio-plan-update-2017-18.pdf", folder / "copy of plan.pdf")
    db = tmp_path / "dup.db"
    out = cli("run", str(folder), "--db", f"sqlite:///{db}", "--workers", "1")
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
        paths = sorted(p for (p,) in conn.execute("SELECT path FROM document_files"))
    assert [p.rsplit("/", 1)[1] for p in paths] == ["copy of plan.pdf", "ecf-portfolio-plan-update-2017-18.pdf"]


@pytest.mark.parametrize("args, message", [
    (["--executor", "spark"], "'spark' is not one of 'local', 'dask'"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "a scheduler address needs the dask executor (--executor dask)"),
])
def test_executor_mistakes_are_usage_errors_before_any_work(folder, tmp_path, args, message):
    db = tmp_path / "x.db"
    out = cli("run", str(folder), "--db", f"sqlite:///{db}", *args)
    assert out.returncode == 2
    assert message in " ".join(out.stderr.replace("│", " ").split()), out.stderr  # rich boxes wrap the message
    assert not db.exists(), "nothing was written"


def test_a_rerun_over_unchanged_files_loads_no_pdf_stack(samples_db, tmp_path):
    """The parent hashes and skips: it never imports pdfplumber, OpenCV, spaCy nor the worker pool,
    which is what keeps a re-run over an unchanged folder to a couple of seconds."""
    db = tmp_path / "again.db"
    shutil.copy(samples_db.removeprefix("sqlite:///"), db)
    script = ("import sys; from councilplans.pipeline import run_pipeline; "
              f"summary = run_pipeline({str(SAMPLES)!r}, {f'sqlite:///{db}'!r}, cache_dir=None); "
              "print(summary.unchanged, summary.extracted, "
              "sorted(m for m in ('pdfplumber', 'cv2', 'spacy', 'tesserocr', 'pebble') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().split(maxsplit=2) == [str(len(list(SAMPLES.glob("*.pdf")))), "0", "[]"]
