"""staff console

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
    pass


def downgrade():
    pass
