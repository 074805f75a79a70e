"""verification in the officer's work: case findings and their resolutions, grants, department pulls

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 12:30:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('verification_finding') as batch:
        batch.add_column(sa.Column('scope', sa.String(length=8), nullable=False, server_default='register'))
        batch.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('resolution', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch.add_column(sa.Column('resolved_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('resolved_at', UTC, nullable=True))
        batch.add_column(sa.Column('applicant_answer', sa.Text(), nullable=True))
        batch.add_column(sa.Column('answered_at', UTC, nullable=True))
        batch.create_foreign_key(op.f('fk_verification_finding_application_id_application'), 'application',
                                 ['application_id'], ['id'])
        batch.create_index('ix_verification_finding_application', ['application_id'])
    op.create_table(
        'verification_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_code', sa.String(length=32), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('granted_on', sa.Date(), nullable=False),
        sa.Column('adults', sa.Integer(), nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_verification_grant_application_id_application')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_grant')),
        sa.UniqueConstraint('household_code', name=op.f('uq_verification_grant_household_code')),
    )
    op.create_table(
        'verification_pull',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=24), nullable=False),
        sa.Column('transaction_id', sa.String(length=64), nullable=False),
        sa.Column('endpoint', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('persons', sa.Integer(), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.Column('checkpoint', sa.JSON(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(length=300), nullable=True),
        sa.Column('started_by', sa.String(length=64), nullable=False),
        sa.Column('started_at', UTC, nullable=False),
        sa.Column('finished_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['verification_source_batch.id'],
                                name=op.f('fk_verification_pull_batch_id_verification_source_batch')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_pull')),
        sa.UniqueConstraint('transaction_id', name=op.f('uq_verification_pull_transaction_id')),
    )
    op.create_index('ix_verification_pull_source', 'verification_pull', ['source', 'status'])


def downgrade() -> None:
    op.drop_table('verification_pull')
    op.drop_table('verification_grant')
    with op.batch_alter_table('verification_finding') as batch:
        batch.drop_index('ix_verification_finding_application')
        batch.drop_constraint(op.f('fk_verification_finding_application_id_application'), type_='foreignkey')
        for col in ('answered_at', 'applicant_answer', 'resolved_at', 'resolved_by', 'resolution_note',
                    'resolution', 'application_id', 'scope'):
            batch.drop_column(col)
