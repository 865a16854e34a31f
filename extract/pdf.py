"""Read a PDF once with pdfplumber and return its ruled tables and loose text lines.

Tables come from pdfplumber's ruling-line finder; each cell keeps its text as visual lines
(with boxes, so stacked tasks can later be aligned with their deadlines) and its fill
colour (many published PDFs carry the RAG rating only as a cell's shading).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import PdfminerException

from .files import ExtractionError, sha256_of
from .grid import GRID_TOLERANCE, grid_positions, index_of
from .open_tables import drawn_verticals, lacks_column_rules, open_table_boxes
from .ocr import needs_ocr, ocr_page
from .records import BBox, Cell, ExtractedDocument, ExtractedPage, ExtractedTable, TextLine

TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "intersection_tolerance": 3,
}
LINE_TOLERANCE = 2.5  # points: words whose tops differ by less sit on one line
MIN_TABLE_CELLS = 2
MIN_RULE_LENGTH = 10  # points: shorter vertical strokes are glyph parts or ticks, not rules


def check_is_pdf(path: Path) -> None:
    """Reject files that are plainly not PDFs before a parser sees them."""
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("empty file (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        sniff = head.lstrip()[:15].lower()
        if sniff.startswith((b"<!doctype", b"<html")):
            raise ExtractionError("not a PDF: an HTML page saved with a .pdf name")
        raise ExtractionError("not a PDF: no %PDF- header")


def to_rgb(colour) -> tuple[float, float, float] | None:
    """Normalise a pdfplumber colour (gray, RGB or CMYK tuple) to RGB in 0..1."""
    if colour is None or isinstance(colour, str):
        return None
    values = list(colour) if isinstance(colour, (list, tuple)) else [colour]
    if not all(isinstance(v, (int, float)) for v in values):
        return None
    if len(values) == 1:
        return (values[0],) * 3
    if len(values) == 3:
        return tuple(values)
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def words_to_lines(words: list[dict]) -> list[TextLine]:
    """Group words into visual lines by their top coordinate, left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    out = []
    for group in lines:
        group.sort(key=lambda w: w["x0"])
        bbox = (
            min(w["x0"] for w in group),
            min(w["top"] for w in group),
            max(w["x1"] for w in group),
            max(w["bottom"] for w in group),
        )
        out.append(TextLine(text=" ".join(w["text"] for w in group), bbox=bbox))
    return out


def cell_fill(bbox: BBox, rects: list[dict]) -> tuple[float, float, float] | None:
    """The colour of the smallest filled rectangle that covers the cell's centre."""
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    best = None
    for r in rects:
        if r["x0"] - 1 <= cx <= r["x1"] + 1 and r["top"] - 1 <= cy <= r["bottom"] + 1:
            area = (r["x1"] - r["x0"]) * (r["bottom"] - r["top"])
            # a shading rect much bigger than the cell is a page background, not the cell's
            cell_area = max((bbox[2] - bbox[0]) * (bbox[3] - bbox[1]), 1.0)
            if area > cell_area * 4 or area < cell_area * 0.25:
                continue
            if best is None or area < best[0]:
                best = (area, r)
    if best is None:
        return None
    rgb = to_rgb(best[1].get("non_stroking_color"))
    if rgb is None or min(rgb) > 0.97:
        return None  # white is "no fill"
    return rgb


def build_table(page_number: int, cell_boxes: list[BBox], words: list[dict], rects: list[dict]) -> ExtractedTable:
    """Place pdfplumber's cell boxes on a row/column grid with spans and fill their text."""
    xs = grid_positions([b[0] for b in cell_boxes] + [b[2] for b in cell_boxes])
    ys = grid_positions([b[1] for b in cell_boxes] + [b[3] for b in cell_boxes])
    cells = []
    for box in cell_boxes:
        c0, c1 = index_of(xs, box[0]), index_of(xs, box[2])
        r0, r1 = index_of(ys, box[1]), index_of(ys, box[3])
        inside = [
            w for w in words
            if box[0] <= (w["x0"] + w["x1"]) / 2 <= box[2] and box[1] <= (w["top"] + w["bottom"]) / 2 <= box[3]
        ]
        cells.append(
            Cell(
                row=r0, col=c0, row_span=max(r1 - r0, 1), col_span=max(c1 - c0, 1),
                bbox=box, lines=words_to_lines(inside), fill=cell_fill(box, rects),
            )
        )
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    return ExtractedTable(page=page_number, bbox=bbox, n_rows=len(ys) - 1, n_cols=len(xs) - 1, cells=cells)


