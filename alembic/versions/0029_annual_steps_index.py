"""application steps indexed by application, state, finish and what the annual figures count, so a region's
finished steps of the year are read application by application from the index alone

Revision ID: 0029_annual
Revises: 0028
Create Date: 2026-12-06 17:00:00
"""
from alembic import op


revision = '0029_annual'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_application_step_annual', 'application_step',
                    ['application_id', 'state', 'done_at', 'kind', 'started_on', 'due_on', 'outcome'])


def downgrade() -> None:
    op.drop_index('ix_application_step_annual', table_name='application_step')
