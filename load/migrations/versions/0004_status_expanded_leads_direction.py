"""status words as printed, leads with the document's abbreviations expanded, direction of travel, extra columns

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:30:00.000000

actions.status_raw keeps the rating or status word as printed ('Complete', 'On track', 'Yes')
beside the rating it maps to; actions.extra keeps the columns with no field of their own (costs,
case statements) by header; action_leads.expanded is each lead as printed with the document's
own abbreviation key applied; measures gain their status as printed and their direction of
travel. Rows loaded before stay NULL in the new columns until they are re-extracted.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('actions') as batch:
        batch.add_column(sa.Column('status_raw', sa.Text(), nullable=True))
        batch.add_column(sa.Column('extra', sa.JSON(), nullable=True))
    with op.batch_alter_table('action_leads') as batch:
        batch.add_column(sa.Column('expanded', sa.Text(), nullable=True))
    with op.batch_alter_table('measures') as batch:
        batch.add_column(sa.Column('status_raw', sa.Text(), nullable=True))
        batch.add_column(sa.Column('direction', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('measures') as batch:
        batch.drop_column('direction')
        batch.drop_column('status_raw')
    with op.batch_alter_table('action_leads') as batch:
        batch.drop_column('expanded')
    with op.batch_alter_table('actions') as batch:
        batch.drop_column('extra')
        batch.drop_column('status_raw')
