"""Every real published PDF in ../shared/realworld/pdfs goes through the pipeline without a crash.

Each file ends either loaded (a documents row) or reported (an ingest_errors row with a
one-line reason). The files whose outcome is known from what they are (encrypted with a
real password, not a PDF at all) are checked for the exact reason; the scanned one is OCR'd.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from councilplans.pipeline import run_pipeline

from .conftest import REALWORLD

if not REALWORLD.is_dir():
    pytest.skip("../shared/realworld/pdfs is not present beside this clone", allow_module_level=True)

PDFS = sorted(p.name for p in REALWORLD.glob("*.pdf"))
KNOWN_REASONS = {
    "camelot_health_protected.pdf": "encrypted PDF: a password is required",
    "tabula_encrypted_fla_remediation_plan.pdf": "encrypted PDF: a password is required",
    "uk_cabinet_office_wiki_corrupt.pdf": "not a PDF: no %PDF- header",
}
MUST_YIELD_TABLES = {  # rotated pages (/Rotate 90, one with its text sideways as shown) must give real grids
    "pdfplumber_nics_rotated.pdf", "tabula_contract_awards_rotated.pdf",
}
MUST_LOAD = {"uk_rct_polling_places_schedule_178p.pdf",  # long, but well within the default limits
             "camelot_scanned_image_only.pdf"}  # image-only: read through OCR, not rejected


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> dict:
    """One run over copies of every real-world PDF (two workers), read back from the database."""
    folder = tmp_path_factory.mktemp("realworld")
    for name in PDFS:
        shutil.copyfile(REALWORLD / name, folder / name)
    db = folder.parent / "realworld.db"
    started = time.monotonic()
    summary = run_pipeline(folder, f"sqlite:///{db}", workers=2, cache_dir=None)
    with sqlite3.connect(db) as conn:
        loaded = {name: (layout, actions, measures, tables) for name, layout, actions, measures, tables in conn.execute(
            "SELECT d.file_name, d.layout,"
            " (SELECT count(*) FROM actions a WHERE a.document_id = d.id),"
            " (SELECT count(*) FROM measures m WHERE m.document_id = d.id),"
            " (SELECT count(*) FROM generic_tables g WHERE g.document_id = d.id) FROM documents d")}
        reported = {Path(f).name: reason for f, reason in conn.execute("SELECT file_name, reason FROM ingest_errors")}
    return {"summary": summary, "loaded": loaded, "reported": reported, "seconds": time.monotonic() - started}


@pytest.mark.parametrize("name", PDFS)
def test_each_file_is_loaded_or_reported(outcome, name):
    loaded, reported = outcome["loaded"], outcome["reported"]
    assert (name in loaded) != (name in reported), f"{name}: loaded={loaded.get(name)} reported={reported.get(name)}"
    if name in reported:
        reason = reported[name]
        assert reason and "\n" not in reason and not reason.startswith("unexpected"), reason
        assert not reason.startswith("time limit") and not reason.startswith("memory limit"), reason
    if name in KNOWN_REASONS:
        assert reported.get(name) == KNOWN_REASONS[name]
    if name in MUST_LOAD:
        assert name in loaded, reported.get(name)
    if name in MUST_YIELD_TABLES:
        layout, actions, measures, tables = loaded[name]
        assert actions + measures + tables > 0, loaded[name]


def test_the_batch_accounts_for_every_file(outcome):
    summary = outcome["summary"]
    assert summary.files_seen == len(PDFS)
    assert summary.inserted + summary.failed == len(PDFS)
    assert summary.failed == len(outcome["reported"])
