"""reports, receipts, reward-for-reporting

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Region paths compare bytewise (see portal/roster/models.py): the C collation on PostgreSQL.
PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def _enum(*values: str, length: int, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def upgrade() -> None:
    op.create_table(
        'report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('receipt_code', sa.String(length=16), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('category', _enum('WRONG_ENROLMENT', 'MISSED', 'FRAUD', 'CONNECTIONS', 'SPLITTING',
                                    'STAFF_MISCONDUCT', 'OTHER', length=20, name='reportcategory'), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('roster_entry_id', sa.Integer(), nullable=True),
        sa.Column('subject_key', sa.String(length=120), nullable=False),
        sa.Column('about_staff', sa.Boolean(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('handler_region_id', sa.Integer(), nullable=False),
        sa.Column('handler_path', PATH, nullable=False),
        sa.Column('anonymous', sa.Boolean(), nullable=False),
        sa.Column('reporter_name', sa.String(length=64), nullable=True),
        sa.Column('reporter_phone', sa.String(length=20), nullable=True),
        sa.Column('status', _enum('NEW', 'TAKEN', 'ACKNOWLEDGED', 'CONCLUDED', length=16, name='reportstatus'),
                  nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('taken_at', UTC, nullable=True),
        sa.Column('acknowledge_due', sa.Date(), nullable=False),
        sa.Column('acknowledged_at', UTC, nullable=True),
        sa.Column('conclude_due', sa.Date(), nullable=False),
        sa.Column('outcome', _enum('SUBSTANTIATED', 'PARTLY', 'UNFOUNDED', length=16, name='reportoutcome'),
                  nullable=True),
        sa.Column('conclusion', sa.Text(), nullable=True),
        sa.Column('recovered_fen', sa.Integer(), nullable=True),
        sa.Column('concluded_at', UTC, nullable=True),
        sa.Column('concluded_by', sa.Integer(), nullable=True),
        sa.Column('device_hash', sa.String(length=64), nullable=False),
        sa.Column('client_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['roster_entry_id'], ['roster_entry.id'],
                                name=op.f('fk_report_roster_entry_id_roster_entry')),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_report_region_id_region')),
        sa.ForeignKeyConstraint(['handler_region_id'], ['region.id'], name=op.f('fk_report_handler_region_id_region')),
        sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_report_owner_id_app_user')),
        sa.ForeignKeyConstraint(['concluded_by'], ['app_user.id'], name=op.f('fk_report_concluded_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
        sa.UniqueConstraint('receipt_code', name=op.f('uq_report_receipt_code')),
    )
    op.create_index('ix_report_handler_path_status', 'report', ['handler_path', 'status'])
    op.create_index('ix_report_device_created', 'report', ['device_hash', 'created_at'])
    op.create_index('ix_report_client_created', 'report', ['client_hash', 'created_at'])
    op.create_index('ix_report_subject_key', 'report', ['subject_key'])
    op.create_index(op.f('ix_report_owner_id'), 'report', ['owner_id'])

    op.create_table(
        'report_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC, nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('public', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_event_report_id_report'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_report_event_actor_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_event')),
    )
    op.create_index(op.f('ix_report_event_report_id'), 'report_event', ['report_id'])

    op.create_table(
        'report_evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('image_id', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('added_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_evidence_report_id_report'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_evidence')),
        sa.UniqueConstraint('report_id', 'image_id', name=op.f('uq_report_evidence_report_id')),
    )
    op.create_index(op.f('ix_report_evidence_report_id'), 'report_evidence', ['report_id'])

    op.create_table(
        'report_conflict',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('declared_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_conflict_report_id_report'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_report_conflict_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_conflict')),
        sa.UniqueConstraint('report_id', 'user_id', name=op.f('uq_report_conflict_report_id')),
    )
    op.create_index(op.f('ix_report_conflict_report_id'), 'report_conflict', ['report_id'])

    op.create_table(
        'report_reward',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('status', _enum('DECIDED', 'APPROVED', 'PAID', 'REJECTED', length=16, name='rewardstatus'),
                  nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('basis', sa.Text(), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=False),
        sa.Column('decided_at', UTC, nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('approved_at', UTC, nullable=True),
        sa.Column('rejection', sa.Text(), nullable=True),
        sa.Column('paid_on', sa.Date(), nullable=True),
        sa.Column('payment_ref', sa.String(length=64), nullable=True),
        sa.Column('paid_by', sa.Integer(), nullable=True),
        sa.Column('claimed_at', UTC, nullable=True),
        sa.Column('payout_details', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_reward_report_id_report'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], name=op.f('fk_report_reward_decided_by_app_user')),
        sa.ForeignKeyConstraint(['approved_by'], ['app_user.id'], name=op.f('fk_report_reward_approved_by_app_user')),
        sa.ForeignKeyConstraint(['paid_by'], ['app_user.id'], name=op.f('fk_report_reward_paid_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_reward')),
        sa.UniqueConstraint('report_id', name=op.f('uq_report_reward_report_id')),
    )
    op.create_index(op.f('ix_report_reward_status'), 'report_reward', ['status'])


def downgrade() -> None:
    op.drop_table('report_reward')
    op.drop_table('report_conflict')
    op.drop_table('report_evidence')
    op.drop_table('report_event')
    op.drop_table('report')
