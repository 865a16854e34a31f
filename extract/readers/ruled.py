"""Ruled grids: cells bounded by drawn strokes (lines and rectangle sides) on all four sides.

The geometry is pdfplumber's own table finder, run through its pure functions (merge_edges ->
edges_to_intersections -> intersections_to_cells -> cells_to_tables) on the page view's
strokes, so the reader does not depend on which parser produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from ..grid import GRID_TOLERANCE, grid_positions, index_of
from ..page_view import HAIRLINE, PageView
from ..records import ExtractedTable
from .cells import build_table
from .gutters import GUTTERS, centre_x
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
    held_share: float = 0.5  # of a box's area the tables inside it must cover for it to be their frame
    word_slack: float = 1.0  # points: a word may pass a column line by this much and still sit in its column
    split_share: float = 0.5  # of a run-on cell's columns its words must stand in for it to be split
    margin_width: float = 12.0  # points: an empty column this narrow down a grid's side is the gap to a panel's edge
    same_colour: float = 0.02  # 0..1 per RGB channel: fills this close in colour look the same
    side_slack: float = 0.2  # points: an edge this close to a fill's side is that side


SETTINGS = RuledSettings()


def read_tables(view: PageView, taken: list = (), settings: RuledSettings = SETTINGS) -> list[ExtractedTable]:
    """Every ruled grid on the page, except frames around shaded cells that hide an unruled table.

    Grids inside boxes an earlier reader took (a grid of fills re-read as bands) are left to it."""
    h_edges = [e for e in view.edges if e["orientation"] == "h"]
    tables = []
    for boxes in ruled_cell_groups(view, settings):
        table = build_table(view, split_run_on_cells(view, without_empty_margins(view, boxes, settings), settings), NAME)
        if any(overlaps(table.bbox, box) for box in taken):
            continue
        if lacks_column_rules(table.bbox, table.n_cols, view.verticals, h_edges, view.words):
            continue  # the sides of a few shaded cells, not column rules: the row-ruled reader takes it
        table.open_bottom = not has_rule_at(h_edges, table.bbox[3], table.bbox[0], table.bbox[2], settings)
        tables.append(table)
    grids = [t for t in tables if not is_frame(t, tables, view, settings)]
    return [t for t in grids if not any(o is not t and inside(t.bbox, o.bbox) for o in grids)]


def split_run_on_cells(view: PageView, boxes: list[tuple], settings: RuledSettings = SETTINGS) -> list[tuple]:
    """Cells running across several columns whose words stand in those columns, cut into one cell per
    column. A row left white between shaded ones (alternating bands, the column rules drawn only in
    the header) has no edges inside it, so the grid gives it one cell across the table holding every
    column's text; a banner or a merged cell's phrase runs across the column lines and stays whole."""
    xs = grid_positions([b[0] for b in boxes] + [b[2] for b in boxes])
    out = []
    for box in boxes:
        c0, c1 = index_of(xs, box[0]), index_of(xs, box[2])
        columns = stood_in(view.words_in(box), xs[c0:c1 + 1], settings) if c1 - c0 >= 2 else None
        if columns is None:
            out.append(box)
            continue
        out += [(xs[c], box[1], xs[c + 1], box[3]) for c in range(c0, c1)]
    return out


def stood_in(words: list[dict], xs: list[float], settings: RuledSettings) -> set[int] | None:
    """The columns (between the lines xs) these words stand in, when each word keeps within one column,
    words of two columns on one line are a gutter apart, and they fill enough of the columns; else None."""
    slack = settings.word_slack
    column_of = []
    for w in words:
        inside = [c for c in range(len(xs) - 1) if xs[c] - slack <= w["x0"] and w["x1"] <= xs[c + 1] + slack]
        if not inside:
            return None  # a word across a column line: one phrase running over the row
        column_of.append(min(inside, key=lambda c: abs((xs[c] + xs[c + 1]) / 2 - centre_x(w))))
    used = set(column_of)
    if len(used) < 2 or len(used) < settings.split_share * (len(xs) - 1):
        return None
    lines: dict[int, list[tuple[dict, int]]] = {}
    for w, c in zip(words, column_of):
        lines.setdefault(round(w["top"]), []).append((w, c))
    for line in lines.values():
        line.sort(key=lambda pair: pair[0]["x0"])
        if any(c != d and b["x0"] - a["x1"] < GUTTERS.min_gutter for (a, c), (b, d) in zip(line, line[1:])):
            return None  # words a space apart either side of a column line: one phrase
    return used


def is_frame(table: ExtractedTable, tables: list[ExtractedTable], view: PageView, settings: RuledSettings) -> bool:
    """A box drawn around other tables, or around the whole page (a slide's background and title
    band), is no table: its text is the page's own. Small boxes inside a grid's cells (a header
    cell drawn twice) leave the grid a grid: they are read as part of it."""
    held = sum(area(t.bbox) for t in tables if t is not table and inside(t.bbox, table.bbox))
    page_sized = area(table.bbox) >= settings.page_share * view.width * view.height
    return held >= settings.held_share * area(table.bbox) or page_sized and table.n_cols == 1


def inside(inner, outer, margin: float = 1.0) -> bool:
    return (outer[0] - margin <= inner[0] and inner[2] <= outer[2] + margin
            and outer[1] - margin <= inner[1] and inner[3] <= outer[3] + margin)


def area(box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


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
    hidden = hidden_sides(view.fills, settings)
    edges = [e for e in view.edges if edge_length(e) >= 1 and not is_hidden(e, hidden, settings)]
    edges += closing_rules(view, settings)
    merged = merge_edges(edges, settings.snap_tolerance, settings.snap_tolerance,
                         settings.join_tolerance, settings.join_tolerance)
    merged = [e for e in merged if edge_length(e) >= settings.min_edge_length]
    intersections = edges_to_intersections(merged, settings.intersection_tolerance, settings.intersection_tolerance)
    cells = intersections_to_cells(intersections)
    groups = [[tuple(c) for c in group] for group in cells_to_tables(cells)]
    grouped = {c for group in groups for c in group}
    return groups + [[tuple(c)] for c in cells if tuple(c) not in grouped]  # (pdfplumber leaves lone cells out)


def hidden_sides(fills: list[dict], settings: RuledSettings = SETTINGS) -> dict[tuple[str, int], list[dict]]:
    """The sides of fills drawn inside a fill of the same colour (a highlight behind each line of a
    shaded header cell), by orientation and rounded position: they cannot be seen, so they bound no cell."""
    def area(f: dict) -> float:
        return (f["x1"] - f["x0"]) * (f["bottom"] - f["top"])

    def inside(a: dict, b: dict) -> bool:  # a drawn twice is not inside itself; a hairline is a rule, not a highlight
        return area(b) > area(a) + 1 and min(a["x1"] - a["x0"], a["bottom"] - a["top"]) > HAIRLINE \
            and b["x0"] <= a["x0"] and a["x1"] <= b["x1"] and b["top"] <= a["top"] and a["bottom"] <= b["bottom"] \
            and all(abs(p - q) <= settings.same_colour for p, q in zip(a["rgb"], b["rgb"]))

    by_colour: dict[tuple, list[dict]] = {}
    for f in fills:
        by_colour.setdefault(tuple(round(c / settings.same_colour) for c in f["rgb"]), []).append(f)
    sides: dict[tuple[str, int], list[dict]] = {}
    for f in fills:
        near = [g for key, group in by_colour.items()
                if all(abs(k - c / settings.same_colour) <= 1.5 for k, c in zip(key, f["rgb"])) for g in group]
        if any(inside(f, g) for g in near):
            for key in (("h", round(f["top"])), ("h", round(f["bottom"])), ("v", round(f["x0"])), ("v", round(f["x1"]))):
                sides.setdefault(key, []).append(f)
    return sides


def is_hidden(edge: dict, hidden: dict[tuple[str, int], list[dict]], settings: RuledSettings = SETTINGS) -> bool:
    """A side of a hidden fill, drawn by no stroke."""
    if edge.get("stroke") or edge.get("object_type") != "rect_edge" or not hidden:
        return False
    slack = settings.side_slack
    at = edge["top"] if edge["orientation"] == "h" else edge["x0"]
    for f in hidden.get((edge["orientation"], round(at)), []):
        if edge["orientation"] == "h" and f["x0"] - slack <= edge["x0"] and edge["x1"] <= f["x1"] + slack \
                and min(abs(edge["top"] - f["top"]), abs(edge["top"] - f["bottom"])) <= slack:
            return True
        if edge["orientation"] == "v" and f["top"] - slack <= edge["top"] and edge["bottom"] <= f["bottom"] + slack \
                and min(abs(edge["x0"] - f["x0"]), abs(edge["x0"] - f["x1"])) <= slack:
            return True
    return False


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
