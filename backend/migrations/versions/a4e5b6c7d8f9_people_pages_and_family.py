"""people pages and family

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
    pass


def downgrade():
    pass
