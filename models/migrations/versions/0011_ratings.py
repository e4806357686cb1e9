"""OSRI ratings per case and item, and each case's ratings and outcomes as bit sets for the reports

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


#: Each case's ratings and outcomes as bit sets (models.tables.CaseRow), what the reports sum.
_BITS = ('strength_items', 'ani_items', 'outcomes_substantially', 'outcomes_partially', 'outcomes_not_achieved')


def upgrade() -> None:
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.Integer(), nullable=False),
    sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('rationale', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('rated_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('rated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'item', name='uq_rating_case_item'))
    op.create_index('ix_ratings_case_id', 'ratings', ['case_id'])
    with op.batch_alter_table('cases') as batch_op:
        for name in _BITS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch_op:
        for name in _BITS:
            batch_op.drop_column(name)
    op.drop_index('ix_ratings_case_id', 'ratings')
    op.drop_table('ratings')
