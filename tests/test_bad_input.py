"""Bad files are reported by name with a reason; the rest of the batch is loaded.

Every bad file is generated here (reportlab, pypdfium2, raw bytes), so the cases are real
PDFs (or real non-PDFs) rather than mocks of a parser's behaviour.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pypdfium2
import pytest
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from councilplans.document import process_document
from councilplans.pipeline import run_pipeline
from extract import ExtractionError, extract_document, sha256_of

from .conftest import SAMPLES

SAMPLE = SAMPLES / "ecf-portfolio-plan-update-2017-18.pdf"
TABLE = [["Ref", "Action", "Lead", "Deadline"],
         ["1.1", "Publish the school places plan", "Director of Education", "March 2017"],
         ["1.2", "Recruit foster carers", "Head of Fostering", "Ongoing"]]
COL_WIDTHS = [40, 220, 140, 90]
ROW_HEIGHT = 24


# --- generators ------------------------------------------------------------------------------

def draw_table(c: canvas.Canvas, x: float, y: float, rows=TABLE) -> None:
    """A ruled table with its top-left corner at (x, y) in the canvas's current user space."""
    width, height = sum(COL_WIDTHS), ROW_HEIGHT * len(rows)
    for i in range(len(rows) + 1):
        c.line(x, y - i * ROW_HEIGHT, x + width, y - i * ROW_HEIGHT)
    edge = x
    for w in [0, *COL_WIDTHS]:
        edge += w
        c.line(edge, y, edge, y - height)
    for r, row in enumerate(rows):
        left = x
        for w, text in zip(COL_WIDTHS, row):
            c.drawString(left + 4, y - (r + 1) * ROW_HEIGHT + 8, text)
            left += w


def table_pdf(path, rotation: int = 0, drawn_for_rotation: bool = False, encrypt=None, pages: int = 1,
              title: str = "") -> None:
    """One table per page. rotation sets /Rotate; drawn_for_rotation turns the drawing so the
    page shows upright (a scanner-style landscape page); otherwise it shows sideways."""
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    for n in range(pages):
        if rotation:
            c.setPageRotation(rotation)
        if drawn_for_rotation and rotation == 90:
            c.translate(A4[0], 0)
            c.rotate(90)  # user space is now landscape, upright once the viewer applies /Rotate 90
            draw_table(c, 72, A4[0] - 72)
        else:
            draw_table(c, 50, A4[1] - 72)
        c.drawString(50, 40, f"{title} Page {n + 1}".strip())
        c.showPage()
    c.save()


def text_only_pdf(path) -> None:
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawString(72, 750, "Minutes of the meeting: no tables were presented.")
    c.save()


def long_pdf(path, pages: int = 520, every: int = 10, title: str = "Appendix") -> None:
    """A long appendix: a line of text on every page and a small table on every tenth."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(pages):
        c.drawString(72, 800, f"{title} page {n + 1}")
        if n % every == 0:
            draw_table(c, 50, 760)
        c.showPage()
    c.save()


def scanned_pdf(path, source=SAMPLE) -> None:
    """An image-only PDF: page 1 of a sample rendered to a bitmap and placed as a picture."""
    bitmap = pypdfium2.PdfDocument(str(source))[0].render(scale=1).to_pil()
    buffer = io.BytesIO()
    bitmap.save(buffer, format="PNG")
    buffer.seek(0)
    c = canvas.Canvas(str(path), pagesize=landscape(A4))
    c.drawImage(ImageReader(buffer), 0, 0, *landscape(A4))
    c.save()


def blank_pdf(path) -> None:
    c = canvas.Canvas(str(path), pagesize=A4)
    c.showPage()
    c.save()


def raw_pdf(objects: list[bytes]) -> bytes:
    """A minimal PDF file from numbered object bodies (1 0 obj is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def content_bomb_pdf(path, megabytes: int = 400) -> None:
    """One page whose Flate-compressed content stream inflates to `megabytes` of path operators:
    a few hundred kB on disk that a parser must hold, and lay out, in memory."""
    op = b"1 1 1 1 re f\n"
    stream = zlib.compress(op * (megabytes * (1 << 20) // len(op)), 9)
    path.write_bytes(raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]))


def make_bad_files(folder):
    """Every bad-input case of the issue that one batch can hold, plus one good file."""
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "error-page.pdf").write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>")
    (folder / "random.pdf").write_bytes(os.urandom(4096))
    data = SAMPLE.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    table_pdf(folder / "locked.pdf", encrypt=StandardEncryption("secret", ownerPassword="owner"))
    table_pdf(folder / "owner-only.pdf", encrypt=StandardEncryption("", ownerPassword="owner", canModify=0))
    text_only_pdf(folder / "no-tables.pdf")
    scanned_pdf(folder / "scanned.pdf")
    blank_pdf(folder / "blank.pdf")
    shutil.copy(SAMPLE, folder / "good.pdf")
    shutil.copy(SAMPLE, folder / "good (copy).pdf")


