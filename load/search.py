"""Full-text search over action text, progress and KPI names: SQLite FTS5, PostgreSQL tsvector.

The index is kept in step by the loader: `index_document` runs in the transaction that writes a
document's rows, after its corrections are attached, so an action is found by the text the views
show. Deleting a document's rows removes their entries by the database's own means (a trigger per
table on SQLite, whose virtual tables take no foreign keys; ON DELETE CASCADE on PostgreSQL), and a
correction of an indexed field re-indexes its action (`reindex_actions`). Migration 0006 creates
the index and fills it for rows loaded before.

Both backends tokenise alike, without stemming: FTS5's unicode61 tokenizer (case and diacritics
folded) and PostgreSQL's 'simple' configuration. A theme is matched as a phrase whose last word
may be the start of a longer one ("school improvement" finds "school improvements"), which on
the samples finds the same rows as the substring search (LIKE) it replaces, ranked: FTS5's bm25
(lower is better, shown negated) and ts_rank_cd (higher is better).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, bindparam, text

from .views import corrected

ACTION_FIELDS = ("text", "progress")  # the action columns indexed, in index column order
SQLITE_TABLES = {"actions": "actions_fts", "measures": "measures_fts"}
POSTGRES_TABLES = {"actions": "actions_search", "measures": "measures_search"}
TEXT_SEARCH_CONFIG = "simple"  # PostgreSQL: no stemming, as FTS5's unicode61
TOKEN = re.compile(r"[^\W_]+")  # what unicode61 and PostgreSQL's parser both keep as a word


def is_search_table(name: str | None) -> bool:
    """True for the search index's tables (FTS5's shadow tables too), which the models do not declare."""
    return bool(name) and any(name == t or name.startswith(f"{t}_")
                              for t in (*SQLITE_TABLES.values(), *POSTGRES_TABLES.values()))


def include_name(name, type_, parent_names) -> bool:
    """Alembic autogenerate filter: leave the search index out of model comparisons."""
    return not (type_ == "table" and is_search_table(name))


# ----------------------------------------------------------------------------------------------
# keeping the index in step


def sqlite_triggers() -> list[str]:
    """Triggers that drop an action's or KPI's entry with its row (a cascade from documents fires them too)."""
    return [f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} "
            f"BEGIN DELETE FROM {fts} WHERE rowid = old.id; END"
            for table, fts in SQLITE_TABLES.items()]


def restore_triggers(conn: Connection) -> bool:
    """Put back a delete trigger that is missing and rebuild the index it kept; True if it did.

    Alembic's batch mode rebuilds a SQLite table (copy, drop, rename) for some changes, and the
    triggers go with the dropped table; a later migration may do that to actions or measures.
    Entries left behind meanwhile cannot be told apart (SQLite hands a deleted row's id to the next
    row), so the whole index is written again. One query when nothing is missing."""
    names = [f"{fts}_delete" for fts in SQLITE_TABLES.values()]
    present = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN :names")
                               .bindparams(bindparam("names", expanding=True)), {"names": names}).scalars())
    if present == set(names):
        return False
    for trigger in sqlite_triggers():
        conn.execute(text(trigger))
    for fts in SQLITE_TABLES.values():
        conn.execute(text(f"DELETE FROM {fts}"))
    _insert_actions(conn, "1 = 1", {})
    conn.execute(text("INSERT INTO measures_fts (rowid, name) SELECT m.id, m.name FROM measures m"))
    return True


def _action_rows_sql(where: str) -> str:
    """The indexed values of actions: the analyst's latest correction if any, else as extracted."""
    return f"SELECT a.id, {corrected('text')}, {corrected('progress')} FROM actions a WHERE {where}"


def _insert_actions(conn: Connection, where: str, params: dict, expanding: str | None = None) -> None:
    rows = _action_rows_sql(where)
    if conn.dialect.name == "postgresql":
        sql = (f"INSERT INTO actions_search (action_id, text_tsv, progress_tsv) "
               f"SELECT r.id, to_tsvector('{TEXT_SEARCH_CONFIG}', COALESCE(r.text, '')), "
               f"to_tsvector('{TEXT_SEARCH_CONFIG}', COALESCE(r.progress, '')) FROM ({rows}) AS r")
    else:
        sql = f"INSERT INTO actions_fts (rowid, text, progress) {rows}"
    statement = text(sql)
    if expanding:
        statement = statement.bindparams(bindparam(expanding, expanding=True))
    conn.execute(statement, params)


def index_document(conn: Connection, document_id: int) -> None:
    """Index the document's actions and KPI names just written (call inside the loading transaction)."""
    if conn.dialect.name == "postgresql":
        _insert_actions(conn, "a.document_id = :document_id", {"document_id": document_id})
        conn.execute(text(f"INSERT INTO measures_search (measure_id, name_tsv) "
                          f"SELECT m.id, to_tsvector('{TEXT_SEARCH_CONFIG}', m.name) FROM measures m "
                          f"WHERE m.document_id = :document_id"), {"document_id": document_id})
        return
    if restore_triggers(conn):  # every document indexed again, this one too
        return
    _insert_actions(conn, "a.document_id = :document_id", {"document_id": document_id})
    conn.execute(text("INSERT INTO measures_fts (rowid, name) SELECT m.id, m.name FROM measures m "
                      "WHERE m.document_id = :document_id"), {"document_id": document_id})