def closing_rules(page) -> list[float]:
    """Where vertical rules end: a row cut by a page break has no rule of its own there."""
    verticals = [e for e in page.edges if e["orientation"] == "v" and e["height"] > MIN_RULE_LENGTH]
    if not verticals:
        return []
    return [min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)]


def has_rule_at(h_edges: list[dict], y: float, x0: float, x1: float) -> bool:
    """True when horizontal strokes at height y cover most of the span x0..x1."""
    covered = sum(min(e["x1"], x1) - max(e["x0"], x0) for e in h_edges
                  if abs(e["top"] - y) <= GRID_TOLERANCE * 2 and e["x1"] > x0 and e["x0"] < x1)
    return covered >= 0.9 * (x1 - x0)


def text_direction(page) -> int:
    """The clockwise turn (0/90/180/270) that makes most of the page's characters read left to right.

    A page stored with /Rotate but drawn for the other orientation (a landscape table shown
    sideways) gives pdfplumber vertical "words" of one letter each and no usable grid.
    """
    turns = Counter(round(math.degrees(math.atan2(c["matrix"][1], c["matrix"][0])) / 90) % 4 * 90
                    for c in page.chars if c.get("matrix") and all(map(math.isfinite, c["matrix"][:2])))
    if not turns:
        return 0
    angle, count = turns.most_common(1)[0]
    return angle if count > sum(turns.values()) / 2 else 0


def upright(pdf, page):
    """The page re-read with its /Rotate turned so the text runs left to right (boxes are in that frame)."""
    turn = text_direction(page)
    if not turn:
        return page
    rotation = (page.rotation + turn) % 360
    page.page_obj.attrs["Rotate"] = rotation
    page.page_obj.rotate = rotation
    return Page(pdf, page.page_obj, page_number=page.page_number, initial_doctop=page.initial_doctop)


def extract_page(page) -> ExtractedPage:
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    rects = [r for r in page.rects if r.get("fill")]
    tables = []
    in_tables: list[BBox] = []
    settings = dict(TABLE_SETTINGS, explicit_horizontal_lines=closing_rules(page))
    h_edges = [e for e in page.edges if e["orientation"] == "h"]
    verticals = drawn_verticals(page)
    for found in page.find_tables(settings):
        boxes = [tuple(c) for c in found.cells]
        if len(boxes) < MIN_TABLE_CELLS:
            continue
        table = build_table(page.page_number, boxes, words, rects)
        if lacks_column_rules(table.bbox, table.n_cols, verticals, h_edges, words):
            continue
        table.open_bottom = not has_rule_at(h_edges, table.bbox[3], table.bbox[0], table.bbox[2])
        tables.append(table)
        in_tables.append(table.bbox)
    for boxes in open_table_boxes(float(page.width), h_edges, words, in_tables):
        table = build_table(page.page_number, boxes, words, rects)
        tables.append(table)
        in_tables.append(table.bbox)
    tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
    loose = [
        w for w in words
        if not any(b[0] - 1 <= w["x0"] and w["x1"] <= b[2] + 1 and b[1] - 1 <= w["top"] and w["bottom"] <= b[3] + 1 for b in in_tables)
    ]
    return ExtractedPage(
        number=page.page_number,
        width=float(page.width),
        height=float(page.height),
        rotation=int(page.rotation or 0),  # as read: /Rotate, turned further when the text ran sideways
        lines=words_to_lines(loose),
        tables=tables,
        has_text_layer=bool(page.chars) or not page.images,
    )


