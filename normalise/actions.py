"""Action tables: rows of actions and tasks with their deadlines, leads, ratings and progress.

Whatever the column order, a row's cells are read by the role of their column (normalise/
layout.py). A cell merged over several rows gives its value to every row it covers; the text
columns (ref, aim, action) say where a record starts. Rows cut by a page break are merged back;
a task cell holding several bullets becomes one task per bullet, each with the deadline and lead
printed level with it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from extract.records import Cell, ExtractedTable, TextLine

from .columns import ColumnRole, is_mark, role_of_header
from .grid import cell_lines, cells_covering, flat, row_cells
from .headings import CONTD_RE, Heading, read_heading
from .layout import Layout, card_layout, continued_layout, find_header, headerless_layout, reads_as_new_header
from .leads import parse_leads
from .outline import is_outline, is_outline_table, read_outline
from .rag import rating_alone, read_rag, split_rag_prefix
from .records import ActionRecord, Level
from .refs import next_ref, parse_priority_heading, split_ref
from .tasks import item_bands, split_items_with_tops, split_sub_items_with_own_values
from .text import SUB_BULLET_RE, clean_text, is_bullet, item_text, join_lines, strip_bullet
from .walk import Walk, prov

TEXT_FIELDS = {
    ColumnRole.PROGRESS: "progress", ColumnRole.NEXT_STEPS: "next_steps",
    ColumnRole.MEASURE: "measure_of_success", ColumnRole.DETAIL: "detail", ColumnRole.AGENCY: "agency",
}
STARTING_ROLES = {ColumnRole.REF, ColumnRole.AIM, ColumnRole.ACTION, ColumnRole.TASK}  # read where a cell starts
TEXT_CARD_READER = "text_card"  # the reader name extract/readers/text_cards.py records on its tables
LIST_SPLIT_RE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)\s*")  # 'A, B, and C'
PLACEHOLDERS = {"-", "–", "—", "n/a", "na", "n.a.", "none", "nil", "."}  # printed for "nothing here"


def is_placeholder(text: str | None) -> bool:
    return not text or text.strip().lower() in PLACEHOLDERS


def banner_cell(cells: list[Cell | None], table: ExtractedTable, roles: list[ColumnRole] | None) -> Cell | None:
    """A full-width heading row: one text cell spanning most columns, other cells blank or RAG."""
    filled = [c for c in cells if c and c.text.strip()]
    wide = [c for c in filled if c.col_span >= max(2, table.n_cols // 2)]
    if len(wide) != 1:
        return None
    others = [c for c in filled if c is not wide[0]]
    if roles and any(roles[c.col] != ColumnRole.RAG for c in others):
        return None
    return wide[0]


def split_label(cell: Cell) -> tuple[str | None, list[str] | None]:
    """A bold title under lines set in a plain face ('Municipal & Community' over 'On-Bill Financing'):
    the plain lines label the rows from there on (their flags); the bold ones are the title. (None,
    None) when the cell is not set so (or its faces are unknown, as in a scan)."""
    lines = cell.lines
    k = next((i for i, ln in enumerate(lines) if ln.bold), 0)
    if not k or any(ln.bold is not True for ln in lines[k:]) or any(ln.bold is not False for ln in lines[:k]):
        return None, None
    return clean_text(" ".join(ln.text for ln in lines[:k])), [ln.text for ln in lines[k:]]


@lru_cache(maxsize=1)
def listing_label() -> re.Pattern:
    """A card's label naming several who act ('Lead Partners'), from data/text_cards.yaml."""
    data = yaml.safe_load(resources.files("normalise").joinpath("data/text_cards.yaml").read_text())
    return re.compile(r"(?:" + "|".join(data["listing_labels"]) + r")$", re.I)


