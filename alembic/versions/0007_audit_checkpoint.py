"""audit checkpoint: how far the hash chain was last found intact

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:50:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_checkpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('verified_id', sa.Integer(), nullable=False),
        sa.Column('verified_hash', sa.String(length=64), nullable=False),
        sa.Column('verified_rows', sa.Integer(), nullable=False),
        sa.Column('verified_at', portal.kernel.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    )


def downgrade() -> None:
    op.drop_table('audit_checkpoint')
