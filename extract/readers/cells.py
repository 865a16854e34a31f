"""Cell boxes to an `ExtractedTable`: the grid, each cell's text as visual lines, and its fill.

Every reader ends here, so a table reads the same whichever strategy found its cells. Words
read by OCR carry a `confidence` (0..1); each line and cell keeps the lowest of its words'.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..grid import grid_positions, index_of
from ..page_view import NO_FILL, PageView
from ..records import BBox, Cell, ExtractedTable, TextLine


@dataclass(frozen=True)
class CellSettings:
    line_tolerance: float = 2.5  # points: words whose tops differ by less sit on one visual line
    background_share: float = 4.0  # a fill this many times the cell's area is a page background, not the cell's
    sliver_share: float = 0.25  # a fill under this share of the cell's area is a mark inside it, not its shading
    centre_slack: float = 1.0  # points: a fill's edge may miss the cell's centre by this much (rounding)
    band_slack: float = 2.0  # points: a fill this far past the table's edges still lies within the table
    band_share: float = 0.95  # of the table's width a fill must cover to be a row's shading band


CELLS = CellSettings()


def words_to_lines(words: list[dict], settings: CellSettings = CELLS) -> list[TextLine]:
    """Group words into visual lines by their top coordinate, left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= settings.line_tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    out = []
    for group in lines:
        group.sort(key=lambda w: w["x0"])
        bbox = (min(w["x0"] for w in group), min(w["top"] for w in group),
                max(w["x1"] for w in group), max(w["bottom"] for w in group))
        out.append(TextLine(text=" ".join(w["text"] for w in group), bbox=bbox, confidence=lowest_confidence(group)))
    return out


def lowest_confidence(items) -> float | None:
    """The lowest OCR confidence (0..1) among words (dicts) or lines; None when none was OCR'd."""
    found = [(i.get("confidence") if isinstance(i, dict) else i.confidence) for i in items]
    return min((c for c in found if c is not None), default=None)


def cell_fill(bbox: BBox, fills: list[dict], settings: CellSettings = CELLS,
              table: BBox | None = None) -> tuple[float, float, float] | None:
    """The colour of the smallest filled rectangle that covers the cell's centre (white is no fill).

    A fill far larger than the cell is a page's or a box's background, unless it is a band across the
    cell's table: one shading a whole header row, or every other row, shades each of its cells."""
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    cell_area = max((bbox[2] - bbox[0]) * (bbox[3] - bbox[1]), 1.0)
    slack = settings.centre_slack
    best = None
    for r in fills:
        if r["x0"] - slack <= cx <= r["x1"] + slack and r["top"] - slack <= cy <= r["bottom"] + slack:
            area = (r["x1"] - r["x0"]) * (r["bottom"] - r["top"])
            if settings.sliver_share * cell_area <= area and (area <= settings.background_share * cell_area
                                                              or row_band(r, table, settings)) \
                    and (best is None or area < best[0]):
                best = (area, r["rgb"])
    if best is None or min(best[1]) > NO_FILL:
        return None
    return best[1]


def row_band(fill: dict, table: BBox | None, settings: CellSettings = CELLS) -> bool:
    """A fill lying within the table and running (nearly) across it: a row's shading."""
    slack = settings.band_slack
    return table is not None and table[0] - slack <= fill["x0"] and fill["x1"] <= table[2] + slack \
        and table[1] - slack <= fill["top"] and fill["bottom"] <= table[3] + slack \
        and fill["x1"] - fill["x0"] >= settings.band_share * (table[2] - table[0])


def build_table(view: PageView, cell_boxes: list[BBox], reader: str) -> ExtractedTable:
    """Place cell boxes on a row/column grid with spans and fill their text and shading."""
    xs = grid_positions([b[0] for b in cell_boxes] + [b[2] for b in cell_boxes])
    ys = grid_positions([b[1] for b in cell_boxes] + [b[3] for b in cell_boxes])
    table = (xs[0], ys[0], xs[-1], ys[-1])
    cells = []
    for box in cell_boxes:
        c0, c1 = index_of(xs, box[0]), index_of(xs, box[2])
        r0, r1 = index_of(ys, box[1]), index_of(ys, box[3])
        lines = words_to_lines(view.words_in(box))
        cells.append(Cell(row=r0, col=c0, row_span=max(r1 - r0, 1), col_span=max(c1 - c0, 1), bbox=box,
                          lines=lines, fill=cell_fill(box, view.fills, table=table), confidence=lowest_confidence(lines)))
    return ExtractedTable(page=view.number, bbox=table, n_rows=len(ys) - 1,
                          n_cols=len(xs) - 1, cells=cells, reader=reader)
