"""The walk over a document: pages top to bottom, tables and heading lines in reading order.

It keeps a little state across pages (the current priority, area, action and the column roles
of the last action table) because published plans break rows and tables across pages and print
headers only once per page, if at all. Action tables are read by normalise/actions.py, KPI
tables and cards by normalise/kpis.py; a table matching neither is kept as generic rows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from extract.records import Cell, ExtractedDocument, ExtractedTable, TextLine

from .grid import flat, row_cells
from .headings import Heading, label_key, read_heading
from .legends import Legends
from .rag import read_rag
from .records import ActionRecord, GenericTable, Level, Measure, Priority, Provenance


WRAP_GAP = 0.6  # line heights: a line this close under a heading line goes on with it
WRAP_INDENT = 3.0  # points: ... if it starts where the heading line starts
SECTION_MAX_WORDS = 8  # a title over a time frame heading is a few words ('CLEAN ENERGY FINANCING'), not a sentence
SECTION_GAP = 3.0  # line heights: at most this far above the time frame heading under it
UNFINISHED_RE = re.compile(r"(?:\b(?:and|or|of|the|to|for|in|on|with|by|our|a|an)|[,&:;–-])\s*$", re.I)


def prov(cell: Cell | TextLine | None, page: int) -> Provenance:
    return Provenance(page=page, bbox=cell.bbox if cell else None)


@dataclass
class Timeframe:
    """A heading naming a time frame ('Short Term Policy'): the deadline of the rows under it. It holds
    over the tables that follow, page after page, until a page goes by with no plan table read."""

    text: str
    provenance: Provenance
    last_page: int  # the last page a plan table was read on under it
    fresh: bool = True  # no table read since it was printed: it stands right above the next one


@dataclass
class Walk:
    """What the walk has read so far, and where in the document's hierarchy it stands."""

    legends: Legends
    period_end: date | None = None
    known_priorities: dict[str, Priority] = field(default_factory=dict)
    labels: frozenset[str] = frozenset()  # banner texts the document repeats over groups of rows
    priorities: list[Priority] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    generic: list[GenericTable] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)
    theme: str | None = None
    label: str | None = None  # the recurring label over the rows now being read
    priority: Priority | None = None
    aim: ActionRecord | None = None  # the area (priority_area record) the next actions sit in
    action: ActionRecord | None = None  # the action the next tasks sit under
    last: ActionRecord | None = None  # the record a row cut by a page break continues
    pending: tuple[Heading, int, TextLine] | None = None  # a numbered heading line, until a table under it is read
    timeframe: "Timeframe | None" = None  # the time frame heading over the rows now being read
    seq_of: dict[int, int] = field(default_factory=dict)  # id(record) -> its position in actions
    rating_conflicts: list[str] = field(default_factory=list)  # indicators whose rating word and fill disagree

    @property
    def priority_ref(self) -> str | None:
        return self.priority.ref if self.priority else None

    @property
    def printed_priority_ref(self) -> str | None:
        """The priority's ref as the document prints it: None when it was only counted."""
        return self.priority.ref if self.priority and self.priority.ref_printed else None

    def add(self, record: ActionRecord, parent: ActionRecord | None = None) -> ActionRecord:
        if self.label and self.label not in record.flags:
            record.flags.append(self.label)
        if parent is not None:
            record.parent_seq = self.seq_of.get(id(parent))
        self.seq_of[id(record)] = len(self.actions)
        self.actions.append(record)
        self.last = record
        return record

    # -- headings -----------------------------------------------------------------------------
    def heading(self, heading: Heading, page: int, cell: Cell | TextLine | None = None,
                rag_cells: list[Cell] | None = None) -> bool:
        """Act on a banner or heading line; True when it placed the rows that follow."""
        if heading.kind == "label":
            self.label = heading.title
            return True
        if heading.kind == "timeframe":
            self.timeframe, self.label = Timeframe(heading.title, prov(cell, page), page), None
            return True
        if heading.kind == "theme":
            self.theme, self.label, self.timeframe = heading.title, None, None
            return True
        if heading.kind == "area":
            self.start_area(heading.ref, heading.title, page, cell, rag_cells)
            return True
        if heading.kind != "priority":
            return False
        self.label = self.timeframe = None
        ref, title, counted = heading.ref, heading.title, False
        if ref is None:
            known = self.lookup_priority(title)
            if known is not None:
                ref, title, counted = known.ref, known.title, True  # numbered elsewhere, not in this heading
            elif heading.contd and self.priority:
                return True
            elif heading.keyword:
                ref = str(len(self.priorities) + 1)  # 'Priority - Safeguarding': one of a numbered series
                counted = True
        existing = next((p for p in self.priorities if p.ref == ref and (ref is not None or p.title == title)), None)
        if existing is not None and not counted:
            existing.ref_printed = True
        if existing is None:
            fallback = self.known_priorities[ref].title if ref in self.known_priorities else ""
            existing = Priority(ref=ref, title=title or fallback, theme=self.theme, page=page, ref_printed=not counted)
            self.priorities.append(existing)
        if not (heading.contd and existing is self.priority):
            self.aim = self.action = None  # a new priority: nothing carries over ('(continued)' keeps it all)
            self.last = None
        self.priority = existing
        rating, source, conflict, status = read_rag(rag_cells or [], self.legends.ratings)
        if rating and cell is not None:
            self.aim = self.add(ActionRecord(
                ref=ref, level=Level.PRIORITY_AREA, priority_ref=ref, text=existing.title, rag=rating, status_raw=status,
                rag_source=source, rag_conflict=conflict, page=page, provenance={"text": prov(cell, page)}))
        return True

    def heading_line(self, heading: Heading, page: int, line: TextLine) -> None:
        """A heading line above tables. A named one ('Priority 2 ...') places what follows at once;
        a numbered one ('3. Timeline') waits for a table it heads to be read: numbered sections of a
        committee report ('4. POLICY IMPLICATIONS') hold tables that are no plan."""
        if heading.kind == "timeframe":
            self.heading(heading, page, line)
        elif heading.keyword:
            self.pending = None
            self.heading(heading, page, line)
        else:
            self.pending = (heading, page, line)

    def table_read(self, page: int) -> None:
        """A plan table was read: the numbered heading above it, if any, is its section."""
        if self.pending:
            heading, at, line = self.pending
            self.pending = None
            self.heading(heading, at, line)
        if self.timeframe is not None:
            self.timeframe.last_page, self.timeframe.fresh = page, False

    def timeframe_on(self, page: int) -> Timeframe | None:
        """The time frame heading the rows on this page stand under, if one still holds."""
        if self.timeframe is not None and page > self.timeframe.last_page + 1:
            self.timeframe = None
        return self.timeframe

    def lookup_priority(self, title: str) -> Priority | None:
        key = title.lower().strip()
        for p in self.known_priorities.values():
            if p.title and (p.title.lower() == key or key and p.title.lower().startswith(key)):
                return p
        return None

    def ensure_priority(self, page: int) -> None:
        """Rows before any priority heading, under a theme: the theme is their priority."""
        if self.priority is None and self.theme:
            self.heading(Heading("priority", None, self.theme), page)

    def start_area(self, ref: str | None, text: str, page: int, cell: Cell | TextLine | None,
                   rag_cells: list[Cell] | None = None, flags: list[str] | None = None) -> ActionRecord:
        """A grouping inside the current priority: one priority_area record its rows point to."""
        self.ensure_priority(page)
        self.label = None
        rating, source, conflict, status = read_rag(rag_cells or [], self.legends.ratings)
        record = ActionRecord(ref=ref, flags=list(flags or []), level=Level.PRIORITY_AREA, text=text,
                              parent_ref=self.priority_ref, priority_ref=self.priority_ref, rag=rating,
                              status_raw=status, rag_source=source, rag_conflict=conflict, page=page,
                              provenance={"text": prov(cell, page)})
        self.seq_of[id(record)] = len(self.actions)
        self.actions.append(record)
        self.aim, self.action = record, None
        return record


