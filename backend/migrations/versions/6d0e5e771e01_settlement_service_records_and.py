"""settlement service records and catalogue

Revision ID: 6d0e5e771e01
Revises: 5b1e2c9d4f10
Create Date: 2026-11-22 09:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = '6d0e5e771e01'
down_revision = '5b1e2c9d4f10'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
