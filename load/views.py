"""The analyst contract: stable views over whatever tables sit underneath (DESIGN.md).

Plain SQL that runs unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

V_ACTIONS = """
CREATE VIEW v_actions AS
SELECT a.id AS action_id,
       d.file_name AS document, d.sha256 AS doc_sha256, d.council, d.doc_type,
       d.plan_period, d.period_start, d.period_end, d.status_as_of,
       a.priority_ref,
       (SELECT p.title FROM priorities p WHERE p.document_id = a.document_id AND p.ref = a.priority_ref
        ORDER BY p.id LIMIT 1) AS priority_title,
       a.ref, a.parent_ref, a.level, a.text, a.leads, a.leads_raw,
       a.deadline_raw, a.deadline_kind, a.deadline_start, a.deadline_end,
       a.rag, a.progress, a.next_steps, a.page
FROM actions a JOIN documents d ON d.id = a.document_id
"""

V_MEASURES = """
CREATE VIEW v_measures AS
SELECT d.file_name AS document, d.sha256 AS doc_sha256, m.priority_ref, m.ref, m.name,
       v.column_label, v.value_raw, v.value_num, v.period_label, v.value_kind, m.rag,
       COALESCE(v.page, m.page) AS page
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

VIEWS = {"v_actions": V_ACTIONS, "v_measures": V_MEASURES, "v_action_links": V_ACTION_LINKS}


def create_views(conn: Connection) -> None:
    """(Re)create every view so a schema change is always reflected."""
    for name, sql in VIEWS.items():
        conn.execute(text(f"DROP VIEW IF EXISTS {name}"))
        conn.execute(text(sql))
