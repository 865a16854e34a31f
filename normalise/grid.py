"""Reading an extracted table's grid: the cells of a row, with or without cells spanning into it."""

from __future__ import annotations

from extract.records import Cell, ExtractedTable


def cell_lines(cell: Cell | None) -> list[str]:
    return [line.text for line in cell.lines] if cell else []


def flat(cell: Cell | None) -> str:
    """A cell's text on one line, whitespace folded ('' for no cell)."""
    return " ".join(cell.text.split()) if cell else ""


def row_cells(table: ExtractedTable, row: int) -> list[Cell | None]:
    """The cells that start in a row, by grid column (None where a span from the left or above covers it)."""
    out: list[Cell | None] = [None] * table.n_cols
    for cell in table.cells:
        if cell.row == row:
            out[cell.col] = cell
    return out


def cells_covering(table: ExtractedTable, row: int) -> list[Cell | None]:
    """Like row_cells, but a cell spanning rows or columns is reported in every position it covers."""
    out: list[Cell | None] = [None] * table.n_cols
    for cell in table.cells:
        if cell.row <= row < cell.row + cell.row_span:
            for c in range(cell.col, min(cell.col + cell.col_span, table.n_cols)):
                out[c] = cell
    return out


def header_texts(table: ExtractedTable, row: int) -> list[str]:
    """The heading over each grid column in a row: a cell spanning columns heads each of them, and
    a cell spanning down from the row above into this one is this row's heading too."""
    return [flat(cell) for cell in cells_covering(table, row)]


def column_lefts(table: ExtractedTable) -> list[float]:
    """The left edge of each grid column (from cells one column wide; 0 where none is)."""
    lefts = [0.0] * table.n_cols
    for cell in table.cells:
        if cell.col_span == 1:
            lefts[cell.col] = cell.bbox[0]
    return lefts


def column_text_lefts(table: ExtractedTable) -> list[float | None]:
    """Where the text of each grid column starts (None for a column with no text): steadier than
    column edges read from the gaps in the text, which move with the text."""
    lefts: list[float | None] = [None] * table.n_cols
    for cell in table.cells:
        if cell.col_span == 1 and cell.lines:
            x = min(line.bbox[0] for line in cell.lines)
            lefts[cell.col] = x if lefts[cell.col] is None else min(lefts[cell.col], x)
    return lefts
