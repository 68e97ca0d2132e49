"""settlement filings: the institutions chosen where the insured area requires a choice

Revision ID: d5f2a8c1e9b3
Revises: c3d8e1f2a6b4
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'd5f2a8c1e9b3'
down_revision = 'c3d8e1f2a6b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('settlement_filings', schema=None) as batch_op:
        # Filings handed off before this carried no choice: an empty list, as the sender had none.
        batch_op.add_column(sa.Column('chosen_institutions', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('settlement_filings', schema=None) as batch_op:
        batch_op.drop_column('chosen_institutions')
