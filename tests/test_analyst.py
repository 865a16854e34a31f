"""Cross-year links, the analyst queries, and corrections that survive re-extraction."""

from __future__ import annotations

import shutil
import subprocess
import sys


from councilplans.pipeline import run_pipeline
from load import open_database
from load.corrections import CorrectionError, add_correction

from .conftest import SAMPLES, db_rows


def test_actions_are_linked_across_documents_of_different_years(samples_db):
    links = db_rows(samples_db, "SELECT * FROM v_action_links")
    assert links and all(link["document"] != link["linked_document"] for link in links)
    pairs = {(link["document"], link["linked_document"]) for link in links}
    # the school improvement strategy recurs in the 2011/12 and 2018-22 plans
    assert ("cyp-portfolio-plan-2011-12.pdf", "cef-portfolio-plan-2018-22.pdf") in pairs
    assert all(70 <= link["score"] <= 100 for link in links)


def test_slippage_finds_later_deadlines_in_later_plans(samples_db):
    from load.queries import SLIPPAGE

    rows = db_rows(samples_db, SLIPPAGE)
    assert rows
    for row in rows:
        assert row["earlier_document"] != row["later_document"]


def test_compare_cli_shows_a_theme_across_years(samples_db):
    out = subprocess.run([sys.executable, "-m", "councilplans", "compare", "school improvement", "--db", samples_db],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for doc in ("cypp-2009-11-review-2010.pdf", "cyp-portfolio-plan-2011-12.pdf", "cef-portfolio-plan-2018-22.pdf"):
        assert doc in out.stdout


def test_correction_is_shown_and_survives_reextraction(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "cef-portfolio-plan-2018-22.pdf", folder)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    run_pipeline(folder, url, workers=1, cache_dir=None)
    (target,) = db_rows(url, "SELECT action_id, deadline_raw FROM v_actions WHERE text = 'Secure sufficient school places'")
    assert target["deadline_raw"] == "April 2022 (annual programme)"

    out = subprocess.run([sys.executable, "-m", "councilplans", "correct", str(target["action_id"]), "--field",
                          "deadline_raw", "--value", "March 2019", "--why", "typo in PDF", "--db", url],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    run_pipeline(folder, url, workers=1, force=True, cache_dir=None)  # re-extracts: new action ids
    (after,) = db_rows(url, "SELECT action_id, deadline_raw, deadline_kind, deadline_start, deadline_end FROM v_actions "
                          "WHERE text = 'Secure sufficient school places'")
    assert [r["inserted"] for r in db_rows(url, "SELECT inserted FROM ingest_runs ORDER BY id")] == [1, 1]
    assert (after["deadline_raw"], after["deadline_kind"], after["deadline_start"], after["deadline_end"]) == (
        "March 2019", "month", "2019-03-01", "2019-03-31")
    (who,) = db_rows(url, "SELECT who, why FROM corrections WHERE field = 'deadline_raw'")
    assert who["why"] == "typo in PDF" and who["who"]


def test_correction_of_unknown_field_is_refused(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'e.db'}")
    try:
        add_correction(engine, 1, "colour", "x")
    except CorrectionError as exc:
        assert "cannot correct 'colour'" in str(exc)
    else:
        raise AssertionError("expected a CorrectionError")


def test_migrations_match_the_models(tmp_path):
    """A fresh database built by the Alembic migrations has exactly the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from load.models import Base

    engine = open_database(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    out = subprocess.run([sys.executable, "-m", "councilplans", "db", "upgrade", "--db", f"sqlite:///{tmp_path / 'm.db'}"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "schema at revision 0003" in out.stderr
