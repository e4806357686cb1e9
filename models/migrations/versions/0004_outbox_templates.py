"""outbox messages queued as template + values

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

A message is queued as its template's name and values and rendered once, when first claimed for
delivery (keeping Jinja off the transition's transaction); subject and bodies record what was sent.
Rows queued before this revision come rendered and have no template.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('context', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        for column in ('subject', 'body_text', 'body_html'):
            batch_op.alter_column(column, existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        for column in ('subject', 'body_text', 'body_html'):
            batch_op.alter_column(column, existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.drop_column('context')
        batch_op.drop_column('template')
