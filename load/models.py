"""SQLAlchemy 2 models: documents, priorities, actions/tasks, leads, measures, provenance, runs.

Columns holding text read from a document (refs, labels, council, leads) are Text, not
String(n): SQLite ignores a declared length but PostgreSQL enforces it, so a long ref that
loads on SQLite would fail the whole document on PostgreSQL. String(n) is kept for values
the code itself produces (levels, kinds, RAG, hashes, versions).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    council: Mapped[str | None] = mapped_column(Text)
    committee: Mapped[str | None] = mapped_column(Text)
    doc_type: Mapped[str | None] = mapped_column(String(50))
    plan_period: Mapped[str | None] = mapped_column(Text)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    status_as_of: Mapped[date | None] = mapped_column(Date)
    page_count: Mapped[int] = mapped_column(Integer)
    extractor_version: Mapped[str] = mapped_column(String(20))
    normaliser_version: Mapped[str] = mapped_column(String(20))
    layout: Mapped[str] = mapped_column(String(20), default="known")  # known | generic | empty
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # where it was published, from the fetch manifest (load/sources.py); NULL for files dropped in by hand
    source_url: Mapped[str | None] = mapped_column(Text)
    meeting_date: Mapped[date | None] = mapped_column(Date)
    item_title: Mapped[str | None] = mapped_column(Text)  # the agenda item it was linked under
    source_title: Mapped[str | None] = mapped_column(Text)  # its title as linked on the meeting's page
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    files: Mapped[list[DocumentFile]] = relationship(back_populates="document", cascade="all, delete-orphan")
    priorities: Mapped[list[PriorityRow]] = relationship(cascade="all, delete-orphan")
    actions: Mapped[list[Action]] = relationship(cascade="all, delete-orphan", foreign_keys="Action.document_id")
    measures: Mapped[list[MeasureRow]] = relationship(cascade="all, delete-orphan")
    tables: Mapped[list[TableRow]] = relationship(cascade="all, delete-orphan")


class DocumentFile(Base):
    """Every name a document was seen under (the same bytes may be saved twice)."""

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(1000))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    document: Mapped[Document] = relationship(back_populates="files")


class PriorityRow(Base):
    __tablename__ = "priorities"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    theme: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)


class Action(Base):
    """One action, task or priority area; tasks point at their action through parent_id."""

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_doc_seq", "document_id", "seq"),
        Index("ix_actions_rag", "rag"),
        Index("ix_actions_deadline", "deadline_end"),
        Index("ix_actions_priority", "document_id", "priority_ref"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # document order
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    ref: Mapped[str | None] = mapped_column(Text)
    parent_ref: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20))
    priority_ref: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    leads: Mapped[str | None] = mapped_column(Text)  # canonical titles joined by '; '
    leads_raw: Mapped[str | None] = mapped_column(Text)
    deadline_raw: Mapped[str | None] = mapped_column(Text)
    deadline_kind: Mapped[str] = mapped_column(String(20))
    deadline_start: Mapped[date | None] = mapped_column(Date)
    deadline_end: Mapped[date | None] = mapped_column(Date)
    rag: Mapped[str | None] = mapped_column(String(10))
    status_raw: Mapped[str | None] = mapped_column(Text)  # the rating or status word as printed
    rag_source: Mapped[str | None] = mapped_column(String(20))
    rag_conflict: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    measure_of_success: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict | None] = mapped_column(JSON)  # columns with no field of their own, by header
    page: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[Action | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    lead_links: Mapped[list[ActionLead]] = relationship(cascade="all, delete-orphan")
    provenance: Mapped[list[ProvenanceRow]] = relationship(cascade="all, delete-orphan")


class LeadRow(Base):
    """A canonical role (and organisation) shared by every action it leads, across documents."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("role", "organisation"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(Text, index=True)
    organisation: Mapped[str | None] = mapped_column(Text)


class ActionLead(Base):
    __tablename__ = "action_leads"
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    raw: Mapped[str] = mapped_column(Text)
    expanded: Mapped[str | None] = mapped_column(Text)  # as printed, the document's own abbreviations expanded
    canonical: Mapped[bool] = mapped_column(default=False)


class ProvenanceRow(Base):
    """Where each extracted value of an action was read: page and box in PDF points."""

    __tablename__ = "provenance"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    page: Mapped[int] = mapped_column(Integer)
    x0: Mapped[float | None] = mapped_column(Float)
    top: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    bottom: Mapped[float | None] = mapped_column(Float)


class MeasureRow(Base):
    __tablename__ = "measures"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str | None] = mapped_column(Text)
    priority_ref: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    rag: Mapped[str | None] = mapped_column(String(10))
    status_raw: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(Text)  # direction of travel as printed
    page: Mapped[int | None] = mapped_column(Integer)
    values: Mapped[list[MeasureValueRow]] = relationship(cascade="all, delete-orphan")


