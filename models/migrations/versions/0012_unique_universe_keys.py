"""The universe's keys as unique indexes: the database refuses an extract that repeats one; sample entries lose
the index their unique (sample, case type, position) constraint already gives

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # every stored universe was imported with its keys checked: they are unique already
    op.drop_index('ix_universe_fc_key', table_name='universe_foster_care')
    op.create_index('ix_universe_fc_key', 'universe_foster_care', ['child_id', 'custody_start'], unique=True)
    op.drop_index('ix_universe_ih_key', table_name='universe_in_home')
    op.create_index('ix_universe_ih_key', 'universe_in_home', ['case_id'], unique=True)
    with op.batch_alter_table('sample_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_sample_entries_sample_id')


def downgrade() -> None:
    with op.batch_alter_table('sample_entries', schema=None) as batch_op:
        batch_op.create_index('ix_sample_entries_sample_id', ['sample_id'], unique=False)
    op.drop_index('ix_universe_ih_key', table_name='universe_in_home')
    op.create_index('ix_universe_ih_key', 'universe_in_home', ['case_id', 'source_row'], unique=False)
    op.drop_index('ix_universe_fc_key', table_name='universe_foster_care')
    op.create_index('ix_universe_fc_key', 'universe_foster_care', ['child_id', 'custody_start', 'source_row'],
                    unique=False)
