"""Bad files are reported by name with a reason; the rest of the batch is loaded."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

from .conftest import SAMPLES

SAMPLE = SAMPLES / "ecf-portfolio-plan-update-2017-18.pdf"


def make_bad_files(folder):
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "error-page.pdf").write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>")
    (folder / "random.pdf").write_bytes(os.urandom(4096))
    data = SAMPLE.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    shutil.copy(SAMPLE, folder / "good.pdf")


def test_bad_files_are_reported_and_the_good_one_loaded(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    make_bad_files(folder)
    db = tmp_path / "bad.db"
    out = subprocess.run([sys.executable, "-m", "councilplans", "run", str(folder), "--db", f"sqlite:///{db}",
                          "--workers", "2"], capture_output=True, text=True)
    assert out.returncode == 1, out.stderr  # documented: 1 = some files reported
    with sqlite3.connect(db) as conn:
        errors = dict(conn.execute("SELECT file_name, reason FROM ingest_errors"))
        loaded = [r[0] for r in conn.execute("SELECT file_name FROM documents")]
    errors = {os.path.basename(k): v for k, v in errors.items()}
    assert loaded == ["good.pdf"]
    assert errors["empty.pdf"] == "empty file (0 bytes)"
    assert errors["error-page.pdf"] == "not a PDF: an HTML page saved with a .pdf name"
    assert errors["random.pdf"] == "not a PDF: no %PDF- header"
    assert "truncated.pdf" not in loaded and set(errors) >= {"empty.pdf", "error-page.pdf", "random.pdf"}
    for name in ("empty.pdf", "error-page.pdf", "random.pdf"):
        assert name in out.stderr
    listing = subprocess.run([sys.executable, "-m", "councilplans", "errors", "--db", f"sqlite:///{db}"],
                             capture_output=True, text=True)
    assert "empty.pdf" in listing.stdout