def recurring_labels(doc: ExtractedDocument) -> frozenset[str]:
    """Unnumbered banner texts a document prints over more than one group of rows ('Current Efforts')."""
    counts: Counter[str] = Counter()
    for table in doc.tables:
        for row in range(table.n_rows):
            cells = [c for c in row_cells(table, row) if c and c.text.strip()]
            if len(cells) == 1 and cells[0].col_span >= max(2, table.n_cols // 2):
                text = flat(cells[0])
                if read_heading(text).kind in ("priority", "theme") and read_heading(text).ref is None:
                    counts[label_key(text)] += 1
    return frozenset(text for text, n in counts.items() if n >= 2)


def is_heading_line(line: TextLine, tables_below: list[ExtractedTable]) -> Heading | None:
    """A loose line that heads the table(s) under it on its page: a numbered or named heading."""
    if not tables_below or len(line.text) > 200:
        return None
    heading = read_heading(line.text, banner=False)
    return heading if heading.kind in ("priority", "area", "timeframe") else None


def names_section(line: TextLine | None, timeframe_line: TextLine) -> bool:
    """A bold title right above a time frame heading names the section of the rows under both:
    'CLEAN ENERGY FINANCING' over 'Short Term Policy'."""
    if line is None or not line.bold or len(line.text.split()) > SECTION_MAX_WORDS or line.text.rstrip().endswith((".", ":")):
        return False
    height = line.bbox[3] - line.bbox[1]
    return 0 <= timeframe_line.bbox[1] - line.bbox[3] <= SECTION_GAP * height


def with_wrapped_lines(line: TextLine, lines: list[TextLine]) -> TextLine:
    """A heading wrapped over the lines right under it, at the same left edge ('... wellbeing and' /
    'achievements of our vulnerable children. (continued)'), read as one line."""
    text, bottom = line.text, line.bbox[3]
    height = line.bbox[3] - line.bbox[1]
    for nxt in sorted((ln for ln in lines if ln.bbox[1] > line.bbox[1]), key=lambda ln: ln.bbox[1]):
        if nxt.bbox[1] - bottom > WRAP_GAP * height or abs(nxt.bbox[0] - line.bbox[0]) > WRAP_INDENT:
            break
        if not (UNFINISHED_RE.search(text) or nxt.text[:1].islower() or nxt.text[:1] == "("):
            break  # the heading is complete: the line under it is the statement that follows it
        text, bottom = f"{text} {nxt.text}", nxt.bbox[3]
    return line if text == line.text else line.model_copy(update={"text": text})


def assemble(doc: ExtractedDocument, walk: Walk) -> Walk:
    """Walk pages top to bottom: heading lines and tables interleaved by position."""
    from .actions import ActionTables
    from .kpis import KpiTables

    actions, kpis = ActionTables(walk), KpiTables(walk)
    last: str | None = None  # the kind of the last table read: a table without a header goes on from it
    for page in doc.pages:
        events: list[tuple[float, object]] = [(t.bbox[1], t) for t in page.tables]
        events += [(ln.bbox[1], ln) for ln in page.lines]
        first, above = True, None  # above: the loose line just read, with no table between
        for top, item in sorted(events, key=lambda e: e[0]):
            if isinstance(item, ExtractedTable):
                above = above if not any(c.text.strip() for c in item.cells) else None  # an empty box (an icon) parts nothing
                kpi_first = last == "kpi" and kpis.continues(item)  # a KPI table going on over the page
                if kpis.card(item) or kpi_first and kpis.table(item, actions.layout):
                    last = "kpi"
                elif actions.table(item, first):
                    last = "action"
                elif kpis.table(item, actions.layout):
                    last = "kpi"
                elif actions.headerless(item) or actions.outline(item):
                    last = "action"
                else:
                    keep_generic(walk, item)
                    actions.open_row, last = False, None
                first = False
            else:
                heading = is_heading_line(with_wrapped_lines(item, page.lines), [t for t in page.tables if t.bbox[1] >= top])
                if heading:
                    walk.heading_line(heading, page.number, item)
                if heading and heading.kind == "timeframe" and names_section(above, item):
                    walk.pending = (Heading("area", None, above.text), page.number, above)
                above = item
    return walk


def keep_generic(walk: Walk, table: ExtractedTable) -> None:
    walk.pending = None
    rows = [[flat(c) for c in row_cells(table, r)] for r in range(table.n_rows)]
    if any(any(cell for cell in row) for row in rows):
        walk.generic.append(GenericTable(page=table.page, header=rows[0], rows=rows[1:], bbox=table.bbox))
