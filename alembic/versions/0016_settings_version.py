"""settings version: one token that changes with every policy or calendar write, so hot paths can cache them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 12:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'settings_version',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_settings_version')),
    )
    op.bulk_insert(table, [{'name': 'settings', 'token': 'initial'}])


def downgrade() -> None:
    op.drop_table('settings_version')
