"""window contact: the office's address, telephone and opening hours, shown to residents

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_window') as batch:
        batch.add_column(sa.Column('address', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('phone', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('hours', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('service_window') as batch:
        batch.drop_column('hours')
        batch.drop_column('phone')
        batch.drop_column('address')
