"""Assemble action and KPI records from extracted tables, whatever their column order.

The walk keeps a little state across pages (the current priority, aim, action and the
column roles of the last action table) because published plans break rows and tables
across pages and print headers only once per page, if at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.records import Cell, ExtractedDocument, ExtractedTable, TextLine

from .columns import KPI_NAME_RE, ColumnRole, assign_roles, is_action_table, is_kpi_table, period_of, value_kind
from .deadlines import parse_deadline
from .leads import parse_leads
from .rag import combine_rag, rag_from_colour, rag_from_word, split_rag_prefix
from .records import ActionRecord, GenericTable, Level, Measure, MeasureValue, Priority, Provenance
from .refs import parse_priority_heading, split_ref
from .text import SUB_BULLET_RE, clean_text, is_bullet, item_text, join_lines, split_items, strip_bullet

CONTD_RE = re.compile(r"\[?\(?\s*cont(?:inue)?['’]?d\.?(?: from (?:last|previous) page)?\s*\)?\]?", re.I)
NUMBER_RE = re.compile(r"^[<>≥≤~]?\s*[-−]?\s*£?\s*(\d[\d,]*(?:\.\d+)?)\s*(%|k|m|bn)?\s*$", re.I)
FIELD_ROLES = {
    ColumnRole.PROGRESS: "progress", ColumnRole.NEXT_STEPS: "next_steps",
    ColumnRole.MEASURE: "measure_of_success", ColumnRole.DETAIL: "detail", ColumnRole.AGENCY: "agency",
}
ALIGN_TOLERANCE = 3.0  # points a deadline line may sit above the bullet it belongs to


@dataclass
class Layout:
    """What each grid column of an action table holds, carried to header-less continuation pages."""

    roles: list[ColumnRole]
    headers: list[str]
    col_x: list[float]  # left edge of each grid column, to match continuation tables by geometry


@dataclass
class Walk:
    priorities: list[Priority] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    generic: list[GenericTable] = field(default_factory=list)
    theme: str | None = None
    priority: Priority | None = None
    aim: ActionRecord | None = None
    action: ActionRecord | None = None
    last: ActionRecord | None = None  # the record a row cut by a page break continues
    layout: Layout | None = None
    kpi_header: list[str] | None = None
    table_columns: list[str] = field(default_factory=list)
    abbreviations: dict[str, str] = field(default_factory=dict)
    period_end = None


def cell_lines(cell: Cell | None) -> list[str]:
    return [line.text for line in cell.lines] if cell else []


def row_cells(table: ExtractedTable, row: int) -> list[Cell | None]:
    """The cells that start in a row, by grid column (None where a span from the left or above covers it)."""
    out: list[Cell | None] = [None] * table.n_cols
    for cell in table.cells:
        if cell.row == row:
            out[cell.col] = cell
    return out


def cells_covering(table: ExtractedTable, row: int) -> list[Cell | None]:
    """Like row_cells, but a cell spanning rows from above is reported in every row it covers."""
    out: list[Cell | None] = [None] * table.n_cols
    for cell in table.cells:
        if cell.row <= row < cell.row + cell.row_span:
            for c in range(cell.col, min(cell.col + cell.col_span, table.n_cols)):
                out[c] = cell
    return out


def header_roles(table: ExtractedTable, row: int) -> tuple[list[str], list[ColumnRole]] | None:
    """Headers and roles per grid column if this row reads as an action-table header."""
    headers = [""] * table.n_cols
    for cell in row_cells(table, row):
        if cell:
            for c in range(cell.col, min(cell.col + cell.col_span, table.n_cols)):
                headers[c] = " ".join(cell.text.split())
    roles = infer_unknown_roles(table, row, assign_roles(headers))
    return (headers, roles) if is_action_table(roles) else None


def infer_unknown_roles(table: ExtractedTable, header_row: int, roles: list[ColumnRole]) -> list[ColumnRole]:
    """Columns whose header says nothing are read by their cells: dates are deadlines,
    rating words or rating colours are RAG."""
    out = list(roles)
    for col, role in enumerate(roles):
        if role != ColumnRole.UNKNOWN:
            continue
        cells = [c for c in table.cells if c.col == col and c.row > header_row and c.col_span == 1]
        texts = [clean_text(c.text) for c in cells]
        filled = [t for t in texts if t]
        if filled and sum(parse_deadline(t).kind.value != "none" for t in filled) >= 0.8 * len(filled):
            out[col] = ColumnRole.DEADLINE
        elif cells and sum(bool(rag_from_word(t) or rag_from_colour(c.fill)) for c, t in zip(cells, texts)) >= 0.8 * len(cells):
            out[col] = ColumnRole.RAG
    return out


def is_header_repeat(cells: list[Cell | None], layout: Layout) -> bool:
    texts = [" ".join(c.text.split()) for c in cells if c and c.text.strip()]
    return bool(texts) and all(t in layout.headers for t in texts)


def same_geometry(table: ExtractedTable, layout: Layout) -> bool:
    xs = sorted({c.bbox[0] for c in table.cells if c.col_span == 1})
    if len(xs) != len(layout.col_x):
        return False
    return all(abs(a - b) < 4 for a, b in zip(xs, layout.col_x))


def column_lefts(table: ExtractedTable) -> list[float]:
    lefts = [0.0] * table.n_cols
    for cell in table.cells:
        if cell.col_span == 1:
            lefts[cell.col] = cell.bbox[0]
    return lefts


def banner_text(cells: list[Cell | None], table: ExtractedTable, roles: list[ColumnRole] | None) -> Cell | None:
    """A full-width heading row: one text cell spanning most columns, other cells blank or RAG."""
    filled = [c for c in cells if c and c.text.strip()]
    wide = [c for c in filled if c.col_span >= max(2, table.n_cols // 2)]
    if len(wide) != 1:
        return None
    others = [c for c in filled if c is not wide[0]]
    if roles and any(roles[c.col] != ColumnRole.RAG for c in others):
        return None
    return wide[0]


def read_rag(cells: list[Cell], own_text: str | None = None):
    word = None
    for cell in cells:
        word = word or rag_from_word(clean_text(cell.text))
    colour = None
    for cell in cells:
        colour = colour or rag_from_colour(cell.fill)
    return combine_rag(word, colour)


def prov(cell: Cell | None, page: int) -> Provenance:
    return Provenance(page=page, bbox=cell.bbox if cell else None)


class Assembler:
    """Walks a document's tables in reading order and emits records."""

    def __init__(self, doc: ExtractedDocument, abbreviations: dict[str, str], period_end=None,
                 known_priorities: dict[str, Priority] | None = None):
        self.doc = doc
        self.w = Walk(abbreviations=abbreviations)
        self.period_end = period_end
        self.known = known_priorities or {}
        self.open_row = False  # the last action table ended in a row cut by the page break
        self.sub_rows = False  # the current action spans rows that are its tasks
        self.lead_lines: dict[int, list[str]] = {}  # id(record) -> lead lines, to extend on the next page

    # -- priorities ---------------------------------------------------------------------------
    def heading(self, text: str, page: int, cell: Cell | None = None, rag_cells: list[Cell] | None = None) -> bool:
        """Handle a banner or page heading; True if it set a theme or priority."""
        text = " ".join(text.split())
        contd = bool(CONTD_RE.search(text))
        text = CONTD_RE.sub("", text).strip(" -–:")
        parsed = parse_priority_heading(text)
        if parsed is None:
            if text.isupper() and len(text) < 60 and cell is not None:
                self.w.theme = text
                return True
            return False
        ref, title = parsed
        if ref is None:
            known = self.lookup_priority(title)
            if known is None:
                if contd and self.w.priority:
                    return True
                ref = str(len(self.w.priorities) + 1)
            else:
                ref, title = known.ref, known.title
        existing = next((p for p in self.w.priorities if p.ref == ref), None)
        if existing is None or not contd and existing.title != title and title:
            if existing is None:
                existing = Priority(ref=ref, title=title or (self.known.get(ref).title if ref in self.known else ""),
                                    theme=self.w.theme, page=page)
                self.w.priorities.append(existing)
        self.w.priority = existing
        self.w.aim = self.w.action = None
        if not contd:
            self.w.last = None  # a new priority starts with a new row, never a carried-over one
        rating, source, conflict = read_rag(rag_cells or [])
        if rating and cell is not None:
            record = ActionRecord(ref=ref, level=Level.PRIORITY_AREA, priority_ref=ref, text=existing.title,
                                  rag=rating, rag_source=source, rag_conflict=conflict, page=page,
                                  provenance={"text": prov(cell, page)})
            self.w.actions.append(record)
            self.w.aim = record
        return True

    def lookup_priority(self, title: str) -> Priority | None:
        key = title.lower().strip()
        for p in self.known.values():
            if p.title and (p.title.lower() == key or key and p.title.lower().startswith(key)):
                return p
        return None

    # -- tables -------------------------------------------------------------------------------
    def table(self, table: ExtractedTable, first_on_page: bool) -> None:
        start = 0
        layout = None
        for row in range(min(3, table.n_rows)):
            found = header_roles(table, row)
            if found:
                headers, roles = found
                layout = Layout(roles=roles, headers=headers, col_x=column_lefts(table))
                if not self.w.table_columns:
                    self.w.table_columns = [h for i, h in enumerate(headers) if h and (i == 0 or headers[i - 1] != h)]
                start = row + 1
                break
        if layout is None and self.w.layout and same_geometry(table, self.w.layout):
            layout = self.w.layout
        if layout is None:
            self.other_table(table)
            self.open_row = False
            return
        continues = first_on_page and self.w.layout is not None and same_geometry(table, self.w.layout)
        self.w.layout = layout
        for row in range(start, table.n_rows):
            self.action_row(table, row, layout, continues and row == start)
        self.open_row = table.open_bottom

    def action_row(self, table: ExtractedTable, row: int, layout: Layout, maybe_continued: bool) -> None:
        page = table.page
        starts = row_cells(table, row)
        if is_header_repeat(starts, layout):
            return
        roles = layout.roles
        banner = banner_text(starts, table, roles)
        if banner is not None:
            rag_cells = [c for c in starts if c and c is not banner and roles[c.col] == ColumnRole.RAG]
            if self.heading(banner.text, page, banner, rag_cells):
                return
        by_role: dict[ColumnRole, list[Cell]] = {}
        for cell in starts:
            if cell is not None:
                by_role.setdefault(roles[cell.col], []).append(cell)
        if not any(c.text.strip() for c in starts if c):
            return
        if maybe_continued and self.is_continuation(by_role, roles):
            if ColumnRole.ACTION in roles and ColumnRole.TASK in roles:
                self.continue_tasks(by_role, page)
            else:
                self.continue_record(by_role, page)
            return
        ref_cell = (by_role.get(ColumnRole.REF) or [None])[0]
        ref_text = clean_text(ref_cell.text) if ref_cell else None
        action_cell = (by_role.get(ColumnRole.ACTION) or [None])[0]
        if aim := (by_role.get(ColumnRole.AIM) or [None])[0]:
            # the number beside a multi-row aim is the aim's when it spans the same rows
            ref_is_aims = ref_cell is not None and (action_cell is None or ref_cell.row_span == aim.row_span != action_cell.row_span)
            self.start_aim(aim, page, ref_text if ref_is_aims else None)
            ref_text = None if ref_is_aims else ref_text
        task_cell = (by_role.get(ColumnRole.TASK) or [None])[0]
        has_task_column = ColumnRole.TASK in roles
        has_action_column = ColumnRole.ACTION in roles
        if action_cell and action_cell.text.strip():
            self.w.action = self.new_record(action_cell, page, Level.ACTION, ref_text)
            self.sub_rows = action_cell.row_span > 1 and not has_task_column
            if self.sub_rows:
                self.sub_row_task(by_role, page)
                return
            if not has_task_column or not (task_cell and task_cell.text.strip()):
                self.fill_fields(self.w.action, by_role, page)
                return
        if task_cell and task_cell.text.strip():
            parent = self.w.action if has_action_column else self.w.aim
            self.tasks(task_cell, by_role, page, parent, None if has_action_column else ref_text)
        elif action_cell is None and self.w.action is not None and has_action_column:
            if self.sub_rows:
                self.sub_row_task(by_role, page)
            else:
                self.fill_fields(self.w.action, by_role, page)

    def sub_row_task(self, by_role: dict[ColumnRole, list[Cell]], page: int) -> None:
        """An action cell spanning rows that each have their own fields: each row is a task of it."""
        text_cell = next((cells[0] for role in (ColumnRole.DETAIL, ColumnRole.MEASURE, ColumnRole.PROGRESS)
                          if (cells := by_role.get(role)) and cells[0].text.strip()), None)
        if text_cell is None:
            self.fill_fields(self.w.action, by_role, page)
            return
        record = self.new_record(text_cell, page, Level.TASK, None, parent=self.w.action)
        record.text = clean_text(text_cell.text) or ""
        self.fill_fields(record, by_role, page)

    def is_continuation(self, by_role: dict[ColumnRole, list[Cell]], roles: list[ColumnRole]) -> bool:
        """Does the first row on a page carry on the record cut by the page break?"""
        if self.w.last is None:
            return False
        if self.open_row:
            return True
        if ColumnRole.REF in roles:
            # in a numbered table, a row without its number carries on the last one
            return not any(c.text.strip() for c in by_role.get(ColumnRole.REF, []))
        text_cells = by_role.get(ColumnRole.ACTION) or by_role.get(ColumnRole.TASK) or []
        text = " ".join(c.text for c in text_cells).strip()
        if not text or CONTD_RE.search(text) or SUB_BULLET_RE.match(text):
            return True
        ref, _, _ = split_ref(strip_bullet(text.splitlines()[0]))
        return ref is None and (self.w.last.ref is not None or text[:1].islower())

    def continue_tasks(self, by_role: dict[ColumnRole, list[Cell]], page: int) -> None:
        """A row of an action/tasks table carried over a page break.

        Action text goes on the current action; a first task item that starts with neither a
        bullet nor a reference finishes the last task; every other item is a new task.
        """
        action_text = clean_text("\n".join(c.text for c in by_role.get(ColumnRole.ACTION, [])))
        if action_text and self.w.action is not None:
            self.w.action.text = join_lines([self.w.action.text, action_text])
        fields_only = {r: c for r, c in by_role.items() if r not in (ColumnRole.ACTION, ColumnRole.TASK)}
        task_cell = (by_role.get(ColumnRole.TASK) or [None])[0]
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
            text = clean_text(CONTD_RE.sub("", "\n".join(c.text for c in cells)))
            if not text:
                continue
            if role in (ColumnRole.TASK, ColumnRole.ACTION):
                record.text = join_lines([record.text, text])
            elif role in FIELD_ROLES:
                name = FIELD_ROLES[role]
                old = getattr(record, name)
                setattr(record, name, join_lines([old, text]) if old else text)
            elif role == ColumnRole.LEAD:
                lines = self.lead_lines.get(id(record), []) + [line for c in cells for line in cell_lines(c)]
                self.set_leads(record, lines, cells[0], page)
            elif role == ColumnRole.DEADLINE and not record.deadline.raw:
                record.deadline = parse_deadline(text, self.period_end)
            elif role == ColumnRole.RAG and record.rag is None:
                record.rag, record.rag_source, record.rag_conflict = read_rag(cells)

    def start_aim(self, cell: Cell, page: int, ref_text: str | None) -> None:
        text = clean_text(cell.text) or ""
        ref, flags, rest = split_ref(text)
        record = ActionRecord(
            ref=ref or ref_text, flags=flags, level=Level.PRIORITY_AREA, text=rest,
            parent_ref=self.w.priority.ref if self.w.priority else None,
            priority_ref=self.w.priority.ref if self.w.priority else None,
            page=page, provenance={"text": prov(cell, page)},
        )
        self.w.actions.append(record)
        self.w.aim, self.w.action = record, None

    def new_record(self, cell: Cell, page: int, level: Level, ref_text: str | None,
                   lines: list[str] | None = None, parent: ActionRecord | None = None) -> ActionRecord:
        text = item_text(lines if lines is not None else cell_lines(cell))
        word_rag, text = split_rag_prefix(text)
        ref, flags, rest = split_ref(text)
        if ref_text and ref is None:  # a ref printed in the text itself wins over the ref column
            printed_ref, ref_flags, _ = split_ref(ref_text)
            ref, flags = printed_ref or ref_text, ref_flags + flags
        priority_ref = self.w.priority.ref if self.w.priority else None
        if parent is None and level == Level.ACTION:
            parent = self.w.aim
        parent_ref = parent.ref if parent else priority_ref
        record = ActionRecord(ref=ref, flags=flags, level=level, text=rest, parent_ref=parent_ref,
                              priority_ref=priority_ref, page=page, provenance={"text": prov(cell, page)})
        if word_rag:
            record.rag, record.rag_source = word_rag, "word"
        self.w.actions.append(record)
        self.w.last = record
        return record

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
            return
        tops = [lines[0].bbox[1] for lines in items]
        for i, lines in enumerate(items):
            record = self.new_record(task_cell, page, Level.TASK, None, [ln.text for ln in lines], parent=parent)
            low = tops[i] - ALIGN_TOLERANCE if i or not open_start else float("-inf")
            high = tops[i + 1] - ALIGN_TOLERANCE if i + 1 < len(tops) else float("inf")
            self.fill_fields(record, by_role, page, band=(low, high))
            if not record.deadline.raw and i and (d := self.w.actions[-2].deadline).raw and self.single_value(by_role, ColumnRole.DEADLINE):
                record.deadline = d
            if not record.leads and i and self.single_value(by_role, ColumnRole.LEAD):
                prev = self.w.actions[-2]
                record.leads, record.leads_raw = prev.leads, prev.leads_raw

    @staticmethod
    def single_value(by_role, role) -> bool:
        cells = by_role.get(role) or []
        return len(cells) == 1 and len(cells[0].lines) <= 3

    def fill_fields(self, record: ActionRecord, by_role: dict[ColumnRole, list[Cell]], page: int,
                    band: tuple[float, float] | None = None) -> None:
        def lines_of(cells: list[Cell]) -> list[str]:
            return [ln.text for c in cells for ln in c.lines if band is None or band[0] <= ln.bbox[1] < band[1]]

        for role, name in FIELD_ROLES.items():
            if cells := by_role.get(role):
                if text := clean_text("\n".join(lines_of(cells))):
                    setattr(record, name, text)
                    record.provenance[name] = prov(cells[0], page)
        if cells := by_role.get(ColumnRole.DEADLINE):
            raw = clean_text("\n".join(lines_of(cells)))
            if raw:
                record.deadline = parse_deadline(raw, self.period_end)
                record.provenance["deadline"] = prov(cells[0], page)
        if cells := by_role.get(ColumnRole.LEAD):
            lines = lines_of(cells)
            if lines:
                self.set_leads(record, lines, cells[0], page)
        if (cells := by_role.get(ColumnRole.RAG)) and band is None:
            rating, source, conflict = read_rag(cells)
            if rating:
                record.rag, record.rag_source, record.rag_conflict = rating, source, conflict
                record.provenance["rag"] = prov(cells[0], page)

    def set_leads(self, record: ActionRecord, lines: list[str], cell: Cell, page: int) -> None:
        self.lead_lines[id(record)] = lines
        record.leads = parse_leads(lines, self.w.abbreviations)
        record.leads_raw = " ".join(" ".join(lines).split()) or None
        record.provenance["leads"] = prov(cell, page)

    # -- KPI and unknown tables ---------------------------------------------------------------
    def other_table(self, table: ExtractedTable) -> None:
        first = [" ".join((c.text if c else "").split()) for c in cells_covering(table, 0)]
        # before any action table, only an explicitly named indicator table counts as KPIs
        if is_kpi_table(first, strict=self.w.layout is None):
            self.kpi_table(table, first, 1)
        elif self.w.kpi_header and table.n_cols == len(self.w.kpi_header):
            self.kpi_table(table, self.w.kpi_header, 0)
        else:
            rows = [[" ".join((c.text if c else "").split()) for c in row_cells(table, r)] for r in range(table.n_rows)]
            if any(any(cell for cell in row) for row in rows):
                self.w.generic.append(GenericTable(page=table.page, header=rows[0], rows=rows[1:]))

    def kpi_table(self, table: ExtractedTable, header: list[str], start: int) -> None:
        self.w.kpi_header = header
        roles = assign_roles(header)
        ref_col = roles.index(ColumnRole.REF) if ColumnRole.REF in roles else None
        name_col = next((i for i, h in enumerate(header) if i != ref_col and KPI_NAME_RE.search(h)),
                        1 if ref_col == 0 and len(header) > 1 else 0)
        for row in range(start, table.n_rows):
            cells = cells_covering(table, row)
            name_cell = cells[name_col]
            if not name_cell or not name_cell.text.strip() or [" ".join(c.text.split()) if c else "" for c in cells] == header:
                continue
            if name_cell.col_span >= table.n_cols - 1:
                continue  # a section heading across the table, not an indicator
            ref_cell = cells[ref_col] if ref_col is not None else None
            ref = clean_text(ref_cell.text) if ref_cell is not None and ref_cell is not name_cell else None
            for name, band in indicator_names(name_cell):
                self.measure(name, ref, band, cells, header, roles, table.page, skip={ref_col, name_col})

    def measure(self, name: str, ref: str | None, band, cells: list[Cell | None], header: list[str], roles,
                page: int, skip: set) -> None:
        printed_ref, _, rest = split_ref(name)
        measure = Measure(ref=ref or printed_ref, priority_ref=self.w.priority.ref if self.w.priority else None,
                          name=rest if printed_ref else name, page=page)
        for col in range(len(cells)):
            cell = cells[col]
            if col in skip or cell is None or (col and cells[col - 1] is cell):
                continue
            if roles[col] == ColumnRole.RAG:
                measure.rag = measure.rag or read_rag([cell])[0]
                continue
            raw = clean_text("\n".join(ln.text for ln in cell.lines if band[0] <= ln.bbox[1] < band[1]))
            if raw is None:
                continue
            label = header[col]
            measure.values.append(MeasureValue(
                column_label=label, value_raw=raw, value_num=parse_number(raw),
                period_label=period_of(label), value_kind=value_kind(label), provenance=prov(cell, page)))
        self.w.measures.append(measure)


