"""ingest_errors.kind

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:00:00.000000

ingest_errors gains the kind of each failure (rows recorded before have none).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('ingest_errors', schema=None) as batch_op:
        batch_op.drop_column('kind')
