"""re-draws, extensions and review preparation; repeated extract keys found in the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

- A review may have superseded samples (a re-draw keeps the one it replaces); one current sample per review.
- Sample entries say which extension of the draw brought them in.
- Reviews hold their on-site days; planning calls are recorded.
- The universe tables keep each record's row of the extract and lose their unique keys: an import finds
  repeated keys with the database's index instead of a set in memory that grows with the file. The tables
  are re-made (SQLite cannot drop an unnamed unique constraint); their records are kept.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_FOSTER_CARE = ("child_id", "case_id", "region", "county", "custody_start", "custody_end", "date_of_birth",
                "worker_id")
_IN_HOME = ("case_id", "region", "county", "case_start", "case_end", "service_type", "household_child_ids",
            "worker_id")


def _text(length=None):
    return sqlmodel.sql.sqltypes.AutoString(length=length) if length else sqlmodel.sql.sqltypes.AutoString()


def _foster_care_table(name: str, unique: bool) -> None:
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    *([] if unique else [sa.Column('source_row', sa.Integer(), nullable=False)]),
    sa.Column('child_id', _text(64), nullable=False),
    sa.Column('case_id', _text(64), nullable=False),
    sa.Column('region', _text(8), nullable=False),
    sa.Column('county', _text(64), nullable=True),
    sa.Column('custody_start', sa.Date(), nullable=False),
    sa.Column('custody_end', sa.Date(), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('worker_id', _text(64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    *([sa.UniqueConstraint('child_id', 'custody_start', name='uq_universe_fc_episode')] if unique else []))


def _in_home_table(name: str, unique: bool) -> None:
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    *([] if unique else [sa.Column('source_row', sa.Integer(), nullable=False)]),
    sa.Column('case_id', _text(64), nullable=False),
    sa.Column('region', _text(8), nullable=False),
    sa.Column('county', _text(64), nullable=True),
    sa.Column('case_start', sa.Date(), nullable=False),
    sa.Column('case_end', sa.Date(), nullable=True),
    sa.Column('service_type', _text(32), nullable=False),
    sa.Column('household_child_ids', _text(), nullable=False),
    sa.Column('worker_id', _text(64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    *([sa.UniqueConstraint('case_id')] if unique else []))


def _remake(table: str, columns: tuple[str, ...], make, *, unique: bool, indexes: dict[str, list[str]]) -> None:
    """Re-make a universe table (with or without its unique key), keeping its records."""
    make(f"{table}_new", unique)
    listed = ", ".join(columns)
    row = "" if unique else "0, "
    op.execute(f"INSERT INTO {table}_new (id, {'' if unique else 'source_row, '}{listed}) "
               f"SELECT id, {row}{listed} FROM {table}")
    op.drop_table(table)
    op.rename_table(f"{table}_new", table)
    _continue_ids(table)
    for name, on in indexes.items():
        op.create_index(name, table, on, unique=False)


def _continue_ids(table: str) -> None:
    """On PostgreSQL a re-made table's id sequence starts again at 1: move it past the ids copied."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                   f"FROM {table}")


_SAMPLE = ("id", "review_id", "seed", "algorithm", "frame_digest", "period_start", "period_end", "drawn_by",
           "drawn_at")
_ENTRY = ("id", "sample_id", "case_type", "position", "key", "case_number", "child_id", "worker", "number", "role",
          "reason", "flag", "case_id", "replaced_by")


