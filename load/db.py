"""Write PlanDocuments into SQLite or PostgreSQL: one transaction per document, keyed by sha256."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, create_engine, delete, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from normalise.records import ActionRecord, PlanDocument

from .corrections import attach_corrections
from .models import (
    Action, ActionLead, Document, DocumentFile, IngestError, IngestRun, LeadRow,
    MeasureRow, MeasureValueRow, PriorityRow, ProvenanceRow, utcnow,
)
from .migrate import upgrade
from .search import index_document
from .sources import SOURCE_COLUMNS, kept_on_reload
from .tables import write_tables
from .views import create_views

DEFAULT_URL = "sqlite:///data/councilplans.db"


def open_database(url: str = DEFAULT_URL) -> Engine:
    """Connect, migrate the schema to the newest revision and (re)create the views.

    SQLite gets WAL and a busy timeout so a reader never blocks the single writer."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:"):
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


def lead_ids(conn: Connection, plan: PlanDocument) -> dict[tuple[str, str | None], int]:
    """Ids of the plan's (role, organisation) leads, inserting the ones not yet in the table."""
    wanted = {(lead.role, lead.organisation) for record in plan.actions for lead in record.leads}
    if not wanted:
        return {}

    def known() -> dict:
        found = conn.execute(select(LeadRow.role, LeadRow.organisation, LeadRow.id)
                             .where(LeadRow.role.in_({role for role, _ in wanted})))
        return {(role, org): id_ for role, org, id_ in found}

    ids = known()
    missing = wanted - ids.keys()
    if missing:
        conn.execute(insert(LeadRow), [{"role": role, "organisation": org} for role, org in sorted(missing, key=str)])
        ids = known()
    return ids


def action_values(record: ActionRecord, seq: int, document_id: int) -> dict:
    return dict(
        document_id=document_id, seq=seq, ref=record.ref, parent_ref=record.parent_ref,
        level=record.level.value, priority_ref=record.priority_ref, text=record.text, flags=record.flags,
        leads="; ".join(lead.role for lead in record.leads) or None, leads_raw=record.leads_raw,
        deadline_raw=record.deadline.raw, deadline_kind=record.deadline.kind.value,
        deadline_start=record.deadline.start, deadline_end=record.deadline.end,
        rag=record.rag.value if record.rag else None, status_raw=record.status_raw, rag_source=record.rag_source,
        rag_conflict=record.rag_conflict, progress=record.progress, next_steps=record.next_steps,
        measure_of_success=record.measure_of_success, detail=record.detail, agency=record.agency,
        extra=record.extra or None, page=record.page,
    )


def parent_seqs(plan: PlanDocument) -> dict[int, int]:
    """seq of each item -> seq of its parent: the one the normaliser placed it under, else the latest
    action or priority area before it with its parent_ref (plans normalised before parent_seq existed)."""
    by_ref: dict[str, int] = {}
    parents = {}
    for seq, record in enumerate(plan.actions):
        if record.parent_seq is not None and record.parent_seq < seq:
            parents[seq] = record.parent_seq
        elif record.parent_ref and record.parent_ref in by_ref:
            parents[seq] = by_ref[record.parent_ref]
        if record.ref and record.level.value != "task":
            by_ref[record.ref] = seq
    return parents


def ids_by_seq(conn: Connection, table, document_id: int) -> dict[int, int]:
    return dict(conn.execute(select(table.seq, table.id).where(table.document_id == document_id)).all())


def insert_many(conn: Connection, model, rows: list[dict]) -> None:
    """One executemany per table (batched further by SQLAlchemy's insertmanyvalues on PostgreSQL)."""
    if rows:
        conn.execute(insert(model), rows)


def write_actions(conn: Connection, plan: PlanDocument, document_id: int) -> dict[int, int]:
    """Actions, then their parents, leads and provenance: a handful of statements, not one per row.

    Returns the new row id of each action by its seq."""
    insert_many(conn, Action, [action_values(record, seq, document_id) for seq, record in enumerate(plan.actions)])
    ids = ids_by_seq(conn, Action, document_id)
    parents = [{"row_id": ids[seq], "parent": ids[parent]} for seq, parent in parent_seqs(plan).items()]
    if parents:
        conn.execute(update(Action).where(Action.id == bindparam("row_id")).values(parent_id=bindparam("parent")),
                     parents)
    leads = lead_ids(conn, plan)
    insert_many(conn, ActionLead, [
        {"action_id": ids[seq], "position": position, "raw": lead.raw, "expanded": lead.expanded, "canonical": lead.canonical,
         "lead_id": leads[(lead.role, lead.organisation)]}
        for seq, record in enumerate(plan.actions) for position, lead in enumerate(record.leads)])
    insert_many(conn, ProvenanceRow, [
        {"action_id": ids[seq], "field": field, "page": where.page, **_box(where.bbox)}
        for seq, record in enumerate(plan.actions) for field, where in record.provenance.items()])
    return ids