EXPECTED_REASONS = {
    "empty.pdf": "empty file (0 bytes)",
    "error-page.pdf": "not a PDF: an HTML page saved with a .pdf name",
    "random.pdf": "not a PDF: no %PDF- header",
    "locked.pdf": "encrypted PDF: a password is required",
    "blank.pdf": "no text: every page is blank",
}

EXPECTED_KINDS = {"empty.pdf": "empty", "error-page.pdf": "not_pdf", "random.pdf": "not_pdf",
                  "locked.pdf": "encrypted", "blank.pdf": "no_text"}


# --- the batch through the CLI -----------------------------------------------------------------

def test_bad_files_are_reported_and_the_good_one_loaded(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    make_bad_files(folder)
    db = tmp_path / "bad.db"
    out = subprocess.run([sys.executable, "-m", "councilplans", "run", str(folder), "--db", f"sqlite:///{db}",
                          "--workers", "2", "--cache", str(tmp_path / "cache")], capture_output=True, text=True)
    assert out.returncode == 1, out.stderr  # documented: 1 = some files reported
    with sqlite3.connect(db) as conn:
        errors = {os.path.basename(f): (stage, reason, sha) for f, stage, reason, sha, at in conn.execute(
            "SELECT file_name, stage, reason, sha256, at FROM ingest_errors") if at}
        loaded = dict(conn.execute("SELECT file_name, layout FROM documents"))
        good_files = [os.path.basename(p) for (p,) in conn.execute(
            "SELECT f.path FROM document_files f JOIN documents d ON d.id = f.document_id "
            "WHERE d.file_name LIKE 'good%' ORDER BY f.path")]
    for name, reason in EXPECTED_REASONS.items():
        assert errors[name][1] == reason, name
        assert name in out.stderr
    assert errors["truncated.pdf"][1].startswith(("corrupt PDF", "unreadable PDF")), errors["truncated.pdf"]
    assert errors["locked.pdf"][2] == sha256_of(folder / "locked.pdf")  # the quarantine keeps the hash
    assert set(errors) == set(EXPECTED_REASONS) | {"truncated.pdf"}
    # the copy sorts first, so it names the document; the owner-password file holds a plan table
    scanned = loaded.pop("scanned.pdf")  # an image-only page goes through OCR and is loaded
    assert scanned in {"known", "generic", "empty"}
    assert loaded == {"good (copy).pdf": "known", "owner-only.pdf": "known", "no-tables.pdf": "empty"}
    assert good_files == ["good (copy).pdf", "good.pdf"]  # one document, both names recorded
    assert "Files not loaded" in out.stderr and "6 failed" in out.stderr
    listing = subprocess.run([sys.executable, "-m", "councilplans", "errors", "--db", f"sqlite:///{db}"],
                             capture_output=True, text=True)
    for name in EXPECTED_REASONS:
        assert name in listing.stdout
    with sqlite3.connect(db) as conn:
        kinds = {os.path.basename(f): kind for f, kind in conn.execute("SELECT file_name, kind FROM ingest_errors")}
    assert {name: kinds[name] for name in EXPECTED_KINDS} == EXPECTED_KINDS  # from the error's class, not its text
    assert kinds["truncated.pdf"] in {"corrupt", "unreadable"}
    assert "Ingest errors by kind" in listing.stdout and "not_pdf: 2" in listing.stdout  # grouped, counted
    assert listing.stdout.index("not_pdf: 2") < listing.stdout.index("random.pdf")


def test_an_unexpected_exception_is_reported_as_a_bug_of_its_stage(tmp_path):
    """Not a PDF problem the extractor knows (here: a folder where a file was expected): kind "bug"."""
    result = process_document(str(tmp_path), "0" * 64, None)
    assert (result.plan, result.stage, result.kind) == (None, "extract", "bug")
    assert result.error.startswith("unexpected IsADirectoryError")


def test_help_documents_the_limits_and_exit_status():
    out = subprocess.run([sys.executable, "-m", "councilplans", "run", "--help"], capture_output=True, text=True)
    assert "Exit status" in out.stdout and "--timeout" in out.stdout and "--max-memory" in out.stdout


# --- one case at a time, at the extractor ------------------------------------------------------

def cell_texts(doc) -> list[list[str]]:
    """The first table's text as rows of cell strings, to compare geometry across rotations."""
    table = next(t for p in doc.pages for t in p.tables)
    rows: dict[int, dict[int, str]] = {}
    for cell in table.cells:
        rows.setdefault(cell.row, {})[cell.col] = " ".join(line.text for line in cell.lines)
    return [[row[c] for c in sorted(row)] for _, row in sorted(rows.items())]


@pytest.mark.parametrize("rotation,drawn_for_rotation", [(90, True), (90, False), (180, False), (270, False)])
def test_rotated_pages_give_the_same_table_as_upright_ones(tmp_path, rotation, drawn_for_rotation):
    upright = tmp_path / "upright.pdf"
    turned = tmp_path / "turned.pdf"
    table_pdf(upright)
    table_pdf(turned, rotation=rotation, drawn_for_rotation=drawn_for_rotation)
    assert cell_texts(extract_document(upright)) == TABLE
    assert cell_texts(extract_document(turned)) == TABLE


def test_empty_user_password_is_read_and_a_real_one_is_reported(tmp_path):
    table_pdf(tmp_path / "open.pdf", encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0))
    table_pdf(tmp_path / "locked.pdf", encrypt=StandardEncryption("secret", ownerPassword="owner"))
    assert cell_texts(extract_document(tmp_path / "open.pdf")) == TABLE
    with pytest.raises(ExtractionError, match="^encrypted PDF: a password is required$"):
        extract_document(tmp_path / "locked.pdf")


