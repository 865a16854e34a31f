"""What a table column holds: from its header words (a vocabulary kept as data) or, failing
that, from its cells.

The header vocabulary is `data/columns.yaml`: ordered rules, the first matching decides. A
column whose header is missing or says nothing is read by what its cells hold: dates and
periods are deadlines, posts and organisations are leads, rating words or fills are RAG, marks
under timescale headers are a timescale, short codes are refs, long prose is the action (or,
beside one, progress).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources

import yaml

from extract.records import Cell, ExtractedTable

from .deadlines import parse_deadline
from .leads import names_a_post
from .rag import rag_from_colour, rag_from_word
from .text import clean_text


class ColumnRole(str, Enum):
    REF = "ref"
    GROUP = "group"  # a grouping whose value stays the same over several rows (strategy, theme)
    AIM = "aim"  # a grouping area/aim/outcome printed beside its actions
    ACTION = "action"
    TASK = "task"
    DETAIL = "detail"
    DEADLINE = "deadline"
    TIMESCALE = "timescale"  # one of several columns (Short / Medium / Long) marked with an X
    ACTUAL = "actual"  # what happened (an actual date): progress
    LEAD = "lead"
    AGENCY = "agency"
    RAG = "rag"  # ratings and status words
    DIRECTION = "direction"  # direction of travel
    PROGRESS = "progress"
    NEXT_STEPS = "next_steps"
    MEASURE = "measure_of_success"
    EXTRA = "extra"  # a known column with no field of its own (costs, case statements)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CellEvidence:
    """Shares of a column's filled cells that must read as one kind before the column takes that role."""

    deadline_share: float = 0.8  # dates and periods
    rating_share: float = 0.8  # rating words, status words or fills of empty cells (of all cells: a coloured label is no rating)
    lead_share: float = 0.6  # posts, teams or organisations
    ref_share: float = 0.8  # short codes
    ref_max_chars: int = 8  # a ref is at most this long ('1.2.3', 'CYP04')
    prose_words: float = 6.0  # mean words per filled cell above which a column is prose
    fill_ratings: int = 2  # cells a column of colour alone needs: one shaded cell is a box's corner, not ratings
    mark_share: float = 0.5  # of a timescale column's filled cells that must be marks
    words_share: float = 0.5  # of a text column's filled cells that must hold a word
    group_share: float = 0.25  # of a column's cells repeating the one above (or merged) for a grouping column
    title_share: float = 0.8  # of a prose column's rows a bold title beside it must fill, set bold, for the rows' titles


EVIDENCE = CellEvidence()
HEADER_MAX_WORDS = 14  # 'Between April and September 2018 we are focusing on' is a header; a longer cell is body text
HEADER_REF_RE = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\s+\S")  # '8.3 Implement ...': a numbered row
KEY_FIELDS = {ColumnRole.DEADLINE, ColumnRole.RAG, ColumnRole.LEAD, ColumnRole.TIMESCALE}
REF_CELL_RE = re.compile(r"^\(?[A-Za-z]{0,4}[-\s]?\d{1,3}(?:\.\d{1,3}){0,3}[a-z]?\)?\.?$|^\(?[a-z]{1,2}\)$|^[ivx]{1,5}\.?\)?$")


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    data = yaml.safe_load(resources.files("normalise").joinpath("data/columns.yaml").read_text())
    return {
        "rules": [(ColumnRole(role), re.compile(pattern, re.I)) for role, pattern in data["header_rules"]],
        "timescale_headers": re.compile(data["timescale_headers"], re.I),
        "marks": {m.lower() for m in data["timescale_marks"]},
    }


def role_of_header(header: str) -> ColumnRole:
    """The role a header names; body text (a long cell, or one opening with a printed ref) names none."""
    text = " ".join(header.split())
    if not text or len(text.split()) > HEADER_MAX_WORDS or HEADER_REF_RE.match(text):
        return ColumnRole.UNKNOWN
    for role, pattern in vocabulary()["rules"]:
        if pattern.search(text):
            return role
    return ColumnRole.UNKNOWN


def is_timescale_header(header: str) -> bool:
    return bool(vocabulary()["timescale_headers"].match(" ".join(header.split())))


def is_mark(text: str | None) -> bool:
    return bool(text) and text.strip().lower() in vocabulary()["marks"]


def assign_roles(headers: list[str]) -> list[ColumnRole]:
    """Roles for a header row, resolving clashes between columns by meaning.

    'Key Actions' beside an 'Issue' column are the tasks of that issue; an 'Actions' column
    beside a 'Tasks' column is the parent action; the first of several text columns wins.
    """
    roles = [role_of_header(h) for h in headers]
    if roles.count(ColumnRole.ACTION) > 1:
        first = roles.index(ColumnRole.ACTION)
        for i in range(first + 1, len(roles)):
            if roles[i] == ColumnRole.ACTION:
                roles[i] = ColumnRole.TASK
    return roles


def column_cells(table: ExtractedTable, col: int, after_row: int) -> list[Cell]:
    """The cells of one grid column below the header row (cells spanning columns left out)."""
    return [c for c in table.cells if c.col == col and c.row > after_row and c.col_span == 1]


