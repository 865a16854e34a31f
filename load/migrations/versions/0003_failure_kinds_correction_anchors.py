"""ingest_errors.kind; corrections anchored by level, ref, position and text instead of a text hash

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:00:00.000000

ingest_errors gains the kind of each failure (rows recorded before have none). Corrections
were keyed by actions.key (level:ref:sha1 of the text), which a re-extraction that changes
the text no longer matches; they are now anchored to the action as it was when corrected and
point at the current row through action_id. Existing corrections take their anchor from the
row their key matches today; one whose key matches no row keeps the level and ref its key spells.
"""
import hashlib
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ANCHOR_FROM_ROW = """
UPDATE corrections SET
  action_id = (SELECT a.id FROM actions a JOIN documents d ON d.id = a.document_id
               WHERE d.sha256 = corrections.doc_sha256 AND a.key = corrections.action_key
               ORDER BY a.seq LIMIT 1)
"""
ANCHOR_COLUMNS = """
UPDATE corrections SET
  action_level = (SELECT a.level FROM actions a WHERE a.id = corrections.action_id),
  action_ref = (SELECT a.ref FROM actions a WHERE a.id = corrections.action_id),
  action_position = (SELECT a.seq FROM actions a WHERE a.id = corrections.action_id),
  action_text = (SELECT a.text FROM actions a WHERE a.id = corrections.action_id)
WHERE action_id IS NOT NULL
"""


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=True))

    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_level', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('action_ref', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('action_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('action_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('action_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_corrections_action_id_actions', 'actions', ['action_id'], ['id'],
                                    ondelete='SET NULL')

    conn = op.get_bind()
    conn.execute(sa.text(ANCHOR_FROM_ROW))
    conn.execute(sa.text(ANCHOR_COLUMNS))
    orphans = conn.execute(sa.text("SELECT id, action_key FROM corrections WHERE action_level IS NULL")).all()
    for correction_id, key in orphans:  # "level:ref:digest", the format of the key being retired
        level, _, rest = key.partition(":")
        ref = rest.rpartition(":")[0] or None
        conn.execute(sa.text("UPDATE corrections SET action_level = :level, action_ref = :ref WHERE id = :id"),
                     {"level": level, "ref": ref, "id": correction_id})

    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_corrections_target')
        batch_op.drop_column('action_key')
        batch_op.alter_column('action_level', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_index('ix_corrections_document', ['doc_sha256'], unique=False)
        batch_op.create_index('ix_corrections_action', ['action_id', 'field'], unique=False)

    # not in batch: on SQLite a batch rebuilds the table, and dropping the old actions table
    # would cascade to every row that references it (leads, provenance, links)
    op.drop_column('actions', 'key')


def old_key(level: str, ref: str | None, text: str) -> str:
    digest = hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()[:16]
    return f"{level}:{ref or ''}:{digest}"[:80]


def downgrade() -> None:
    """Downgrade schema."""
    conn = op.get_bind()
    op.add_column('actions', sa.Column('key', sa.String(length=80), nullable=False, server_default=''))
    for action_id, level, ref, text in conn.execute(sa.text("SELECT id, level, ref, text FROM actions")).all():
        conn.execute(sa.text("UPDATE actions SET key = :key WHERE id = :id"),
                     {"key": old_key(level, ref, text), "id": action_id})

    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_key', sa.String(length=80), nullable=False, server_default=''))
    for correction_id, level, ref, text in conn.execute(sa.text(
            "SELECT id, action_level, action_ref, action_text FROM corrections")).all():
        conn.execute(sa.text("UPDATE corrections SET action_key = :key WHERE id = :id"),
                     {"key": old_key(level, ref, text or ""), "id": correction_id})

    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_corrections_action')
        batch_op.drop_index('ix_corrections_document')
        batch_op.drop_constraint('fk_corrections_action_id_actions', type_='foreignkey')
        batch_op.drop_column('action_id')
        batch_op.drop_column('action_text')
        batch_op.drop_column('action_position')
        batch_op.drop_column('action_ref')
        batch_op.drop_column('action_level')
        batch_op.create_index('ix_corrections_target', ['doc_sha256', 'action_key', 'field'], unique=False)

    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.drop_column('kind')
