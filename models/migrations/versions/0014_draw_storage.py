"""What a draw reads and writes, stored for it: the universe loses its indexes by region (a draw reads most of its
region's rows, which a scan of the table reads faster than lookups through the index, on both databases, and an
import no longer builds them); on PostgreSQL the sample lists are stored as they come (they are compressed
already: TOAST's own attempt to compress each cost a draw ~18 ms for nothing); going down, the lists written as
Zstandard frames since become zlib streams again, as the code of 0013 reads them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
import zlib

from alembic import op
from backports import zstd
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


#: How a Zstandard frame begins.
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.drop_index('ix_universe_fc_region_start', table_name='universe_foster_care', if_exists=True)
    op.drop_index('ix_universe_ih_region_start', table_name='universe_in_home', if_exists=True)
    if _postgres():
        op.execute("ALTER TABLE sample_lists ALTER COLUMN entries SET STORAGE EXTERNAL")


def downgrade() -> None:
    # the lists written since are Zstandard frames: the code of 0013 reads zlib streams of the same JSON
    db = op.get_bind()
    for (list_id,) in db.execute(sa.text("SELECT id FROM sample_lists ORDER BY id")).fetchall():
        (document,) = db.execute(sa.text("SELECT entries FROM sample_lists WHERE id = :id"), {"id": list_id}).one()
        if bytes(document[:4]) == _ZSTD_MAGIC:
            db.execute(sa.text("UPDATE sample_lists SET entries = :entries WHERE id = :id"),
                       {"id": list_id, "entries": zlib.compress(zstd.decompress(document), 1)})
    if _postgres():
        op.execute("ALTER TABLE sample_lists ALTER COLUMN entries SET STORAGE EXTENDED")
    op.create_index('ix_universe_ih_region_start', 'universe_in_home', ['region', 'case_start'])
    op.create_index('ix_universe_fc_region_start', 'universe_foster_care', ['region', 'custody_start'])
