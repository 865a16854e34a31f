"""Tables ruled between rows only: no column rules, so the columns come from gaps in the text.

Many plans use a "plain" table style: a rule above and below the header and under each row,
nothing between columns. The ruled reader sees no cells there. Here the rows come from the
horizontal rules, and the columns from the gutters (readers/gutters.py). A row whose text runs
across a gutter (a priority banner spanning the table) becomes one cell spanning the columns it
crosses, and a rule that stops short marks a row boundary only for the columns it covers (a
cell spanning rows in the first column).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..grid import GRID_TOLERANCE, grid_positions
from ..page_view import PageView
from ..records import BBox, ExtractedTable
from .cells import build_table
from .gutters import (GUTTERS, GutterSettings, centre_x, centre_y, gutters, has_columns, joined_neighbours,
                      phrases, same_columns, with_bullets_joined)

NAME = "row_ruled"


@dataclass(frozen=True)
class RowRuledSettings:
    min_rules: int = 3  # a rule above the header, one under it, one under the first row
    rule_min_share: float = 0.3  # of the page width: shorter strokes are underlines, fills, ticks
    same_edge: float = 3.0  # points: rules of one table start and end within this of each other
    same_y: float = GRID_TOLERANCE  # points: strokes this close in height are one boundary
    covers: float = 0.8  # share of a column's width a rule must cover to bound a row in that column
    min_gap: float = 4.0  # points: an empty band narrower than this is a double rule, not a gap
    min_rule_height: float = 10.0  # points: shorter vertical strokes are glyph parts or ticks
    join_gap: float = 3.0  # points: collinear strokes this close are one rule drawn in pieces (one per cell)
    record_lines: int = 4  # a body band of at least this many lines may hold one record per line
    record_share: float = 0.8  # of a band's lines that must fill (nearly) every column to be records
    line_tolerance: float = 2.5  # points: words whose tops differ by less are on one line
    gutters: GutterSettings = field(default=GUTTERS)


SETTINGS = RowRuledSettings()


def read_tables(view: PageView, taken: list[BBox], settings: RowRuledSettings = SETTINGS) -> list[ExtractedTable]:
    """Every row-ruled table on the page outside the boxes other readers took."""
    h_edges = joined_rules([e for e in view.edges if e["orientation"] == "h"], settings)
    return [build_table(view, boxes, NAME) for boxes in open_table_boxes(view.width, h_edges, view.words, taken, settings)]


def joined_rules(h_edges: list[dict], settings: RowRuledSettings = SETTINGS) -> list[dict]:
    """Collinear horizontal strokes meeting end to end joined into one rule: many writers draw a row's
    rule as one stroke per cell."""
    out: list[dict] = []
    for e in sorted(h_edges, key=lambda e: (round(e["top"] / settings.same_y), e["x0"])):
        last = out[-1] if out else None
        if last is not None and abs(last["top"] - e["top"]) <= settings.same_y \
                and e["x0"] - last["x1"] <= settings.join_gap:
            out[-1] = dict(last, x1=max(last["x1"], e["x1"]))
        else:
            out.append(dict(e))
    return out


def open_table_boxes(page_width: float, h_edges: list[dict], words: list[dict], ruled: list[BBox],
                     settings: RowRuledSettings = SETTINGS) -> list[list[BBox]]:
    """Cell boxes of every row-ruled table on the page outside the ruled tables."""
    out = []
    taken: list[BBox] = []
    widest_first = sorted(rule_blocks(page_width, h_edges, ruled, settings), key=lambda b: (b[0] - b[1], -len(b[2])))
    for x0, x1, block in widest_first:
        runs = [part for run in split_at_empty_bands(x0, x1, block, words, settings)
                for part in split_at_headings(x0, x1, run, words, settings)]
        for ys in runs:
            if any(b[0] < x1 and x0 < b[2] and b[1] < ys[-1] and ys[0] < b[3] for b in taken):
                continue  # rules stopping short of a table's edge (a cell spanning rows) are part of that table
            boxes = table_cells(x0, x1, ys, h_edges, words, settings)
            if boxes:
                out.append(boxes)
                taken.append((x0, min(b[1] for b in boxes), x1, max(b[3] for b in boxes)))
    return out


def table_cells(x0: float, x1: float, ys: list[float], h_edges: list[dict], words: list[dict],
                settings: RowRuledSettings) -> list[BBox]:
    """The cells between one run of rules, or none when the run does not read as a table."""
    while len(ys) >= settings.min_rules and not starts_with_a_header(x0, x1, ys, words, settings):
        ys = ys[1:]  # a running-header rule or a banner above the table: not rows of it
    if len(ys) < settings.min_rules:
        return []
    inside = block_words(x0, x1, ys, words, settings)
    separators = gutters_between(x0, x1, ys, inside, settings)
    body_columns = {sum(centre_x(w) > s for s in separators) for w in inside if centre_y(w) > ys[1]}
    if not separators or len(body_columns) < 2:
        return []  # headings over nothing, or over one column of text: not a table to read
    edges = [e for e in h_edges if e["x1"] > x0 and e["x0"] < x1
             and ys[0] - settings.same_y <= e["top"] <= ys[-1] + settings.same_y]
    records = record_rules(x0, x1, ys, inside, separators, settings)
    if records:  # one record per line: the lines vote on the gutters, so a heading across columns is outvoted
        finer = under_headings(gutters_between(x0, x1, sorted(ys + [r["top"] for r in records]), inside, settings),
                               separators, [w for w in inside if centre_y(w) < ys[1]], settings)
        again = record_rules(x0, x1, ys, inside, finer, settings) if len(finer) > len(separators) else []
        if again:
            separators, records = finer, again
    edges += records
    return cell_boxes(list(zip([x0, *separators], [*separators, x1])), edges, inside, settings)


def record_rules(x0: float, x1: float, ys: list[float], words: list[dict], separators: list[float],
                 settings: RowRuledSettings) -> list[dict]:
    """Rules between the lines of a body holding one record per line: a table ruled above and under its
    header and under its last row only (a statistics table), whose rows are its lines. Only when the
    body is one band of text, whose first column is labelled on (nearly) every line and (nearly) every column
    holds text on those lines; the rows of a plan table, a ref on their first line only, stay whole."""
    body = [(top, bottom) for top, bottom in zip(ys[1:], ys[2:])
            if any(top <= centre_y(w) <= bottom for w in words)]
    if len(body) != 1:
        return []  # rules between the body's rows: each band is a row, however many lines it holds
    return band_record_rules(x0, x1, *body[0], words, separators, settings)


def under_headings(finer: list[float], separators: list[float], heading: list[dict],
                   settings: RowRuledSettings) -> list[float]:
    """The separators the lines find, less those a column heading runs across ('Age' over '40 years':
    a word space the lines keep apart is no column boundary). A heading line of far fewer phrases
    than columns ('Actual', 'Projected' over their years) spans columns: it vetoes nothing."""
    near = 2 * settings.gutters.min_gutter
    columns = len(finer) + 1
    headings = [w for line in text_lines(heading, settings) if 2 * phrases(line, settings.gutters) >= columns
                for w in line]
    return [s for s in finer if any(abs(s - t) <= near for t in separators)
            or not any(w["x0"] < s < w["x1"] for w in headings)]


def band_record_rules(x0: float, x1: float, top: float, bottom: float, words: list[dict], separators: list[float],
                      settings: RowRuledSettings) -> list[dict]:
    """Rules between the lines of one body band, when each of its lines is a record."""
    lines = text_lines([w for w in words if top <= centre_y(w) <= bottom], settings)
    if len(lines) < settings.record_lines:
        return []
    edges = [x0, *separators, x1]
    wanted = max(2, len(edges) - 2)  # every column, or all but one (a blank cell)

    def columns(line: list[dict]) -> set[int]:
        return {sum(centre_x(w) > s for s in separators) for w in line}

    full = sum(1 for line in lines if 0 in columns(line) and len(columns(line)) >= wanted)
    if full < settings.record_share * len(lines):
        return []
    cuts = [(max(w["bottom"] for w in a) + min(w["top"] for w in b)) / 2 for a, b in zip(lines, lines[1:])]
    return [{"x0": x0, "x1": x1, "top": y, "bottom": y, "orientation": "h"} for y in cuts]


def text_lines(words: list[dict], settings: RowRuledSettings) -> list[list[dict]]:
    """Words grouped into visual lines by their tops, top to bottom."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: w["top"]):
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= settings.line_tolerance:
            lines[-1].append(w)
        else:
            lines.append([w])
    return lines


