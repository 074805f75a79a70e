"""a case re-assessed by the eligibility engine after a finding of the household check was accepted: the verdict
before and after, and the found values used with the findings they came from

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 01:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'application_reassessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.Column('assessed_on', sa.Date(), nullable=False),
        sa.Column('outcome_before', sa.String(length=24), nullable=True),
        sa.Column('amount_before_fen', sa.Integer(), nullable=True),
        sa.Column('outcome_after', sa.String(length=24), nullable=True),
        sa.Column('amount_after_fen', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name='fk_application_reassessment_application_id_application'),
        sa.PrimaryKeyConstraint('id', name='pk_application_reassessment'),
    )
    op.create_index('ix_application_reassessment_application_id', 'application_reassessment',
                    ['application_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_application_reassessment_application_id', table_name='application_reassessment')
    op.drop_table('application_reassessment')
