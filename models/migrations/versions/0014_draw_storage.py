"""What a draw reads and writes, stored for it: the universe loses its indexes by region (a draw reads most of its
region's rows, which a scan of the table reads faster than lookups through the index, on both databases, and an
import no longer builds them); on PostgreSQL the sample lists are stored as they come (they are zlib-compressed
already: TOAST's own attempt to compress each cost a draw ~18 ms for nothing)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.drop_index('ix_universe_fc_region_start', table_name='universe_foster_care', if_exists=True)
    op.drop_index('ix_universe_ih_region_start', table_name='universe_in_home', if_exists=True)
    if _postgres():
        op.execute("ALTER TABLE sample_lists ALTER COLUMN entries SET STORAGE EXTERNAL")


def downgrade() -> None:
    if _postgres():
        op.execute("ALTER TABLE sample_lists ALTER COLUMN entries SET STORAGE EXTENDED")
    op.create_index('ix_universe_ih_region_start', 'universe_in_home', ['region', 'case_start'])
    op.create_index('ix_universe_fc_region_start', 'universe_foster_care', ['region', 'custody_start'])
