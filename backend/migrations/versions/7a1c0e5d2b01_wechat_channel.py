"""wechat channel

Revision ID: 7a1c0e5d2b01
Revises: 6d0e5e771e01
Create Date: 2026-11-22 09:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = '7a1c0e5d2b01'
down_revision = '6d0e5e771e01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
