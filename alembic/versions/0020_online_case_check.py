"""the online check of one case through a department's API: its waiting state, a circuit breaker per department
shared by every worker; findings get the applicant's answer deadline and the online search they came from

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 00:10:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'verification_case_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('online', sa.JSON(), nullable=False),
        sa.Column('waiting_on', sa.JSON(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_try_at', UTC, nullable=True),
        sa.Column('next_try_at', UTC, nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name='fk_verification_case_check_application_id_application'),
        sa.PrimaryKeyConstraint('id', name='pk_verification_case_check'),
        sa.UniqueConstraint('application_id', name='uq_verification_case_check_application_id'),
    )
    op.create_index('ix_verification_case_check_status', 'verification_case_check', ['status', 'next_try_at'])
    op.create_table(
        'verification_circuit',
        sa.Column('source', sa.String(length=24), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('open_until', UTC, nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=False),
        sa.Column('last_failure_at', UTC, nullable=True),
        sa.Column('last_success_at', UTC, nullable=True),
        sa.PrimaryKeyConstraint('source', name='pk_verification_circuit'),
    )
    with op.batch_alter_table('verification_finding') as batch:
        batch.add_column(sa.Column('answer_due_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('pull_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_verification_finding_pull_id_verification_pull', 'verification_pull',
                                 ['pull_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('verification_finding') as batch:
        batch.drop_constraint('fk_verification_finding_pull_id_verification_pull', type_='foreignkey')
        batch.drop_column('pull_id')
        batch.drop_column('answer_due_on')
    op.drop_table('verification_circuit')
    op.drop_index('ix_verification_case_check_status', table_name='verification_case_check')
    op.drop_table('verification_case_check')