def indicator_names(cell: Cell) -> list[tuple[str, tuple[float, float]]]:
    """Indicator names in a name cell with the band of height each one's values sit in.

    'Key Stage 2:' followed by bullets is a group: each bullet is an indicator named
    'Key Stage 2: <bullet>', its values printed level with it in the other columns.
    """
    items = split_items_with_tops(cell.lines)
    everything = (float("-inf"), float("inf"))
    bullets = [group for group in items if is_bullet(group[0].text)]
    if len(bullets) < 2 or is_bullet(items[0][0].text) or len(items) != len(bullets) + 1:
        return [(clean_text(cell.text) or "", everything)]
    heading = join_lines([ln.text for ln in items[0]])
    tops = [group[0].bbox[1] for group in bullets]
    out = []
    for i, group in enumerate(bullets):
        low = tops[i] - ALIGN_TOLERANCE if i else float("-inf")
        high = tops[i + 1] - ALIGN_TOLERANCE if i + 1 < len(tops) else float("inf")
        out.append((f"{heading} {item_text([ln.text for ln in group])}", (low, high)))
    return out


def parse_number(raw: str) -> float | None:
    """'86.12%' -> 86.12, '>800' -> 800, '2,390' -> 2390; words and ranges -> None."""
    m = NUMBER_RE.match(raw.strip())
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return -value if re.match(r"^\s*[<>≥≤~]?\s*[-−]", raw) else value


