"""Stage-1 output: what a PDF holds, with the geometry needed to trace every value back.

These models are the contract between extract/ and normalise/; they serialise to JSON so a
later stage can be re-run from the cache without touching the PDF again.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

EXTRACTOR_VERSION = "0.10.1"  # 0.10.1: scans' shading cut where its shade changes, a fill down a column shades its cells, capitals mid-sentence and specks in OCR; 0.10.0: text-aligned rows from each column's own spacing, cells spanning rows, columns of few entries; OCR at 225 dpi with doubtful words corrected; 0.9.1: lines say whether they are set in bold, text cards (readers/text_cards.py); 0.9.0: KPI cards, drawn boxes, clipped-away content dropped, text-aligned tables, padding slivers folded, turned labels, fills inside a fill of their colour bound no cell; 0.8.0: white rows between bands cut into columns, rules drawn in pieces joined, one record per line in statistics tables, a band shading a row shades its cells; 0.7.0: OCR in-process; 0.6.0: readers

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points, origin top-left


class TextLine(BaseModel):
    """One visual line of text: the unit for aligning stacked tasks with their deadlines."""

    text: str
    bbox: BBox
    confidence: float | None = None  # OCR confidence 0..1 (lowest word); None when read from a text layer
    bold: bool | None = None  # every letter set in a bold face (by its font's name); None when no font is known (OCR)


class Cell(BaseModel):
    """A ruled table cell; spans are counted in the table's own column/row grid."""

    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    bbox: BBox
    lines: list[TextLine] = Field(default_factory=list)
    fill: tuple[float, float, float] | None = None  # RGB 0..1 of the cell's shading
    confidence: float | None = None  # OCR confidence 0..1 (lowest line); None when read from a text layer

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def fill_hex(self) -> str | None:
        """The fill as `#RRGGBB` (None when unshaded): how the tables export and the database give it."""
        if self.fill is None:
            return None
        return "#" + "".join(f"{max(0, min(255, round(v * 255))):02X}" for v in self.fill)


class ExtractedTable(BaseModel):
    page: int  # 1-based
    bbox: BBox
    n_rows: int
    n_cols: int
    cells: list[Cell]
    open_bottom: bool = False  # no rule under the last row: the row goes on over the page break
    reader: str = "ruled"  # which reader found it (extract/readers/): ruled, row_ruled, text_aligned, kpi_card, ocr

    def grid(self) -> list[list[Cell | None]]:
        """Row-major grid where each cell appears at its top-left position only."""
        out: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row][cell.col] = cell
        return out


class ExtractedPage(BaseModel):
    number: int  # 1-based
    width: float
    height: float
    rotation: int = 0
    lines: list[TextLine] = Field(default_factory=list)  # text outside tables
    tables: list[ExtractedTable] = Field(default_factory=list)
    has_text_layer: bool = True


class ExtractedDocument(BaseModel):
    file_name: str
    sha256: str
    page_count: int
    extractor_version: str = EXTRACTOR_VERSION
    pages: list[ExtractedPage]
    warnings: list[str] = Field(default_factory=list)

    @property
    def tables(self) -> list[ExtractedTable]:
        return [t for p in self.pages for t in p.tables]
