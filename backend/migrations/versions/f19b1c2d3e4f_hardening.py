"""hardening: session generations, WeChat nonces, shared sign-in limits

Revision ID: f19b1c2d3e4f
Revises: e17a0b1c2d3e
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'f19b1c2d3e4f'
down_revision = 'e17a0b1c2d3e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('used_once_keys',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_used_once_keys')),
    )
    with op.batch_alter_table('used_once_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_once_keys_expires_at'), ['expires_at'], unique=False)
    op.create_table('staff_login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_login_failures')),
    )
    with op.batch_alter_table('staff_login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_staff_login_failures_key_at', ['key', 'at'], unique=False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_actor_action_at', ['actor_id', 'action', 'at'], unique=False)
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('wechat_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('wechat_identities', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_actor_action_at')
    with op.batch_alter_table('staff_login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_login_failures_key_at')
    op.drop_table('staff_login_failures')
    with op.batch_alter_table('used_once_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_once_keys_expires_at'))
    op.drop_table('used_once_keys')
