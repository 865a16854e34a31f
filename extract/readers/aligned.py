"""Tables with no rules at all: columns and rows from the alignment of the text alone.

The weakest evidence, so this reader runs last, on the words no other reader took. A table shows
itself as lines of several phrases set apart by gaps wider than any word space, whose gaps line
up from line to line (the gutters); prose runs across them. Rows come from the spacing, read
column by column, since a cell running on beside the next rows (an issue beside its key actions)
sets its lines between theirs. Each column's lines make blocks at the leading inside a cell; the
blocks that overlap in height make a row, wherever the cells sit in it (top or middle), and a
block beside two blocks of another column is a cell spanning their rows (`band_cuts`). Failing
that, a row starts where two columns or more start a cell together after a gap wider than that
leading (`cell_starts`); and where the table leaves no more room between rows than between lines,
a line that fills only columns the line above it filled goes on with that row (a wrapped cell).
The cells are then cut as for tables ruled between rows (readers/row_ruled.py), the row
boundaries standing in for the rules, a piece of rule for each column whose text does not run on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

import numpy as np

from ..page_view import PageView
from ..records import BBox, ExtractedTable
from .cells import build_table
from .gutters import centre_x, centre_y, gutters, with_bullets_joined
from .row_ruled import SETTINGS as ROW_RULED, RowRuledSettings, cell_boxes

NAME = "text_aligned"
LIST_MARKER_RE = re.compile(r"^(\(?([0-9]{1,3}(\.[0-9]{1,3})*|[ivxlc]{1,5}|[a-z])[.)]?|[•▪◦●■○·\-–\uf0b7\uf0a7\uf076\uf0d8])$", re.I)


@dataclass(frozen=True)
class AlignedSettings:
    line_tolerance: float = 2.5  # points: words whose tops differ by less sit on one line
    min_lines: int = 3  # lines of several phrases a table needs (a header and two rows)
    few_entries: int = 1  # lines with text on each side of a gap every row keeps clear, for a column of few entries
    max_line_gap: float = 2.0  # line heights: a wider gap between two lines ends the table
    row_gap_step: float = 2.5  # points: gaps between lines that differ by more than this set rows apart
    prose_column_share: float = 0.22  # of the page width: columns all this wide may be the page's columns of text
    prose_fill: float = 0.7  # of a column's width its typical line covers when the column is set text
    min_multi_share: float = 0.5  # of a table's rows that must fill two columns or more
    short_words: float = 4.0  # median words per cell of a column of short entries (figures, dates, names)
    short_share: float = 0.5  # of the rows a column of short entries must fill
    running_header_lines: int = 2  # lines of page furniture that may stand above a cell the page break cut
    min_filled: float = 0.6  # of a table's cells that hold text: words scattered over a designed page fill few
    rows: RowRuledSettings = field(default=ROW_RULED)


SETTINGS = AlignedSettings()


def read_tables(view: PageView, taken: list[BBox], settings: AlignedSettings = SETTINGS) -> list[ExtractedTable]:
    """Every text-aligned table among the words outside the boxes other readers took."""
    free = [w for w in view.words if not any(b[0] - 1 <= centre_x(w) <= b[2] + 1 and b[1] - 1 <= centre_y(w) <= b[3] + 1
                                             for b in taken)]
    lines = text_lines(free, settings)
    return [table for block in candidate_blocks(lines, settings)
            for table in block_tables(view, with_lines_run_on_above(lines, block, settings), settings, len(block))]


def block_tables(view: PageView, block: list[list[dict]], settings: AlignedSettings,
                 own_lines: int | None = None) -> list[ExtractedTable]:
    """The block's table; or, when it reads as none, the tables of its two parts either side of
    its widest gap between lines, if that gap stands out (two tables, or a box of text set in
    columns over a table, set close together)."""
    table = block_table(view, block, settings, own_lines)
    if table is not None:
        return [table]
    block = block[len(block) - own_lines:] if own_lines is not None else block
    k = widest_gap(block, settings)
    if k is None:
        return []
    upper, lower = block[:k], block[k:]
    return [t for part in (upper, lower) if sum(several_phrases(ln, settings) for ln in part) >= settings.min_lines
            for t in block_tables(view, part, settings)]


def widest_gap(block: list[list[dict]], settings: AlignedSettings) -> int | None:
    """Index of the line after the block's widest gap, when it is wider than the gap between the
    block's other lines by the step that sets rows apart."""
    gaps = [gap_between(a, b) for a, b in zip(block, block[1:])]
    if len(gaps) < 2:
        return None
    k = max(range(len(gaps)), key=gaps.__getitem__)
    rest = gaps[:k] + gaps[k + 1:]
    return k + 1 if gaps[k] > max(rest) + settings.row_gap_step else None


