"""supervisor appointments, evaluation rounds, evaluations, notices

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

UTC = portal.kernel.base.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table(
        'supervisor_appointment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('term_start', sa.Date(), nullable=False),
        sa.Column('term_end', sa.Date(), nullable=False),
        sa.Column('appointed_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        _fk('supervisor_appointment', 'user_id', 'app_user'),
        _fk('supervisor_appointment', 'region_id', 'region'),
        _fk('supervisor_appointment', 'appointed_by', 'app_user'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisor_appointment')),
    )
    op.create_index(op.f('ix_supervisor_appointment_user_id'), 'supervisor_appointment', ['user_id'])

    op.create_table(
        'evaluation_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('criteria', sa.JSON(), nullable=False),
        sa.Column('status', sa.Enum('OPEN', 'CLOSED', name='roundstatus', native_enum=False, length=8),
                  nullable=False),
        sa.Column('opened_by', sa.Integer(), nullable=True),
        sa.Column('opened_at', UTC, nullable=False),
        sa.Column('closed_by', sa.Integer(), nullable=True),
        sa.Column('closed_at', UTC, nullable=True),
        sa.Column('weight_supervisors', sa.Integer(), nullable=True),
        sa.Column('weight_residents', sa.Integer(), nullable=True),
        _fk('evaluation_round', 'region_id', 'region'),
        _fk('evaluation_round', 'opened_by', 'app_user'),
        _fk('evaluation_round', 'closed_by', 'app_user'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_round')),
    )
    op.create_index(op.f('ix_evaluation_round_region_id'), 'evaluation_round', ['region_id'])
    op.create_index(op.f('ix_evaluation_round_status'), 'evaluation_round', ['status'])

    op.create_table(
        'evaluation_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('window_id', sa.Integer(), nullable=True),
        sa.Column('office_name', sa.String(length=120), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        _fk('evaluation_target', 'round_id', 'evaluation_round'),
        _fk('evaluation_target', 'window_id', 'service_window'),
        _fk('evaluation_target', 'region_id', 'region'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_target')),
        sa.UniqueConstraint('round_id', 'key', name=op.f('uq_evaluation_target_round_id')),
    )
    op.create_index(op.f('ix_evaluation_target_round_id'), 'evaluation_target', ['round_id'])

    op.create_table(
        'evaluation_assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('supervisor_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('ASSIGNED', 'DRAFT', 'SUBMITTED', 'CONFLICT', name='assignmentstatus',
                                    native_enum=False, length=10), nullable=False),
        sa.Column('assigned_by', sa.Integer(), nullable=True),
        sa.Column('assigned_at', UTC, nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('comments', sa.JSON(), nullable=False),
        sa.Column('overall_comment', sa.Text(), nullable=True),
        sa.Column('checkin_at', UTC, nullable=True),
        sa.Column('checkin_lat', sa.Float(), nullable=True),
        sa.Column('checkin_lon', sa.Float(), nullable=True),
        sa.Column('checkin_accuracy_m', sa.Float(), nullable=True),
        sa.Column('photos', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.Column('submitted_at', UTC, nullable=True),
        sa.Column('conflict_reason', sa.Text(), nullable=True),
        _fk('evaluation_assignment', 'round_id', 'evaluation_round'),
        _fk('evaluation_assignment', 'target_id', 'evaluation_target'),
        _fk('evaluation_assignment', 'supervisor_id', 'app_user'),
        _fk('evaluation_assignment', 'assigned_by', 'app_user'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_assignment')),
        sa.UniqueConstraint('target_id', 'supervisor_id', name=op.f('uq_evaluation_assignment_target_id')),
    )
    op.create_index(op.f('ix_evaluation_assignment_round_id'), 'evaluation_assignment', ['round_id'])
    op.create_index(op.f('ix_evaluation_assignment_supervisor_id'), 'evaluation_assignment', ['supervisor_id'])

    op.create_table(
        'evaluation_result',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('target_key', sa.String(length=160), nullable=False),
        sa.Column('label', sa.String(length=250), nullable=False),
        sa.Column('office_name', sa.String(length=120), nullable=False),
        sa.Column('assigned', sa.Integer(), nullable=False),
        sa.Column('submitted', sa.Integer(), nullable=False),
        sa.Column('supervisor_score', sa.Float(), nullable=True),
        sa.Column('resident_count', sa.Integer(), nullable=False),
        sa.Column('resident_rate', sa.Float(), nullable=True),
        sa.Column('combined', sa.Float(), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('talk_flag', sa.Boolean(), nullable=False),
        _fk('evaluation_result', 'round_id', 'evaluation_round'),
        _fk('evaluation_result', 'target_id', 'evaluation_target'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_result')),
        sa.UniqueConstraint('round_id', 'target_id', name=op.f('uq_evaluation_result_round_id')),
    )
    op.create_index(op.f('ix_evaluation_result_round_id'), 'evaluation_result', ['round_id'])
    op.create_index(op.f('ix_evaluation_result_target_key'), 'evaluation_result', ['target_key'])
    op.create_index(op.f('ix_evaluation_result_office_name'), 'evaluation_result', ['office_name'])


def downgrade() -> None:
    for index, table in [
        ('ix_evaluation_result_office_name', 'evaluation_result'), ('ix_evaluation_result_target_key', 'evaluation_result'),
        ('ix_evaluation_result_round_id', 'evaluation_result'),
        ('ix_evaluation_assignment_supervisor_id', 'evaluation_assignment'),
        ('ix_evaluation_assignment_round_id', 'evaluation_assignment'),
        ('ix_evaluation_target_round_id', 'evaluation_target'),
        ('ix_evaluation_round_status', 'evaluation_round'), ('ix_evaluation_round_region_id', 'evaluation_round'),
        ('ix_supervisor_appointment_user_id', 'supervisor_appointment'),
    ]:
        op.drop_index(op.f(index), table_name=table)
    for table in ['evaluation_result', 'evaluation_assignment', 'evaluation_target', 'evaluation_round',
                  'supervisor_appointment']:
        op.drop_table(table)
