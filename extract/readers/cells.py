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
    sliver: float = 7.0  # points: an empty, unshaded column or row this narrow is cell padding drawn as a cell
    band_slack: float = 2.0  # points: a fill this far past the table's edges still lies within the table
    band_share: float = 0.95  # of the table's width a fill must cover to be a row's shading band
    strip_slack: float = 4.0  # points: a fill's side this far from its cell's still runs down that column (a
    # scan's shading is found from its pixels, its sides up to the OCR's fill_snap away from the rule)


CELLS = CellSettings()


def words_to_lines(words: list[dict], settings: CellSettings = CELLS) -> list[TextLine]:
    """Group words into visual lines by their top coordinate, left to right (a turned label first)."""
    lines: list[list[dict]] = []
    for word in sorted((w for w in words if not is_turned(w)), key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= settings.line_tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    for group in lines:
        group.sort(key=lambda w: w["x0"])
    out = []
    for group in turned_lines([w for w in words if is_turned(w)]) + lines:
        bbox = (min(w["x0"] for w in group), min(w["top"] for w in group),
                max(w["x1"] for w in group), max(w["bottom"] for w in group))
        out.append(TextLine(text=" ".join(w["text"] for w in group), bbox=bbox, confidence=lowest_confidence(group),
                            bold=line_is_bold(group)))
    return out


def line_is_bold(words: list[dict]) -> bool | None:
    """Whether every word of a line is set in bold (page_view marks each word); None when the words
    carry no fonts (read by OCR)."""
    marks = [w["bold"] for w in words if "bold" in w]
    return all(marks) if marks else None


def is_turned(word: dict) -> bool:
    return word.get("direction") in ("btt", "ttb")


def turned_lines(words: list[dict]) -> list[list[dict]]:
    """Lines of a quarter-turned label in reading order: a line is the words stacked in one column
    (read up the page when turned anticlockwise, down it when turned clockwise), and the lines
    follow left to right, or right to left when turned clockwise."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: w["x0"]):
        line = next((g for g in lines if any(w["x0"] < word["x1"] and word["x0"] < w["x1"] for w in g)), None)
        if line is None:
            lines.append([word])
        else:
            line.append(word)
    for line in lines:
        line.sort(key=lambda w: w["top"], reverse=line[0]["direction"] == "btt")
    return lines[::-1] if lines and lines[0][0]["direction"] == "ttb" else lines


def lowest_confidence(items) -> float | None:
    """The lowest OCR confidence (0..1) among words (dicts) or lines; None when none was OCR'd."""
    found = [(i.get("confidence") if isinstance(i, dict) else i.confidence) for i in items]
    return min((c for c in found if c is not None), default=None)


def cell_fill(bbox: BBox, fills: list[dict], settings: CellSettings = CELLS,
              table: BBox | None = None) -> tuple[float, float, float] | None:
    """The colour of the smallest filled rectangle that covers the cell's centre (white is no fill).

    A fill far larger than the cell is a page's or a box's background, unless it is a band across the
    cell's table (one shading a whole header row, or every other row, shades each of its cells) or a
    strip down the cell's own column (cells of one colour stacked with no rule seen between them, as a
    scan loses a pale border, or a column shaded as a whole)."""
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    cell_area = max((bbox[2] - bbox[0]) * (bbox[3] - bbox[1]), 1.0)
    slack = settings.centre_slack
    best = None
    for r in fills:
        if r["x0"] - slack <= cx <= r["x1"] + slack and r["top"] - slack <= cy <= r["bottom"] + slack:
            area = (r["x1"] - r["x0"]) * (r["bottom"] - r["top"])
            if settings.sliver_share * cell_area <= area and (area <= settings.background_share * cell_area
                                                              or row_band(r, table, settings)
                                                              or column_strip(r, bbox, table, settings)) \
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


def column_strip(fill: dict, bbox: BBox, table: BBox | None, settings: CellSettings = CELLS) -> bool:
    """A fill within the table as wide as the cell's column, running down past the cell."""
    slack = settings.strip_slack
    return table is not None and abs(fill["x0"] - bbox[0]) <= slack and abs(fill["x1"] - bbox[2]) <= slack \
        and table[1] - slack <= fill["top"] and fill["bottom"] <= table[3] + slack


def build_table(view: PageView, cell_boxes: list[BBox], reader: str) -> ExtractedTable:
    """Place cell boxes on a row/column grid with spans and fill their text and shading."""
    xs = grid_positions([b[0] for b in cell_boxes] + [b[2] for b in cell_boxes])
    ys = grid_positions([b[1] for b in cell_boxes] + [b[3] for b in cell_boxes])
    words = view.words_in((xs[0], ys[0], xs[-1], ys[-1]))
    xs = without_slivers(xs, [centre(w, 0) for w in words], shaded_spans(cell_boxes, view.fills, 0))
    ys = without_slivers(ys, [centre(w, 1) for w in words], shaded_spans(cell_boxes, view.fills, 1))
    table = (xs[0], ys[0], xs[-1], ys[-1])
    cells = []
    for box in cell_boxes:
        c0, c1 = index_of(xs, box[0]), index_of(xs, box[2])
        r0, r1 = index_of(ys, box[1]), index_of(ys, box[3])
        lines = words_to_lines(view.words_in(box))
        if (c0 == c1 or r0 == r1) and not lines:
            continue  # a padding sliver, folded into its neighbours
        cells.append(Cell(row=r0, col=c0, row_span=max(r1 - r0, 1), col_span=max(c1 - c0, 1), bbox=box,
                          lines=lines, fill=cell_fill(box, view.fills, table=table), confidence=lowest_confidence(lines)))
    return ExtractedTable(page=view.number, bbox=table, n_rows=len(ys) - 1,
                          n_cols=len(xs) - 1, cells=cells, reader=reader)


def centre(word: dict, axis: int) -> float:
    return (word["x0"] + word["x1"]) / 2 if axis == 0 else (word["top"] + word["bottom"]) / 2


def shaded_spans(cell_boxes: list[BBox], fills: list[dict], axis: int) -> list[tuple[float, float]]:
    """The extent along one axis of every shaded cell: a narrow cell of colour is a rating, not padding."""
    return [(b[axis], b[axis + 2]) for b in cell_boxes if cell_fill(b, fills) is not None]


def without_slivers(grid: list[float], text_at: list[float], shaded: list[tuple[float, float]],
                    settings: CellSettings = CELLS) -> list[float]:
    """Grid lines with each run of empty, unshaded sliver columns (or rows) folded into one line.

    Word processors draw a cell's padding as cells of their own, so every column boundary becomes
    three lines a few points apart; the table's real columns are the ones between the runs. A run
    at the table's edge folds into the edge."""
    def sliver(k: int) -> bool:
        a, b = grid[k], grid[k + 1]
        return (b - a < settings.sliver and not any(a < t < b for t in text_at)
                and not any(a - settings.centre_slack <= s and e <= b + settings.centre_slack for s, e in shaded))

    dropped, k = set(), 0
    while k < len(grid) - 1:
        if not sliver(k):
            k += 1
            continue
        first = k
        while k < len(grid) - 1 and sliver(k):
            k += 1
        run = range(first, k + 1)  # the grid lines bounding the run of slivers
        keep = first if first == 0 else k if k == len(grid) - 1 else run[len(run) // 2]
        dropped.update(i for i in run if i != keep)
    return [v for i, v in enumerate(grid) if i not in dropped]
