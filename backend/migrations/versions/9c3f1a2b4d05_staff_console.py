"""staff console: TOTP replay guard and last login, reviewer's note, review-queue index

Revision ID: 9c3f1a2b4d05
Revises: 7a1c0e5d2b01
Create Date: 2026-11-22 09:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = '9c3f1a2b4d05'
down_revision = '7a1c0e5d2b01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_counter', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_note', sa.String(length=500), nullable=True))
        batch_op.create_index('ix_filings_insured_status_submitted',
                              ['insured_area_code', 'status', 'submitted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index('ix_filings_insured_status_submitted')
        batch_op.drop_column('decision_note')

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('totp_last_counter')
