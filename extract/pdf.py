"""Read a PDF once, page by page: file errors, rotation, and each page's tables and loose text.

Each page is turned upright, seen as a `PageView` and handed to the table readers
(extract/readers/); what lies outside their tables is kept as loose text lines. A page with no
usable text layer is read by OCR instead (extract/ocr.py). Every cell keeps its text as visual
lines with boxes (so stacked tasks can later be aligned with their deadlines) and its fill
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

from .files import (ChangedWhileRead, CorruptPdf, EmptyFile, EncryptedPdf, ExtractionError, NoText, NotPdf,
                    sha256_of)
from .ocr import needs_ocr, scan_dpi, scan_page
from .page_view import PageView, view_of_pdfplumber
from .readers import read_page_tables
from .readers.cells import words_to_lines
from .spelling import correct_views
from .records import ExtractedDocument, ExtractedPage


def check_is_pdf(path: Path) -> None:
    """Reject files that are plainly not PDFs before a parser sees them."""
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile("empty file (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        sniff = head.lstrip()[:15].lower()
        if sniff.startswith((b"<!doctype", b"<html")):
            raise NotPdf("not a PDF: an HTML page saved with a .pdf name")
        raise NotPdf("not a PDF: no %PDF- header")


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


def extract_page(page, path: str | None = None, turned: bool = False) -> ExtractedPage:
    """One upright pdfplumber page: its tables from the readers, the text outside them as lines."""
    return read_page(view_of_pdfplumber(page, path, clip=not turned), rotation=int(page.rotation or 0))


def read_page(view: PageView, rotation: int = 0) -> ExtractedPage:
    tables = read_page_tables(view)
    boxes = [t.bbox for t in tables]
    loose = [w for w in view.words
             if not any(b[0] - 1 <= w["x0"] and w["x1"] <= b[2] + 1 and b[1] - 1 <= w["top"] and w["bottom"] <= b[3] + 1
                        for b in boxes)]
    return ExtractedPage(
        number=view.number, width=view.width, height=view.height,
        rotation=rotation,  # as read: /Rotate, turned further when the text ran sideways
        lines=words_to_lines(loose), tables=tables,
        has_text_layer=bool(view.char_count) or not view.images,
    )


def open_pdf(path: Path):
    """Open with the empty user password (many published PDFs are encrypted only against editing)."""
    try:
        return pdfplumber.open(path, password="")
    except Exception as exc:
        if isinstance(pdfminer_cause(exc), (MemoryError, RecursionError)):
            raise pdfminer_cause(exc) from None
        raise open_failure(exc) from None


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


def open_failure(exc: Exception) -> ExtractionError:
    """The error, with one readable line, for a PDF that pdfminer cannot open."""
    cause = pdfminer_cause(exc)
    if isinstance(cause, PDFPasswordIncorrect):
        return EncryptedPdf("encrypted PDF: a password is required")
    if isinstance(cause, PDFEncryptionError):
        return EncryptedPdf(f"encrypted PDF: unsupported encryption ({cause})")
    if isinstance(cause, (PDFSyntaxError, ValueError, TypeError, KeyError, AttributeError)):
        return CorruptPdf(f"corrupt PDF: {type(cause).__name__}: {cause}".strip())
    return ExtractionError(f"unreadable PDF: {type(cause).__name__}: {cause}".strip())


def no_text(pages: list[ExtractedPage], warnings: list[str] = ()) -> NoText:
    if warnings:
        return NoText(f"no text layer: image-only (scanned) PDF, and OCR failed: {warnings[0]}")
    if any(not p.has_text_layer for p in pages):
        return NoText("no text layer: image-only (scanned) PDF, and OCR found no text")
    return NoText("no text: every page is blank")


def check_unchanged(path: Path, sha256: str) -> None:
    """Raise when the bytes on disk are no longer the ones hashed before reading began."""
    try:
        now = sha256_of(path)
    except OSError:
        now = None
    if now != sha256:
        raise ChangedWhileRead("file changed while being read")


def scan_scanned_page(path: Path, page, rotation: int = 0) -> tuple[PageView, int]:
    """A page without a usable text layer seen from its image by OCR (extract/ocr.py), with the turn
    from the PDF's own frame to the upright one its view's boxes are in."""
    scan = scan_page(path, page.page_number, float(page.width), float(page.height), scan_dpi(page))
    return scan.view, (rotation + scan.turn) % 360


def read_scanned_page(path: Path, page, rotation: int = 0) -> ExtractedPage:
    """One scanned page read alone by the same readers as a born-digital one (its doubtful words
    corrected against its own vocabulary: read_pages uses the whole document's)."""
    view, turn = scan_scanned_page(path, page, rotation)
    return read_page(correct_views([view])[0], rotation=turn)


def ocr_failure(number: int, exc: Exception) -> str:
    return f"page {number}: scanned page not read by OCR ({type(exc).__name__}: {exc})"


def read_scans(pages: list[ExtractedPage], scans: dict[int, tuple[PageView, int]], warnings: list[str] | None) -> None:
    """Read the scanned pages (index -> view, turn) into `pages`, their doubtful words corrected
    against the vocabulary of all of them."""
    views = correct_views([view for view, _ in scans.values()])
    for (index, (_, turn)), view in zip(scans.items(), views):
        try:
            pages[index] = read_page(view, rotation=turn)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # one unreadable scan must not lose the rest of the document
            if warnings is not None:
                warnings.append(ocr_failure(view.number, exc))


def read_pages(pdf, on_page=None, path: Path | None = None, warnings: list[str] | None = None,
               only: set[int] | None = None) -> list[ExtractedPage]:
    """Every page's record (or those whose 1-based number is in `only`); a scanned page OCR cannot
    read is kept as it was, with a warning naming it."""
    pages, scans = [], {}
    try:
        for page in pdf.pages if only is None else [p for n, p in enumerate(pdf.pages, 1) if n in only]:
            readable = upright(pdf, page)
            record = extract_page(readable, str(path) if path else None, turned=readable is not page)
            if path is not None and needs_ocr(record, readable):  # a scanned page: read its image instead
                try:
                    scans[len(pages)] = scan_scanned_page(path, readable, record.rotation)
                except (MemoryError, RecursionError):
                    raise
                except Exception as exc:  # one unreadable scan must not lose the rest of the document
                    if warnings is not None:
                        warnings.append(ocr_failure(page.page_number, exc))
            pages.append(record)
            readable.close()  # drop the cached layout: a 500-page file must not hold every page
            page.close()
            if on_page:
                on_page()
        read_scans(pages, scans, warnings)
    except ExtractionError:
        raise
    except (MemoryError, RecursionError):
        raise  # the pipeline reports the limit that was hit
    except Exception as exc:
        cause = pdfminer_cause(exc)
        if isinstance(cause, (MemoryError, RecursionError)):
            raise cause from None
        raise CorruptPdf(f"corrupt PDF while reading page {len(pages) + 1}: {type(cause).__name__}: {cause}") from None
    return pages


def extract_document(path: Path, sha256: str | None = None, on_page=None,
                     pages: set[int] | None = None) -> ExtractedDocument:
    """Extract every page of one PDF; raise ExtractionError with a readable reason if it can't.

    When sha256 (taken before reading) is given, the file is hashed again afterwards: a file
    rewritten while being read is reported rather than loaded as a mix of two versions.
    With `pages` (1-based numbers) only those pages are read, each exactly as in a whole reading
    (the tables export, councilplans/tables.py), except that scanned pages' doubtful words are
    corrected against the selection's vocabulary; `page_count` stays the document's, and a
    selection holding no text is an empty document, not an error.
    """
    path = Path(path)
    check_is_pdf(path)
    sha = sha256 or sha256_of(path)
    warnings: list[str] = []
    try:
        pdf = open_pdf(path)
        try:
            read = read_pages(pdf, on_page, path, warnings, only=pages)
            page_count = len(read) if pages is None else len(pdf.pages)  # pdf.pages was read without error
        finally:
            close_quietly(pdf)
    except ExtractionError:
        check_unchanged(path, sha)  # a changed file explains a parse error better than the error does
        raise
    check_unchanged(path, sha)
    if not page_count:
        raise NoText("PDF has no pages")
    doc = ExtractedDocument(file_name=path.name, sha256=sha, page_count=page_count, pages=read, warnings=warnings)
    if pages is None and not any(p.lines or p.tables for p in read):
        raise no_text(read, warnings)
    return doc
