"""Which row of a table is its header, what each column holds, and whether a table without a
header carries on the last one (same columns in the same places)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from extract.records import ExtractedTable

from .columns import (ColumnRole, assign_roles, infer_unknown_roles, is_action_table, is_headerless_action_table,
                      is_timescale_header)
from .deadlines import parse_deadline
from .grid import column_lefts, header_texts, row_cells
from .text import clean_text

WORD_RE = re.compile(r"[A-Za-z]{3,}")
PROSE_SHARE = 0.5  # of an action column's filled cells that must hold a word
FORM_SHARE = 0.6  # of a first column's cells ending in ':' for a form of labelled values
HEADER_SEARCH_ROWS = 3  # a title or a banner may sit above the header row, inside the table
SAME_COLUMN_X = 4.0  # points: column edges this close on two pages are the same column


@dataclass
class Layout:
    """What each grid column of an action table holds, carried to header-less continuation pages."""

    roles: list[ColumnRole]
    headers: list[str]
    col_x: list[float]  # left edge of each grid column, to match continuation tables by geometry

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
    if not {ColumnRole.ACTION, ColumnRole.TASK} & set(named):
        return None
    roles = with_timescales(headers, infer_unknown_roles(table, row, headers, named))
    if not is_action_table(roles) or not holds_prose(table, row, roles):
        return None
    return Layout(roles=roles, headers=headers, col_x=column_lefts(table))


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


def headerless_layout(table: ExtractedTable) -> Layout | None:
    """A table with no header row, read by its cells alone: prose beside a deadline, lead or rating."""
    headers = [""] * table.n_cols
    roles = infer_unknown_roles(table, -1, headers, [ColumnRole.UNKNOWN] * table.n_cols)
    if table.n_rows < 2 or not is_headerless_action_table(roles) or is_form(table) or not holds_prose(table, -1, roles):
        return None
    return Layout(roles=roles, headers=headers, col_x=column_lefts(table))


def with_timescales(headers: list[str], roles: list[ColumnRole]) -> list[ColumnRole]:
    """Headers like 'Short | Middle | Long' side by side: columns of one timescale, not deadlines."""
    if len(roles) > 1 and sum(is_timescale_header(h) for h in headers) >= 2:
        return [ColumnRole.TIMESCALE if is_timescale_header(h) and r in (ColumnRole.DEADLINE, ColumnRole.UNKNOWN, ColumnRole.TIMESCALE)
                else r for h, r in zip(headers, roles)]
    return roles


def find_header(table: ExtractedTable) -> tuple[int, Layout] | None:
    """(header row, layout) of the first row near the top that reads as an action-table header."""
    for row in range(min(HEADER_SEARCH_ROWS, table.n_rows)):
        layout = header_layout(table, row)
        if layout:
            return row, layout
        if not is_title_row(table, row):
            return None  # a body row: the header is not further down
    return None


def is_title_row(table: ExtractedTable, row: int) -> bool:
    """A row that may stand above a table's header: empty, or one cell across the table."""
    cells = [c for c in row_cells(table, row) if c and c.text.strip()]
    return not cells or len(cells) == 1 and cells[0].col_span >= max(2, table.n_cols // 2)


def same_geometry(table: ExtractedTable, layout: Layout) -> bool:
    """The table's columns stand where the layout's did: it goes on from that table."""
    xs = sorted({c.bbox[0] for c in table.cells if c.col_span == 1})
    if len(xs) != len(layout.col_x):
        return False
    return all(abs(a - b) < SAME_COLUMN_X for a, b in zip(xs, layout.col_x))
