"""indicators shared by measures across documents, and the direction of each cross-year link

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00.000000

indicators: one row per indicator a council reports year after year; measures.indicator_id puts
each KPI row of a document under one (the linker sets it, load/links.py). The v_measure_series view
reads it: one row per indicator per period and kind of value, across documents. Like every view,
v_measure_series is made by load/views.py after the migrations have run, never inside one: a view
that exists while a later revision rebuilds one of its tables (batch_alter_table on SQLite) makes
that rebuild fail.

action_links.direction: how the link's first action was found to be the earlier one (plan_period,
status_date, or unknown when neither tells).

Nothing is re-linked here: the links were made by a method of another name, so the next run links
every document again (load/links.py links the documents not yet linked by its own method).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'indicators',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('measures') as batch:
        batch.add_column(sa.Column('indicator_id', sa.Integer(), nullable=True))
        batch.create_index('ix_measures_indicator_id', ['indicator_id'], unique=False)
        batch.create_foreign_key('fk_measures_indicator_id', 'indicators', ['indicator_id'], ['id'],
                                 ondelete='SET NULL')
    with op.batch_alter_table('action_links') as batch:
        batch.add_column(sa.Column('direction', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('action_links') as batch:
        batch.drop_column('direction')
    with op.batch_alter_table('measures') as batch:
        batch.drop_constraint('fk_measures_indicator_id', type_='foreignkey')
        batch.drop_index('ix_measures_indicator_id')
        batch.drop_column('indicator_id')
    op.drop_table('indicators')