def text_lines(words: list[dict], settings: AlignedSettings) -> list[list[dict]]:
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= settings.line_tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def several_phrases(line: list[dict], settings: AlignedSettings) -> bool:
    """Words of one line (sorted by x) set apart by a gap as wide as a gutter somewhere. The line's
    words may sit at slightly different heights (cells of different font sizes side by side)."""
    return any(b["x0"] - a["x1"] >= settings.rows.gutters.min_gutter for a, b in zip(line, line[1:]))


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
        several = several_phrases(line, settings)
        close = run and gap_between(run[-1], line) <= settings.max_line_gap * line_height(run[-1])
        if run and close and (several or not crosses_gutter(line, coverage, settings) or is_banner(lines, k, settings)):
            run.append(line)
        else:
            if run:
                blocks.append(run)
            run, coverage = ([line], np.zeros(COVERAGE_BINS, dtype=np.int32)) if several else ([], None)
        if several and run:
            add_coverage(coverage, line)
    if run:
        blocks.append(run)
    return [b for b in blocks if sum(several_phrases(ln, settings) for ln in b) >= settings.min_lines]


def with_lines_run_on_above(lines: list[list[dict]], block: list[list[dict]], settings: AlignedSettings) -> list[list[dict]]:
    """The block with the lines of one phrase just above it that stay inside its columns, when they
    open the page (below at most a running header standing apart): the end of a cell the page
    break cut. Lines that end a paragraph, or a heading over the table, are not."""
    coverage = np.zeros(COVERAGE_BINS, dtype=np.int32)
    for line in block:
        if several_phrases(line, settings):
            add_coverage(coverage, line)
    k = next(i for i, line in enumerate(lines) if line is block[0])
    above: list[list[dict]] = []
    for j in range(k - 1, -1, -1):
        line = lines[j]
        if gap_between(line, above[0] if above else block[0]) > settings.max_line_gap * line_height(line):
            return above + block if j < settings.running_header_lines else block
        if several_phrases(line, settings) or crosses_gutter(line, coverage, settings):
            return block  # the lines go on from a paragraph above
        above.insert(0, line)
    return above + block


def gap_between(above: list[dict], below: list[dict]) -> float:
    return below[0]["top"] - max(w["bottom"] for w in above)


def is_banner(lines: list[list[dict]], k: int, settings: AlignedSettings) -> bool:
    """A line of one phrase across the columns with the table going on right under it: a section
    banner inside the table ('Priority Outcome 1'), not the text after it."""
    nxt = lines[k + 1] if k + 1 < len(lines) else None
    return nxt is not None and several_phrases(nxt, settings) and \
        gap_between(lines[k], nxt) <= settings.max_line_gap * line_height(lines[k])


COVERAGE_STEP = 1.0  # points per bin of the coverage of a run's lines of several phrases
COVERAGE_BINS = 4096  # bins: 4,096 points, wider than any page


def bin_of(x: float) -> int:
    return max(0, min(COVERAGE_BINS - 1, int(x / COVERAGE_STEP)))


def add_coverage(coverage, line: list[dict]) -> None:
    for w in line:
        coverage[bin_of(w["x0"]):bin_of(w["x1"]) + 1] += 1


def crosses_gutter(line: list[dict], coverage, settings: AlignedSettings) -> bool:
    """A word of the line runs over a gap as wide as a gutter that no line of several phrases
    covers, with the line's words in the columns either side of it (a line whose words stop short
    of the gutters is a row's cells set close together; one running on past the last words of its
    column's first lines is a wrapped cell)."""
    if coverage is None:
        return True
    own = np.zeros(COVERAGE_BINS, dtype=bool)
    for a, b in zip(line, line[1:] + [None]):  # a phrase covers its word spaces too
        end = b["x0"] if b is not None and b["x0"] - a["x1"] < settings.rows.gutters.min_gutter else a["x1"]
        own[bin_of(a["x0"]):bin_of(end) + 1] = True
    span = slice(bin_of(line[0]["x0"]), bin_of(line[-1]["x1"]) + 1)
    open_gap = (own & (coverage == 0))[span]
    in_column = (own & (coverage > 0))[span]
    seen_column, run = False, 0
    for empty, inside in zip(open_gap, in_column):
        if inside:
            if seen_column and run * COVERAGE_STEP >= settings.rows.gutters.min_gutter:
                return True
            seen_column = True
        run = run + 1 if empty else 0
    return False


