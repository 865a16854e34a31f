"""Cross-year links, the analyst queries, and corrections that survive re-extraction."""

from __future__ import annotations

import shutil
import subprocess
import sys


from councilplans.pipeline import run_pipeline
from load import open_database
from load.corrections import CorrectionError, add_correction

from .conftest import SAMPLES, copy_at_revision, db_rows


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
    assert out.returncode == 0 and "schema at revision 0008" in out.stderr


SCHOOL_PLACES = "Secure sufficient school places"


def correct_cli(url: str, action_id: int, field: str, value: str) -> None:
    out = subprocess.run([sys.executable, "-m", "councilplans", "correct", str(action_id), "--field", field,
                          "--value", value, "--why", "checked against the paper", "--db", url],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_correction_survives_a_reextraction_that_changes_the_text(tmp_path):
    """An extractor change that reads the action's text differently (here the cached extraction is
    edited, as a reader that recovers a wrapped line would change it) keeps the analyst's correction."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "cef-portfolio-plan-2018-22.pdf", folder)
    url, cache = f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "cache"
    run_pipeline(folder, url, workers=1, cache_dir=cache)
    (target,) = db_rows(url, "SELECT action_id FROM v_actions WHERE text = :t", t=SCHOOL_PLACES)
    correct_cli(url, target["action_id"], "deadline_raw", "March 2019")

    (cached,) = cache.glob("*.json")
    changed = f"{SCHOOL_PLACES} for every child"
    cached.write_text(cached.read_text().replace(f'"{SCHOOL_PLACES}"', f'"{changed}"'))
    again = run_pipeline(folder, url, workers=1, force=True, cache_dir=cache)
    assert (again.inserted, again.extracted) == (1, 0), "re-normalised from the edited extraction"
    (after,) = db_rows(url, "SELECT deadline_raw, deadline_kind, deadline_start, deadline_end "
                            "FROM v_actions WHERE text = :t", t=changed)
    assert (after["deadline_raw"], after["deadline_kind"], after["deadline_start"], after["deadline_end"]) == (
        "March 2019", "month", "2019-03-01", "2019-03-31")
    assert len(db_rows(url, "SELECT 1 FROM v_actions WHERE deadline_raw = 'March 2019'")) == 1


def test_a_correction_follows_its_action_and_lets_go_of_a_different_one(samples_db, samples_cache, tmp_path):
    """Rows renumbered and one text changed a little: the correction follows; a text replaced by
    another action's: the correction is kept but shown nowhere, until its action comes back."""
    from councilplans.document import process_document
    from extract import sha256_of
    from load import load_document

    path = SAMPLES / "cef-portfolio-plan-2018-22.pdf"
    plan = process_document(str(path), sha256_of(path), str(samples_cache)).plan
    url = f"sqlite:///{tmp_path / 'f.db'}"
    engine = open_database(url)
    load_document(engine, plan, str(path))
    actions = db_rows(url, "SELECT action_id, text, rag FROM v_actions WHERE level = 'action' ORDER BY action_id")
    kept, dropped = actions[2], actions[5]
    add_correction(engine, kept["action_id"], "rag", "Red", why="the paper says red")
    add_correction(engine, dropped["action_id"], "progress", "checked by hand")

    def changed(record):
        if record.text == kept["text"]:
            return record.model_copy(update={"text": kept["text"] + "."})
        if record.text == dropped["text"]:
            return record.model_copy(update={"text": "Publish the annual report on school transport"})
        return record

    renumbered = [plan.actions[-1]] + [changed(r) for r in plan.actions]  # every row one further down
    load_document(engine, plan.model_copy(update={"actions": renumbered}), str(path))
    (follows,) = db_rows(url, "SELECT rag FROM v_actions WHERE text = :t", t=kept["text"] + ".")
    assert follows["rag"] == "Red"
    assert not db_rows(url, "SELECT 1 FROM v_actions WHERE progress = 'checked by hand'")
    assert [r["action_id"] for r in db_rows(url, "SELECT action_id FROM corrections WHERE field = 'progress'")] == [None]

    load_document(engine, plan, str(path))  # the action's own text again
    (back,) = db_rows(url, "SELECT progress FROM v_actions WHERE text = :t", t=dropped["text"])
    assert back["progress"] == "checked by hand"
    engine.dispose()


def test_corrections_made_before_anchors_still_show_after_the_upgrade(samples_db, tmp_path):
    """A database at revision 0002 (corrections keyed by a hash of the text) migrates with its corrections."""
    from sqlalchemy import create_engine, text

    url = copy_at_revision(samples_db, tmp_path / "old.db", "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO corrections (doc_sha256, action_key, field, value, who, why, at) "
            "SELECT d.sha256, a.key, 'rag', 'Blue', 'analyst', 'done in March', CURRENT_TIMESTAMP "
            "FROM actions a JOIN documents d ON d.id = a.document_id WHERE a.text = :t"), {"t": SCHOOL_PLACES})
    engine.dispose()
    open_database(url).dispose()  # migrates to the newest revision
    assert [r["rag"] for r in db_rows(url, "SELECT rag FROM v_actions WHERE text = :t", t=SCHOOL_PLACES)] == ["Blue"]
    (anchor,) = db_rows(url, "SELECT action_level, action_text FROM corrections")
    assert anchor == {"action_level": "action", "action_text": SCHOOL_PLACES}
