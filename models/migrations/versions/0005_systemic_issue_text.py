"""a concern response names its systemic issue in words

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

`systemic_issue` was a flag; the region now writes which systemic issue it identified (and, beside it,
the plan to address it). Responses recorded before say only that there was one.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

#: What a response recorded as a bare "yes, systemic" reads as now.
EARLIER = 'a systemic issue (recorded before the issue itself was named)'


def upgrade() -> None:
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('systemic_issue_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute(sa.text("UPDATE concerns SET systemic_issue_text = :earlier WHERE systemic_issue")
               .bindparams(earlier=EARLIER))
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_column('systemic_issue')
        batch_op.alter_column('systemic_issue_text', new_column_name='systemic_issue',
                              existing_type=sa.String(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('systemic_issue_flag', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE concerns SET systemic_issue_flag = (systemic_issue IS NOT NULL)")
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_column('systemic_issue')
        batch_op.alter_column('systemic_issue_flag', new_column_name='systemic_issue', server_default=None,
                              existing_type=sa.Boolean(), existing_nullable=False)