def role_from_cells(cells: list[Cell], header: str, first_columns: bool = True,
                    evidence: CellEvidence = EVIDENCE) -> ColumnRole:
    """What a column holds, judged from its cells alone."""
    texts = [clean_text(c.text) for c in cells]
    filled = [t for t in texts if t]
    if not cells:
        return ColumnRole.UNKNOWN
    worded = sum(bool(rag_from_word(t)) for t in texts)
    rated = worded + sum(bool(not t and rag_from_colour(c.fill)) for c, t in zip(cells, texts))
    if rated >= evidence.rating_share * len(cells) and (worded or rated >= evidence.fill_ratings):
        return ColumnRole.RAG
    if not filled:
        return ColumnRole.UNKNOWN
    if is_timescale_header(header) and sum(is_mark(t) for t in filled) >= evidence.mark_share * len(filled):
        return ColumnRole.TIMESCALE
    if sum(parse_deadline(t).kind.value != "none" for t in filled) >= evidence.deadline_share * len(filled):
        return ColumnRole.DEADLINE
    if first_columns and sum(len(t) <= evidence.ref_max_chars and bool(REF_CELL_RE.match(t)) for t in filled) \
            >= evidence.ref_share * len(filled):
        return ColumnRole.REF  # a column of short codes at the left; numbers elsewhere are values
    words = sum(len(t.split()) for t in filled) / len(filled)
    if words < evidence.prose_words and sum(names_a_post(t) for t in filled) >= evidence.lead_share * len(filled):
        return ColumnRole.LEAD
    if words >= evidence.prose_words:
        return ColumnRole.ACTION
    return ColumnRole.UNKNOWN


def infer_unknown_roles(table: ExtractedTable, header_row: int, headers: list[str],
                        roles: list[ColumnRole]) -> list[ColumnRole]:
    """Columns whose header says nothing (or marks a timescale) are read by their cells. A header
    that is itself a date ('February 2025', '2025 estimate') over dates or nothing is one version of
    a timetable. A second prose column beside the action is its progress."""
    out = list(roles)
    for col, role in enumerate(roles):
        header = headers[col] if col < len(headers) else ""
        if role == ColumnRole.UNKNOWN or is_timescale_header(header) and role != ColumnRole.TIMESCALE:
            cells = column_cells(table, col, header_row)
            found = role_from_cells(cells, header, first_columns=col <= 1)
            if found == ColumnRole.UNKNOWN and header and parse_deadline(header).start and not any(c.text.strip() for c in cells):
                found = ColumnRole.DEADLINE
            if found != ColumnRole.UNKNOWN or role == ColumnRole.UNKNOWN:
                out[col] = found
    if out.count(ColumnRole.ACTION) > 1 and ColumnRole.ACTION not in roles:
        first = out.index(ColumnRole.ACTION)
        out = [ColumnRole.PROGRESS if i > first and r == ColumnRole.ACTION else r for i, r in enumerate(out)]
    if ColumnRole.ACTION in out and ColumnRole.ACTION not in roles:
        out = with_titles(table, header_row, out)
    if not {ColumnRole.ACTION, ColumnRole.TASK} & set(out) and set(out) & KEY_FIELDS:
        subject = next((i for i, r in enumerate(out) if r == ColumnRole.UNKNOWN and holds_words(column_cells(table, i, header_row))), None)
        if subject is not None:
            out[subject] = ColumnRole.ACTION  # the thing each row is about: the leftmost column of words
    return with_groups(table, header_row, out)


def with_titles(table: ExtractedTable, header_row: int, roles: list[ColumnRole],
                evidence: CellEvidence = EVIDENCE) -> list[ColumnRole]:
    """Short phrases set bold beside the prose read as the action, row by row, are the rows' titles:
    the title is the action and the prose its detail ('Green Bonds | Bond funds designated for ...')."""
    k = roles.index(ColumnRole.ACTION)
    if k == 0 or roles[k - 1] != ColumnRole.UNKNOWN:
        return roles
    titles, prose = column_cells(table, k - 1, header_row), column_cells(table, k, header_row)
    rows = {c.row for c in prose if c.text.strip()}
    titled = {c.row for c in titles if c.text.strip() and is_set_bold(c)}
    if not holds_words(titles) or any(is_set_bold(c) for c in prose if c.text.strip()) \
            or len(rows & titled) < evidence.title_share * len(rows):
        return roles
    out = list(roles)
    out[k - 1], out[k] = ColumnRole.ACTION, ColumnRole.DETAIL
    return out


def is_set_bold(cell: Cell) -> bool:
    """The cell ends in a bold line (a label in another face may stand over a bold title)."""
    return bool(cell.lines) and cell.lines[-1].bold is True


def holds_words(cells: list[Cell], evidence: CellEvidence = EVIDENCE) -> bool:
    texts = [clean_text(c.text) for c in cells]
    filled = [t for t in texts if t]
    return bool(filled) and sum(bool(re.search(r"[A-Za-z]{3,}", t)) for t in filled) >= evidence.words_share * len(filled)