def gutters_between(x0: float, x1: float, ys: list[float], words: list[dict], settings: RowRuledSettings) -> list[float]:
    """Column separators of the rows between the rules ys."""
    rows: dict[int, list[dict]] = defaultdict(list)
    for w in words:
        rows[sum(1 for y in ys if y <= centre_y(w))].append(w)
    return gutters(x0, x1, rows, settings.gutters)


def split_at_empty_bands(x0: float, x1: float, ys: list[float], words: list[dict],
                         settings: RowRuledSettings) -> list[list[float]]:
    """Runs of rules with text between every two: a band with no text is the gap between two tables."""
    runs = [[ys[0]]]
    for top, bottom in zip(ys, ys[1:]):
        empty = bottom - top >= settings.min_gap and not any(
            x0 <= centre_x(w) <= x1 and top <= centre_y(w) <= bottom for w in words)
        if empty:
            runs.append([bottom])
        else:
            runs[-1].append(bottom)
    return runs


def split_at_headings(x0: float, x1: float, ys: list[float], words: list[dict],
                      settings: RowRuledSettings) -> list[list[float]]:
    """Two tables stacked under one set of rule ends, a heading between them: split at a band of
    one phrase when the rules above it frame a table (a heading and a row) whose columns differ
    from those below."""
    def band_words(band: list[float]) -> list[dict]:
        return block_words(x0, x1, band, words, settings)

    for k in range(settings.min_rules - 1, len(ys) - settings.min_rules):
        band = ys[k:k + 2]
        if not band_words(band) or starts_with_a_header(x0, x1, band, words, settings) \
                or not starts_with_a_header(x0, x1, ys[k - 1:k + 1], words, settings):
            continue  # not one phrase, or one right under another (a heading, then an area banner)
        above, below = ys[:k + 1], ys[k + 1:]
        rows_above = sum(has_columns(band_words([top, bottom]), settings.gutters) for top, bottom in zip(above, above[1:]))
        if rows_above >= 2 and not same_columns(gutters_between(x0, x1, above, band_words(above), settings),
                                                gutters_between(x0, x1, below, band_words(below), settings),
                                                settings.gutters):
            return [above, *split_at_headings(x0, x1, below, words, settings)]
    return [ys]


