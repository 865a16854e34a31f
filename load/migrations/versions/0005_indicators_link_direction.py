"""indicators shared by measures across documents, and the direction of each cross-year link

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00.000000

indicators: one row per indicator a council reports year after year; measure_indicators puts each
KPI row of a document under one (the linker sets it, load/links.py; kept out of measures so that a
document's own rows stay the work of the one transaction that loaded it). The v_measure_series view
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
    op.create_table(
        'measure_indicators',
        sa.Column('measure_id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('measure_id'),
    )
    op.create_index('ix_measure_indicators_indicator_id', 'measure_indicators', ['indicator_id'], unique=False)
    with op.batch_alter_table('action_links') as batch:
        batch.add_column(sa.Column('direction', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('action_links') as batch:
        batch.drop_column('direction')
    op.drop_index('ix_measure_indicators_indicator_id', table_name='measure_indicators')
    op.drop_table('measure_indicators')
    op.drop_table('indicators')