class Indicator(Base):
    """One indicator as documents of one council report it year after year: the measures put under it
    (measure_indicators) are the same KPI in different documents (load/links.py)."""

    __tablename__ = "indicators"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # as the earliest document that reports it prints it


class MeasureIndicator(Base):
    """The indicator a measure is put under. Kept out of measures, as linked_documents is kept out of
    documents, so a document's own rows stay the work of the one transaction that loaded it."""

    __tablename__ = "measure_indicators"
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)


class MeasureValueRow(Base):
    __tablename__ = "measure_values"
    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    column_label: Mapped[str] = mapped_column(Text)
    value_raw: Mapped[str] = mapped_column(Text)
    value_num: Mapped[float | None] = mapped_column(Float)
    period_label: Mapped[str | None] = mapped_column(Text)
    value_kind: Mapped[str] = mapped_column(String(20))
    page: Mapped[int | None] = mapped_column(Integer)
    x0: Mapped[float | None] = mapped_column(Float)
    top: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    bottom: Mapped[float | None] = mapped_column(Float)


class TableRow(Base):
    """Every table the readers found (the `councilplans tables` export, kept): where, by which reader,
    its grid's size, and what the normaliser read from it (`read_as`: actions, kpis, actions+kpis,
    generic for a layout it did not know (the generic_tables view), NULL for none of these)."""

    __tablename__ = "tables"
    __table_args__ = (Index("ix_tables_document_page", "document_id", "page"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # reading order in the document
    page: Mapped[int] = mapped_column(Integer)
    x0: Mapped[float | None] = mapped_column(Float)
    top: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    bottom: Mapped[float | None] = mapped_column(Float)
    reader: Mapped[str | None] = mapped_column(String(20))  # extract/readers/: ruled, row_ruled, banded ...
    n_rows: Mapped[int] = mapped_column(Integer)
    n_cols: Mapped[int] = mapped_column(Integer)
    open_bottom: Mapped[bool] = mapped_column(default=False)  # no rule under the last row: it goes on over the page
    read_as: Mapped[str | None] = mapped_column(String(20))
    cells: Mapped[list[TableCellRow]] = relationship(cascade="all, delete-orphan")


class TableCellRow(Base):
    """One cell of a table: its grid position and spans (from 0), text, box and fill as `#RRGGBB`."""

    __tablename__ = "table_cells"
    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    row_span: Mapped[int] = mapped_column(Integer, default=1)
    col_span: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text, default="")
    x0: Mapped[float | None] = mapped_column(Float)
    top: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    bottom: Mapped[float | None] = mapped_column(Float)
    fill: Mapped[str | None] = mapped_column(String(7))
    confidence: Mapped[float | None] = mapped_column(Float)  # OCR confidence 0..1; NULL when read from a text layer


class TableRecord(Base):
    """Which action or KPI was read from which table: one row per record, action_id or measure_id set.

    A table of its own rather than a column on actions and measures: adding a foreign key there
    rebuilds those tables on SQLite, whose cascades would empty the rows that point at them."""

    __tablename__ = "table_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)


class ActionLink(Base):
    __tablename__ = "action_links"
    __table_args__ = (UniqueConstraint("action_id", "linked_action_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    linked_action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(40))
    # how action_id was found to be the earlier side: plan_period | status_date | unknown (load/links.py)
    direction: Mapped[str | None] = mapped_column(String(20))


class LinkedDocument(Base):
    """A document whose cross-year links are made, and by which method; absent: still to link.

    Kept out of documents so a document's own rows stay the work of the one transaction that loaded it."""

    __tablename__ = "linked_documents"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(60))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Correction(Base):
    """An analyst's fix to one extracted value; views show it instead of the extracted value.

    Anchored to the action as extracted when it was corrected: the document's sha256, the
    action's level, ref, position (seq) and text; not to a row id, nor to a hash of the text
    (an extractor change that fixes the text would orphan it). Every load of the document
    matches the anchor back to one of its new rows (load/corrections.py: the same ref, then the
    most similar text, then the nearest position) and sets action_id, which the views join on;
    NULL while no row of the current extraction matches.
    """

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_document", "doc_sha256"), Index("ix_corrections_action", "action_id", "field"))
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_sha256: Mapped[str] = mapped_column(String(64))
    action_level: Mapped[str] = mapped_column(String(20))
    action_ref: Mapped[str | None] = mapped_column(Text)
    action_position: Mapped[int | None] = mapped_column(Integer)  # seq of the action when corrected
    action_text: Mapped[str | None] = mapped_column(Text)  # its extracted text when corrected
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    why: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IngestRun(Base):
    __tablename__ = "ingest_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    folder: Mapped[str] = mapped_column(Text)
    files_seen: Mapped[int] = mapped_column(Integer, default=0)
    extracted: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class IngestError(Base):
    __tablename__ = "ingest_errors"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id", ondelete="SET NULL"), index=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(20))  # ExtractionError.kind, or "database"; NULL before 0003
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
