"""the people of a case, interviews, QA staffing, CB feedback; audit texts beside the append-only records

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

- Participants, their interviews, first-level QA's staffing and shadowing, the Children's Bureau's feedback.
- Each audit record's notes move to `audit_texts`, beside the record: the record's hash still covers them,
  so they verify exactly as before, but a recorded de-identification may now replace the names in them
  (docs/audit-and-deidentification.md). The records themselves stay append-only.
- Outbox messages name the case they are about, so that de-identifying it reaches its e-mails too.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _text(length=None):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table('audit_texts',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('notes', _text(), nullable=False),
    sa.Column('redacted_in', sa.Integer(), nullable=True),
    sa.Column('sealed_hash', _text(64), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['audit_records.id']),
    sa.ForeignKeyConstraint(['redacted_in'], ['audit_records.id']),
    sa.PrimaryKeyConstraint('record_id'))
    op.create_index('ix_audit_texts_redacted_in', 'audit_texts', ['redacted_in'])
    op.execute("INSERT INTO audit_texts (record_id, notes) SELECT id, notes FROM audit_records WHERE notes IS NOT NULL")
    # DDL, not an UPDATE: the append-only triggers do not fire, and no trigger names the column
    op.execute("ALTER TABLE audit_records DROP COLUMN notes")

    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_outbox_case_id', ['case_id'])

    op.create_table('case_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', _text(200), nullable=False),
    sa.Column('role', _text(32), nullable=False),
    sa.Column('added_by', _text(254), nullable=False),
    sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_case_participants_case_id', 'case_participants', ['case_id'])

    op.create_table('interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('status', _text(16), nullable=False),
    sa.Column('scheduled_for', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('location', _text(16), nullable=True),
    sa.Column('exception', _text(48), nullable=True),
    sa.Column('notes', _text(), nullable=True),
    sa.Column('recorded_by', _text(254), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
    sa.ForeignKeyConstraint(['participant_id'], ['case_participants.id']),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_interviews_case_id', 'interviews', ['case_id'])
    op.create_index('ix_interviews_participant_id', 'interviews', ['participant_id'])

    op.create_table('cb_feedback',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('text', _text(), nullable=False),
    sa.Column('state', _text(16), nullable=False),
    sa.Column('received_by', _text(254), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('due', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolution', _text(), nullable=True),
    sa.Column('addressed_by', _text(254), nullable=True),
    sa.Column('addressed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
    sa.ForeignKeyConstraint(['review_id'], ['regional_reviews.id']),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_cb_feedback_case_id', 'cb_feedback', ['case_id'])
    op.create_index('ix_cb_feedback_review_id', 'cb_feedback', ['review_id'])

    op.create_table('qa_staffing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', _text(16), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('notes', _text(), nullable=True),
    sa.Column('recorded_by', _text(254), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_qa_staffing_case_id', 'qa_staffing', ['case_id'])


_NOTES_BACK = "UPDATE audit_records SET notes = (SELECT notes FROM audit_texts WHERE record_id = audit_records.id)"


def downgrade() -> None:
    redacted = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_texts WHERE redacted_in IS NOT NULL")).scalar()
    if redacted:   # 0009 has nowhere to keep their seals: the chain would no longer verify
        raise RuntimeError(f"cannot downgrade below 0010: {redacted} audit records were redacted by "
                           "de-identification, and the older schema cannot keep what proves those redactions")
    for table in ('qa_staffing', 'cb_feedback', 'interviews', 'case_participants'):
        op.drop_table(table)
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_index('ix_outbox_case_id')
        batch_op.drop_column('case_id')
    op.execute("ALTER TABLE audit_records ADD COLUMN notes VARCHAR")
    # the texts go back into the records: the append-only guard is lifted for this one statement
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_change")
        op.execute(_NOTES_BACK)
        op.execute("ALTER TABLE audit_records ENABLE TRIGGER audit_records_no_change")
    else:
        op.execute("DROP TRIGGER audit_records_no_update")
        op.execute(_NOTES_BACK)
        op.execute("""CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
                      BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""")
    op.drop_index('ix_audit_texts_redacted_in', 'audit_texts')
    op.drop_table('audit_texts')