def split_sub_items_with_own_values(items: list[list[TextLine]], value_tops: list[float]) -> list[list[TextLine]]:
    """A bullet whose '–' sub-items each have a deadline printed level with them is several tasks."""
    out = []
    for lines in items:
        starts = [i for i, ln in enumerate(lines) if i and SUB_BULLET_RE.match(ln.text)]
        if not starts:
            out.append(lines)
            continue
        top, bottom = lines[0].bbox[1] - ALIGN_TOLERANCE, lines[-1].bbox[3]
        values = [t for t in value_tops if top <= t <= bottom]
        sub_tops = [lines[i].bbox[1] for i in starts]
        aligned = sum(any(abs(t - st) <= ALIGN_TOLERANCE for t in values) for st in sub_tops)
        if len(values) > 1 and aligned == len(values) - 1:
            bounds = [0, *starts, len(lines)]
            out += [lines[a:b] for a, b in zip(bounds, bounds[1:])]
        else:
            out.append(lines)
    return out


def split_items_with_tops(lines: list[TextLine]) -> list[list[TextLine]]:
    """split_items over TextLines, keeping each line's box for vertical alignment."""
    grouped = split_items([ln.text for ln in lines])
    out, i = [], 0
    for group in grouped:
        out.append(lines[i:i + len(group)])
        i += len(group)
    return out


def assemble(doc: ExtractedDocument, abbreviations: dict[str, str], period_end=None,
             known_priorities: dict[str, Priority] | None = None) -> Walk:
    """Walk pages top to bottom: loose heading lines and tables interleaved by position."""
    asm = Assembler(doc, abbreviations, period_end, known_priorities)
    for page in doc.pages:
        events: list[tuple[float, object]] = [(t.bbox[1], t) for t in page.tables]
        events += [(ln.bbox[1], ln) for ln in page.lines]
        first = True
        for _, item in sorted(events, key=lambda e: e[0]):
            if isinstance(item, ExtractedTable):
                asm.table(item, first)
                first = False
            elif asm.w.layout is not None or asm.w.kpi_header is not None:
                # headings between tables set the priority; narrative before tables is ignored
                text = item.text
                if parse_priority_heading(text) and len(text) < 200:
                    asm.heading(text, page.number)
    return asm.w
