"""dialog message keys: every message_id of a session is remembered (applied once)

Revision ID: e17a0b1c2d3e
Revises: d5f2a8c1e9b3
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'e17a0b1c2d3e'
down_revision = 'd5f2a8c1e9b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dialog_message_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=128), nullable=False),
    sa.Column('reply', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['dialog_sessions.id'],
                            name=op.f('fk_dialog_message_keys_session_id_dialog_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialog_message_keys')),
    sa.UniqueConstraint('session_id', 'message_key', name=op.f('uq_dialog_message_keys_session_id')),
    )
    with op.batch_alter_table('dialog_message_keys', schema=None) as batch_op:
        batch_op.create_index('ix_dialog_message_keys_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('dialog_message_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_dialog_message_keys_created_at')
    op.drop_table('dialog_message_keys')
