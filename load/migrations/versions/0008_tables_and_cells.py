"""every table kept: tables and table_cells (page, box, reader, spans, fills); generic_tables becomes a view

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:00:00.000000

`tables` holds every table the readers found (what `councilplans tables` exports), with its page,
box, reader and grid size, and what the normaliser read from it (`read_as`); `table_cells` its
cells with spans, text, box, fill (`#RRGGBB`) and OCR confidence; `table_records` which action or
KPI was read from which table (a table of links, so actions and measures are not rebuilt). The generic_tables table goes:
a view of the same name (load/views.py) lists the tables whose layout the normaliser did not
know. Rows already in generic_tables become tables (reader and boxes NULL, header as row 0)
until their document is read again; a downgrade writes the generic ones back as header + rows.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GENERIC = sa.table('generic_tables', sa.column('id', sa.Integer), sa.column('document_id', sa.Integer),
                   sa.column('page', sa.Integer), sa.column('header', sa.JSON), sa.column('rows', sa.JSON))
TABLES = sa.table('tables', sa.column('id', sa.Integer), sa.column('document_id', sa.Integer),
                  sa.column('seq', sa.Integer), sa.column('page', sa.Integer), sa.column('n_rows', sa.Integer),
                  sa.column('n_cols', sa.Integer), sa.column('open_bottom', sa.Boolean),
                  sa.column('read_as', sa.String))
CELLS = sa.table('table_cells', sa.column('table_id', sa.Integer), sa.column('row', sa.Integer),
                 sa.column('col', sa.Integer), sa.column('row_span', sa.Integer), sa.column('col_span', sa.Integer),
                 sa.column('text', sa.Text))


def upgrade() -> None:
    op.create_table('tables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('x0', sa.Float(), nullable=True),
    sa.Column('top', sa.Float(), nullable=True),
    sa.Column('x1', sa.Float(), nullable=True),
    sa.Column('bottom', sa.Float(), nullable=True),
    sa.Column('reader', sa.String(length=20), nullable=True),
    sa.Column('n_rows', sa.Integer(), nullable=False),
    sa.Column('n_cols', sa.Integer(), nullable=False),
    sa.Column('open_bottom', sa.Boolean(), nullable=False),
    sa.Column('read_as', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_tables_document_page', 'tables', ['document_id', 'page'], unique=False)
    op.create_table('table_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('col', sa.Integer(), nullable=False),
    sa.Column('row_span', sa.Integer(), nullable=False),
    sa.Column('col_span', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('x0', sa.Float(), nullable=True),
    sa.Column('top', sa.Float(), nullable=True),
    sa.Column('x1', sa.Float(), nullable=True),
    sa.Column('bottom', sa.Float(), nullable=True),
    sa.Column('fill', sa.String(length=7), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_table_cells_table_id', 'table_cells', ['table_id'], unique=False)
    op.create_table('table_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('measure_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    for column in ('table_id', 'action_id', 'measure_id'):
        op.create_index(f'ix_table_records_{column}', 'table_records', [column], unique=False)
    keep_generic_rows(op.get_bind())
    op.drop_index('ix_generic_tables_document_id', table_name='generic_tables')
    op.drop_table('generic_tables')


def keep_generic_rows(conn) -> None:
    """Each generic_tables row as a table: its header as row 0, one cell per position (no spans or boxes known)."""
    seq: dict[int, int] = {}
    for old in conn.execute(sa.select(GENERIC).order_by(GENERIC.c.document_id, GENERIC.c.id)).mappings():
        rows = [list(old['header'] or [])] + [list(r) for r in old['rows'] or []]
        n_cols = max((len(r) for r in rows), default=0)
        position = seq[old['document_id']] = seq.get(old['document_id'], -1) + 1
        table_id = conn.execute(sa.insert(TABLES).values(
            document_id=old['document_id'], seq=position, page=old['page'], n_rows=len(rows), n_cols=n_cols,
            open_bottom=False, read_as='generic').returning(TABLES.c.id)).scalar_one()
        cells = [{'table_id': table_id, 'row': r, 'col': c, 'row_span': 1, 'col_span': 1, 'text': str(text or '')}
                 for r, row in enumerate(rows) for c, text in enumerate(row)]
        if cells:
            conn.execute(sa.insert(CELLS), cells)


def downgrade() -> None:
    op.create_table('generic_tables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('header', sa.JSON(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('generic_tables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generic_tables_document_id'), ['document_id'], unique=False)
    write_generic_rows(op.get_bind())
    for column in ('table_id', 'action_id', 'measure_id'):
        op.drop_index(f'ix_table_records_{column}', table_name='table_records')
    op.drop_table('table_records')
    op.drop_index('ix_table_cells_table_id', table_name='table_cells')
    op.drop_table('table_cells')
    op.drop_index('ix_tables_document_page', table_name='tables')
    op.drop_table('tables')


def write_generic_rows(conn) -> None:
    """The generic tables back as header + rows (a merged cell's text at its top-left position)."""
    generic = conn.execute(sa.select(TABLES).where(TABLES.c.read_as == 'generic')
                           .order_by(TABLES.c.document_id, TABLES.c.seq)).mappings().all()
    for table in generic:
        grid = [[''] * table['n_cols'] for _ in range(table['n_rows'])]
        for cell in conn.execute(sa.select(CELLS).where(CELLS.c.table_id == table['id'])).mappings():
            grid[cell['row']][cell['col']] = cell['text']
        if grid:
            conn.execute(sa.insert(GENERIC).values(document_id=table['document_id'], page=table['page'],
                                                   header=grid[0], rows=grid[1:]))