def _remake_samples() -> None:
    """Samples lose their unique review (a re-draw keeps the sample it replaces) and gain `superseded_at`;
    entries gain `extension`. Both tables are re-made, entries first pointed at the new samples, so that no
    foreign key ever points at a dropped table (SQLite checks them as the old table is dropped)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('samples_new',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('algorithm', _text(32), nullable=False),
    sa.Column('frame_digest', _text(64), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('drawn_by', _text(254), nullable=False),
    sa.Column('drawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('superseded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['review_id'], ['regional_reviews.id'], ),
    sa.PrimaryKeyConstraint('id'))
    op.create_table('sample_entries_new',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('case_type', _text(16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', _text(64), nullable=False),
    sa.Column('case_number', _text(64), nullable=False),
    sa.Column('child_id', _text(64), nullable=True),
    sa.Column('worker', _text(64), nullable=True),
    sa.Column('number', sa.Float(), nullable=False),
    sa.Column('role', _text(16), nullable=False),
    sa.Column('reason', _text(64), nullable=True),
    sa.Column('flag', _text(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('replaced_by', sa.Integer(), nullable=True),
    sa.Column('extension', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['replaced_by'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['sample_id'], ['samples_new.id'], ),
    sa.PrimaryKeyConstraint('id'),
    # constraint names are the schema's on PostgreSQL (renamed below once the old one is gone), the table's on SQLite
    sa.UniqueConstraint('sample_id', 'case_type', 'position',
                        name='uq_sample_entry_position_new' if postgres else 'uq_sample_entry_position'))
    op.execute(f"INSERT INTO samples_new ({', '.join(_SAMPLE)}) SELECT {', '.join(_SAMPLE)} FROM samples")
    op.execute(f"INSERT INTO sample_entries_new ({', '.join(_ENTRY)}, extension) "
               f"SELECT {', '.join(_ENTRY)}, 0 FROM sample_entries")
    op.drop_table('sample_entries')
    op.drop_table('samples')
    op.rename_table('samples_new', 'samples')
    op.rename_table('sample_entries_new', 'sample_entries')
    if postgres:
        op.execute("ALTER TABLE sample_entries RENAME CONSTRAINT uq_sample_entry_position_new "
                   "TO uq_sample_entry_position")
    _continue_ids('samples')
    _continue_ids('sample_entries')
    op.create_index('ix_samples_review_id', 'samples', ['review_id'], unique=False)
    op.create_index('uq_sample_current', 'samples', ['review_id'], unique=True,
                    sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
    op.create_index('ix_sample_entries_sample_id', 'sample_entries', ['sample_id'], unique=False)


def upgrade() -> None:
    _remake("universe_foster_care", _FOSTER_CARE, _foster_care_table, unique=False, indexes={
        "ix_universe_fc_key": ["child_id", "custody_start", "source_row"],
        "ix_universe_fc_region_start": ["region", "custody_start"]})
    _remake("universe_in_home", _IN_HOME, _in_home_table, unique=False, indexes={
        "ix_universe_ih_key": ["case_id", "source_row"], "ix_universe_ih_region_start": ["region", "case_start"]})

    _remake_samples()
    with op.batch_alter_table('regional_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('onsite_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('onsite_end', sa.Date(), nullable=True))

    op.create_table('planning_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', _text(), nullable=False),
    sa.Column('eliminations_discussed', _text(), nullable=True),
    sa.Column('recorded_by', _text(254), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['regional_reviews.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_planning_calls_review_id', 'planning_calls', ['review_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_planning_calls_review_id', table_name='planning_calls')
    op.drop_table('planning_calls')
    with op.batch_alter_table('regional_reviews', schema=None) as batch_op:
        batch_op.drop_column('onsite_end')
        batch_op.drop_column('onsite_start')
    # superseded samples cannot go back under one sample per review: only the current ones are kept
    op.execute("DELETE FROM sample_entries WHERE sample_id IN (SELECT id FROM samples WHERE superseded_at IS NOT NULL)")
    op.execute("DELETE FROM samples WHERE superseded_at IS NOT NULL")
    op.drop_index('uq_sample_current', table_name='samples')
    op.drop_index('ix_samples_review_id', table_name='samples')
    with op.batch_alter_table('sample_entries', schema=None) as batch_op:
        batch_op.drop_column('extension')
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_column('superseded_at')
    op.execute("DELETE FROM universe_foster_care")   # repeated keys could not go back under a unique key:
    op.execute("DELETE FROM universe_in_home")       # the extracts are imported again after a downgrade
    for table in ("universe_foster_care", "universe_in_home"):
        op.drop_index('ix_universe_fc_key' if table.endswith("care") else 'ix_universe_ih_key', table_name=table)
        op.drop_index('ix_universe_fc_region_start' if table.endswith("care") else 'ix_universe_ih_region_start',
                      table_name=table)
        op.drop_table(table)
    _foster_care_table("universe_foster_care", True)
    op.create_index('ix_universe_fc_region_start', 'universe_foster_care', ['region', 'custody_start'])
    op.create_index('ix_universe_foster_care_child_id', 'universe_foster_care', ['child_id'])
    _in_home_table("universe_in_home", True)
    op.create_index('ix_universe_ih_region_start', 'universe_in_home', ['region', 'case_start'])
