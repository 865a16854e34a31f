"""Write PlanDocuments into SQLite or PostgreSQL: one transaction per document, keyed by sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from normalise.records import ActionRecord, PlanDocument

from .models import (
    Action, ActionLead, Document, DocumentFile, GenericTableRow, IngestError, IngestRun, LeadRow,
    MeasureRow, MeasureValueRow, PriorityRow, ProvenanceRow, utcnow,
)
from .migrate import upgrade
from .views import create_views

DEFAULT_URL = "sqlite:///data/councilplans.db"


def open_database(url: str = DEFAULT_URL) -> Engine:
    """Connect, migrate the schema to the newest revision and (re)create the views.

    SQLite gets WAL and a busy timeout so a reader never blocks the single writer."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    else:
        engine = create_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        create_views(conn)
    return engine


def find_document(session: Session, sha256: str) -> Document | None:
    return session.scalar(select(Document).where(Document.sha256 == sha256))


def is_current(engine: Engine, sha256: str, extractor_version: str, normaliser_version: str) -> bool:
    """True when this exact file was already loaded by the same stage versions."""
    with Session(engine) as session:
        doc = find_document(session, sha256)
        return bool(doc and doc.extractor_version == extractor_version and doc.normaliser_version == normaliser_version)


def touch_document(engine: Engine, sha256: str, path: str) -> None:
    """Record that an unchanged document was seen again, under this path."""
    with Session(engine) as session, session.begin():
        doc = find_document(session, sha256)
        if doc is None:
            return
        doc.last_seen = utcnow()
        if path not in {f.path for f in doc.files}:
            doc.files.append(DocumentFile(path=path))


def lead_row(session: Session, cache: dict, role: str, organisation: str | None) -> LeadRow:
    key = (role, organisation)
    if key not in cache:
        row = session.scalar(select(LeadRow).where(LeadRow.role == role, LeadRow.organisation.is_(organisation)
                                                   if organisation is None else LeadRow.organisation == organisation))
        if row is None:
            row = LeadRow(role=role, organisation=organisation)
            session.add(row)
            session.flush()
        cache[key] = row
    return cache[key]


def action_key(record: ActionRecord) -> str:
    """level:ref:hash of text — what a correction is attached to, stable across re-extraction."""
    digest = hashlib.sha1(" ".join(record.text.lower().split()).encode()).hexdigest()[:16]
    return f"{record.level.value}:{record.ref or ''}:{digest}"[:80]


def action_row(record: ActionRecord, seq: int, session: Session, leads_cache: dict) -> Action:
    row = Action(
        seq=seq, key=action_key(record), ref=record.ref, parent_ref=record.parent_ref, level=record.level.value,
        priority_ref=record.priority_ref, text=record.text, flags=record.flags,
        leads="; ".join(lead.role for lead in record.leads) or None, leads_raw=record.leads_raw,
        deadline_raw=record.deadline.raw, deadline_kind=record.deadline.kind.value,
        deadline_start=record.deadline.start, deadline_end=record.deadline.end,
        rag=record.rag.value if record.rag else None, rag_source=record.rag_source, rag_conflict=record.rag_conflict,
        progress=record.progress, next_steps=record.next_steps, measure_of_success=record.measure_of_success,
        detail=record.detail, agency=record.agency, page=record.page,
    )
    for position, lead in enumerate(record.leads):
        row.lead_links.append(ActionLead(position=position, raw=lead.raw, canonical=lead.canonical,
                                         lead_id=lead_row(session, leads_cache, lead.role, lead.organisation).id))
    for field, where in record.provenance.items():
        box = where.bbox or (None, None, None, None)
        row.provenance.append(ProvenanceRow(field=field, page=where.page, x0=box[0], top=box[1], x1=box[2], bottom=box[3]))
    return row


def load_document(engine: Engine, plan: PlanDocument, path: str, replace_current: bool = True) -> int | None:
    """Replace this document's rows in one transaction; returns the number of action rows.

    With replace_current=False a document already loaded by the same stage versions (by a run
    started at the same time) is left as it is and None returned: no run redoes another's rows.
    """
    with Session(engine) as session, session.begin():
        old = find_document(session, plan.sha256)
        if old is not None and not replace_current and (old.extractor_version, old.normaliser_version) == (
                plan.extractor_version, plan.normaliser_version):
            return None
        paths = [path]
        if old is not None:
            paths += [f.path for f in old.files if f.path != path]
            session.delete(old)
            session.flush()
        doc = Document(
            sha256=plan.sha256, file_name=plan.file_name, title=plan.title, council=plan.council,
            committee=plan.committee, doc_type=plan.doc_type, plan_period=plan.plan_period_label,
            period_start=plan.period_start, period_end=plan.period_end, status_as_of=plan.status_as_of,
            page_count=plan.page_count, extractor_version=plan.extractor_version,
            normaliser_version=plan.normaliser_version, warnings=plan.warnings,
            layout="known" if plan.actions or plan.measures else ("generic" if plan.generic_tables else "empty"),
            files=[DocumentFile(path=p) for p in paths],
        )
        session.add(doc)
        session.flush()
        doc.priorities = [PriorityRow(ref=p.ref, title=p.title, theme=p.theme, page=p.page) for p in plan.priorities]
        leads_cache: dict = {}
        by_ref: dict[str, Action] = {}
        rows = []
        for seq, record in enumerate(plan.actions):
            row = action_row(record, seq, session, leads_cache)
            row.parent = by_ref.get(record.parent_ref) if record.parent_ref else None
            if record.ref and record.level.value != "task":
                by_ref[record.ref] = row
            rows.append(row)
        doc.actions = rows
        doc.measures = [
            MeasureRow(seq=i, ref=m.ref, priority_ref=m.priority_ref, name=m.name, rag=m.rag.value if m.rag else None,
                       page=m.page, values=[
                           MeasureValueRow(column_label=v.column_label, value_raw=v.value_raw, value_num=v.value_num,
                                           period_label=v.period_label, value_kind=v.value_kind,
                                           page=v.provenance.page if v.provenance else None,
                                           **_box(v.provenance.bbox if v.provenance else None))
                           for v in m.values])
            for i, m in enumerate(plan.measures)
        ]
        doc.generic_tables = [GenericTableRow(page=t.page, header=t.header, rows=t.rows) for t in plan.generic_tables]
        return len(rows)


def _box(bbox) -> dict:
    x0, top, x1, bottom = bbox or (None, None, None, None)
    return {"x0": x0, "top": top, "x1": x1, "bottom": bottom}


def start_run(engine: Engine, folder: str) -> int:
    with Session(engine) as session, session.begin():
        run = IngestRun(folder=folder)
        session.add(run)
        session.flush()
        return run.id


def finish_run(engine: Engine, run_id: int, **counts: int) -> None:
    with Session(engine) as session, session.begin():
        run = session.get(IngestRun, run_id)
        for name, value in counts.items():
            setattr(run, name, value)
        run.finished_at = utcnow()


def record_error(engine: Engine, run_id: int | None, file_name: str, sha256: str | None, stage: str, reason: str) -> None:
    with Session(engine) as session, session.begin():
        session.add(IngestError(run_id=run_id, file_name=file_name, sha256=sha256, stage=stage, reason=reason))


def drop_document(engine: Engine, sha256: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(Document).where(Document.sha256 == sha256))