def with_groups(table: ExtractedTable, header_row: int, roles: list[ColumnRole],
                evidence: CellEvidence = EVIDENCE) -> list[ColumnRole]:
    """An unnamed column left of the actions whose value stays the same over several rows (printed
    again on each, or one cell merged over them) groups those rows: Title over Consultation, Adoption."""
    if ColumnRole.ACTION not in roles:
        return roles
    out = list(roles)
    for col in range(roles.index(ColumnRole.ACTION)):
        if out[col] != ColumnRole.UNKNOWN:
            continue
        cells = sorted(column_cells(table, col, header_row), key=lambda c: c.row)
        texts = [clean_text(c.text) for c in cells]
        repeats = sum(bool(a) and a == b for a, b in zip(texts, texts[1:])) + sum(c.row_span > 1 for c in cells)
        if holds_words(cells) and repeats >= evidence.group_share * max(len(cells), 1):
            out[col] = ColumnRole.GROUP
    return out


ACTION_TABLE_ROLES = {ColumnRole.DEADLINE, ColumnRole.LEAD, ColumnRole.RAG, ColumnRole.PROGRESS, ColumnRole.MEASURE,
                      ColumnRole.TIMESCALE, ColumnRole.NEXT_STEPS, ColumnRole.ACTUAL, ColumnRole.AGENCY}


OTHER_KNOWN = {ColumnRole.GROUP, ColumnRole.AIM, ColumnRole.REF, ColumnRole.EXTRA, ColumnRole.DIRECTION}


def is_action_table(roles: list[ColumnRole]) -> bool:
    """Actions or tasks beside two kinds of field (deadline, lead, RAG ...); or beside one key field
    (a two-column stage/date timetable is a table of actions too), or one field in a table of three
    columns or more; or beside two other named columns (strategy, costs ...)."""
    has_text = any(r in (ColumnRole.ACTION, ColumnRole.TASK) for r in roles)
    kinds = {r for r in roles if r in ACTION_TABLE_ROLES}
    others = sum(r in OTHER_KNOWN for r in roles)
    return has_text and (len(kinds) >= 2 or len(kinds) == 1 and (len(roles) >= 3 or bool(kinds & KEY_FIELDS))
                         or others >= 2)


def is_headerless_action_table(roles: list[ColumnRole]) -> bool:
    """Roles read from the cells alone: prose beside a deadline, a lead, a rating or a timescale."""
    return ColumnRole.ACTION in roles and bool(set(roles) & KEY_FIELDS)


KPI_HEADER_RE = re.compile(
    r"outturn|target|baseline|actual|benchmark|\b(19|20)\d\d\s*[/-]\s*\d\d|\b(19|20)\d\d\b|q[1-4]\b|measuring|indicator"
    r"|kpi|performance|total|latest|previous|result|\byr\s*\d|year\s*\d|quarter|percent", re.I)
KPI_HEADER_MAX_WORDS = 16  # a header cell longer than this is body text
MONEY_RE = re.compile(r"[£$€]|\b(?:000s|£000|\$000|budget|spend|cost)\b", re.I)
BUDGET_SHARE = 0.5  # of the value headers naming money for a budget: indicators may cost some of them ('Projected Cost | Risk')
KPI_NAME_RE = re.compile(r"indicator|measuring|measures?\b|\bkpis?\b|performance|\bmetrics?\b", re.I)


def is_kpi_table(headers: list[str], strict: bool = False) -> bool:
    """A KPI table: an indicator-name column, or (unless strict) a name column and two or more
    period/target/outturn columns."""
    if any(len(h.split()) > KPI_HEADER_MAX_WORDS for h in headers):
        return False  # a row of prose is a body row, not a header
    if headers and KPI_NAME_RE.search(headers[0]):
        return True
    money = sum(bool(MONEY_RE.search(h)) for h in headers[1:])
    if money >= 2 and money >= BUDGET_SHARE * len([h for h in headers[1:] if h]):
        return False  # '2011/12 £000s | 2012/13 £000s': a budget, not indicators
    return not strict and sum(bool(KPI_HEADER_RE.search(h)) for h in headers[1:]) >= 2


VALUE_KIND_RULES = [
    ("target", re.compile(r"target|aim|ambition|goal|plan\b|planned|expected", re.I)),
    ("outturn", re.compile(r"outturn|actual|result|achieved|performance|latest|current|total|count|position", re.I)),
    ("baseline", re.compile(r"baseline|previous|last year|prior|starting", re.I)),
    ("benchmark", re.compile(r"benchmark|national|england|london|statistical neighbour|comparator|average|regional", re.I)),
]
PERIOD_RE = re.compile(r"(?:19|20)\d\d\s*[/-]\s*\d{2,4}|(?:Q[1-4]\s*)?(?:19|20)\d\d|\b\d\d/\d\d\b", re.I)


def value_kind(label: str) -> str:
    for kind, pattern in VALUE_KIND_RULES:
        if pattern.search(label):
            return kind
    return "other"


def period_of(label: str) -> str | None:
    m = PERIOD_RE.search(label)
    return m.group(0).replace(" ", "") if m else None
