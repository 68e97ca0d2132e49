"""institution search: level rank, search indexes, coarse name keys

Revision ID: 5b1e2c9d4f10
Revises: 280c7d32677e
Create Date: 2026-11-22 08:10:00

"""
from alembic import op
import sqlalchemy as sa

revision = '5b1e2c9d4f10'
down_revision = '280c7d32677e'
branch_labels = None
depends_on = None

RANKS = {"3A": 0, "3B": 1, "3": 2, "2A": 3, "2": 4, "1": 5, "none": 6}


def upgrade():
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level_rank', sa.SmallInteger(), nullable=False, server_default=sa.text('6')))
    cases = " ".join(f"WHEN '{level}' THEN {rank}" for level, rank in RANKS.items())
    op.execute(f"UPDATE institutions SET level_rank = CASE level {cases} ELSE 6 END")
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.create_index('ix_institutions_area_rank', ['area_code', 'level_rank'], unique=False)
        batch_op.create_index('ix_institutions_rank_name', ['level_rank', 'name'], unique=False)
        batch_op.create_index('ix_institutions_lat_lon', ['latitude', 'longitude'], unique=False)

    op.create_table('institution_name_keys',
    sa.Column('key', sa.String(length=8), nullable=False),
    sa.Column('level_rank', sa.SmallInteger(), nullable=False),
    sa.Column('area_code', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('key', 'level_rank', 'area_code', name=op.f('pk_institution_name_keys')),
    sqlite_with_rowid=False,
    )
    _backfill_name_keys()


def _backfill_name_keys():
    # Existing rows get their keys area by area, so memory stays bounded by one area.
    from backend.lib import search_keys

    conn = op.get_bind()
    keys = sa.table('institution_name_keys', sa.column('key'), sa.column('level_rank'), sa.column('area_code'))
    areas = conn.execute(sa.text("SELECT DISTINCT area_code FROM institutions")).scalars().all()
    for area in areas:
        cells = set()
        rows = conn.execute(sa.text(
            "SELECT name, name_pinyin, name_initials, level_rank FROM institutions WHERE area_code = :a"
        ), {"a": area})
        for name, full, initials, rank in rows:
            cells.update((k, rank, area) for k in search_keys.name_keys(name, full or "", initials or ""))
        if cells:
            conn.execute(keys.insert(), [{"key": k, "level_rank": r, "area_code": a} for k, r, a in cells])


def downgrade():
    op.drop_table('institution_name_keys')
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.drop_index('ix_institutions_lat_lon')
        batch_op.drop_index('ix_institutions_rank_name')
        batch_op.drop_index('ix_institutions_area_rank')
        batch_op.drop_column('level_rank')
