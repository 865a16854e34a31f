"""Tables with no rules at all: columns and rows from the alignment of the text alone.

The weakest evidence, so this reader runs last, on the words no other reader took. A table shows
itself as lines of several phrases set apart by gaps wider than any word space, whose gaps line
up from line to line (the gutters); prose runs across them. Rows come from the spacing: where a
table leaves more room between rows than between the lines of a cell, the wider gaps part the
rows; where it does not, a line that fills only columns the line above it filled goes on with
that row (a wrapped cell), and a line filling a column the line above left empty starts a row.
The cells are then cut as for tables ruled between rows (readers/row_ruled.py), the row
boundaries standing in for the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

import numpy as np

from ..page_view import PageView
from ..records import BBox, ExtractedTable
from .cells import build_table
from .gutters import centre_x, centre_y, gutters, phrases
from .row_ruled import SETTINGS as ROW_RULED, RowRuledSettings, table_cells

NAME = "text_aligned"
LIST_MARKER_RE = re.compile(r"^(\(?([0-9]{1,3}(\.[0-9]{1,3})*|[ivxlc]{1,5}|[a-z])[.)]?|[•▪◦●■○·\-–\uf0b7\uf0a7\uf076\uf0d8])$", re.I)


@dataclass(frozen=True)
class AlignedSettings:
    line_tolerance: float = 2.5  # points: words whose tops differ by less sit on one line
    min_lines: int = 3  # lines of several phrases a table needs (a header and two rows)
    max_line_gap: float = 2.0  # line heights: a wider gap between two lines ends the table
    row_gap_step: float = 2.5  # points: gaps between lines that differ by more than this set rows apart
    prose_column_share: float = 0.22  # of the page width: columns all this wide may be the page's columns of text
    prose_fill: float = 0.7  # of a column's width its typical line covers when the column is set text
    min_multi_share: float = 0.5  # of a table's rows that must fill two columns or more
    short_words: float = 4.0  # median words per cell of a column of short entries (figures, dates, names)
    short_share: float = 0.5  # of the rows a column of short entries must fill
    min_filled: float = 0.6  # of a table's cells that hold text: words scattered over a designed page fill few
    rows: RowRuledSettings = field(default=ROW_RULED)


SETTINGS = AlignedSettings()


def read_tables(view: PageView, taken: list[BBox], settings: AlignedSettings = SETTINGS) -> list[ExtractedTable]:
    """Every text-aligned table among the words outside the boxes other readers took."""
    free = [w for w in view.words if not any(b[0] - 1 <= centre_x(w) <= b[2] + 1 and b[1] - 1 <= centre_y(w) <= b[3] + 1
                                             for b in taken)]
    out = []
    for block in candidate_blocks(text_lines(free, settings), settings):
        table = block_table(view, block, settings)
        if table is not None:
            out.append(table)
    return out


def text_lines(words: list[dict], settings: AlignedSettings) -> list[list[dict]]:
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= settings.line_tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def line_height(line: list[dict]) -> float:
    return max(w["bottom"] for w in line) - min(w["top"] for w in line)


def candidate_blocks(lines: list[list[dict]], settings: AlignedSettings) -> list[list[list[dict]]]:
    """Runs of lines close together: lines of several phrases, and lines of one phrase that stay
    inside a column those lines leave (a wrapped cell running on alone). A line of one phrase
    across a gutter ends the run (a paragraph after the table) unless the table goes on under it."""
    blocks: list[list[list[dict]]] = []
    run: list[list[dict]] = []
    coverage = None
    for k, line in enumerate(lines):
        several = phrases(line, settings.rows.gutters) >= 2
        close = run and gap_between(run[-1], line) <= settings.max_line_gap * line_height(run[-1])
        if run and close and (several or not crosses_gutter(line, coverage, settings) or is_banner(lines, k, settings)):
            run.append(line)
        else:
            if run:
                blocks.append(run)
            run, coverage = ([line], np.zeros(COVERAGE_BINS, dtype=np.int32)) if several else ([], None)
        if several and run:
            for w in line:
                coverage[bin_of(w["x0"]):bin_of(w["x1"]) + 1] += 1
    if run:
        blocks.append(run)
    return [b for b in blocks if sum(phrases(ln, settings.rows.gutters) >= 2 for ln in b) >= settings.min_lines]


def gap_between(above: list[dict], below: list[dict]) -> float:
    return below[0]["top"] - max(w["bottom"] for w in above)


def is_banner(lines: list[list[dict]], k: int, settings: AlignedSettings) -> bool:
    """A line of one phrase across the columns with the table going on right under it: a section
    banner inside the table ('Priority Outcome 1'), not the text after it."""
    nxt = lines[k + 1] if k + 1 < len(lines) else None
    return nxt is not None and phrases(nxt, settings.rows.gutters) >= 2 and \
        gap_between(lines[k], nxt) <= settings.max_line_gap * line_height(lines[k])


COVERAGE_STEP = 1.0  # points per bin of the coverage of a run's lines of several phrases
COVERAGE_BINS = 4096  # bins: 4,096 points, wider than any page


def bin_of(x: float) -> int:
    return max(0, min(COVERAGE_BINS - 1, int(x / COVERAGE_STEP)))


def crosses_gutter(line: list[dict], coverage, settings: AlignedSettings) -> bool:
    """A word of the line runs over a gap as wide as a gutter that no line of several phrases
    covers (a line whose words stop short of the gutters is a row's cells set close together)."""
    if coverage is None:
        return True
    own = np.zeros(COVERAGE_BINS, dtype=bool)
    for w in line:
        own[bin_of(w["x0"]):bin_of(w["x1"]) + 1] = True
    widest, run = 0, 0
    for empty in (own & (coverage == 0))[bin_of(line[0]["x0"]):bin_of(line[-1]["x1"]) + 1]:
        run = run + 1 if empty else 0
        widest = max(widest, run)
    return widest * COVERAGE_STEP >= settings.rows.gutters.min_gutter


def block_table(view: PageView, block: list[list[dict]], settings: AlignedSettings) -> ExtractedTable | None:
    words = [w for line in block for w in line]
    x0, x1 = min(w["x0"] for w in words) - 1, max(w["x1"] for w in words) + 1
    separators = supported(gutters(x0, x1, dict(enumerate(block)), settings.rows.gutters), block, x0, x1, settings)
    columns = list(zip([x0, *separators], [*separators, x1]))
    if not separators or prose_columns(block, columns, view.width, settings):
        return None
    ys = row_boundaries(block, columns, settings)
    if len(ys) < settings.rows.min_rules:
        return None
    rules = [{"x0": x0, "x1": x1, "top": y, "bottom": y} for y in ys]
    boxes = table_cells(x0, x1, ys, rules, words, settings.rows)
    if not boxes:
        return None
    table = build_table(view, boxes, NAME)
    filled_rows = {c.row for c in table.cells if c.text.strip() and c.col_span < table.n_cols}
    if table.n_cols < 2 or len(filled_rows) < settings.min_multi_share * table.n_rows:
        return None
    if is_list(table) or not has_short_column(table, settings) or filled_share(table) < settings.min_filled:
        return None  # a numbered or bulleted list, or text set in columns: no table to read
    return table


def filled_share(table: ExtractedTable) -> float:
    """Share of the grid's positions covered by cells holding text."""
    covered = sum(c.row_span * c.col_span for c in table.cells if c.text.strip())
    return covered / max(table.n_rows * table.n_cols, 1)


def column_texts(table: ExtractedTable, col: int) -> list[str]:
    return [" ".join(c.text.split()) for c in table.cells if c.col == col and c.col_span == 1 and c.text.strip()]


def is_list(table: ExtractedTable) -> bool:
    """Markers ('2.', 'a)', bullets) down the left and text beside them: a list."""
    markers = column_texts(table, 0)
    return table.n_cols == 2 and bool(markers) and all(LIST_MARKER_RE.match(t) for t in markers)


def has_short_column(table: ExtractedTable, settings: AlignedSettings) -> bool:
    """Some column of short entries filled in most rows: the figures, dates, names or ratings that
    make rows of a table, where columns of set text hold sentences throughout."""
    for col in range(table.n_cols):
        texts = column_texts(table, col)
        if len(texts) >= settings.short_share * table.n_rows and \
                median(len(t.split()) for t in texts) <= settings.short_words:
            return True
    return False


def supported(separators: list[float], block: list[list[dict]], x0: float, x1: float,
              settings: AlignedSettings) -> list[float]:
    """The separators with text on both sides of them, in the columns they part, on enough lines.
    One justified line, its word spaces stretched, opens gaps no other line shares."""
    kept = list(separators)
    for s in separators:
        edges = [x0, *kept, x1]
        k = edges.index(s)
        left, right = edges[k - 1], edges[k + 1]
        both = sum(any(left <= centre_x(w) < s for w in line) and any(s < centre_x(w) <= right for w in line)
                   for line in block)
        if both < settings.min_lines:
            kept.remove(s)
    return kept


def prose_columns(block: list[list[dict]], columns: list[tuple[float, float]], page_width: float,
                  settings: AlignedSettings) -> bool:
    """The page's own columns of text, not a table: every column wide, and its lines running the
    column's width as set text does (a table has a column of short entries somewhere)."""
    for a, b in columns:
        if b - a < settings.prose_column_share * page_width:
            return False
        widths = [max(w["x1"] for w in inside) - min(w["x0"] for w in inside)
                  for line in block if (inside := [w for w in line if a <= centre_x(w) <= b])]
        if not widths or median(widths) < settings.prose_fill * (b - a):
            return False
    return True


def filled_columns(line: list[dict], columns: list[tuple[float, float]]) -> set[int]:
    return {k for w in line for k, (a, b) in enumerate(columns) if a <= centre_x(w) <= b}


def row_boundaries(block: list[list[dict]], columns: list[tuple[float, float]], settings: AlignedSettings) -> list[float]:
    """Heights between rows: at the wider gaps where the spacing sets rows apart, else before each
    line that fills as many columns as its row's first line (a wrapped cell fills fewer)."""
    tops = [min(w["top"] for w in ln) for ln in block]
    bottoms = [max(w["bottom"] for w in ln) for ln in block]
    gaps = [t - b for b, t in zip(bottoms, tops[1:])]
    spaced = bool(gaps) and max(gaps) - min(gaps) > settings.row_gap_step
    cut = (min(gaps) + max(gaps)) / 2 if spaced else None
    ys = [tops[0] - 1]
    row_start = filled_columns(block[0], columns)
    for k in range(1, len(block)):
        filled = filled_columns(block[k], columns)
        starts = gaps[k - 1] > cut if spaced else not filled < row_start
        if starts:
            ys.append((bottoms[k - 1] + tops[k]) / 2)
            row_start = filled
    ys.append(bottoms[-1] + 1)
    return ys
