"""where each document was published: source URL, meeting date, agenda item and title as linked

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000

`councilplans fetch` records, for each paper it downloads from a council's ModernGov site, the
committee, meeting and agenda item it was linked from; `councilplans run` copies that record onto
the document (load/sources.py). documents.committee already exists (the committee a PDF prints)
and is filled from the web page only when the PDF printed none. Rows loaded from files dropped
in by hand stay NULL.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('source_url', sa.Text(), nullable=True))
        batch.add_column(sa.Column('meeting_date', sa.Date(), nullable=True))
        batch.add_column(sa.Column('item_title', sa.Text(), nullable=True))
        batch.add_column(sa.Column('source_title', sa.Text(), nullable=True))
        batch.add_column(sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.drop_column('fetched_at')
        batch.drop_column('source_title')
        batch.drop_column('item_title')
        batch.drop_column('meeting_date')
        batch.drop_column('source_url')