class ActionTables:
    """Reads action tables into the walk's records, remembering the layout across pages."""

    def __init__(self, walk: Walk):
        self.w = walk
        self.layout: Layout | None = None
        self.open_row = False  # the last action table ended in a row cut by the page break
        self.sub_rows = False  # the current action spans rows that are its tasks
        self.group_text: dict[int, str] = {}  # column -> the value of that grouping column now in force
        self.areas: dict[tuple, ActionRecord] = {}  # (priority, text) -> the area a grouping value opened
        self.previous_task: ActionRecord | None = None
        self.banner_parent = False  # the current action was a numbered row across a table of tasks
        self.carried: dict[int, Cell] = {}  # column -> a field cell merged down to the last table's bottom
        self.carry: dict[int, Cell] = {}  # ... the same, for the table now being read, when it goes on
        self.top = 0  # the first body row of the table now being read
        self.carried_copies: set[int] = set()  # id() of the cells standing in for carried ones

    # -- tables -------------------------------------------------------------------------------
    def table(self, table: ExtractedTable, first_on_page: bool) -> bool:
        """Read the table if it is an action table (or goes on from one); False otherwise."""
        if table.reader == TEXT_CARD_READER:
            return self.text_card(table)
        found = find_header(table)
        if found is None and card_layout(table):
            return self.card(table)
        going_on = continued_layout(table, self.layout) if self.layout is not None else None
        goes_on = going_on is not None
        if goes_on and found and not (found[1].headers == going_on.headers or reads_as_new_header(table, found)):
            found = None  # body words that happen to name roles ('Head of ...', 'Project'): the table goes on
        start, layout = (found[0] + 1, found[1]) if found else (0, going_on)
        if found:
            for row in range(found[0]):
                self.banner_row(table, row, None)  # a title or priority banner above the header
            if not self.w.table_columns:
                headers = layout.headers
                self.w.table_columns = [h for i, h in enumerate(headers) if h and (i == 0 or headers[i - 1] != h)]
        if layout is None:
            return False
        self.w.table_read(table.page)
        continues = first_on_page and goes_on
        same_columns = goes_on and going_on.whole is None and (not found or found[1].headers == going_on.headers)
        self.carry = self.carried if same_columns else {}
        self.layout, self.top = layout, start
        for row in range(start, table.n_rows):
            self.row(table, row, layout, continues and row == start)
        self.open_row = table.open_bottom
        self.carried = self.merged_at_bottom(table, layout)
        return True

    def card(self, table: ExtractedTable) -> bool:
        """One small table per action: the text across the top, its fields named under it, their
        values below (one row per task when there are several)."""
        found = card_layout(table)
        if found is None:
            return False
        header_row, layout = found
        self.w.table_read(table.page)
        self.w.ensure_priority(table.page)
        title = next(c for r in range(header_row) for c in row_cells(table, r) if c and c.text.strip())
        self.w.action = action = self.new_record(title, table.page, Level.ACTION, None)
        self.layout, self.top, self.carry = layout, header_row + 1, {}
        rows = [r for r in range(header_row + 1, table.n_rows) if any(c and c.text.strip() for c in row_cells(table, r))]
        for row in rows:
            by_role = self.cells_by_role(table, row, layout.roles)
            if len(rows) == 1:
                self.fill_fields(action, by_role, table.page)
            else:
                self.sub_row_task(by_role, table.page)
        self.open_row = table.open_bottom  # a card cut by a page break goes on at the top of the next page
        return True

    def text_card(self, table: ExtractedTable) -> bool:
        """A text card (extract/readers/text_cards.py): the title is the action, the paragraph under it
        its description, and each labelled line a field, by what its label names. A label naming
        several ('Lead Partners:') lists them between commas and a last 'and'."""
        self.w.table_read(table.page)
        self.w.ensure_priority(table.page)
        grid = table.grid()
        self.w.action = action = self.new_record(grid[0][0], table.page, Level.ACTION, None)
        self.layout, self.open_row = None, False
        by_role: dict[ColumnRole, list[Cell]] = {}
        for label, value in grid[1:]:
            if value is None:
                action.extra["description"] = clean_text(label.text) or ""
                continue
            name = (clean_text(label.text) or "").rstrip(":")
            role = role_of_header(name)
            if role == ColumnRole.LEAD and listing_label().search(name):
                self.set_listed_leads(action, value, table.page)
            else:
                by_role.setdefault(role, []).append(value)
        self.fill_fields(action, by_role, table.page)
        return True

    def set_listed_leads(self, record: ActionRecord, cell: Cell, page: int) -> None:
        """Leads listed between commas and a last 'and' ('A, B, and C'): one lead each."""
        self.set_leads(record, cell_lines(cell), cell, page)
        items = [item for item in LIST_SPLIT_RE.split(record.leads_raw or "") if item]
        record.leads = [lead for item in items for lead in parse_leads([item], self.w.legends.abbreviations)]

    @staticmethod
    def merged_at_bottom(table: ExtractedTable, layout: Layout) -> dict[int, Cell]:
        """The field cells of the table's last row: a cell merged over rows that a page break cuts goes
        on, blank, at the top of the next page, and its value belongs to the rows it covers there."""
        out = {}
        for col, cell in enumerate(cells_covering(table, table.n_rows - 1) if table.n_rows else []):
            if cell is not None and layout.roles[col] not in STARTING_ROLES and cell.text.strip():
                out[col] = cell
        return out

    def headerless(self, table: ExtractedTable) -> bool:
        """A table with no header that goes on from no other: read when its cells show an action table,
        or when a time frame heading stands right above it and its cells hold prose."""
        timeframe = self.w.timeframe_on(table.page)
        layout = headerless_layout(table, under_timeframe=timeframe is not None and timeframe.fresh)
        if layout is None:
            return False
        self.w.table_read(table.page)
        self.layout = layout
        for row in range(table.n_rows):
            self.row(table, row, layout, False)
        self.open_row = table.open_bottom
        return True

    def outline(self, table: ExtractedTable) -> bool:
        """A table of outlines (normalise/outline.py): each label a priority, each bold objective an
        area in it, each strategy an action. The labels name this table's rows only: what the walk
        stood in before the table holds again after it."""
        if not is_outline_table(table):
            return False
        self.w.table_read(table.page)
        before = (self.w.priority, self.w.aim, self.w.action)
        for row in range(table.n_rows):
            label, body = row_cells(table, row)
            if label is not None and flat(label):
                self.w.heading(Heading("priority", None, flat(label)), table.page, label)
            if body is None or not is_outline(body):
                continue
            read = read_outline(body)
            self.w.ensure_priority(table.page)
            area = self.w.start_area(None, read.objective, table.page, body)
            for text in read.strategies:
                record = self.new_record(body, table.page, Level.ACTION, None, [text], parent=area)
                record.parent_ref = area.ref or self.w.priority_ref  # the nearest ref printed or counted above
        self.w.priority, self.w.aim, self.w.action = before
        self.layout, self.open_row = None, False
        return True

    def banner_row(self, table: ExtractedTable, row: int, roles: list[ColumnRole] | None) -> bool:
        """A row that is one wide cell: a heading, a label or a note; True when it was one."""
        starts = row_cells(table, row)
        banner = banner_cell(starts, table, roles)
        if banner is None:
            return False
        rag_cells = [c for c in starts if c and c is not banner and roles and roles[c.col] == ColumnRole.RAG]
        if roles and ColumnRole.TASK in roles and ColumnRole.ACTION not in roles and self.is_parent_action(banner):
            # a numbered row across a table of tasks: the action those tasks belong to
            self.w.ensure_priority(table.page)
            self.w.action = self.new_record(banner, table.page, Level.ACTION, None)
            self.banner_parent = True
            if rag_cells:
                self.fill_fields(self.w.action, {ColumnRole.RAG: rag_cells}, table.page)
            return True
        heading = read_heading(banner.text, self.w.labels)
        if heading.kind == "none":
            return roles is None or len(banner.text.split()) > 20  # a note across the table, not a row
        self.group_text.clear()
        return self.w.heading(heading, table.page, banner, rag_cells)

    def timeframe_row(self, starts: list[Cell | None], roles: list[ColumnRole], page: int) -> bool:
        """A row holding only a time frame heading in a text column ('Long Term Policy'): the rows under it
        take it as their deadline."""
        filled = [c for c in starts if c and c.text.strip()]
        if len(filled) != 1 or roles[filled[0].col] not in STARTING_ROLES | {ColumnRole.DETAIL}:
            return False
        heading = read_heading(filled[0].text, banner=False)
        return heading.kind == "timeframe" and self.w.heading(heading, page, filled[0])

    @staticmethod
    def is_parent_action(cell: Cell) -> bool:
        text = clean_text(cell.text) or ""
        ref, _, _ = split_ref(text)
        return ref is not None and parse_priority_heading(text) is None

    def row(self, table: ExtractedTable, row: int, layout: Layout, maybe_continued: bool) -> None:
        page, roles = table.page, layout.roles
        starts = row_cells(table, row)
        if self.is_header_repeat(starts, layout) or self.banner_row(table, row, roles) or self.timeframe_row(starts, roles, page):
            return
        by_role = self.cells_by_role(table, row, roles)
        if not any(c.text.strip() for c in starts if c):
            return
        if maybe_continued and self.is_continuation(by_role, roles, starts):
            if ColumnRole.ACTION in roles and ColumnRole.TASK in roles:
                self.continue_tasks(by_role, page)
            else:
                self.continue_record(by_role, page)
            return
        self.w.ensure_priority(page)
        self.group(by_role, page)
        ref_cell = self.first(by_role, ColumnRole.REF)
        ref_text = clean_text(ref_cell.text) if ref_cell else None
        action_cell = self.first(by_role, ColumnRole.ACTION)
        if (aim := self.first(by_role, ColumnRole.AIM)) and aim.text.strip():  # a blank aim cell opens nothing
            # the number beside an aim is the aim's when it spans the same rows, or when the action
            # prints a ref of its own ('a) ...')
            ref_is_aims = ref_cell is not None and (
                action_cell is None or ref_cell.row_span == aim.row_span != action_cell.row_span
                or split_ref(strip_bullet(clean_text(action_cell.text) or ""))[0] is not None)
            self.start_aim(aim, page, ref_text if ref_is_aims else None)
            ref_text = None if ref_is_aims else ref_text
        task_cell = self.first(by_role, ColumnRole.TASK)
        has_task_column, has_action_column = ColumnRole.TASK in roles, ColumnRole.ACTION in roles
        if action_cell is not None and self.repeats_action(action_cell):
            action_cell = None  # the action printed again on each of its task rows: the same action
        if action_cell and action_cell.text.strip():
            label, lines = split_label(action_cell)
            if label:
                self.w.label = label
            self.w.action = self.new_record(action_cell, page, Level.ACTION, ref_text, lines)
            self.sub_rows = action_cell.row_span > 1 and not has_task_column
            if self.sub_rows:
                self.sub_row_task(by_role, page)
                return
            if not has_task_column or not (task_cell and task_cell.text.strip()):
                self.fill_fields(self.w.action, by_role, page)
                return
        if task_cell and task_cell.text.strip():
            parent = self.w.action if has_action_column or self.banner_parent and self.w.action else self.w.aim
            self.tasks(task_cell, by_role, page, parent, None if has_action_column else ref_text)
        elif action_cell is None and self.w.action is not None and has_action_column:
            if self.sub_rows:
                self.sub_row_task(by_role, page)
            else:
                self.fill_fields(self.w.action, by_role, page)

    def repeats_action(self, cell: Cell) -> bool:
        """The cell prints the current action's text again (with its tasks beside it, in their own column)."""
        current = self.w.action
        if current is None or self.layout is None or ColumnRole.TASK not in self.layout.roles:
            return False
        ref, _, text = split_ref(item_text(cell_lines(cell)))
        return text == current.text and ref == current.ref

    @staticmethod
    def first(by_role: dict[ColumnRole, list[Cell]], role: ColumnRole) -> Cell | None:
        return (by_role.get(role) or [None])[0]

    def cells_by_role(self, table: ExtractedTable, row: int, roles: list[ColumnRole]) -> dict[ColumnRole, list[Cell]]:
        """The row's cells by role: text columns where a cell starts, field columns wherever a cell
        covers the row (a Lead or Timescale cell merged over several rows belongs to each of them,
        on the next page too, where the blank rest of the merged cell stands for it)."""
        starts, covering = row_cells(table, row), cells_covering(table, row)
        by_role: dict[ColumnRole, list[Cell]] = {}
        for col, role in enumerate(roles):
            cell = starts[col] if role in STARTING_ROLES else covering[col]
            if cell is not None and col in self.carry and cell.row == self.top and cell.row_span > 1 and not cell.text.strip():
                cell = self.carry[col].model_copy(update={"col": col})
                self.carried_copies.add(id(cell))
            if cell is not None and cell.col == col:  # a cell spanning columns counts once, at its first
                by_role.setdefault(role, []).append(cell)
        return by_role

    @staticmethod
    def is_header_repeat(cells: list[Cell | None], layout: Layout) -> bool:
        texts = [flat(c) for c in cells if c and c.text.strip()]
        return bool(texts) and all(t in layout.headers for t in texts)

    # -- groups and aims ----------------------------------------------------------------------
    def group(self, by_role: dict[ColumnRole, list[Cell]], page: int) -> None:
        """Grouping columns (Committee, Strategy): a new value opens a new group for the rows under
        it; of two grouping columns the outer one is the priority, the inner one an area in it."""
        cells = sorted(by_role.get(ColumnRole.GROUP, []), key=lambda c: c.col)
        for depth, cell in enumerate(cells):
            text = clean_text(cell.text)
            if not text or self.group_text.get(cell.col) == text:
                continue
            self.group_text[cell.col] = text
            for inner in (c.col for c in cells[depth + 1:]):
                self.group_text.pop(inner, None)
            ref, flags, rest = split_ref(text)
            if depth == 0 and len(cells) > 1:
                self.w.heading(Heading("priority", ref, rest), page, cell)
            elif (known := self.areas.get((self.w.priority_ref, self.w.priority and self.w.priority.title, text))) is not None:
                self.w.aim, self.w.action = known, None  # a group printed again further down: the same one
            else:
                self.areas[(self.w.priority_ref, self.w.priority and self.w.priority.title, text)] = \
                    self.w.start_area(ref, rest, page, cell, flags=flags)

    def start_aim(self, cell: Cell, page: int, ref_text: str | None) -> None:
        ref, flags, rest = split_ref(clean_text(cell.text) or "")
        self.w.start_area(ref or ref_text, rest, page, cell, flags=flags)

    # -- records ------------------------------------------------------------------------------
    def new_record(self, cell: Cell, page: int, level: Level, ref_text: str | None,
                   lines: list[str] | None = None, parent: ActionRecord | None = None) -> ActionRecord:
        lines = lines if lines is not None else cell_lines(cell)
        word_rag = rating_alone(lines[0]) if len(lines) > 1 else None  # 'Amber' on a line of its own over the text
        word_rag, text = (word_rag, item_text(lines[1:])) if word_rag else split_rag_prefix(item_text(lines))
        ref, flags, rest = split_ref(text)
        rest, mark = self.w.legends.split_mark(rest)
        if ref_text and ref is None:  # a ref printed in the text itself wins over the ref column
            printed_ref, ref_flags, _ = split_ref(ref_text)
            ref, flags = printed_ref or ref_text, ref_flags + flags
        if parent is None and level == Level.ACTION:
            parent = self.w.aim
        record = ActionRecord(ref=ref, flags=flags, level=level, text=rest,
                              parent_ref=parent.ref if parent else self.w.printed_priority_ref,
                              priority_ref=self.w.priority_ref, page=page, provenance={"text": prov(cell, page)})
        if word_rag:
            record.rag, record.rag_source, record.status_raw = word_rag, "word", word_rag.value
        elif mark:
            record.status_raw = mark  # its meaning is the key's ('Already In Place'), no rating
        return self.w.add(record, parent)

    def sub_row_task(self, by_role: dict[ColumnRole, list[Cell]], page: int) -> None:
        """An action cell spanning rows that each have their own fields: each row is a task of it."""
        text_cell = next((cells[0] for role in (ColumnRole.DETAIL, ColumnRole.MEASURE, ColumnRole.PROGRESS)
                          if (cells := by_role.get(role)) and cells[0].text.strip() and cells[0].row_span == 1), None)
        if text_cell is None:
            self.fill_fields(self.w.action, by_role, page)
            return
        record = self.new_record(text_cell, page, Level.TASK, None, parent=self.w.action)
        record.text = clean_text(text_cell.text) or ""
        self.fill_fields(record, by_role, page)

    def tasks(self, task_cell: Cell, by_role: dict[ColumnRole, list[Cell]], page: int,
              parent: ActionRecord | None, ref_text: str | None, items: list[list[TextLine]] | None = None,
              open_start: bool = True) -> None:
        """One task per top-level bullet; per-bullet deadlines/leads are matched by height."""
        given = items is not None
        items = items or split_items_with_tops(task_cell.lines)
        deadline_tops = [ln.bbox[1] for c in by_role.get(ColumnRole.DEADLINE, []) for ln in c.lines]
        items = split_sub_items_with_own_values(items, deadline_tops)
        if len(items) <= 1 or not all(is_bullet(lines[0].text) for lines in items[1:]):
            lines = [ln.text for group in items for ln in group] if given else None
            record = self.new_record(task_cell, page, Level.TASK, ref_text, lines, parent=parent)
            self.fill_fields(record, by_role, page)
            self.previous_task = record
            return
        previous = None
        for lines, band in zip(items, item_bands(items, open_start)):
            record = self.new_record(task_cell, page, Level.TASK, None, [ln.text for ln in lines], parent=parent)
            self.fill_fields(record, by_role, page, band=band)
            if previous is not None and not record.deadline.raw and previous.deadline.raw \
                    and self.single_value(by_role, ColumnRole.DEADLINE):
                record.deadline = previous.deadline
            if previous is not None and not record.leads and self.single_value(by_role, ColumnRole.LEAD):
                record.leads, record.leads_raw = previous.leads, previous.leads_raw
            previous = record
        self.previous_task = previous

    @staticmethod
    def single_value(by_role, role) -> bool:
        cells = by_role.get(role) or []
        return len(cells) == 1 and len(cells[0].lines) <= 3

    # -- fields -------------------------------------------------------------------------------
    def fill_fields(self, record: ActionRecord, by_role: dict[ColumnRole, list[Cell]], page: int,
                    band: tuple[float, float] | None = None) -> None:
        def lines_of(cells: list[Cell]) -> list[str]:
            return [ln.text for c in cells for ln in c.lines if band is None or band[0] <= ln.bbox[1] < band[1]]

        for role, name in TEXT_FIELDS.items():
            if cells := by_role.get(role):
                if text := clean_text("\n".join(lines_of(cells))):
                    setattr(record, name, text)
                    record.provenance[name] = prov(cells[0], page)
        if (cells := by_role.get(ColumnRole.ACTUAL)) and not record.progress:
            if (text := clean_text("\n".join(lines_of(cells)))) and not is_placeholder(text):
                record.progress = text
                record.provenance["progress"] = prov(cells[0], page)
        self.fill_deadline(record, by_role, page, lines_of)
        if cells := by_role.get(ColumnRole.LEAD):
            lines = [ln for ln in lines_of(cells) if not is_placeholder(ln)]
            if lines:
                self.set_leads(record, lines, cells[0], page)
        if (cells := by_role.get(ColumnRole.RAG)) and band is None:
            rating, source, conflict, status = read_rag(cells, self.w.legends.ratings)
            if rating or status:
                record.rag, record.rag_source, record.rag_conflict, record.status_raw = rating, source, conflict, status
                record.provenance["rag"] = prov(cells[0], page)
        for role in (ColumnRole.EXTRA, ColumnRole.DIRECTION):
            for cell in by_role.get(role, []):
                if (text := clean_text(cell.text)) and self.layout:
                    record.extra[self.layout.headers[cell.col] or role.value] = text

    def fill_deadline(self, record: ActionRecord, by_role: dict[ColumnRole, list[Cell]], page: int, lines_of) -> None:
        """The deadline printed for the row: the current version's date when the table has several
        date columns, or the header of the timescale column marked with an X."""
        deadlines = by_role.get(ColumnRole.DEADLINE, [])
        if self.layout and len(deadlines) > 1:
            order = {col: i for i, col in enumerate(self.layout.deadline_columns)}
            deadlines = sorted(deadlines, key=lambda c: order.get(c.col, len(order)))
        for cell in deadlines:
            raw = clean_text("\n".join(lines_of([cell])))
            if not is_placeholder(raw):
                record.deadline = self.w.legends.deadline(raw, self.w.period_end)
                record.provenance["deadline"] = prov(cell, page)
                return
        for cell in by_role.get(ColumnRole.TIMESCALE, []):
            if is_mark(clean_text(cell.text)) and self.layout:
                header = self.layout.headers[cell.col]
                record.deadline = self.w.legends.deadline(header, self.w.period_end)
                record.provenance["deadline"] = prov(cell, page)
                return
        if (timeframe := self.w.timeframe_on(page)) is not None:  # 'Short Term Policy' over the rows
            record.deadline = self.w.legends.deadline(timeframe.text, self.w.period_end)
            record.provenance["deadline"] = timeframe.provenance

    def set_leads(self, record: ActionRecord, lines: list[str], cell: Cell, page: int) -> None:
        record.lead_lines = lines
        record.leads = parse_leads(lines, self.w.legends.abbreviations)
        record.leads_raw = " ".join(" ".join(lines).split()) or None
        record.provenance["leads"] = prov(cell, page)

    # -- rows cut by a page break -------------------------------------------------------------
    def is_continuation(self, by_role: dict[ColumnRole, list[Cell]], roles: list[ColumnRole],
                        starts: list[Cell | None]) -> bool:
        """Does the first row on a page carry on the record cut by the page break?"""
        if self.w.last is None:
            return False
        text_cells = by_role.get(ColumnRole.ACTION) or by_role.get(ColumnRole.TASK) or []
        text = " ".join(c.text for c in text_cells).strip()
        printed_ref = split_ref(strip_bullet(text.splitlines()[0]))[0] if text else None
        if self.open_row:  # a row left open goes on, unless this one prints the next ref ('b)' after 'a)'):
            return not next_ref(self.w.last.ref, printed_ref)  # a scan may lose the rule that closed it
        if ColumnRole.REF in roles:
            # in a numbered table, a row without its number carries on the last one, unless its
            # text prints a number of its own ('o) Ensure ...' under an aim's number)
            return not any(c.text.strip() for c in by_role.get(ColumnRole.REF, [])) and printed_ref is None
        if not text or CONTD_RE.search(text) or SUB_BULLET_RE.match(text):
            return True
        return printed_ref is None and (self.w.last.ref is not None or text[:1].islower())

    def continue_tasks(self, by_role: dict[ColumnRole, list[Cell]], page: int) -> None:
        """A row of an action/tasks table carried over a page break.

        Action text goes on the current action; a first task item that starts with neither a
        bullet nor a reference finishes the last task; every other item is a new task.
        """
        action_text = clean_text("\n".join(c.text for c in by_role.get(ColumnRole.ACTION, [])))
        if action_text and self.w.action is not None:
            self.w.action.text = join_lines([self.w.action.text, action_text])
        fields_only = {r: c for r, c in by_role.items() if r not in (ColumnRole.ACTION, ColumnRole.TASK)}
        task_cell = self.first(by_role, ColumnRole.TASK)
        if task_cell is None or not task_cell.text.strip():
            self.continue_record(fields_only, page)
            return
        items = split_items_with_tops(task_cell.lines)
        first_line = items[0][0].text
        starts_new = (is_bullet(first_line) and not SUB_BULLET_RE.match(first_line)
                      or split_ref(strip_bullet(first_line))[0] is not None)
        if starts_new:
            self.tasks(task_cell, by_role, page, self.w.action, None, items)
            return
        last = self.w.last
        last.text = join_lines([last.text, item_text([ln.text for ln in items[0]])])
        if len(items) == 1:
            self.continue_record(fields_only, page)
        else:
            self.tasks(task_cell, by_role, page, self.w.action, None, items[1:], open_start=False)

    def continue_record(self, by_role: dict[ColumnRole, list[Cell]], page: int) -> None:
        record = self.w.last
        for role, cells in by_role.items():
            cells = [c for c in cells if id(c) not in self.carried_copies]  # the cut record has that value already
            text = clean_text(CONTD_RE.sub("", "\n".join(c.text for c in cells)))
            if not text:
                continue
            if role in (ColumnRole.TASK, ColumnRole.ACTION):
                record.text = join_lines([record.text, text])
            elif role in TEXT_FIELDS:
                name = TEXT_FIELDS[role]
                old = getattr(record, name)
                setattr(record, name, join_lines([old, text]) if old else text)
            elif role == ColumnRole.LEAD:
                self.set_leads(record, record.lead_lines + [line for c in cells for line in cell_lines(c)], cells[0], page)
            elif role == ColumnRole.DEADLINE and not record.deadline.raw:
                record.deadline = self.w.legends.deadline(text, self.w.period_end)
            elif role == ColumnRole.RAG and record.rag is None:
                record.rag, record.rag_source, record.rag_conflict, record.status_raw = read_rag(cells, self.w.legends.ratings)
