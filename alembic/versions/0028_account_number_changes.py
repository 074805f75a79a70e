"""staff account numbers: a replacement waits for a second admin (staff_account_change); finished application
steps indexed with their start too, so the power list's on-time share (timed from each step's start against the
power's time limit) still reads only the index

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 00:10:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'staff_account_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('value_hash', sa.String(length=64), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=False),
        sa.Column('proposed_at', UTC, nullable=False),
        sa.Column('pending', sa.Boolean(), nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_staff_account_change_user_id_app_user'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['app_user.id'],
                                name=op.f('fk_staff_account_change_proposed_by_id_app_user')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'],
                                name=op.f('fk_staff_account_change_decided_by_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_account_change')),
        sa.UniqueConstraint('user_id', 'kind', 'pending', name=op.f('uq_staff_account_change_user_id')),
    )
    with op.batch_alter_table('staff_account_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_account_change_user_id'), ['user_id'], unique=False)
    op.drop_index('ix_application_step_done', table_name='application_step')
    op.create_index('ix_application_step_done_span', 'application_step',
                    ['done_at', 'kind', 'started_on', 'due_on', 'application_id'])


def downgrade() -> None:
    op.drop_index('ix_application_step_done_span', table_name='application_step')
    op.create_index('ix_application_step_done', 'application_step', ['done_at', 'kind', 'due_on', 'application_id'])
    with op.batch_alter_table('staff_account_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_account_change_user_id'))
    op.drop_table('staff_account_change')
