"""wechat channel: inbound message dedup, outbound messages, subscribe consents

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
    op.create_table('wechat_inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.String(length=64), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('openid', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_inbound_messages')),
    sa.UniqueConstraint('app_id', 'dedup_key', name=op.f('uq_wechat_inbound_messages_app_id')),
    )
    with op.batch_alter_table('wechat_inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_wechat_inbound_user_time', ['app_id', 'openid', 'received_at'], unique=False)

    op.create_table('wechat_outbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.String(length=64), nullable=False),
    sa.Column('openid', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_outbound_messages')),
    )
    with op.batch_alter_table('wechat_outbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_wechat_outbound_user_time', ['app_id', 'openid', 'sent_at'], unique=False)

    op.create_table('wechat_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['wechat_identities.id'],
                            name=op.f('fk_wechat_subscriptions_identity_id_wechat_identities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_subscriptions')),
    sa.UniqueConstraint('identity_id', 'kind', name=op.f('uq_wechat_subscriptions_identity_id')),
    )


def downgrade():
    op.drop_table('wechat_subscriptions')
    with op.batch_alter_table('wechat_outbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_wechat_outbound_user_time')
    op.drop_table('wechat_outbound_messages')
    with op.batch_alter_table('wechat_inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_wechat_inbound_user_time')
    op.drop_table('wechat_inbound_messages')