def block_table(view: PageView, block: list[list[dict]], settings: AlignedSettings,
                own_lines: int | None = None) -> ExtractedTable | None:
    """The table of a block of lines, or None. Lines over the block's own `own_lines` last ones,
    run on above it, stay only when they all fall in one column (a cell the page break cut)."""
    words = with_bullets_joined([w for line in block for w in line], settings.rows.gutters)
    x0, x1 = min(w["x0"] for w in words) - 1, max(w["x1"] for w in words) + 1
    level = {k: [dict(w, top=line[0]["top"]) for w in line] for k, line in enumerate(block)}  # one line, one height
    separators = supported(gutters(x0, x1, level, settings.rows.gutters), block, x0, x1, settings)
    columns = list(zip([x0, *separators], [*separators, x1]))
    run_on = block[:len(block) - own_lines] if own_lines is not None else []
    if run_on and len(set().union(*(filled_columns(line, columns) for line in run_on))) != 1:
        return block_table(view, block[len(run_on):], settings)
    if not separators or prose_columns(block, columns, view.width, settings):
        return None
    rules = row_rules(block, columns, settings)
    if len({r["top"] for r in rules}) < settings.rows.min_rules:
        return None
    boxes = banners_across(cell_boxes(columns, rules, words, settings.rows), words, columns)
    if not boxes:
        return None
    table = build_table(view, boxes, NAME)
    filled_rows = {c.row for c in table.cells if c.text.strip() and c.col_span < table.n_cols}
    if table.n_cols < 2 or len(filled_rows) < settings.min_multi_share * table.n_rows:
        return None
    if is_list(table) or not has_short_column(table, settings) or filled_share(table) < settings.min_filled:
        return None  # a numbered or bulleted list, or text set in columns: no table to read
    return table


def banners_across(boxes: list[BBox], words: list[dict], columns: list[tuple[float, float]]) -> list[BBox]:
    """A row whose only text is one phrase run from the first column over a gutter ('Priority
    Outcome 1') is a banner: with no rule to show how far it reaches, it reaches across the table."""
    x0, x1 = columns[0][0], columns[-1][1]
    rows: dict[tuple[float, float], list[BBox]] = {}
    for box in boxes:
        rows.setdefault((box[1], box[3]), []).append(box)
    out = []
    for (top, bottom), row in rows.items():
        filled = [b for b in row if any(b[0] <= centre_x(w) <= b[2] and top <= centre_y(w) <= bottom for w in words)]
        if len(row) > 1 and len(filled) == 1 and filled[0][0] == x0 and filled[0][2] > columns[0][1]:
            out.append((x0, top, x1, bottom))
        else:
            out += row
    return out


def filled_share(table: ExtractedTable) -> float:
    """Share of the grid's positions covered by cells holding text."""
    covered = sum(c.row_span * c.col_span for c in table.cells if c.text.strip())
    return covered / max(table.n_rows * table.n_cols, 1)


def column_texts(table: ExtractedTable, col: int) -> list[str]:
    return [" ".join(c.text.split()) for c in table.cells if c.col == col and c.col_span == 1 and c.text.strip()]


def is_list(table: ExtractedTable) -> bool:
    """Markers ('2.', 'a)', bullets) down the left and text beside them: a list."""
    markers = [m for t in column_texts(table, 0) for m in t.split()]  # a cell may hold the markers of several items
    return table.n_cols == 2 and bool(markers) and all(is_list_marker(m) for m in markers)


def is_list_marker(text: str) -> bool:
    """A list's number, letter or bullet: a bullet from a symbol font may come out as any one
    character of no script (or of one the document does not use), never as a word."""
    return bool(LIST_MARKER_RE.match(text)) or len(text) == 1 and not (text.isascii() and text.isalnum())


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
        lefts = [any(left <= centre_x(w) < s for w in line) for line in block]
        rights = [any(s < centre_x(w) <= right for w in line) for line in block]
        both = sum(a and b for a, b in zip(lefts, rights))
        few = min(sum(lefts), sum(rights)) >= settings.few_entries  # on lines of their own, in cells set mid-row
        if both < settings.min_lines and not (few and in_clear_gutter(s, block, settings)):
            kept.remove(s)
    return kept


