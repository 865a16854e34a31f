"""Stage 1: PDF -> ExtractedDocument (tables as cell grids with text, boxes and fill colour).

extract_document is imported on first use: pdfplumber and the OCR stack cost a second to
import, and a run over unchanged files never reads a PDF.
"""

from importlib import import_module

from .files import ExtractionError, sha256_of
from .records import EXTRACTOR_VERSION, Cell, ExtractedDocument, ExtractedPage, ExtractedTable, TextLine


def __getattr__(name: str):
    if name == "extract_document":
        return import_module(".pdf", __name__).extract_document
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EXTRACTOR_VERSION", "Cell", "ExtractedDocument", "ExtractedPage", "ExtractedTable",
    "ExtractionError", "TextLine", "extract_document", "sha256_of",
]
