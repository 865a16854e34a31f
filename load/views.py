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
       l.score, l.method, l.direction
FROM action_links l
JOIN actions a1 ON a1.id = l.action_id JOIN documents d1 ON d1.id = a1.document_id
JOIN actions a2 ON a2.id = l.linked_action_id JOIN documents d2 ON d2.id = a2.document_id
"""


def months_between(dialect: str, earlier: str, later: str) -> str:
    """Whole calendar months from one ISO date column to another (March 2018 to September 2018: 6)."""
    if dialect == "postgresql":
        def part(unit: str, column: str) -> str:
            return f"CAST(EXTRACT({unit} FROM {column}) AS INTEGER)"
    else:
        def part(unit: str, column: str) -> str:
            return f"CAST(strftime('{'%Y' if unit == 'YEAR' else '%m'}', {column}) AS INTEGER)"
    return (f"(({part('YEAR', later)} - {part('YEAR', earlier)}) * 12 + {part('MONTH', later)} - "
            f"{part('MONTH', earlier)})")


def v_slippage_sql(dialect: str) -> str:
    """The linked pairs whose later plan gives a later deadline than the earlier plan did: both
    deadlines as printed and as last days, and the months between them. Links whose order in time is
    unknown (direction 'unknown') are left out: which deadline came first is not known either."""
    return f"""
CREATE VIEW v_slippage AS
SELECT l.document AS earlier_document, e.plan_period AS earlier_period, l.ref AS earlier_ref,
       e.deadline_raw AS earlier_deadline, e.deadline_end AS earlier_deadline_end,
       l.linked_document AS later_document, n.plan_period AS later_period, l.linked_ref AS later_ref,
       n.deadline_raw AS later_deadline, n.deadline_end AS later_deadline_end,
       {months_between(dialect, 'e.deadline_end', 'n.deadline_end')} AS months_slipped,
       l.text AS earlier_text, l.linked_text AS later_text, l.score, l.direction,
       l.action_id, l.linked_action_id
FROM v_action_links l
JOIN v_actions e ON e.action_id = l.action_id
JOIN v_actions n ON n.action_id = l.linked_action_id
WHERE l.direction IN ('plan_period', 'status_date')
  AND e.deadline_end IS NOT NULL AND n.deadline_end IS NOT NULL AND n.deadline_end > e.deadline_end
"""


# A period as printed, '16/17' or '2016/17', as one label: '2016/17'.
PERIOD = ("CASE WHEN length(v.period_label) = 5 AND substr(v.period_label, 3, 1) = '/' "
          "THEN '20' || v.period_label ELSE v.period_label END")

# A value's kind in a series: a dated value the document does not call a target, baseline or
# benchmark ("Bromley 2015/16", "2016/17") is the figure reported for that period, an outturn.
SERIES_KIND = "CASE WHEN v.value_kind = 'other' THEN 'outturn' ELSE v.value_kind END"

# One row per indicator, period and kind of value (outturn, target, baseline: the council's own
# figures; benchmarks are other places' and are left to v_measures), across documents. Where several
# documents (or one document twice) give a value for the same period and kind, the latest document's
# is shown (a later report restates an outturn with its final figure), the last printed within it;
# values_found says how many there were.
V_MEASURE_SERIES = f"""
CREATE VIEW v_measure_series AS
SELECT indicator_id, indicator, period, value_kind, value_raw, value_num, document, plan_period, name,
       column_label, values_found
FROM (
  SELECT i.id AS indicator_id, i.name AS indicator, {PERIOD} AS period, {SERIES_KIND} AS value_kind,
         v.value_raw, v.value_num, d.file_name AS document, d.plan_period, m.name, v.column_label,
         COUNT(*) OVER (PARTITION BY i.id, {PERIOD}, {SERIES_KIND}) AS values_found,
         ROW_NUMBER() OVER (PARTITION BY i.id, {PERIOD}, {SERIES_KIND}
                            ORDER BY d.period_start IS NULL, d.period_start DESC, d.status_as_of IS NULL,
                                     d.status_as_of DESC, d.sha256 DESC, m.seq DESC, v.id DESC) AS pick
  FROM measure_values v
  JOIN measures m ON m.id = v.measure_id
  JOIN measure_indicators mi ON mi.measure_id = m.id
  JOIN indicators i ON i.id = mi.indicator_id
  JOIN documents d ON d.id = m.document_id
  WHERE v.period_label IS NOT NULL AND v.value_kind <> 'benchmark'
) series
WHERE pick = 1
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

VIEWS = ["v_actions", "v_measures", "v_action_links", "v_slippage", "v_measure_series", "v_documents", "v_table_cells",
         "generic_tables"]
TABLE_NAMED_VIEWS = {"generic_tables"}  # a table before schema 0008: dropped as a view only when it is one


def drop_views(conn: Connection) -> None:
    """Views go before a migration: SQLite refuses to rebuild a table a view reads from.
    Views that read other views go first (PostgreSQL refuses to drop a view another depends on)."""
    views = set(inspect(conn).get_view_names())
    for name in reversed(VIEWS):
        if name not in TABLE_NAMED_VIEWS or name in views:
            conn.execute(text(f"DROP VIEW IF EXISTS {name}"))


def create_views(conn: Connection) -> None:
    """(Re)create every view so a schema change is always reflected."""
    drop_views(conn)
    dialect = conn.dialect.name
    for sql in (v_actions_sql(dialect), V_MEASURES, V_ACTION_LINKS, v_slippage_sql(dialect), V_MEASURE_SERIES, V_DOCUMENTS,
                V_TABLE_CELLS, GENERIC_TABLES):
        conn.execute(text(sql))