def in_clear_gutter(x: float, block: list[list[dict]], settings: AlignedSettings) -> bool:
    """No line of several phrases has a word within a gutter's half-width of x: a boundary the
    rows keep clear (a banner across them aside), as a column of few entries does (a ref on the
    first row of a cell continued from the page before), where a stretched word space in one
    justified line has other lines' words above it."""
    reach = settings.rows.gutters.min_gutter / 2
    return not any(w["x0"] - reach < x < w["x1"] + reach
                   for line in block if several_phrases(line, settings) for w in line)


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


Span = tuple[float, float]  # top, bottom of one line of text inside one column


def column_lines(block: list[list[dict]], columns: list[tuple[float, float]]) -> list[list[Span]]:
    """Per column, its own lines: a cell's text keeps its leading inside its column even where a
    neighbouring column's text, flowing past row boundaries, sits at other heights."""
    out: list[list[Span]] = [[] for _ in columns]
    for line in block:
        for k in filled_columns(line, columns):
            inside = [w for w in line if columns[k][0] <= centre_x(w) <= columns[k][1]]
            out[k].append((min(w["top"] for w in inside), max(w["bottom"] for w in inside)))
    return out


def row_rules(block: list[list[dict]], columns: list[tuple[float, float]], settings: AlignedSettings) -> list[dict]:
    """Stand-in rules between the rows, one piece per column; a column whose text flows on over a
    row boundary (a cell spanning rows) gets no piece there."""
    x0, x1 = columns[0][0], columns[-1][1]
    top = min(w["top"] for w in block[0]) - 1
    bottom = max(w["bottom"] for w in block[-1]) + 1
    per_column = column_lines(block, columns)
    leading = tightest_leading(per_column)
    cuts = None if leading is None else \
        band_cuts(per_column, leading, settings) or cell_starts(per_column, leading, settings)
    if cuts is None:
        ys = row_boundaries(block, columns, settings)
        return [{"x0": x0, "x1": x1, "top": y, "bottom": y} for y in ys]
    rules = [{"x0": x0, "x1": x1, "top": top, "bottom": top}, {"x0": x0, "x1": x1, "top": bottom, "bottom": bottom}]
    for y, ending in cuts:
        for k, (a, b) in enumerate(columns):
            if k in ending or not flows_over(per_column[k], y, leading + settings.row_gap_step):
                rules.append({"x0": a, "x1": b, "top": y, "bottom": y})
    return rules


SAME_LEADING = 0.5  # points: gaps between lines this close are one leading (the same font and spacing)


def tightest_leading(per_column: list[list[Span]]) -> float | None:
    """The gap between two lines of one cell: the tightest gap between a column's lines that
    recurs, so one odd pair (a superscript, a mark set beside a line) does not set it."""
    gaps = sorted(b[0] - a[1] for lines in per_column for a, b in zip(lines, lines[1:]) if b[0] >= a[1])
    recurring = (g for g, h in zip(gaps, gaps[1:]) if h - g <= SAME_LEADING)
    return next(recurring, gaps[0] if gaps else None)


def flows_over(lines: list[Span], y: float, widest_leading: float) -> bool:
    """The column's text runs on over height y, its lines no further apart than inside a cell
    (or one line straddling y): one cell spanning the rows either side."""
    above = [s for s in lines if (s[0] + s[1]) / 2 < y]
    below = [s for s in lines if (s[0] + s[1]) / 2 >= y]
    if not above or not below:
        return False
    last, first = max(above), min(below)
    return last[1] > y or first[0] - last[1] <= widest_leading