def test_a_file_rewritten_while_being_read_is_reported(tmp_path):
    path = tmp_path / "growing.pdf"
    table_pdf(path, pages=3)
    sha = sha256_of(path)

    def rewrite_after_first_page():
        path.write_bytes(path.read_bytes() + b"\n% appended by the council's sync tool\n")

    with pytest.raises(ExtractionError, match="^file changed while being read$"):
        extract_document(path, sha, on_page=rewrite_after_first_page)


def test_a_file_changed_after_hashing_is_reported_by_the_pipeline(tmp_path):
    """The run hashes every file first; one rewritten before its worker reads it is not loaded
    under the old hash (the next run picks up the new bytes)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "a.pdf")
    table_pdf(folder / "b.pdf")
    url = f"sqlite:///{tmp_path / 'x.db'}"

    def on_progress(name, skipped):
        if name == "a.pdf":  # a.pdf is done; b.pdf was hashed but not yet read
            table_pdf(folder / "b.pdf", pages=2)

    summary = run_pipeline(folder, url, workers=1, cache_dir=None, progress=on_progress)
    assert summary.errors == [("b.pdf", "extract", "file changed while being read")]
    again = run_pipeline(folder, url, workers=1, cache_dir=None)
    assert (again.inserted, again.unchanged, again.failed) == (1, 1, 0)


def test_a_500_page_pdf_is_loaded(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    long_pdf(folder / "appendix.pdf")
    url = f"sqlite:///{tmp_path / 'long.db'}"
    summary = run_pipeline(folder, url, workers=1, cache_dir=None)
    assert summary.failed == 0 and summary.inserted == 1
    with sqlite3.connect(tmp_path / "long.db") as conn:
        pages, = conn.execute("SELECT page_count FROM documents").fetchone()
        actions, pages_with_actions, last_page = conn.execute(
            "SELECT count(*), count(DISTINCT page), max(page) FROM v_actions").fetchone()
    assert pages == 520 and (actions, pages_with_actions, last_page) == (104, 52, 511)


def test_hostile_file_names_are_stored_verbatim_and_run_nothing(tmp_path):
    """File names reach the database only as bound parameters, and never a shell."""
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["$(touch pwned) `touch pwned2`.pdf", "x'); DROP TABLE documents; --.pdf"]
    for n, name in enumerate(names):
        table_pdf(folder / name, title=f"Plan {n}")
    summary = run_pipeline(folder, f"sqlite:///{tmp_path / 'h.db'}", workers=2, cache_dir=None)
    assert summary.inserted == 2 and summary.failed == 0
    with sqlite3.connect(tmp_path / "h.db") as conn:
        stored = sorted(os.path.basename(p) for (p,) in conn.execute("SELECT path FROM document_files"))
    assert stored == sorted(names)
    assert not list(tmp_path.rglob("pwned*")) and not list(Path.cwd().glob("pwned*"))
