"""documents: uploaded papers' metadata, and each area's retention period

Revision ID: b20d4e5f6a71
Revises: f19b1c2d3e4f
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'b20d4e5f6a71'
down_revision = 'f19b1c2d3e4f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=True),
    sa.Column('dialog_session_id', sa.Integer(), nullable=True),
    sa.Column('material_code', sa.String(length=64), nullable=False),
    sa.Column('owner_person_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reviewer_note', sa.String(length=500), nullable=True),
    sa.Column('reviewed_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delete_after', sa.Date(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dialog_session_id'], ['dialog_sessions.id'],
                            name=op.f('fk_documents_dialog_session_id_dialog_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filing_id'], ['filings.id'], name=op.f('fk_documents_filing_id_filings')),
    sa.ForeignKeyConstraint(['owner_person_id'], ['persons.id'], name=op.f('fk_documents_owner_person_id_persons')),
    sa.ForeignKeyConstraint(['reviewed_by_staff_id'], ['staff_users.id'],
                            name=op.f('fk_documents_reviewed_by_staff_id_staff_users')),
    sa.ForeignKeyConstraint(['uploaded_by_person_id'], ['persons.id'],
                            name=op.f('fk_documents_uploaded_by_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_documents_storage_key')),
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_filing_id'), ['filing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_dialog_session_id'), ['dialog_session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_owner_person_id'), ['owner_person_id'], unique=False)
        batch_op.create_index('ix_documents_delete_after', ['deleted_at', 'delete_after'], unique=False)
    with op.batch_alter_table('area_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_retention_days', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('area_policies', schema=None) as batch_op:
        batch_op.drop_column('document_retention_days')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_delete_after')
        batch_op.drop_index(batch_op.f('ix_documents_owner_person_id'))
        batch_op.drop_index(batch_op.f('ix_documents_dialog_session_id'))
        batch_op.drop_index(batch_op.f('ix_documents_filing_id'))
    op.drop_table('documents')
