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
    op.create_table('settlement_filings',
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('person_id_hash', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('insured_area_code', sa.String(length=6), nullable=False),
    sa.Column('treatment_area_code', sa.String(length=6), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('reference')
    )
    with op.batch_alter_table('settlement_filings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_filings_person_id_hash'), ['person_id_hash'], unique=False)

    op.create_table('settlement_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('reference', 'version')
    )
    with op.batch_alter_table('settlement_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_settlement_registrations_reference', ['reference', 'id'], unique=False)

    op.create_table('settlement_estimates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('insured_area_code', sa.String(length=6), nullable=False),
    sa.Column('treatment_area_code', sa.String(length=6), nullable=False),
    sa.Column('visit_type', sa.String(length=24), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('fund_pays', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('person_pays', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )

    op.create_table('catalogue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=6), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('category', sa.String(length=1), nullable=False),
    sa.Column('first_self_pay_ratio', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('price_ceiling', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('sample', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('area_code', 'code')
    )

    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handoff_detail', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_column('handoff_detail')
    op.drop_table('catalogue_items')
    op.drop_table('settlement_estimates')
    with op.batch_alter_table('settlement_registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_settlement_registrations_reference')
    op.drop_table('settlement_registrations')
    with op.batch_alter_table('settlement_filings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_filings_person_id_hash'))
    op.drop_table('settlement_filings')