def block_words(x0: float, x1: float, ys: list[float], words: list[dict], settings: RowRuledSettings) -> list[dict]:
    return with_bullets_joined([w for w in words if x0 <= centre_x(w) <= x1 and ys[0] <= centre_y(w) <= ys[-1]],
                               settings.gutters)


def starts_with_a_header(x0: float, x1: float, ys: list[float], words: list[dict], settings: RowRuledSettings) -> bool:
    """The first band between rules reads as column headings: text set apart by gutters on some line.
    An empty band, or a title or banner running as one phrase, is above the table, not in it."""
    return has_columns(block_words(x0, x1, ys[:2], words, settings), settings.gutters)


def lacks_column_rules(bbox: BBox, n_cols: int, verticals: list[tuple[float, float, float]],
                       h_edges: list[dict], words: list[dict], settings: RowRuledSettings = SETTINGS) -> bool:
    """True when the ruling-line finder took the sides of a few shaded cells (RAG fills) for column
    rules: no rule is drawn between the table's columns, and the gutters in its text show more
    columns than it has. A grid drawn by shading alone (banded cells, no strokes) keeps its table."""
    x0, top, x1, bottom = bbox
    h_edges = joined_rules(h_edges, settings)
    if any(x0 + settings.same_edge < x < x1 - settings.same_edge and min(b, bottom) - max(t, top) > settings.min_rule_height
           for x, t, b in verticals):
        return False
    ys = grid_positions([e["top"] for e in h_edges if e["x0"] <= x0 + settings.same_edge
                         and e["x1"] >= x1 - settings.same_edge and top - settings.same_y <= e["top"] <= bottom + settings.same_y])
    return len(ys) >= 2 and len(gutters_between(x0, x1, ys, block_words(x0, x1, ys, words, settings), settings)) + 1 > n_cols


