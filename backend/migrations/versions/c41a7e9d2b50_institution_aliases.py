"""institution aliases: the short names people call institutions by ("协和", "市一院")

Revision ID: c41a7e9d2b50
Revises: b20d4e5f6a71
Create Date: 2026-12-07 06:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'c41a7e9d2b50'
down_revision = 'b20d4e5f6a71'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aliases', sa.String(length=256), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.drop_column('aliases')