def reindex_actions(conn: Connection, action_ids: Iterable[int]) -> None:
    """Index these actions again (their text or progress was corrected)."""
    ids = sorted(set(action_ids))
    if not ids:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("DELETE FROM actions_search WHERE action_id IN :ids")
                     .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    else:
        conn.execute(text("DELETE FROM actions_fts WHERE rowid IN :ids")
                     .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    _insert_actions(conn, "a.id IN :ids", {"ids": ids}, expanding="ids")


# ----------------------------------------------------------------------------------------------
# searching


def words_of(theme: str) -> list[str]:
    """The words of a theme as both backends tokenise them, lower-cased."""
    return [w.lower() for w in TOKEN.findall(theme)]


def fts5_query(theme: str, fields: Sequence[str] = ("text",)) -> str | None:
    """FTS5 MATCH expression: the theme's words as one phrase, the last a prefix, in these columns.

    Every word is quoted, so no user input is read as FTS5 syntax. None when the theme has no word."""
    words = words_of(theme)
    if not words:
        return None
    return "{%s} : \"%s\" *" % (" ".join(fields), " ".join(words))


def tsquery(theme: str) -> str | None:
    """PostgreSQL to_tsquery text: the words followed one by another (<->), the last a prefix."""
    words = words_of(theme)
    if not words:
        return None
    return " <-> ".join(words[:-1] + [f"{words[-1]}:*"])


ACTION_COLUMNS = "v.document, v.plan_period, v.ref, v.level, v.text, v.leads, v.deadline_raw, v.rag, v.action_id"


def theme_sql(dialect: str, fields: Sequence[str] = ("text",), oldest_first: bool = False) -> str:
    """Actions and tasks (not priority areas) whose indexed fields hold the theme (:query), best match
    first, or oldest plan first; `score` is the relevance (higher is better)."""
    wrong = set(fields) - set(ACTION_FIELDS)
    if wrong or not fields:
        raise ValueError(f"cannot search {sorted(wrong)}; searchable action fields: {', '.join(ACTION_FIELDS)}")
    if dialect == "postgresql":
        vectors = " || ".join(f"s.{f}_tsv" for f in fields)
        hits = (f"SELECT s.action_id AS id, ts_rank_cd({vectors}, q.q) AS score "
                f"FROM actions_search s, to_tsquery('{TEXT_SEARCH_CONFIG}', :query) AS q(q) "
                f"WHERE {' OR '.join(f's.{f}_tsv @@ q.q' for f in fields)}")
    else:
        weights = ", ".join("2.0" if f == "text" else "1.0" for f in ACTION_FIELDS)  # text counts twice
        hits = f"SELECT rowid AS id, -bm25(actions_fts, {weights}) AS score FROM actions_fts WHERE actions_fts MATCH :query"
    order = "v.period_start, v.document, v.action_id" if oldest_first else "h.score DESC, v.period_start, v.action_id"
    return f"""
WITH hits AS ({hits})
SELECT {ACTION_COLUMNS}, round(CAST(h.score AS NUMERIC), 3) AS score
FROM hits h JOIN v_actions v ON v.action_id = h.id
WHERE v.level <> 'priority_area'
ORDER BY {order}
"""


def kpi_sql(dialect: str) -> str:
    """KPIs whose name holds the theme (:query), best match first, with their document and page."""
    if dialect == "postgresql":
        hits = (f"SELECT s.measure_id AS id, ts_rank_cd(s.name_tsv, q.q) AS score "
                f"FROM measures_search s, to_tsquery('{TEXT_SEARCH_CONFIG}', :query) AS q(q) WHERE s.name_tsv @@ q.q")
    else:
        hits = "SELECT rowid AS id, -bm25(measures_fts) AS score FROM measures_fts WHERE measures_fts MATCH :query"
    return f"""
WITH hits AS ({hits})
SELECT d.file_name AS document, d.plan_period, m.ref, m.name, m.rag, m.page, m.id AS measure_id,
       round(CAST(h.score AS NUMERIC), 3) AS score
FROM hits h JOIN measures m ON m.id = h.id JOIN documents d ON d.id = m.document_id
ORDER BY h.score DESC, d.period_start, m.id
"""


def query_text(dialect: str, theme: str, fields: Sequence[str] = ("text",)) -> str | None:
    """The :query parameter of theme_sql (fields) or kpi_sql (fields=('name',)) for this backend."""
    return tsquery(theme) if dialect == "postgresql" else fts5_query(theme, fields)


def search_actions(conn: Connection, theme: str, fields: Sequence[str] = ("text",),
                   oldest_first: bool = False) -> list[dict]:
    """Ranked actions matching the theme, as dicts (empty when the theme has no word)."""
    query = query_text(conn.dialect.name, theme, fields)
    if query is None:
        return []
    sql = theme_sql(conn.dialect.name, fields, oldest_first)
    return [dict(row) for row in conn.execute(text(sql), {"query": query}).mappings()]


def search_kpis(conn: Connection, theme: str) -> list[dict]:
    """Ranked KPIs whose names match the theme."""
    query = query_text(conn.dialect.name, theme, ("name",))
    if query is None:
        return []
    return [dict(row) for row in conn.execute(text(kpi_sql(conn.dialect.name)), {"query": query}).mappings()]
