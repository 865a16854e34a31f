"""Ruled grids: cells bounded by drawn strokes (lines and rectangle sides) on all four sides.

The geometry is pdfplumber's own table finder, run through its pure functions (merge_edges ->
edges_to_intersections -> intersections_to_cells -> cells_to_tables) on the page view's
strokes, so the reader does not depend on which parser produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from ..grid import GRID_TOLERANCE
from ..page_view import PageView
from ..records import ExtractedTable
from .cells import build_table
from .row_ruled import lacks_column_rules

NAME = "ruled"


@dataclass(frozen=True)
class RuledSettings:
    snap_tolerance: float = 3.0  # points: parallel strokes this close are one rule (double borders, offsets)
    join_tolerance: float = 3.0  # points: collinear strokes with a gap this small are one rule
    intersection_tolerance: float = 3.0  # points: a rule ending this close to another still meets it
    min_edge_length: float = 3.0  # points: shorter strokes are glyph parts, not rules
    min_rule_length: float = 10.0  # points: vertical strokes this long may bound a row cut by a page break
    min_cells: int = 2  # one boxed cell is a frame or a text box, not a table
    closed_share: float = 0.9  # of the table's width a rule must cover to close its bottom row
    page_share: float = 0.8  # of the page's area a one-column box must cover to be the page's frame
    margin_width: float = 12.0  # points: an empty column this narrow down a grid's side is the gap to a panel's edge


SETTINGS = RuledSettings()


def read_tables(view: PageView, taken: list = (), settings: RuledSettings = SETTINGS) -> list[ExtractedTable]:
    """Every ruled grid on the page, except frames around shaded cells that hide an unruled table.

    Grids inside boxes an earlier reader took (a grid of fills re-read as bands) are left to it."""
    h_edges = [e for e in view.edges if e["orientation"] == "h"]
    tables = []
    for boxes in ruled_cell_groups(view, settings):
        table = build_table(view, without_empty_margins(view, boxes, settings), NAME)
        if any(overlaps(table.bbox, box) for box in taken):
            continue
        if lacks_column_rules(table.bbox, table.n_cols, view.verticals, h_edges, view.words):
            continue  # the sides of a few shaded cells, not column rules: the row-ruled reader takes it
        table.open_bottom = not has_rule_at(h_edges, table.bbox[3], table.bbox[0], table.bbox[2], settings)
        tables.append(table)
    return [t for t in tables if not is_frame(t, tables, view, settings)]


def is_frame(table: ExtractedTable, tables: list[ExtractedTable], view: PageView, settings: RuledSettings) -> bool:
    """A box drawn around other tables, or around the whole page (a slide's background and title
    band), is no table: its text is the page's own."""
    x0, top, x1, bottom = table.bbox
    holds_a_table = any(t is not table and x0 - 1 <= t.bbox[0] and t.bbox[2] <= x1 + 1 and top - 1 <= t.bbox[1]
                        and t.bbox[3] <= bottom + 1 for t in tables)
    page_sized = (x1 - x0) * (bottom - top) >= settings.page_share * view.width * view.height
    return holds_a_table or page_sized and table.n_cols == 1


def without_empty_margins(view: PageView, boxes: list[tuple], settings: RuledSettings = SETTINGS) -> list[tuple]:
    """The cells without an empty one running the whole height of the grid at its left or right: the
    gap between a panel's side (a white background drawn behind the table) and the table's own."""
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    margins = [b for b in boxes if abs(b[1] - top) <= GRID_TOLERANCE and abs(b[3] - bottom) <= GRID_TOLERANCE
               and (abs(b[0] - left) <= GRID_TOLERANCE or abs(b[2] - right) <= GRID_TOLERANCE)
               and b[2] - b[0] <= settings.margin_width and not view.words_in(b)]
    rest = [b for b in boxes if b not in margins]
    return rest if len(rest) >= 2 and len(margins) < len(boxes) - 1 else boxes


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


_LAST: list = []  # (view, settings, grids) of the last page asked for: three readers ask for its grids


def ruled_cell_groups(view: PageView, settings: RuledSettings) -> list[list[tuple]]:
    """Cell boxes of each grid of at least `min_cells` cells, from the strokes plus a rule where the
    vertical rules start and stop (a row cut by a page break has no rule of its own there). The grids
    are found once per page and settings (whatever `min_cells`)."""
    geometry = replace(settings, min_cells=0)
    if not (_LAST and _LAST[0] is view and _LAST[1] == geometry):
        _LAST[:] = [view, geometry, find_cell_groups(view, settings)]
    return [group for group in _LAST[2] if len(group) >= settings.min_cells]


def find_cell_groups(view: PageView, settings: RuledSettings) -> list[list[tuple]]:
    edges = [e for e in view.edges if edge_length(e) >= 1] + closing_rules(view, settings)
    merged = merge_edges(edges, settings.snap_tolerance, settings.snap_tolerance,
                         settings.join_tolerance, settings.join_tolerance)
    merged = [e for e in merged if edge_length(e) >= settings.min_edge_length]
    intersections = edges_to_intersections(merged, settings.intersection_tolerance, settings.intersection_tolerance)
    cells = intersections_to_cells(intersections)
    groups = [[tuple(c) for c in group] for group in cells_to_tables(cells)]
    grouped = {c for group in groups for c in group}
    return groups + [[tuple(c)] for c in cells if tuple(c) not in grouped]  # (pdfplumber leaves lone cells out)


def edge_length(edge: dict) -> float:
    return edge["x1"] - edge["x0"] if edge["orientation"] == "h" else edge["bottom"] - edge["top"]


def closing_rules(view: PageView, settings: RuledSettings) -> list[dict]:
    verticals = [e for e in view.edges if e["orientation"] == "v" and edge_length(e) > settings.min_rule_length]
    if not verticals:
        return []
    ys = [min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)]
    return [{"x0": 0.0, "x1": view.width, "top": y, "bottom": y, "width": view.width, "orientation": "h"} for y in ys]


def has_rule_at(h_edges: list[dict], y: float, x0: float, x1: float, settings: RuledSettings = SETTINGS) -> bool:
    """True when horizontal strokes at height y cover most of the span x0..x1."""
    covered = sum(min(e["x1"], x1) - max(e["x0"], x0) for e in h_edges
                  if abs(e["top"] - y) <= GRID_TOLERANCE * 2 and e["x1"] > x0 and e["x0"] < x1)
    return covered >= settings.closed_share * (x1 - x0)
