"""Which row of a table is its header, what each column holds, and whether a table without a
header carries on the last one (same columns in the same places)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from extract.records import ExtractedTable

from .columns import (KEY_FIELDS, ColumnRole, assign_roles, column_cells, infer_unknown_roles, is_action_table,
                      is_headerless_action_table, is_timescale_header, role_from_cells)
from .deadlines import parse_deadline
from .grid import column_lefts, column_text_lefts, header_texts, row_cells
from .legends import abbreviation_key
from .text import clean_text

WORD_RE = re.compile(r"[A-Za-z]{3,}")
PROSE_SHARE = 0.5  # of an action column's filled cells that must hold a word
FORM_SHARE = 0.6  # of a first column's cells ending in ':' for a form of labelled values
NEW_HEADER_SHARE = 0.6  # of a table's columns a header must name to start a new table where the last one stood
CARD_FIELDS = 2  # fields a card's header row must name (a lone 'Date' under a title is a caption)
HEADERLESS_MIN_ROWS = 2
UNFRAMED_READERS = {"text_aligned"}  # tables found with no drawn rule or shading to bound them
HEADERLESS_MIN_COLUMNS = 3  # two columns with no header are a key, a form or a list, not a plan's table
HEADER_SEARCH_ROWS = 3  # a title or a banner may sit above the header row, inside the table
SAME_COLUMN_X = 8.0  # points: column edges this close in two tables are the same column
SAME_COLUMNS_SHARE = 0.7  # of the columns whose edges must match for one table to go on from another


@dataclass
class Layout:
    """What each grid column of an action table holds, carried to header-less continuation pages."""

    roles: list[ColumnRole]
    headers: list[str]
    col_x: list[float]  # left edge of each grid column, to match continuation tables by geometry
    named: int = 0  # columns whose header words name their role (the rest were read from cells)
    text_x: list[float | None] = field(default_factory=list)  # where each column's text starts
    whole: "Layout | None" = None  # the table's full layout, where this one is its columns a page showed

    def columns(self, keep: list[int]) -> "Layout":
        """The layout of some of its columns (a page where the others hold no text)."""
        whole = self.whole or self
        return Layout(roles=[whole.roles[k] for k in keep], headers=[whole.headers[k] for k in keep],
                      col_x=[whole.col_x[k] for k in keep], named=whole.named,
                      text_x=[whole.text_x[k] for k in keep] if whole.text_x else [], whole=whole)

    @property
    def deadline_columns(self) -> list[int]:
        """Deadline columns, the current target first: several columns are versions of one timetable
        (a previous plan's date, the revised date); the newest dated header wins, else the rightmost."""
        cols = [i for i, r in enumerate(self.roles) if r == ColumnRole.DEADLINE]

        def newest(i: int):
            return parse_deadline(self.headers[i]).start or date.min, i

        return sorted(cols, key=newest, reverse=True) if len(cols) > 1 else cols

    @property
    def timescale_columns(self) -> list[int]:
        return [i for i, r in enumerate(self.roles) if r == ColumnRole.TIMESCALE]


def header_layout(table: ExtractedTable, row: int) -> Layout | None:
    """The layout if this row reads as an action-table header: its words name an action column
    and fields (columns the words do not name are then read by their cells)."""
    headers = header_texts(table, row)
    named = assign_roles(headers)
    if not {ColumnRole.ACTION, ColumnRole.TASK} & set(named) and not names_key_fields(table, row, headers, named):
        return None  # the header names neither what is done nor when, who or how it goes
    if table.reader in UNFRAMED_READERS and not names_plainly(named):
        return None  # with no rule to frame it, a first row of names or phrases is no header
    roles = with_timescales(headers, infer_unknown_roles(table, row, headers, named))
    if not is_action_table(roles) or not holds_prose(table, row, roles):
        return None
    return Layout(roles=roles, headers=headers, col_x=column_lefts(table), text_x=column_text_lefts(table),
                  named=sum(r != ColumnRole.UNKNOWN for r in named))


def names_plainly(named: list[ColumnRole]) -> bool:
    """The header's own words name what is done and one field more."""
    known = [r for r in named if r != ColumnRole.UNKNOWN]
    return len(known) >= 2 and bool({ColumnRole.ACTION, ColumnRole.TASK} & set(known))


def holds_prose(table: ExtractedTable, header_row: int, roles: list[ColumnRole]) -> bool:
    """The action and task columns hold words, not counts: 'Rating | Areas | Tasks' over numbers
    is a summary of ratings, not a table of actions."""
    texts = [clean_text(c.text) for c in table.cells if c.row > header_row and c.col < len(roles)
             and roles[c.col] in (ColumnRole.ACTION, ColumnRole.TASK)]
    filled = [t for t in texts if t]
    return not filled or sum(bool(WORD_RE.search(t)) for t in filled) >= PROSE_SHARE * len(filled)


def is_form(table: ExtractedTable) -> bool:
    """A form of labelled values ('Contact Officer: | name'), not a table of rows."""
    labels = [clean_text(c.text) for c in table.cells if c.col == 0]
    filled = [t for t in labels if t]
    return bool(filled) and sum(t.endswith(":") for t in filled) >= FORM_SHARE * len(filled)


def names_key_fields(table: ExtractedTable, row: int, headers: list[str], named: list[ColumnRole]) -> bool:
    """A header naming no action column may still head a table of actions: when it names two
    columns, at least one of them a deadline, lead, rating or timescale; or one such column whose
    cells bear it out ('2025 estimate' over years)."""
    roles = with_timescales(headers, named)
    keys = [i for i, r in enumerate(roles) if r in KEY_FIELDS]
    if not keys:
        return False
    if sum(r != ColumnRole.UNKNOWN for r in roles) >= 2:
        return True
    return all(role_from_cells(column_cells(table, i, row), headers[i], first_columns=i <= 1) == roles[i] for i in keys)


def card_layout(table: ExtractedTable) -> tuple[int, Layout] | None:
    """One small table per action: the action's text in a row across the table, then a row naming
    its fields (Timescale, Lead, Partners ...) over their values. (header row, layout) or None.
    A card is a drawn box: text aligned in the open is not one."""
    if table.reader in UNFRAMED_READERS:
        return None
    for row in range(1, min(HEADER_SEARCH_ROWS, table.n_rows - 1)):
        if not all(is_title_row(table, r) for r in range(row)) or not any(
                c is not None and c.text.strip() for r in range(row) for c in row_cells(table, r)):
            return None
        headers = header_texts(table, row)
        named = with_timescales(headers, assign_roles(headers))
        if not {ColumnRole.ACTION, ColumnRole.TASK} & set(named) and names_key_fields(table, row, headers, named) \
                and sum(r != ColumnRole.UNKNOWN for r in named) >= CARD_FIELDS:
            return row, Layout(roles=named, headers=headers, col_x=column_lefts(table), text_x=column_text_lefts(table),
                               named=sum(r != ColumnRole.UNKNOWN for r in named))
    return None


def headerless_layout(table: ExtractedTable, under_timeframe: bool = False) -> Layout | None:
    """A table with no header row, read by its cells alone: prose beside a deadline, lead or rating;
    or, right under a heading naming a time frame ('Short Term Policy', the rows' deadline), prose
    alone. Not a table found by the alignment of its text alone, unless under such a heading:
    without rules or a header, names set in columns (a list of partners) look as much like rows as a
    table does."""
    if table.reader in UNFRAMED_READERS and not under_timeframe or table.n_rows < HEADERLESS_MIN_ROWS \
            or table.n_cols < HEADERLESS_MIN_COLUMNS or is_form(table) or abbreviation_key(table):
        return None
    headers = [""] * table.n_cols
    roles = infer_unknown_roles(table, -1, headers, [ColumnRole.UNKNOWN] * table.n_cols)
    if not (is_headerless_action_table(roles) or under_timeframe and ColumnRole.ACTION in roles) \
            or not holds_prose(table, -1, roles):
        return None
    return Layout(roles=roles, headers=headers, col_x=column_lefts(table), text_x=column_text_lefts(table))


def with_timescales(headers: list[str], roles: list[ColumnRole]) -> list[ColumnRole]:
    """Headers like 'Short | Middle | Long' side by side: columns of one timescale, not deadlines."""
    if len(roles) > 1 and sum(is_timescale_header(h) for h in headers) >= 2:
        return [ColumnRole.TIMESCALE if is_timescale_header(h) and r in (ColumnRole.DEADLINE, ColumnRole.UNKNOWN, ColumnRole.TIMESCALE)
                else r for h, r in zip(headers, roles)]
    return roles


def find_header(table: ExtractedTable) -> tuple[int, Layout] | None:
    """(header row, layout) of the row near the top that reads as an action-table header, naming
    most columns: a title run into the first row ('Mayor's | Sustainability | ...') over the real
    header row loses to it. Rows below a body row are never headers."""
    found: list[tuple[int, int, Layout]] = []
    for row in range(min(HEADER_SEARCH_ROWS, table.n_rows)):
        layout = header_layout(table, row)
        if layout:
            found.append((layout.named, -row, layout))
        elif not is_title_row(table, row):
            break
    if not found:
        return None
    _, row, layout = max(found, key=lambda f: (f[0], f[1]))
    return -row, layout


def styled_apart(table: ExtractedTable, row: int) -> bool:
    """The row is shaded, and not as the row under it is: how most documents set their header row."""
    fills = [c.fill for c in row_cells(table, row) if c is not None]
    below = [c.fill for c in row_cells(table, row + 1) if c is not None] if row + 1 < table.n_rows else []
    return bool(fills) and all(f is not None for f in fills) and set(fills) != set(below)


def reads_as_new_header(table: ExtractedTable, found: tuple[int, "Layout"]) -> bool:
    """Where a table could go on from the last one, a header must say so plainly: naming every
    column, or most of them in a row shaded apart. Short body cells name roles by chance
    ('Key Stage 4' is a stage, 'Reported in Quarter 3' a date)."""
    row, layout = found
    named = layout.named / max(len(layout.roles), 1)
    return named >= 1.0 or named >= NEW_HEADER_SHARE and styled_apart(table, row)


def is_title_row(table: ExtractedTable, row: int) -> bool:
    """A row that may stand above a table's header: empty, or one cell across the table."""
    cells = [c for c in row_cells(table, row) if c and c.text.strip()]
    return not cells or len(cells) == 1 and cells[0].col_span >= max(2, table.n_cols // 2)


def continued_layout(table: ExtractedTable, layout: Layout) -> Layout | None:
    """The layout a table with no header of its own is read by, when it goes on from the table
    `layout` came from: that layout, or the layout of the columns it shows. A table whose columns
    were read from its text may lack any column (one with no text on this page leaves no gutter);
    a ruled one only its first columns, whose cells merged down from the page before draw no rule
    across them (a scan's faint borders)."""
    whole = layout.whole or layout
    if same_geometry(table, whole):
        return whole
    if table.n_cols < 2 or table.n_cols >= len(whole.roles):
        return None
    keep = matching_columns(column_text_lefts(table), column_lefts(table), whole)
    if not keep or table.reader not in UNFRAMED_READERS and keep != list(range(len(whole.roles) - len(keep), len(whole.roles))):
        return None  # a ruled table may lack only its first columns (cells merged down from the page before, unruled)
    return whole.columns(keep)


def matching_columns(text_lefts: list[float | None], lefts: list[float], whole: Layout) -> list[int] | None:
    """For each column, the column of `whole` its text starts at (or, holding no text, a rating
    shown by its fill alone, whose edge it starts at), in order; None unless every column finds one."""
    keep: list[int] = []
    for x, edge in zip(text_lefts, lefts):
        at, starts = (x, whole.text_x) if x is not None else (edge, whole.col_x)
        k = next((k for k in range(keep[-1] + 1 if keep else 0, len(starts))
                  if starts[k] is not None and abs(at - starts[k]) < SAME_COLUMN_X), None)
        if k is None:
            return None
        keep.append(k)
    return keep


def same_geometry(table: ExtractedTable, layout: Layout) -> bool:
    """The table's columns stand where the layout's did: it goes on from that table. Columns read
    from gutters in the text move a little with the text, so most edges matching is enough, or
    else the text of every column starting where it did."""
    xs = sorted({c.bbox[0] for c in table.cells if c.col_span == 1})
    if len(xs) != len(layout.col_x):
        return False
    close = sum(abs(a - b) < SAME_COLUMN_X for a, b in zip(xs, layout.col_x))
    if abs(xs[0] - layout.col_x[0]) < SAME_COLUMN_X and close >= SAME_COLUMNS_SHARE * len(xs):
        return True
    pairs = [(a, b) for a, b in zip(column_text_lefts(table), layout.text_x) if a is not None and b is not None]
    return len(pairs) >= 2 and all(abs(a - b) < SAME_COLUMN_X for a, b in pairs)