def cell_starts(per_column: list[list[Span]], leading: float, settings: AlignedSettings) -> list[tuple[float, set[int]]] | None:
    """Row boundaries where the table's spacing shows them: heights at which two columns or more
    start a cell at once, a cell starting where its column's leading widens (the padding between
    rows) beyond the tightest leading inside a cell. With each, the columns whose cells end there.
    None when no column's leading widens: the spacing shows no rows."""
    block_top = min(lines[0][0] for lines in per_column if lines)
    starts: list[tuple[float, float | None, int]] = []  # (top, bottom of the column's line before, column)
    for k, lines in enumerate(per_column):
        if lines and lines[0][0] - block_top > settings.line_tolerance:
            starts.append((lines[0][0], None, k))  # a column's first text, below the block's top
        for a, b in zip(lines, lines[1:]):
            if b[0] - a[1] > leading + settings.row_gap_step:
                starts.append((b[0], a[1], k))
    cuts: list[tuple[float, set[int]]] = []
    for group in same_heights(starts, settings.line_tolerance):
        ending = {k for _, _, k in group}
        if len(ending) >= 2 and any(a is not None for _, a, _ in group):  # one cell at least ends there
            top = min(t for t, _, _ in group)
            above = [b for lines in per_column for _, b in lines if b <= top]
            cuts.append(((max(above) + top) / 2 if above else top - 1, ending))
    return cuts or None


def band_cuts(per_column: list[list[Span]], leading: float, settings: AlignedSettings) -> list[tuple[float, set[int]]] | None:
    """Row boundaries however the cells sit in their rows (top, middle or bottom): each column's
    lines make blocks at the leading inside a cell; a block lying beside two blocks of another
    column spans rows (an issue beside its key actions) and sets no row; the rest, where they
    overlap in height, make one row each. A boundary between two rows counts where two columns or
    more end a block above it and start one below; None unless most boundaries count (a table set
    solid, or one column broken where the others run on, shows no rows this way)."""
    blocks = [(k, block) for k, lines in enumerate(per_column) for block in line_blocks(lines, leading + settings.row_gap_step)]
    kept = sorted((b for k, b in blocks if not spans_rows(b, k, blocks)), key=lambda b: b[0])
    bands: list[list[float]] = []
    for top, bottom in kept:
        if bands and top < bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], bottom)
        else:
            bands.append([top, bottom])
    cuts = []
    for above, below in zip(bands, bands[1:]):
        ending = {k for k, (t, b) in blocks if above[0] <= b <= above[1]} & \
            {k for k, (t, b) in blocks if below[0] <= t <= below[1]}  # a cell ends above, another starts below
        cuts.append(((above[1] + below[0]) / 2, ending))
    counted = sum(len(ending) >= 2 for _, ending in cuts)
    return cuts if counted and counted * 2 > len(cuts) else None


def line_blocks(lines: list[Span], widest_leading: float) -> list[Span]:
    """A column's lines joined where they are no further apart than inside a cell."""
    out: list[list[float]] = []
    for top, bottom in lines:
        if out and top - out[-1][1] <= widest_leading:
            out[-1][1] = max(out[-1][1], bottom)
        else:
            out.append([top, bottom])
    return [(t, b) for t, b in out]


def spans_rows(block: Span, col: int, blocks: list[tuple[int, Span]]) -> bool:
    """Some other column holds two blocks beside this one: it is a cell over several rows."""
    beside: dict[int, int] = {}
    for k, (t, b) in blocks:
        if k != col and t < block[1] and block[0] < b:
            beside[k] = beside.get(k, 0) + 1
    return any(n >= 2 for n in beside.values())


def same_heights(starts: list[tuple], tolerance: float) -> list[list[tuple]]:
    groups: list[list[tuple]] = []
    for start in sorted(starts, key=lambda s: s[0]):
        if groups and start[0] - groups[-1][0][0] <= tolerance:
            groups[-1].append(start)
        else:
            groups.append([start])
    return groups


def row_boundaries(block: list[list[dict]], columns: list[tuple[float, float]], settings: AlignedSettings) -> list[float]:
    """Heights between rows of a table set solid (no wider gap between rows than between the lines
    of a cell): before each line that fills as many columns as its row's first line (a wrapped
    cell fills fewer)."""
    tops = [min(w["top"] for w in ln) for ln in block]
    bottoms = [max(w["bottom"] for w in ln) for ln in block]
    ys = [tops[0] - 1]
    row_start = filled_columns(block[0], columns)
    for k in range(1, len(block)):
        filled = filled_columns(block[k], columns)
        if not filled < row_start:
            ys.append((bottoms[k - 1] + tops[k]) / 2)
            row_start = filled
    ys.append(bottoms[-1] + 1)
    return ys
