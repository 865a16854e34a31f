"""full-text search over action text, progress and KPI names

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:00:00.000000

SQLite: FTS5 tables actions_fts (text, progress; rowid = actions.id) and measures_fts (name;
rowid = measures.id), tokenised by unicode61 with diacritics folded, and a trigger per table that
drops an entry with its row. PostgreSQL: actions_search and measures_search, one tsvector per
field ('simple' configuration) with a GIN index each, rows cascading from their action or KPI.
Rows loaded before are indexed here (actions by the text the views show: the latest correction if
any); from now on the loader indexes each document in the transaction that writes it
(load/search.py). The DDL is written out here rather than imported, so this revision stays what
it was when later code changes.
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def latest(field: str) -> str:
    return (f"COALESCE((SELECT c.value FROM corrections c WHERE c.action_id = a.id AND c.field = '{field}' "
            f"ORDER BY c.id DESC LIMIT 1), a.{field})")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE TABLE actions_search (action_id INTEGER PRIMARY KEY REFERENCES actions (id) ON DELETE CASCADE, "
                   "text_tsv TSVECTOR NOT NULL, progress_tsv TSVECTOR NOT NULL)")
        op.execute("CREATE TABLE measures_search (measure_id INTEGER PRIMARY KEY REFERENCES measures (id) "
                   "ON DELETE CASCADE, name_tsv TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_actions_search_text ON actions_search USING GIN (text_tsv)")
        op.execute("CREATE INDEX ix_actions_search_progress ON actions_search USING GIN (progress_tsv)")
        op.execute("CREATE INDEX ix_measures_search_name ON measures_search USING GIN (name_tsv)")
        op.execute(f"INSERT INTO actions_search (action_id, text_tsv, progress_tsv) "
                   f"SELECT a.id, to_tsvector('simple', COALESCE({latest('text')}, '')), "
                   f"to_tsvector('simple', COALESCE({latest('progress')}, '')) FROM actions a")
        op.execute("INSERT INTO measures_search (measure_id, name_tsv) SELECT id, to_tsvector('simple', name) FROM measures")
        return
    op.execute("CREATE VIRTUAL TABLE actions_fts USING fts5(text, progress, tokenize = 'unicode61 remove_diacritics 2')")
    op.execute("CREATE VIRTUAL TABLE measures_fts USING fts5(name, tokenize = 'unicode61 remove_diacritics 2')")
    for table, fts in (("actions", "actions_fts"), ("measures", "measures_fts")):
        op.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} "
                   f"BEGIN DELETE FROM {fts} WHERE rowid = old.id; END")
    op.execute(f"INSERT INTO actions_fts (rowid, text, progress) SELECT a.id, {latest('text')}, {latest('progress')} "
               f"FROM actions a")
    op.execute("INSERT INTO measures_fts (rowid, name) SELECT id, name FROM measures")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS measures_search")
        op.execute("DROP TABLE IF EXISTS actions_search")
        return
    op.execute("DROP TRIGGER IF EXISTS measures_fts_delete")
    op.execute("DROP TRIGGER IF EXISTS actions_fts_delete")
    op.execute("DROP TABLE IF EXISTS measures_fts")
    op.execute("DROP TABLE IF EXISTS actions_fts")