def write_measures(conn: Connection, plan: PlanDocument, document_id: int) -> None:
    insert_many(conn, MeasureRow, [
        {"document_id": document_id, "seq": seq, "ref": m.ref, "priority_ref": m.priority_ref, "name": m.name,
         "rag": m.rag.value if m.rag else None, "status_raw": m.status_raw, "direction": m.direction, "page": m.page}
        for seq, m in enumerate(plan.measures)])
    ids = ids_by_seq(conn, MeasureRow, document_id)
    insert_many(conn, MeasureValueRow, [
        {"measure_id": ids[seq], "column_label": v.column_label, "value_raw": v.value_raw, "value_num": v.value_num,
         "period_label": v.period_label, "value_kind": v.value_kind,
         "page": v.provenance.page if v.provenance else None, **_box(v.provenance.bbox if v.provenance else None)}
        for seq, m in enumerate(plan.measures) for v in m.values])


def load_document(engine: Engine, plan: PlanDocument, path: str, replace_current: bool = True) -> int | None:
    """Replace this document's rows in one transaction; returns the number of action rows.

    With replace_current=False a document already loaded by the same stage versions (by a run
    started at the same time) is left as it is and None returned: no run redoes another's rows.
    Rows go in with Core executemany, a few statements per table: through the ORM, SQLite took
    one INSERT per row (it cannot hand back the ids of a multi-row INSERT).
    """
    with engine.begin() as conn:
        old = conn.execute(select(Document.id, Document.extractor_version, Document.normaliser_version,
                                  *SOURCE_COLUMNS).where(Document.sha256 == plan.sha256)).first()
        if old is not None and not replace_current and (old.extractor_version, old.normaliser_version) == (
                plan.extractor_version, plan.normaliser_version):
            return None
        kept, fallback = kept_on_reload(old)  # where a fetched document was published (load/sources.py)
        paths = [path]
        if old is not None:
            paths += [p for p in conn.scalars(select(DocumentFile.path).where(DocumentFile.document_id == old.id))
                      if p != path]
            conn.execute(delete(Document).where(Document.id == old.id))  # the database cascades to every row below
        document_id = conn.execute(insert(Document).values(
            sha256=plan.sha256, file_name=plan.file_name, title=plan.title,
            council=plan.council or fallback.get("council"), committee=plan.committee or fallback.get("committee"),
            doc_type=plan.doc_type, plan_period=plan.plan_period_label,
            period_start=plan.period_start, period_end=plan.period_end, status_as_of=plan.status_as_of,
            page_count=plan.page_count, extractor_version=plan.extractor_version,
            normaliser_version=plan.normaliser_version, warnings=plan.warnings,
            layout=layout_of(plan), **kept,
        )).inserted_primary_key[0]
        insert_many(conn, DocumentFile, [{"document_id": document_id, "path": p} for p in paths])
        insert_many(conn, PriorityRow, [{"document_id": document_id, "ref": p.ref, "title": p.title, "theme": p.theme,
                                         "page": p.page} for p in plan.priorities])
        attach_corrections(conn, plan, write_actions(conn, plan, document_id))
        write_measures(conn, plan, document_id)
        write_tables(conn, plan, document_id)  # every table and its cells; actions and KPIs linked to theirs
        index_document(conn, document_id)  # full-text search, after the corrections are attached
        return len(plan.actions)


def layout_of(plan: PlanDocument) -> str:
    """known: actions or KPIs were read; generic: only tables of unknown layout; empty: neither."""
    return "known" if plan.actions or plan.measures else ("generic" if plan.generic_tables else "empty")


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


def record_error(engine: Engine, run_id: int | None, file_name: str, sha256: str | None, stage: str, kind: str,
                 reason: str) -> None:
    with Session(engine) as session, session.begin():
        session.add(IngestError(run_id=run_id, file_name=file_name, sha256=sha256, stage=stage, kind=kind,
                                reason=reason))


def drop_document(engine: Engine, sha256: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(Document).where(Document.sha256 == sha256))
