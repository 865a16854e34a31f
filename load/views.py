"""The analyst contract: stable views over whatever tables sit underneath (DESIGN.md).

Plain SQL that runs unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

CORRECTABLE_TEXT = ["ref", "parent_ref", "level", "text", "leads", "leads_raw", "deadline_raw", "deadline_kind",
                    "rag", "progress", "next_steps"]
CORRECTABLE_DATES = ["deadline_start", "deadline_end"]
CORRECTABLE = CORRECTABLE_TEXT + CORRECTABLE_DATES


def corrected(field: str, date_cast: str | None = None) -> str:
    """The analyst's latest correction of a field if there is one, else the extracted value."""
    latest = f"(SELECT c.value FROM corrections c WHERE c.action_id = a.id AND c.field = '{field}' ORDER BY c.id DESC LIMIT 1)"
    if date_cast:
        latest = date_cast.format(latest)
    return f"COALESCE({latest}, a.{field}) AS {field}"


def v_actions_sql(dialect: str) -> str:
    # SQLite keeps dates as ISO text already; PostgreSQL needs the text cast back to a date
    date_cast = "CAST({} AS DATE)" if dialect == "postgresql" else None
    columns = {f: corrected(f) for f in CORRECTABLE_TEXT} | {f: corrected(f, date_cast) for f in CORRECTABLE_DATES}
    return f"""
CREATE VIEW v_actions AS
SELECT a.id AS action_id,
       d.file_name AS document, d.sha256 AS doc_sha256, d.council, d.doc_type,
       d.plan_period, d.period_start, d.period_end, d.status_as_of,
       a.priority_ref,
       (SELECT p.title FROM priorities p WHERE p.document_id = a.document_id AND p.ref = a.priority_ref
        ORDER BY p.id LIMIT 1) AS priority_title,
       {columns["ref"]}, {columns["parent_ref"]}, {columns["level"]}, {columns["text"]},
       {columns["leads"]}, {columns["leads_raw"]},
       {columns["deadline_raw"]}, {columns["deadline_kind"]}, {columns["deadline_start"]}, {columns["deadline_end"]},
       {columns["rag"]}, {columns["progress"]}, {columns["next_steps"]}, a.page, a.status_raw
FROM actions a JOIN documents d ON d.id = a.document_id
"""


V_MEASURES = """
CREATE VIEW v_measures AS
SELECT d.file_name AS document, d.sha256 AS doc_sha256, m.priority_ref, m.ref, m.name,
       v.column_label, v.value_raw, v.value_num, v.period_label, v.value_kind, m.rag,
       COALESCE(v.page, m.page) AS page, m.direction
FROM measure_values v JOIN measures m ON m.id = v.measure_id JOIN documents d ON d.id = m.document_id
"""

V_ACTION_LINKS = """
CREATE VIEW v_action_links AS
SELECT l.action_id, d1.file_name AS document, a1.ref, a1.text,
       l.linked_action_id, d2.file_name AS linked_document, a2.ref AS linked_ref, a2.text AS linked_text,
       l.score, l.method
FROM action_links l
JOIN actions a1 ON a1.id = l.action_id JOIN documents d1 ON d1.id = a1.document_id
JOIN actions a2 ON a2.id = l.linked_action_id JOIN documents d2 ON d2.id = a2.document_id
"""

V_DOCUMENTS = """
CREATE VIEW v_documents AS
SELECT d.id AS document_id, d.file_name AS document, d.sha256 AS doc_sha256, d.title, d.council, d.committee,
       d.doc_type, d.plan_period, d.period_start, d.period_end, d.status_as_of, d.page_count, d.layout,
       (SELECT count(*) FROM actions a WHERE a.document_id = d.id) AS actions,
       (SELECT count(*) FROM measures m WHERE m.document_id = d.id) AS measures,
       d.meeting_date, d.item_title, d.source_title, d.source_url, d.fetched_at, d.ingested_at
FROM documents d
"""

VIEWS = ["v_actions", "v_measures", "v_action_links", "v_documents"]


def drop_views(conn: Connection) -> None:
    """Views go before a migration: SQLite refuses to rebuild a table a view reads from."""
    for name in VIEWS:
        conn.execute(text(f"DROP VIEW IF EXISTS {name}"))


def create_views(conn: Connection) -> None:
    """(Re)create every view so a schema change is always reflected."""
    drop_views(conn)
    for sql in (v_actions_sql(conn.dialect.name), V_MEASURES, V_ACTION_LINKS, V_DOCUMENTS):
        conn.execute(text(sql))
