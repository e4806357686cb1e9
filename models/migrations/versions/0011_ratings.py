"""OSRI ratings per case and item, and each case's ratings in one code for the reports

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
        batch_op.add_column(sa.Column('rating_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default='-' * 18))
        batch_op.add_column(sa.Column('outcome_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='-' * 7))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_column('outcome_code')
        batch_op.drop_column('rating_code')
    op.drop_index('ix_ratings_case_id', 'ratings')
    op.drop_table('ratings')
