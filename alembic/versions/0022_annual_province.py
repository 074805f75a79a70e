"""the province's own annual report: the accepted city reports its figures add up

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-06 00:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('annual_report') as batch:
        batch.add_column(sa.Column('sources', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('annual_report') as batch:
        batch.drop_column('sources')
