"""people pages and family: invitation expiry and lookup, offline proof note

Revision ID: a4e5b6c7d8f9
Revises: 9c3f1a2b4d05
Create Date: 2026-11-22 09:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'a4e5b6c7d8f9'
down_revision = '9c3f1a2b4d05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('family_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('proof_note', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_family_links_invitation_code_hash'), ['invitation_code_hash'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('family_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_links_invitation_code_hash'))
        batch_op.drop_column('proof_note')
        batch_op.drop_column('invitation_expires_at')
