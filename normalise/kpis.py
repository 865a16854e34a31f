"""KPI tables and KPI cards: one Measure per indicator, its values by column label.

A KPI table has an indicator-name column and value columns (periods, targets, outturns,
baselines, benchmarks); a rating or status column gives the indicator's rating, a direction
column its direction of travel, and a comments column is kept aside, never as a value. A
summary grid counting ratings (`GREEN 2 | AMBER 1 | RED 2`) is not an indicator table.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from extract.records import Cell, ExtractedTable

from .columns import (KPI_HEADER_RE, KPI_NAME_RE, ColumnRole, assign_roles, is_kpi_table, period_of, role_of_header,
                      value_kind)
from .grid import cells_covering, flat, row_cells
from .headings import Heading, read_heading
from .layout import UNFRAMED_READERS, Layout, find_header, reads_as_new_header
from .numbers import parse_number
from .rag import rag_from_word, read_rag, status_key
from .records import Measure, MeasureValue, RagRating
from .refs import split_ref
from .tasks import ALIGN_TOLERANCE, split_items_with_tops
from .text import clean_text, is_bullet, item_text, join_lines
from .walk import Walk, prov

CARD_READER = "kpi_card"  # the reader name extract/readers/kpi_cards.py records on its tables
CARD_REF_RE = re.compile(r"^\S+[.)]\s")  # a card title opening with its ref, set off: '3. Name', '4) Name'
NOT_VALUES = {ColumnRole.PROGRESS, ColumnRole.NEXT_STEPS, ColumnRole.LEAD, ColumnRole.AGENCY}  # comments, owners
FIGURES_SHARE = 0.6  # of a figures column's filled cells that must be numbers
FIGURE_START_RE = re.compile(r"^\s*[<>≤≥~]?\s*[£$€]?\s*\d")  # a value opening with its figure ('80% below 2005')
SUMMARY_SHARE = 0.5  # of a header row's cells that are rating words, for a count grid of ratings


def figures_in(table: ExtractedTable, col: int, label: str) -> bool:
    """The column is headed like a figure (a period, a target, a total) and holds numbers in most cells."""
    if not KPI_HEADER_RE.search(label):
        return False
    texts = [clean_text(c.text) for c in table.cells if c.col == col and c.row > 0]
    filled = [t for t in texts if t]
    return bool(filled) and sum(parse_number(t) is not None for t in filled) >= FIGURES_SHARE * len(filled)


MIN_FIGURES = 2  # figures (not years) a table aligned in the open must hold under headers like a figure's
YEAR_RE = re.compile(r"^\s*(?:19|20)\d\d\s*$")


def holds_figures(table: ExtractedTable, header: list[str]) -> bool:
    """Under headers like a figure's (a period, a target), some cells hold numbers that are no years:
    a row of years over words ('2021 full Plan update') is a timeline."""
    figure_cols = {col for col, label in enumerate(header) if col and KPI_HEADER_RE.search(label)}
    texts = [clean_text(c.text) for c in table.cells if c.col in figure_cols and c.row > 0]
    return sum(bool(t) and parse_number(t) is not None and not YEAR_RE.match(t) for t in texts) >= MIN_FIGURES


REPEATED_SHARE = 0.5  # of a first row's filled cells after the name that repeat the last KPI table's values


def heads_actions(table: ExtractedTable) -> bool:
    """The table opens with an action-table header naming most of its columns (not body words that
    happen to name one or two)."""
    found = find_header(table)
    return found is not None and reads_as_new_header(table, found)


def has_figures(table: ExtractedTable, header: list[str]) -> bool:
    """Figures against a target or a result ('Target | Total to date'): indicators, even in a paper
    with no action table. Figures by year alone (a population table) are not."""
    return any(figures_in(table, col, label) for col, label in enumerate(header[1:], 1)) and \
        any(value_kind(label) in ("target", "outturn", "baseline") for label in header[1:])


def is_targets_table(table: ExtractedTable, header: list[str]) -> bool:
    """'City | Goal': a name column beside columns headed by target words alone (not 'Target date'),
    whose cells open with a figure ('80% below 2005 by 2050'): targets set out as indicators."""
    if len(header) < 2 or not all(header) or any(
            value_kind(h) != "target" or role_of_header(h) == ColumnRole.DEADLINE for h in header[1:]):
        return False
    for col in range(1, len(header)):
        filled = [t for c in table.cells if c.col == col and c.row > 0 if (t := clean_text(c.text))]
        if not filled or sum(bool(FIGURE_START_RE.match(t)) for t in filled) < FIGURES_SHARE * len(filled):
            return False
    return True


def is_rating_summary(header: list[str]) -> bool:
    """'GREEN | AMBER | RED' over counts: a summary of ratings, not indicators."""
    filled = [h for h in header if h]
    return len(filled) >= 2 and sum(bool(rag_from_word(h.split()[0])) for h in filled) >= SUMMARY_SHARE * len(filled)


class KpiTables:
    def __init__(self, walk: Walk):
        self.w = walk
        self.header: list[str] | None = None
        self.body_values: list[set[str]] = []  # per column, what the last KPI table's rows held
        self.page = 0  # where the last KPI table was read: only the next page's table may go on from it

    def card(self, table: ExtractedTable) -> bool:
        """A KPI card read by the card reader (extract/readers/kpi_cards.py): ref badge | title, then
        the rating box and the direction arrow, then label | value rows."""
        if table.reader != CARD_READER:
            return False
        grid = table.grid()
        badge, title = grid[0]
        name = clean_text(title.text) if title else None
        if not name:
            return False
        self.w.table_read(table.page)
        ref = clean_text(badge.text) if badge else None
        printed, _, rest = split_ref(name)
        if ref is None and printed and rest and (CARD_REF_RE.match(name) or "." in printed):
            ref, name = printed, rest  # '1.2 Name', '3. Name', '4) Name'; not '30 workshops delivered'.
        measure = Measure(ref=ref, priority_ref=self.w.priority_ref, name=name, page=table.page)
        legend = card_vocabulary()["ratings"] | self.w.legends.ratings  # the document's own legend wins
        rating: tuple = (None, None, None, None)
        for label_cell, value_cell in grid[1:]:
            if value_cell is None:
                continue  # the card's other text: chart labels, notes
            raw = clean_text(value_cell.text)
            if label_cell is None:  # a mark: the rating box, or the direction of travel
                if raw and card_direction(raw):
                    measure.direction = measure.direction or raw
                elif rating[0] is None:
                    rating = read_rag([value_cell], legend)
                continue
            label = clean_text(label_cell.text.rstrip().rstrip(":")) or ""
            if not raw or not label:
                continue
            role = role_of_header(label)
            if role == ColumnRole.RAG and value_kind(label) != "baseline":  # 'Status: On target', not 'Previous: Amber'
                if rating[0] is None:
                    rating = read_rag([value_cell], legend)  # (the rating box, read first, wins)
                continue
            if role == ColumnRole.DIRECTION:
                measure.direction = measure.direction or raw
                continue
            if role in NOT_VALUES and parse_number(raw) is None:
                continue  # a comment or an owner, not a figure
            measure.values.append(MeasureValue(column_label=label, value_raw=raw, value_num=parse_number(raw),
                                               period_label=period_of(label), value_kind=value_kind(label),
                                               provenance=prov(value_cell, table.page)))
        measure.rag, _, conflict, measure.status_raw = rating
        if conflict:
            self.w.rating_conflicts.append(f"page {table.page}, {name[:60]}: {conflict}")
        self.w.measures.append(measure)
        return True

    def continues(self, table: ExtractedTable) -> bool:
        """No header of its own (of indicators or of actions), and as many columns as the last KPI table's."""
        return self.goes_on(table) and not is_kpi_table(
            [flat(c) for c in cells_covering(table, 0)], strict=True) and not heads_actions(table)

    def table(self, table: ExtractedTable, action_layout: Layout | None) -> bool:
        """Read the table if it is a KPI table (or goes on from one); False otherwise."""
        first = [flat(c) for c in cells_covering(table, 0)]
        if table.n_cols < 2 or is_rating_summary(first):
            return False  # a single column holds names with no values beside them
        if self.repeats_body_values(table, first):
            self.read(table, self.header, 0)  # its first row holds values the last table's rows held: it goes on
            return True
        # before any action table, only an indicator table that says so, or shows its figures, counts; a
        # table aligned in the open needs a column of figures: years over words are a timeline, not indicators
        strict = action_layout is None and not has_figures(table, first) or table.reader in UNFRAMED_READERS \
            and not holds_figures(table, first) and not any(KPI_NAME_RE.search(h) for h in first)
        if is_kpi_table(first, strict=strict) \
                or is_targets_table(table, first):
            self.read(table, first, 1)
            return True
        if self.goes_on(table):
            self.read(table, self.header, 0)
            return True
        return False

    def repeats_body_values(self, table: ExtractedTable, first: list[str]) -> bool:
        """The first row repeats, in a column after the name, a value the last KPI table's rows held
        there ('National indicator'): a header names its column, it does not repeat what is under it."""
        if not self.goes_on(table) or len(self.body_values) != len(first):
            return False
        filled = [(text, seen) for text, seen in zip(first[1:], self.body_values[1:]) if text]
        repeated = sum(text in seen for text, seen in filled)
        return repeated > 0 and repeated >= REPEATED_SHARE * len(filled) and not heads_actions(table)

    def goes_on(self, table: ExtractedTable) -> bool:
        """As many columns as the last KPI table, on its page or the next: a table pages further on,
        past prose, is one of its own."""
        return bool(self.header) and table.n_cols == len(self.header) and table.page <= self.page + 1

    def read(self, table: ExtractedTable, header: list[str], start: int) -> None:
        self.w.table_read(table.page)
        if header is not self.header:
            self.body_values = [set() for _ in range(table.n_cols)]
        self.header, self.page = header, table.page
        for row in range(start, table.n_rows):
            for col, cell in enumerate(cells_covering(table, row)):
                if cell is not None and col < len(self.body_values):
                    self.body_values[col].add(flat(cell))
        roles = assign_roles(header)
        ref_col = roles.index(ColumnRole.REF) if ColumnRole.REF in roles else None
        name_col = next((i for i, h in enumerate(header) if i != ref_col and KPI_NAME_RE.search(h)),
                        1 if ref_col == 0 and len(header) > 1 else 0)
        values = [i for i, h in enumerate(header) if i > name_col and figures_in(table, i, h)]
        if start:
            self.heading_row(table, 0, values)  # 'Outcome 1 | <its title> | Target | ...': a heading in the header
        for row in range(start, table.n_rows):
            cells = cells_covering(table, row)
            if [flat(c) for c in cells] == header or self.heading_row(table, row, values):
                continue
            name_cell = next((c for i, c in enumerate(cells[name_col:], name_col) if c and c.text.strip()
                              and i not in values and i != ref_col and roles[i] not in NOT_VALUES), None)
            if not name_cell:
                continue
            if 1 < name_cell.col_span >= table.n_cols - 1:
                continue  # a section heading across the table, not an indicator
            ref_cell = cells[ref_col] if ref_col is not None else None
            ref = clean_text(ref_cell.text) if ref_cell is not None and ref_cell is not name_cell else None
            skip = {ref_col, *range(name_col, name_cell.col + name_cell.col_span)}
            for name, band in indicator_names(name_cell):
                self.measure(name, ref, band, cells, header, roles, table.page, skip=skip)

    def heading_row(self, table: ExtractedTable, row: int, values: list[int]) -> bool:
        """A row with no figures that opens with a numbered heading ('Outcome 2', 'Priority 1'):
        the indicators under it belong to that priority (its title may stand in the next cell)."""
        cells = [c for c in row_cells(table, row) if c and c.text.strip()]
        if not cells or not values or any(c.col in values for c in cells) and row:
            return False
        heading = read_heading(flat(cells[0]))
        if heading.kind not in ("priority", "area") or heading.ref is None:
            return False
        if not heading.title and len(cells) > 1 and cells[1].col not in values:
            heading = Heading(heading.kind, heading.ref, clean_text(cells[1].text) or "", keyword=heading.keyword)
        self.w.heading(heading, table.page, cells[0])
        return True

    def measure(self, name: str, ref: str | None, band, cells: list[Cell | None], header: list[str], roles,
                page: int, skip: set) -> None:
        printed_ref, _, rest = split_ref(name)
        measure = Measure(ref=ref or printed_ref, priority_ref=self.w.priority_ref, name=rest if printed_ref else name, page=page)
        for col, cell in enumerate(cells):
            if col in skip or cell is None or (col and cells[col - 1] is cell):
                continue
            if roles[col] == ColumnRole.RAG:
                rating, _, _, status = read_rag([cell], self.w.legends.ratings)
                measure.rag, measure.status_raw = measure.rag or rating, measure.status_raw or status
                continue
            raw = clean_text("\n".join(ln.text for ln in cell.lines if band[0] <= ln.bbox[1] < band[1]))
            if raw is None or roles[col] in NOT_VALUES:
                continue
            if roles[col] == ColumnRole.DIRECTION:
                measure.direction = raw
                continue
            label = header[col]
            measure.values.append(MeasureValue(
                column_label=label, value_raw=raw, value_num=parse_number(raw),
                period_label=period_of(label), value_kind=value_kind(label), provenance=prov(cell, page)))
        self.w.measures.append(measure)


@lru_cache(maxsize=1)
def card_vocabulary() -> dict:
    data = yaml.safe_load(resources.files("normalise").joinpath("data/kpi_cards.yaml").read_text())
    return {"directions": {status_key(w): d for d, words in data["directions"].items() for w in words},
            "ratings": {status_key(w): RagRating(r) for w, r in data["card_ratings"].items()}}


def card_direction(text: str) -> str | None:
    """'up', 'down' or 'same' for an arrow or a direction word printed alone on a card."""
    return card_vocabulary()["directions"].get(status_key(text))


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
