"""Every table the readers find, as data: `councilplans tables` and `read_tables`, in camelot's habit.

The tables come from the pipeline's own per-document path (councilplans/document.py
`process_document`, extraction only, of the pages asked for), so they are the tables the
pipeline reads — ruled, row-ruled, banded, OCR'd, KPI cards, whatever reader found them — cell
for cell, not a second extraction.

    >>> from councilplans import read_tables
    >>> tables = read_tables("plan.pdf", pages="1-3")
    >>> tables[0].df            # a pandas DataFrame, merged cells at their top-left
    >>> tables[0].to_csv("t.csv")

The JSON form (one object per PDF) is a stable contract, documented in the README:

    {"file": "plan.pdf", "tables": [{"page": 1, "bbox": [x0, top, x1, bottom], "reader": "ruled",
      "n_rows": R, "n_cols": C, "cells": [{"row": r, "col": c, "row_span": 1, "col_span": 1,
      "text": "...", "bbox": [...], "fill": "#RRGGBB" or null}]}]}

Rows and columns are counted from 0 in the table's own grid, pages from 1, boxes are PDF points
with the origin at the page's top left (of the page turned upright), and a cell's text keeps its
visual lines joined by newlines.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from extract.files import ExtractionError, sha256_of

BBox = tuple[float, float, float, float]
FORMATS = ("json", "csv", "xlsx")
BOX_DECIMALS = 2  # points: a hundredth of a point is far below any rule or glyph a reader resolves


class TablesError(ExtractionError):
    """A file whose tables cannot be read; `kind` is the pipeline's kind of failure (encrypted, corrupt ...)."""

    def __init__(self, message: str, kind: str = "unreadable"):
        super().__init__(message)
        self.kind = kind


# --- the records -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableCell:
    """One cell on its table's grid: spans in grid rows and columns, text lines joined by newlines."""

    row: int
    col: int
    row_span: int
    col_span: int
    text: str
    bbox: BBox
    fill: str | None = None  # "#RRGGBB" of the cell's shading, None when unshaded

    def to_dict(self) -> dict:
        return {"row": self.row, "col": self.col, "row_span": self.row_span, "col_span": self.col_span,
                "text": self.text, "bbox": list(self.bbox), "fill": self.fill}


