"""The analyst contract: stable views over whatever tables sit underneath (DESIGN.md).

Plain SQL that runs unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

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

GENERIC_TABLES = """
CREATE VIEW generic_tables AS
SELECT t.id, t.document_id, t.page, t.reader, t.n_rows, t.n_cols, t.x0, t.top, t.x1, t.bottom
FROM tables t WHERE t.read_as = 'generic'
"""

V_TABLE_CELLS = """
CREATE VIEW v_table_cells AS
SELECT d.file_name AS document, d.sha256 AS doc_sha256, t.id AS table_id, t.page, t.reader, t.read_as,
       c."row", c.col, c.row_span, c.col_span, c.text, c.fill, c.x0, c.top, c.x1, c.bottom
FROM table_cells c JOIN tables t ON t.id = c.table_id JOIN documents d ON d.id = t.document_id
"""

VIEWS = ["v_actions", "v_measures", "v_action_links", "v_table_cells", "generic_tables"]
TABLE_NAMED_VIEWS = {"generic_tables"}  # a table before schema 0008: dropped as a view only when it is one


def drop_views(conn: Connection) -> None:
    """Views go before a migration: SQLite refuses to rebuild a table a view reads from."""
    views = set(inspect(conn).get_view_names())
    for name in VIEWS:
        if name not in TABLE_NAMED_VIEWS or name in views:
            conn.execute(text(f"DROP VIEW IF EXISTS {name}"))


def create_views(conn: Connection) -> None:
    """(Re)create every view so a schema change is always reflected."""
    drop_views(conn)
    for sql in (v_actions_sql(conn.dialect.name), V_MEASURES, V_ACTION_LINKS, V_TABLE_CELLS, GENERIC_TABLES):
        conn.execute(text(sql))
