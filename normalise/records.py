"""Stage-2 output: the plan as clean, comparable records (the contract with load/)."""

from __future__ import annotations

from datetime import date
from enum import Enum

from pydantic import BaseModel, Field

from extract.records import ExtractedTable

NORMALISER_VERSION = "0.7.0"  # 0.7.0: time frame headings give rows their deadline (and may head a table with no header), bold titles beside prose, status marks from a key, "Green Bonds" no rating; 0.6.0: KPI cards into measures; 0.5.0: every table handed on to load (tables, table_cells); 0.4.0: vocabulary as data, merged cells, status words, timescale marks, groups


class RagRating(str, Enum):
    RED = "Red"
    AMBER = "Amber"
    GREEN = "Green"
    BLUE = "Blue"  # completed, where a document uses it


class Level(str, Enum):
    PRIORITY_AREA = "priority_area"
    ACTION = "action"
    TASK = "task"


class DeadlineKind(str, Enum):
    DATE = "date"
    MONTH = "month"
    RANGE = "range"
    ONGOING = "ongoing"
    RECURRING = "recurring"
    NONE = "none"


class Provenance(BaseModel):
    """Where a value was read: page and box of the cell or line (PDF points, top-left origin)."""

    page: int
    bbox: tuple[float, float, float, float] | None = None


class Deadline(BaseModel):
    raw: str | None = None
    kind: DeadlineKind = DeadlineKind.NONE
    start: date | None = None
    end: date | None = None


class Lead(BaseModel):
    raw: str
    expanded: str | None = None  # as printed, with the document's own abbreviation key applied
    role: str  # canonical title
    organisation: str | None = None
    canonical: bool = False  # True when the role matched the lexicon or the document's key


class Priority(BaseModel):
    ref: str | None
    title: str
    theme: str | None = None
    page: int | None = None
    ref_printed: bool = True  # False when the ref was counted ('Priority - Safeguarding' as the 1st)


class ActionRecord(BaseModel):
    ref: str | None
    parent_ref: str | None = None
    parent_seq: int | None = None  # position in the plan's actions of the record this one sits under
    level: Level
    priority_ref: str | None = None
    text: str
    flags: list[str] = Field(default_factory=list)
    leads: list[Lead] = Field(default_factory=list)
    leads_raw: str | None = None
    deadline: Deadline = Field(default_factory=Deadline)
    rag: RagRating | None = None
    status_raw: str | None = None  # the rating or status word as printed ("Complete", "On track", "G")
    rag_source: str | None = None  # "word", "colour", "word+colour"
    rag_conflict: str | None = None  # set when word and colour disagree
    progress: str | None = None
    next_steps: str | None = None
    measure_of_success: str | None = None
    detail: str | None = None
    agency: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)  # columns with no field of their own, by header
    provenance: dict[str, Provenance] = Field(default_factory=dict)  # field -> where it was read
    page: int | None = None
    lead_lines: list[str] = Field(default_factory=list, exclude=True)  # the lead cell's lines, to extend over a page break


class MeasureValue(BaseModel):
    column_label: str
    value_raw: str
    value_num: float | None = None
    period_label: str | None = None
    value_kind: str = "other"  # baseline | target | outturn | benchmark | other
    provenance: Provenance | None = None


class Measure(BaseModel):
    ref: str | None
    priority_ref: str | None = None
    name: str
    rag: RagRating | None = None
    status_raw: str | None = None
    direction: str | None = None  # direction of travel as printed ("↑", "Improving")
    values: list[MeasureValue] = Field(default_factory=list)
    page: int | None = None


class GenericTable(BaseModel):
    """A table that matched no known layout: kept as rows under their header labels."""

    page: int
    header: list[str]
    rows: list[list[str]]
    bbox: tuple[float, float, float, float] | None = None  # the table's box: which of PlanDocument.tables it is


class PlanDocument(BaseModel):
    file_name: str
    sha256: str
    page_count: int
    title: str | None = None
    council: str | None = None
    committee: str | None = None
    doc_type: str | None = None
    plan_period_label: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    status_as_of: date | None = None
    table_columns: list[str] = Field(default_factory=list)
    priorities: list[Priority] = Field(default_factory=list)
    actions: list[ActionRecord] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    generic_tables: list[GenericTable] = Field(default_factory=list)
    tables: list[ExtractedTable] = Field(default_factory=list)  # every table extracted, as read (load keeps them)
    extractor_version: str
    normaliser_version: str = NORMALISER_VERSION
    warnings: list[str] = Field(default_factory=list)
