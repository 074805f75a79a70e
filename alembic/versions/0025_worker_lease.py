"""worker leases: one worker process at a time runs a periodic job (the retry round of household checks waiting on
a department), until the lease expires

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 03:30:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'worker_lease',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=80), nullable=False),
        sa.Column('expires_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_worker_lease'),
    )


def downgrade() -> None:
    op.drop_table('worker_lease')
