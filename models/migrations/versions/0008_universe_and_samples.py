"""the universe the samples are drawn from, and the samples drawn

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

The case-management extracts (foster-care custody episodes, in-home cases) and each import's record; a
review's sample: its seed, algorithm and frame digest, and the full ordered list of its entries.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('universe_foster_care',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('county', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('custody_start', sa.Date(), nullable=False),
    sa.Column('custody_end', sa.Date(), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('worker_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('child_id', 'custody_start', name='uq_universe_fc_episode')
    )
    with op.batch_alter_table('universe_foster_care', schema=None) as batch_op:
        batch_op.create_index('ix_universe_fc_region_start', ['region', 'custody_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_universe_foster_care_child_id'), ['child_id'], unique=False)

    op.create_table('universe_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('universe_in_home',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('county', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('case_start', sa.Date(), nullable=False),
    sa.Column('case_end', sa.Date(), nullable=True),
    sa.Column('service_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('household_child_ids', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('worker_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )
    with op.batch_alter_table('universe_in_home', schema=None) as batch_op:
        batch_op.create_index('ix_universe_ih_region_start', ['region', 'case_start'], unique=False)

    op.create_table('samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('algorithm', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('frame_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('drawn_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('drawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['regional_reviews.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('review_id')
    )
    op.create_table('sample_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('case_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('number', sa.Float(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('flag', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('replaced_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['replaced_by'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sample_id', 'case_type', 'position', name='uq_sample_entry_position')
    )
    with op.batch_alter_table('sample_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_entries_sample_id'), ['sample_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sample_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_entries_sample_id'))

    op.drop_table('sample_entries')
    op.drop_table('samples')
    with op.batch_alter_table('universe_in_home', schema=None) as batch_op:
        batch_op.drop_index('ix_universe_ih_region_start')

    op.drop_table('universe_in_home')
    op.drop_table('universe_imports')
    with op.batch_alter_table('universe_foster_care', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_universe_foster_care_child_id'))
        batch_op.drop_index('ix_universe_fc_region_start')

    op.drop_table('universe_foster_care')
