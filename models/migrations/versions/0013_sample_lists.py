"""A draw's ordered list kept as drawn, one document per draw and per extension; rows only for the entries that
became cases

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from itertools import groupby

from alembic import op
import sqlalchemy as sa

from models import sample_lists


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_FIELDS = ', '.join(sample_lists.FIELDS)


def upgrade() -> None:
    op.create_table('sample_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('extension', sa.Integer(), nullable=False),
    sa.Column('entries', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sample_id', 'extension', name='uq_sample_list_extension')
    )
    db = op.get_bind()
    for (sample_id,) in db.execute(sa.text("SELECT id FROM samples ORDER BY id")).fetchall():
        rows = db.execute(sa.text(f"SELECT {_FIELDS}, case_id FROM sample_entries WHERE sample_id = :id "
                                  "ORDER BY extension, case_type, position"), {"id": sample_id}).fetchall()
        replacements = {r.case_id for r in db.execute(sa.text(
            "SELECT replaced_by AS case_id FROM sample_entries WHERE sample_id = :id AND replaced_by IS NOT NULL"),
            {"id": sample_id})}
        for extension, entries in groupby(rows, key=lambda r: r.extension):
            db.execute(sa.text("INSERT INTO sample_lists (sample_id, extension, entries) VALUES (:id, :n, :entries)"),
                       {"id": sample_id, "n": extension,
                        "entries": sample_lists.encode([_as_drawn(e, replacements) for e in entries])})
    # the list keeps every entry; a row stays for each entry that became a case (a re-drawn sample's, withdrawn)
    op.execute("DELETE FROM sample_entries WHERE case_id IS NULL AND role <> 'review'")


def _as_drawn(entry, replacements: set) -> tuple:
    """An entry as the draw placed it, from its row as it was kept until now (changed by eliminations): a
    replacement was drawn as oversample, a case eliminated after the draw was drawn for review."""
    role, reason = entry.role, entry.reason
    if entry.case_id is not None and entry.case_id in replacements:
        role, reason = 'oversample', None
    elif entry.case_id is not None and role == 'eliminated':
        role, reason = 'review', None
    return (entry.case_type, entry.key, entry.case_number, entry.child_id, entry.worker, entry.number, entry.position,
            role, reason, entry.flag, entry.extension)


def downgrade() -> None:
    db = op.get_bind()
    have = {tuple(r) for r in db.execute(sa.text("SELECT sample_id, case_type, position FROM sample_entries"))}
    lists = db.execute(sa.text("SELECT sample_id, entries FROM sample_lists ORDER BY id")).fetchall()
    for sample_id, document in lists:
        entries = [dict(zip(sample_lists.FIELDS, e), sample_id=sample_id) for e in sample_lists.decode(document)]
        missing = [e for e in entries if (sample_id, e["case_type"], e["position"]) not in have]
        if missing:
            db.execute(sa.text(f"INSERT INTO sample_entries (sample_id, {_FIELDS}) VALUES (:sample_id, "
                               + ", ".join(f":{f}" for f in sample_lists.FIELDS) + ")"), missing)
    op.drop_table('sample_lists')
