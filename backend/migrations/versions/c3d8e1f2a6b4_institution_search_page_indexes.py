"""institution search: area indexes in page order (level, name), per service

Revision ID: c3d8e1f2a6b4
Revises: a4e5b6c7d8f9
Create Date: 2026-11-23 10:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'c3d8e1f2a6b4'
down_revision = 'a4e5b6c7d8f9'
branch_labels = None
depends_on = None

SERVICES = ("inpatient", "outpatient", "chronic", "pharmacy")


def upgrade():
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        # (area_code, level_rank, name, ...) serves everything (area_code, level_rank) did;
        # code and initials let a name query check a cell in the index alone.
        batch_op.drop_index('ix_institutions_area_rank')
        batch_op.create_index('ix_institutions_area_rank_name',
                              ['area_code', 'level_rank', 'name', 'code', 'name_initials'], unique=False)
        for service in SERVICES:
            # Partial: only the rows networked for the service. Spelt as each dialect renders
            # `WHERE net_x` in a query, so that both planners recognise it.
            batch_op.create_index(f'ix_institutions_area_{service}', ['area_code', 'level_rank', 'name'], unique=False,
                                  postgresql_where=sa.text(f'net_{service}'),
                                  sqlite_where=sa.text(f'net_{service} = 1'))


def downgrade():
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        for service in reversed(SERVICES):
            batch_op.drop_index(f'ix_institutions_area_{service}')
        batch_op.drop_index('ix_institutions_area_rank_name')
        batch_op.create_index('ix_institutions_area_rank', ['area_code', 'level_rank'], unique=False)