def open_pdf(path: Path):
    """Open with the empty user password (many published PDFs are encrypted only against editing)."""
    try:
        return pdfplumber.open(path, password="")
    except Exception as exc:
        if isinstance(pdfminer_cause(exc), (MemoryError, RecursionError)):
            raise pdfminer_cause(exc) from None
        raise ExtractionError(open_failure_reason(exc)) from None


def close_quietly(pdf) -> None:
    """Close a PDF even when its page tree is broken (pdfplumber's close() walks the pages again)."""
    try:
        pdf.close()
    except Exception:
        stream = getattr(pdf, "stream", None)
        if stream is not None and not getattr(pdf, "stream_is_external", True):
            stream.close()


def pdfminer_cause(exc: Exception) -> Exception:
    """pdfplumber wraps pdfminer's error in PdfminerException; the wrapped one says what went wrong."""
    if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], Exception):
        return exc.args[0]
    return exc


def open_failure_reason(exc: Exception) -> str:
    """One readable line for a PDF that pdfminer cannot open."""
    cause = pdfminer_cause(exc)
    if isinstance(cause, PDFPasswordIncorrect):
        return "encrypted PDF: a password is required"
    if isinstance(cause, PDFEncryptionError):
        return f"encrypted PDF: unsupported encryption ({cause})"
    if isinstance(cause, (PDFSyntaxError, ValueError, TypeError, KeyError, AttributeError)):
        return f"corrupt PDF: {type(cause).__name__}: {cause}".strip()
    return f"unreadable PDF: {type(cause).__name__}: {cause}".strip()


def no_text_reason(pages: list[ExtractedPage]) -> str:
    if any(not p.has_text_layer for p in pages):
        return "no text layer: image-only (scanned) PDF, and OCR found no text"
    return "no text: every page is blank"


def check_unchanged(path: Path, sha256: str) -> None:
    """Raise when the bytes on disk are no longer the ones hashed before reading began."""
    try:
        now = sha256_of(path)
    except OSError:
        now = None
    if now != sha256:
        raise ExtractionError("file changed while being read")


def read_pages(pdf, on_page=None, path: Path | None = None) -> list[ExtractedPage]:
    pages = []
    try:
        for page in pdf.pages:
            readable = upright(pdf, page)
            record = extract_page(readable)
            if path is not None and needs_ocr(record, readable):  # a scanned page: read its image instead
                record = ocr_page(path, page.page_number, record.width, record.height, rotation=record.rotation)
            pages.append(record)
            readable.close()  # drop the cached layout: a 500-page file must not hold every page
            page.close()
            if on_page:
                on_page()
    except ExtractionError:
        raise
    except (MemoryError, RecursionError):
        raise  # the pipeline reports the limit that was hit
    except Exception as exc:
        cause = pdfminer_cause(exc)
        if isinstance(cause, (MemoryError, RecursionError)):
            raise cause from None
        raise ExtractionError(f"corrupt PDF while reading page {len(pages) + 1}: {type(cause).__name__}: {cause}") from None
    return pages


def extract_document(path: Path, sha256: str | None = None, on_page=None) -> ExtractedDocument:
    """Extract every page of one PDF; raise ExtractionError with a readable reason if it can't.

    When sha256 (taken before reading) is given, the file is hashed again afterwards: a file
    rewritten while being read is reported rather than loaded as a mix of two versions.
    """
    path = Path(path)
    check_is_pdf(path)
    sha = sha256 or sha256_of(path)
    try:
        pdf = open_pdf(path)
        try:
            pages = read_pages(pdf, on_page, path)
        finally:
            close_quietly(pdf)
    except ExtractionError:
        check_unchanged(path, sha)  # a changed file explains a parse error better than the error does
        raise
    check_unchanged(path, sha)
    if not pages:
        raise ExtractionError("PDF has no pages")
    doc = ExtractedDocument(file_name=path.name, sha256=sha, page_count=len(pages), pages=pages)
    if not any(p.lines or p.tables for p in pages):
        raise ExtractionError(no_text_reason(pages))
    return doc
