"""application steps by the time they were done: the power list's monthly on-time share reads a month of steps

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:30:00
"""
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_application_step_done', 'application_step', ['done_at', 'kind', 'due_on', 'application_id'])


def downgrade() -> None:
    op.drop_index('ix_application_step_done', table_name='application_step')
