"""Tables drawn by shading alone: bands of fill colour (alternating rows, a coloured header) and no
stroked rules.

The ruled reader's grid of such a table is only as good as the shading: a white row between two
shaded ones has no edges inside it, so it comes out as one cell across the table with the text
of every column in it. Here the rows come from the bands' edges, as the ruled reader found them,
and the columns from the gutters in the text, as for tables ruled between rows only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..grid import grid_positions
from ..page_view import HAIRLINE, PageView
from ..records import BBox, ExtractedTable
from .cells import build_table
from .gutters import centre_x, centre_y, has_columns, with_bullets_joined
from .row_ruled import SETTINGS as ROW_RULED, RowRuledSettings, gutters_between, table_cells
from .ruled import SETTINGS as RULED, overlaps, ruled_cell_groups

NAME = "banded"


@dataclass(frozen=True)
class BandedSettings:
    inside: float = 1.0  # points: an edge this close to the table's box belongs to it
    probe: float = 1.0  # points above and below a row edge where the shading either side is read
    full_width: float = 0.9  # of the table's width a cell must cover to run across the table
    rows: RowRuledSettings = field(default=ROW_RULED)


SETTINGS = BandedSettings()


def read_tables(view: PageView, taken: list[BBox], settings: BandedSettings = SETTINGS) -> list[ExtractedTable]:
    """Grids of fills only whose rows run on across columns the text shows, re-read by the gutters."""
    out = []
    for boxes in ruled_cell_groups(view, RULED):
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        if any(overlaps(box, t) for t in taken) or stroked(view, box, settings) \
                or not hides_columns(view, box, boxes, settings):
            continue
        x0, top, x1, bottom = box
        ys = [y for y in grid_positions([b[1] for b in boxes] + [b[3] for b in boxes])
              if y in (top, bottom) or shade_at(view, x0, x1, y - settings.probe) != shade_at(view, x0, x1, y + settings.probe)]
        rules = [{"x0": x0, "x1": x1, "top": y, "bottom": y} for y in ys]
        cells = table_cells(x0, x1, ys, rules, view.words, settings.rows)
        if cells:
            out.append(build_table(view, cells, NAME))
    return out


def shade_at(view: PageView, x0: float, x1: float, y: float) -> tuple | None:
    """The fill colour across the table at height y (None: white). Two fills of one colour meeting
    at a height are one band drawn in pieces, not two rows."""
    covering = [r for r in view.fills if r["top"] <= y <= r["bottom"] and r["x0"] <= (x0 + x1) / 2 <= r["x1"]
                and r["x1"] - r["x0"] > HAIRLINE and r["bottom"] - r["top"] > HAIRLINE]
    return min(covering, key=lambda r: (r["x1"] - r["x0"]) * (r["bottom"] - r["top"]))["rgb"] if covering else None


def stroked(view: PageView, box: BBox, settings: BandedSettings) -> bool:
    """Any stroked line or rectangle side inside the box: a drawn grid, for the ruled reader."""
    x0, top, x1, bottom = box
    return any(x0 - settings.inside <= e["x0"] and e["x1"] <= x1 + settings.inside
               and top - settings.inside <= e["top"] and e["bottom"] <= bottom + settings.inside
               and (e.get("object_type") == "line" or e.get("stroke")) for e in view.edges)


def hides_columns(view: PageView, box: BBox, boxes: list[BBox], settings: BandedSettings) -> bool:
    """Some cell runs across the whole table while its text stands in columns the other rows share."""
    x0, top, x1, bottom = box
    ys = grid_positions([b[1] for b in boxes] + [b[3] for b in boxes])
    words = with_bullets_joined(view.words_in(box), settings.rows.gutters)
    separators = gutters_between(x0, x1, ys, words, settings.rows)
    if not separators:
        return False
    for b in boxes:
        if b[2] - b[0] >= settings.full_width * (x1 - x0):
            inside = [w for w in words if b[0] <= centre_x(w) <= b[2] and b[1] <= centre_y(w) <= b[3]]
            if has_columns(inside, settings.rows.gutters) and any(
                    any(centre_x(w) < s for w in inside) and any(centre_x(w) > s for w in inside) for s in separators):
                return True
    return False
