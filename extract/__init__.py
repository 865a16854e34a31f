"""Stage 1: PDF -> ExtractedDocument (tables as cell grids with text, boxes and fill colour)."""

from .pdf import ExtractionError, extract_document, sha256_of
from .records import EXTRACTOR_VERSION, Cell, ExtractedDocument, ExtractedPage, ExtractedTable, TextLine

__all__ = [
    "EXTRACTOR_VERSION", "Cell", "ExtractedDocument", "ExtractedPage", "ExtractedTable",
    "ExtractionError", "TextLine", "extract_document", "sha256_of",
]
