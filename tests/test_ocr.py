"""Scanned committee papers: image-only copies of two samples are OCR'd and scored against the
same expected JSON as the born-digital PDFs (targets from the issue: action recall >= 0.95,
RAG accuracy >= 0.95, deadline accuracy >= 0.9).

The copies are made here (tests/scanned.py: rendered at 150-200 dpi, turned by a fraction of
a degree, grain and JPEG added, wrapped as image-only PDFs); Tesseract is the real one from
Debian. The ECF update is scanned from its `colour-only` variant, whose RAG cells carry no
word, so every rating must come from the shading in the pixels. 22 pages of OCR: about a
minute and a half on 2 idle cores.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from sqlalchemy import create_engine

from councilplans.scoring import score_document
from extract import extract_document
from extract.ocr import needs_ocr, scan_view
from extract.pdf import extract_page, read_page
from extract.raster import render_page
from extract.records import ExtractedPage
from load import load_document, open_database
from normalise import normalise_document
from normalise.rag import rag_from_colour
from normalise.review import REVIEW_CONFIDENCE, confidence_at

from .conftest import SAMPLES, db_rows
from .scanned import OcrRun, degrade, make_scanned_pdf, ocr_documents

SCANS = {  # one document at each end of the 150-200 dpi range, skewed either way: (variant, scan options)
    "ecf-portfolio-plan-update-2017-18": ("colour-only", dict(dpi=200, angle=0.6, noise=8.0, seed=1)),
    "cef-portfolio-plan-2018-22": ("standard", dict(dpi=150, angle=-0.8, noise=10.0, seed=2)),
}
TARGETS = dict(recall=0.95, precision=0.9, rag=0.95, deadline=0.9)
MAX_CPU_S_PER_PAGE = 30.0  # a ceiling far above the ~5 s measured: trips on a blow-up, not on a busy machine


@dataclass
class Scanned:
    sources: dict[str, Path]  # sample file name -> the born-digital PDF that was scanned
    pdfs: dict[str, Path]  # sample file name -> its scanned copy
    run: OcrRun
    db_url: str


def variant_pdf(key: str, variant: str, folder: Path) -> Path:
    """The sample as committed, or re-drawn in another variant by samples/generate.py (same expected JSON)."""
    if variant == "standard":
        return SAMPLES / f"{key}.pdf"
    out = folder / variant
    subprocess.run([sys.executable, str(SAMPLES / "generate.py"), key, "--variant", variant, "--out", str(out)],
                   check=True, capture_output=True)
    return out / f"{key}.pdf"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Scanned:
    folder = tmp_path_factory.mktemp("scanned")
    sources = {f"{key}.pdf": variant_pdf(key, variant, folder) for key, (variant, _) in SCANS.items()}
    pdfs = {name: make_scanned_pdf(sources[name], folder / name, **SCANS[name[:-4]][1]) for name in sources}
    run = ocr_documents(pdfs)
    url = f"sqlite:///{folder / 'scanned.db'}"
    engine = open_database(url)
    for doc in run.documents:
        load_document(engine, normalise_document(doc), str(pdfs[doc.file_name]))
    engine.dispose()
    print(f"\nOCR: {run.pages} pages in {run.wall_s:.1f} s on 2 workers = {run.pages_per_s:.2f} pages/s "
          f"({run.cpu_s_per_page:.1f} CPU s/page)")
    return Scanned(sources=sources, pdfs=pdfs, run=run, db_url=url)


# ---------------------------------------------------------------- which pages get OCR

def test_scanned_copies_have_no_text_layer_and_need_ocr(scanned):
    for path in scanned.pdfs.values():
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                assert not page.chars
                record = extract_page(page)
                assert needs_ocr(record, page), (path.name, page.page_number)


def test_pages_with_a_text_layer_are_never_ocred():
    path = SAMPLES / "ecf-portfolio-plan-update-2017-18.pdf"
    with pdfplumber.open(path) as pdf:
        assert not any(needs_ocr(extract_page(page), page) for page in pdf.pages)


def scan_with_text_layer(path: Path, words: list[str]) -> None:
    """A scanned page (full-page picture) with a text layer of `words` drawn over it, as OCR'd PDFs have."""
    image = degrade(Image.fromarray(render_page(SAMPLES / "ecf-portfolio-plan-update-2017-18.pdf", 3, 100)), 0.5, 5.0,
                    np.random.default_rng(0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    c = canvas.Canvas(str(path), pagesize=landscape(A4))
    c.drawImage(ImageReader(buffer), 0, 0, *landscape(A4))
    c.setFont("Helvetica", 8)
    for i in range(0, len(words), 8):
        c.drawString(50, 500 - i * 2, " ".join(words[i:i + 8]))
    c.save()


def test_garbage_text_layer_is_sent_to_ocr_and_a_real_one_is_not(tmp_path):
    garbage = ["ÿþ", "\x7f\x7f", "qzxv", "#%&", "bcdfg", "]]^", "xkcd", "wrrt", "¤¤", "ß§"] * 5
    real = ("Through effective use of the Common Assessment Framework improve support to children and "
            "families at an early stage 31 March 2018").split() * 3
    for name, words, expected in (("garbage.pdf", garbage, True), ("real.pdf", real, False)):
        scan_with_text_layer(tmp_path / name, words)
        with pdfplumber.open(tmp_path / name) as pdf:
            page = pdf.pages[0]
            assert page.chars and page.images
            assert needs_ocr(extract_page(page), page) is expected, name


# ---------------------------------------------------------------- the targets

@pytest.mark.parametrize("key", sorted(SCANS))
def test_scanned_sample_meets_the_targets(scanned, key):
    expected = json.loads((SAMPLES / f"{key}.expected.json").read_text())
    doc = next(d for d in scanned.run.documents if d.file_name == f"{key}.pdf")
    engine = create_engine(scanned.db_url)
    with engine.connect() as conn:
        score = score_document(conn, SAMPLES / f"{key}.pdf", expected, doc.sha256)
    engine.dispose()
    ratios = score.ratios()
    print(f"\n{key} (scanned): {ratios}")
    for name, floor in TARGETS.items():
        assert ratios[name] is not None and ratios[name] >= floor, (name, ratios, score.misses[:5])


def test_ocr_speed_is_measured(scanned):
    assert scanned.run.pages == 22
    assert 0 < scanned.run.cpu_s_per_page < MAX_CPU_S_PER_PAGE


# ---------------------------------------------------------------- tables as born-digital ones

def test_scanned_tables_have_the_born_digital_grid(scanned):
    """Same tables, rows, columns and spans, boxes within a couple of points, after deskewing."""
    compared = 0
    for doc in scanned.run.documents:
        born = extract_document(scanned.sources[doc.file_name])
        for ocr_page_record, page in zip(doc.pages, born.pages):
            assert len(ocr_page_record.tables) == len(page.tables), (doc.file_name, page.number)
            for got, want in zip(ocr_page_record.tables, page.tables):
                assert (got.n_rows, got.n_cols) == (want.n_rows, want.n_cols), (doc.file_name, page.number)
                assert max(abs(a - b) for a, b in zip(got.bbox, want.bbox)) < 2.5, (got.bbox, want.bbox)
                spans = sorted((c.row, c.col, c.row_span, c.col_span) for c in got.cells)
                assert spans == sorted((c.row, c.col, c.row_span, c.col_span) for c in want.cells)
                compared += 1
    assert compared >= 20


def test_rag_is_read_from_the_shading_in_the_image(scanned):
    """The scanned colour-only ECF prints no rating words: each rating comes from a cell's pixels."""
    doc = next(d for d in scanned.run.documents if d.file_name.startswith("ecf"))
    rated = db_rows(scanned.db_url, "SELECT a.rag, a.rag_source FROM actions a JOIN documents d ON d.id = a.document_id "
                                 "WHERE d.sha256 = :sha AND a.rag IS NOT NULL", sha=doc.sha256)
    assert len(rated) >= 30
    assert {r["rag_source"] for r in rated} == {"colour"}
    shaded = [rag_from_colour(c.fill) for p in doc.pages for t in p.tables for c in t.cells if not c.text.strip()]
    assert {"Amber", "Green"} <= {r.value for r in shaded if r}
    headers = [c for p in doc.pages for t in p.tables for c in t.cells if c.text.startswith("We are measuring")]
    assert headers and all(c.fill and rag_from_colour(c.fill) is None for c in headers)  # grey: shaded, no rating


# ---------------------------------------------------------------- confidence and review flags

def test_every_ocr_value_carries_a_confidence(scanned):
    cells = [c for d in scanned.run.documents for p in d.pages for t in p.tables for c in t.cells if c.lines]
    assert cells and all(0.0 <= c.confidence <= 1.0 for c in cells)
    assert all(0.0 <= ln.confidence <= 1.0 for c in cells for ln in c.lines)
    assert statistics.median(c.confidence for c in cells) > 0.85  # clean scans are read with confidence


def test_low_confidence_fields_are_flagged_in_the_database(scanned):
    flagged = db_rows(scanned.db_url, "SELECT a.flags, d.sha256 FROM actions a JOIN documents d ON d.id = a.document_id")
    marks = [f for r in flagged for f in json.loads(r["flags"]) if f.startswith("ocr-review:")]
    assert marks, "some OCR'd field should fall below the review threshold"
    assert len(marks) < 0.5 * len(flagged), "a clean scan must not flag most actions"
    # the flags are exactly the fields whose source cell was read below the threshold
    for doc in scanned.run.documents:
        plan = normalise_document(doc)  # sets the review flags
        for action in plan.actions:
            low = {f"ocr-review:{field}" for field, where in action.provenance.items()
                   if (c := confidence_at(doc, where.page, where.bbox)) is not None and c < REVIEW_CONFIDENCE}
            assert low == {f for f in action.flags if f.startswith("ocr-review:")}


def test_a_worse_scan_is_read_with_less_confidence():
    """Confidence follows the image: heavy grain and blur lower it and raise the share flagged for review."""
    source = SAMPLES / "ecf-portfolio-plan-update-2017-18.pdf"
    rng = np.random.default_rng(3)
    sharp = Image.fromarray(render_page(source, 6, 200))  # a KPI table: the lightest table page
    clean = degrade(sharp, 0.4, 6.0, rng)
    blurred = sharp.resize((842 * 90 // 72, 595 * 90 // 72)).resize(sharp.size)
    dirty = degrade(blurred, 0.4, 45.0, rng)

    def low_share(image: Image.Image) -> float:
        page: ExtractedPage = read_page(scan_view(np.asarray(image), 6, 842.0, 595.0, dpi=200).view)
        lines = [ln for t in page.tables for c in t.cells for ln in c.lines] + page.lines
        assert lines
        return sum(ln.confidence < REVIEW_CONFIDENCE for ln in lines) / len(lines)

    dirty_share, clean_share = low_share(dirty), low_share(clean)
    print(f"\nlines below review confidence: clean scan {clean_share:.2f}, worse scan {dirty_share:.2f}")
    assert dirty_share > clean_share + 0.05


def test_touching_shades_whose_border_the_scan_lost_are_two_fills():
    """A rating column as the Chromium copier scan shows it: amber cells over green ones with no rule
    left between them (rules survive only in the other columns), JPEG-damaged. Two fills, cut where
    the shade changes; read as one area, the green's median coloured all of it."""
    from PIL import ImageDraw, ImageFont

    scale = 150 / 72
    image = Image.new("RGB", (round(595 * scale), round(842 * scale)), "white")
    draw = ImageDraw.Draw(image)

    def px(points: float) -> int:
        return round(points * scale)

    ink, font = (40, 40, 40), ImageFont.load_default(size=20)
    draw.rectangle((px(100), px(100), px(500), px(700)), outline=ink, width=2)
    for x in (235, 271):
        draw.line((px(x), px(100), px(x), px(700)), fill=ink, width=2)
    for y in range(100, 700, 120):
        draw.line((px(100), px(y), px(235), px(y)), fill=ink, width=2)
        draw.line((px(271), px(y), px(500), px(y)), fill=ink, width=2)
    draw.rectangle((px(236), px(101), px(270), px(349)), fill=(247, 177, 108))
    draw.rectangle((px(236), px(349) + 1, px(270), px(699)), fill=(146, 196, 125))
    for k, y in enumerate(range(110, 690, 16)):
        draw.text((px(105), px(y)), f"action {k} words", fill="black", font=font)
        draw.text((px(276), px(y)), f"progress made in row {k} this year", fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=45)
    view = scan_view(np.asarray(Image.open(buffer).convert("RGB")), 1, 595.0, 842.0, dpi=150).view
    strip = sorted((f for f in view.fills if f["x0"] < 253 < f["x1"]), key=lambda f: f["top"])
    assert [rag_from_colour(f["rgb"]).value for f in strip] == ["Amber", "Green"]
    assert abs(strip[0]["bottom"] - 349) <= 2 and abs(strip[1]["top"] - 349) <= 2