@dataclass
class Table:
    """One table as the readers found it: where it is, which reader read it, its cells with spans."""

    page: int
    bbox: BBox
    reader: str
    n_rows: int
    n_cols: int
    cells: list[TableCell]
    file: str | None = None  # the PDF's file name

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_rows, self.n_cols

    def rows(self) -> list[list[str]]:
        """The grid as strings, row by row: a merged cell's text at its top-left position only."""
        grid = [[""] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            grid[cell.row][cell.col] = cell.text
        return grid

    @property
    def df(self):
        """The grid as a pandas DataFrame (columns 0..n_cols-1, as camelot's), merged cells at their top-left."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=range(self.n_cols), dtype=object)

    @property
    def data(self) -> list[list[str]]:
        """The grid as lists of strings (camelot's `Table.data`)."""
        return self.rows()

    def to_dict(self) -> dict:
        return {"page": self.page, "bbox": list(self.bbox), "reader": self.reader, "n_rows": self.n_rows,
                "n_cols": self.n_cols, "cells": [c.to_dict() for c in self.cells]}

    @classmethod
    def from_dict(cls, data: dict, file: str | None = None) -> Table:
        """A table read back from the JSON form."""
        cells = [TableCell(c["row"], c["col"], c["row_span"], c["col_span"], c["text"], tuple(c["bbox"]), c["fill"])
                 for c in data["cells"]]
        return cls(data["page"], tuple(data["bbox"]), data["reader"], data["n_rows"], data["n_cols"], cells, file)

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """Write the grid as CSV (no header row, every field quoted), merged cells once at their top-left;
        with no path, return the CSV text."""
        if path is None:
            import io

            out = io.StringIO()
            write_rows(out, self.rows())
            return out.getvalue()
        with open(path, "w", newline="", encoding="utf-8") as fh:
            write_rows(fh, self.rows())
        return None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def __repr__(self) -> str:
        return f"<Table page={self.page} shape={self.shape} reader={self.reader!r}>"


class TableList(list):
    """The tables of one PDF, in reading order (page, then top, then left), as camelot's TableList."""

    def __init__(self, tables: Iterable[Table] = (), file: str | None = None,
                 page_sizes: dict[int, tuple[float, float]] | None = None, warnings: list[str] | None = None):
        super().__init__(tables)
        self.file = file
        self.page_sizes = page_sizes or {}  # page -> (width, height) of the pages read, upright
        self.warnings = warnings or []

    @property
    def n(self) -> int:
        return len(self)

    def to_dict(self) -> dict:
        return {"file": self.file, "tables": [t.to_dict() for t in self]}

    def to_json(self, path: str | Path | None = None) -> str | None:
        """The JSON form of the README, one cell a line (with no path, returned as text)."""
        text = json_text(self.to_dict())
        if path is None:
            return text
        Path(path).write_text(text, encoding="utf-8")
        return None

    @classmethod
    def from_dict(cls, data: dict) -> TableList:
        return cls([Table.from_dict(t, data.get("file")) for t in data["tables"]], data.get("file"))

    def names(self) -> list[str]:
        """`p<page>-t<n>` per table, n counted from 1 on each page."""
        seen: dict[int, int] = {}
        out = []
        for table in self:
            seen[table.page] = seen.get(table.page, 0) + 1
            out.append(f"p{table.page}-t{seen[table.page]}")
        return out

    def export(self, path: str | Path, f: str = "csv") -> list[Path]:
        """Write every table as camelot's TableList.export does: csv (one file per table, named
        `<stem>-p<page>-t<n>.csv` beside path), json or xlsx (one file at path). Returns the files written."""
        path = Path(path)
        if f == "csv":
            written = []
            for name, table in zip(self.names(), self):
                target = path.with_name(f"{path.stem}-{name}.csv")
                table.to_csv(target)
                written.append(target)
            return written
        if f == "json":
            self.to_json(path)
        elif f == "xlsx":
            write_xlsx(self, path)
        else:
            raise ValueError(f"unknown format {f!r}: one of {', '.join(FORMATS)}")
        return [path]

    def __repr__(self) -> str:
        return f"<TableList n={self.n} file={self.file!r}>"


def json_text(data: dict) -> str:
    """The JSON form laid out for reading: a line per table's facts, a line per cell."""
    dump = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731
    tables = []
    for table in data["tables"]:
        head = dump({k: v for k, v in table.items() if k != "cells"})[:-1]
        cells = ",\n".join(f"   {dump(c)}" for c in table["cells"])
        tables.append(f' {head}, "cells": [\n{cells}\n ]}}' if cells else f' {head}, "cells": []}}')
    body = ",\n".join(tables)
    return f'{{"file": {dump(data["file"])}, "tables": [\n{body}\n]}}\n' if tables else \
        f'{{"file": {dump(data["file"])}, "tables": []}}\n'


def write_rows(fh, rows: list[list[str]]) -> None:
    csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)


# --- from the extraction ----------------------------------------------------------------------------

def rounded(box) -> BBox:
    return tuple(round(float(v), BOX_DECIMALS) for v in box)


def from_extracted(table, file: str | None = None) -> Table:
    """An extract.records.ExtractedTable as exported: cells by row then column."""
    cells = [TableCell(c.row, c.col, c.row_span, c.col_span, c.text, rounded(c.bbox), c.fill_hex)
             for c in sorted(table.cells, key=lambda c: (c.row, c.col))]
    return Table(table.page, rounded(table.bbox), table.reader, table.n_rows, table.n_cols, cells, file)


def parse_pages(pages: str | int | Iterable[int] | None) -> set[int] | None:
    """camelot's page syntax: `"1,3-5"`, `"2-end"`, `"all"`; numbers from 1. None: every page."""
    if pages is None or isinstance(pages, PagesFrom):
        return pages
    if isinstance(pages, int):
        pages = [pages]
    fixed: set[int] = set()
    open_from = None
    if not isinstance(pages, str):
        fixed = {int(p) for p in pages}
    elif pages.replace(" ", "").lower() in ("", "all"):
        return None
    else:
        for part in pages.replace(" ", "").lower().split(","):
            first, dash, last = part.partition("-")
            try:
                start = int(first)
                stop = None if last == "end" else int(last) if dash else start
            except ValueError:
                raise ValueError(f"bad page range {part!r}: use page numbers from 1, e.g. 1,3-5 or 2-end") from None
            if stop is None:
                open_from = start if open_from is None else min(open_from, start)
            elif stop < start:
                raise ValueError(f"bad page range {part!r}: the first page comes first")
            else:
                fixed.update(range(start, stop + 1))
    if any(p < 1 for p in fixed) or (open_from is not None and open_from < 1):
        raise ValueError("pages are counted from 1")
    if open_from is None:
        return fixed
    return None if open_from == 1 else PagesFrom(fixed, open_from)


class PagesFrom(set):
    """Some pages, and every page from `start` to the end (`"1,4-end"`): the document's length is
    not known until it is read."""

    def __init__(self, fixed: set[int], start: int):
        super().__init__(fixed)
        self.start = start

    def __contains__(self, page) -> bool:
        return page >= self.start or super().__contains__(page)


def read_tables(path: str | Path, pages: str | int | Iterable[int] | None = None,
                cache_dir: str | Path | None = None) -> TableList:
    """Every table on the chosen pages of one PDF (camelot's `read_pdf` habit: `pages="1,3-5"`).

    Raises TablesError (an ExtractionError, with the pipeline's `kind`) for a file the pipeline
    could not read either: encrypted, corrupt, not a PDF ... With cache_dir, a whole-document
    extraction the pipeline cached there is used instead of reading the PDF again."""
    from .document import process_document

    path = Path(path)
    wanted = parse_pages(pages)
    try:
        sha = sha256_of(path)
    except OSError as exc:
        raise TablesError(f"{path}: {exc.strerror or exc}", "unreadable") from None
    result = process_document(str(path), sha, str(cache_dir) if cache_dir else None, pages=wanted, normalise=False)
    if result.document is None:
        raise TablesError(f"{path.name}: {result.error}", result.kind or "unreadable")
    doc = result.document
    return TableList([from_extracted(t, doc.file_name) for t in doc.tables], doc.file_name,
                     {p.number: (p.width, p.height) for p in doc.pages}, list(doc.warnings))


# --- files ---------------------------------------------------------------------------------------------

def write_xlsx(tables: TableList, path: str | Path) -> None:
    """One sheet per table (`p<page>-t<n>`), merged cells merged, shading kept as the cells' fill colour
    (control characters, which a sheet cannot hold, left out).
    A PDF without tables gets one empty sheet, `no tables`, so every PDF has its workbook."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, PatternFill

    book = Workbook()
    book.remove(book.active)
    for name, table in zip(tables.names(), tables):
        sheet = book.create_sheet(name)
        for cell in table.cells:
            text = ILLEGAL_CHARACTERS_RE.sub("", cell.text)  # control characters a sheet cannot hold
            target = sheet.cell(row=cell.row + 1, column=cell.col + 1, value=text or None)
            target.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.fill:
                target.fill = PatternFill("solid", start_color=cell.fill[1:], end_color=cell.fill[1:])
        for r0, c0, r1, c1 in merges(table):
            sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    if not book.worksheets:
        book.create_sheet("no tables")
    book.save(path)


def merges(table: Table) -> list[tuple[int, int, int, int]]:
    """(first row, first col, last row, last col) of each spanning cell to merge in a sheet, leaving out
    a span that would swallow another cell's text or overlap a span already merged (a reader may give
    cells whose spans overlap; a spreadsheet cannot show that)."""
    starts = {(c.row, c.col) for c in table.cells}
    taken: set[tuple[int, int]] = set()
    out = []
    for cell in table.cells:
        if cell.row_span == 1 and cell.col_span == 1:
            continue
        covered = {(r, c) for r in range(cell.row, cell.row + cell.row_span)
                   for c in range(cell.col, cell.col + cell.col_span)}
        if covered & taken or (covered - {(cell.row, cell.col)}) & starts:
            continue
        taken |= covered
        out.append((cell.row, cell.col, cell.row + cell.row_span - 1, cell.col + cell.col_span - 1))
    return out


@dataclass
class Exported:
    """What exporting one PDF wrote, or why it could not."""

    pdf: Path
    tables: int = 0
    files: list[Path] = field(default_factory=list)
    error: str | None = None
    kind: str | None = None
    warnings: list[str] = field(default_factory=list)


def export_pdf(pdf: Path, fmt: str, out: Path | None, pages=None, cache_dir: Path | None = None,
               stem: Path | None = None, stdout=None) -> Exported:
    """Read one PDF's tables and write them in fmt under out (`<stem>.json`, `<stem>-p<page>-t<n>.csv`,
    `<stem>.xlsx`); json with no out goes to stdout. stem may hold subfolders (a folder's layout)."""
    done = Exported(pdf)
    try:
        tables = read_tables(pdf, pages, cache_dir)
    except TablesError as exc:
        done.error, done.kind = str(exc), exc.kind
        return done
    done.tables, done.warnings = len(tables), tables.warnings
    if fmt == "json" and out is None:
        (stdout or sys.stdout).write(tables.to_json())
        return done
    base = (out or Path(".")) / (stem or Path(pdf.stem))
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
        done.files = tables.export(base.with_name(f"{base.name}.{fmt}"), fmt)
    except Exception as exc:  # one file that cannot be written must not stop a folder's batch
        done.error, done.kind = f"{pdf.name}: not written: {type(exc).__name__}: {exc}", "bug"
    return done


def pdfs_of(target: Path) -> list[tuple[Path, Path]]:
    """(pdf, output stem) for a PDF, or for every PDF under a folder (stems keep the subfolders)."""
    if target.is_dir():
        from .pipeline import find_pdfs

        return [(p, p.relative_to(target).with_suffix("")) for p in find_pdfs(target)]
    return [(target, Path(target.stem))]


def export(target: Path, fmt: str = "json", out: Path | None = None, pages=None, cache_dir: Path | None = None,
           stdout=None) -> list[Exported]:
    """`councilplans tables`: every PDF at target (a file or a folder) exported in fmt. A single PDF's
    JSON goes to stdout when no out folder is given; a folder's PDFs always go to files (out or .)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    wanted = parse_pages(pages)
    found = pdfs_of(target)
    if target.is_dir() and out is None:
        out = Path(".")
    return [export_pdf(pdf, fmt, out, wanted, cache_dir, stem, stdout) for pdf, stem in found]