def rule_blocks(page_width: float, h_edges: list[dict], ruled: list[BBox],
                settings: RowRuledSettings) -> list[tuple[float, float, list[float]]]:
    """(x0, x1, rule heights) of each run of long rules sharing both ends, outside the ruled tables."""
    same_edge, same_y = settings.same_edge, settings.same_y
    long_rules = [e for e in h_edges if e["x1"] - e["x0"] >= settings.rule_min_share * page_width
                  and not any(b[0] - same_edge <= e["x0"] and e["x1"] <= b[2] + same_edge
                              and b[1] - same_y <= e["top"] <= b[3] + same_y for b in ruled)]
    groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for e in long_rules:
        groups[(round(e["x0"] / same_edge), round(e["x1"] / same_edge))].append(e)
    blocks = []
    for rules in groups.values():
        x0, x1 = min(e["x0"] for e in rules), max(e["x1"] for e in rules)
        ys = grid_positions([e["top"] for e in rules])
        for run in split_at_ruled_tables(ys, x0, x1, ruled):
            if len(run) >= settings.min_rules:
                blocks.append((x0, x1, run))
    return blocks


def split_at_ruled_tables(ys: list[float], x0: float, x1: float, ruled: list[BBox]) -> list[list[float]]:
    """Rules with a ruled table between them belong to different blocks."""
    runs: list[list[float]] = [[]]
    for y in ys:
        if runs[-1] and any(b[0] < x1 and b[2] > x0 and runs[-1][-1] <= b[1] and b[3] <= y for b in ruled):
            runs.append([])
        runs[-1].append(y)
    return runs


def cell_boxes(columns: list[tuple[float, float]], edges: list[dict], words: list[dict],
               settings: RowRuledSettings) -> list[BBox]:
    """Per column, a cell between each pair of rules covering it; cells a line of text runs across are joined."""
    segments = []  # (column, top, bottom)
    for c, (a, b) in enumerate(columns):
        ys = grid_positions([e["top"] for e in edges if min(e["x1"], b) - max(e["x0"], a) >= settings.covers * (b - a)])
        segments += [(c, top, bottom) for top, bottom in zip(ys, ys[1:])]
    parent = {s: s for s in segments}

    def find(s):
        while parent[s] != s:
            s = parent[s]
        return s

    def segment_of(x: float, y: float):
        col = next((c for c, (a, b) in enumerate(columns) if a <= x <= b), None)
        return next((s for s in segments if s[0] == col and s[1] <= y <= s[2]), None)

    for left, right in joined_neighbours(words, settings.gutters):
        s, t = segment_of(left["x1"], centre_y(left)), segment_of(right["x0"], centre_y(right))
        if s and t and s != t and (s[1], s[2]) == (t[1], t[2]):
            parent[find(t)] = find(s)
    merged: dict = defaultdict(list)
    for s in segments:
        merged[find(s)].append(s)
    return [(columns[min(s[0] for s in group)][0], group[0][1], columns[max(s[0] for s in group)][1], group[0][2])
            for group in merged.values()]
