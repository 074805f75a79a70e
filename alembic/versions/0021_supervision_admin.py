"""supervision admin: power versions' document number, risk rules' reviewing level and reason, a referral's
decision (document number, who decided, who recorded it), staff account numbers as keyed hashes

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 00:10:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('supervision_power', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_no', sa.String(length=60), nullable=True))
    with op.batch_alter_table('supervision_risk_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_level', sa.String(length=12), nullable=False, server_default='above'))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
    with op.batch_alter_table('supervision_referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_no', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('outcome_recorded_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_supervision_referral_outcome_recorded_by_app_user'), 'app_user',
                                    ['outcome_recorded_by'], ['id'])
    op.create_table(
        'staff_account_mark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('value_hash', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_staff_account_mark_user_id_app_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_account_mark')),
        sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_staff_account_mark_user_id')),
    )
    with op.batch_alter_table('staff_account_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_account_mark_value_hash'), ['value_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_account_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_account_mark_value_hash'))
    op.drop_table('staff_account_mark')
    with op.batch_alter_table('supervision_referral', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_supervision_referral_outcome_recorded_by_app_user'), type_='foreignkey')
        batch_op.drop_column('outcome_recorded_by')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('decision_no')
    with op.batch_alter_table('supervision_risk_setting', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('review_level')
    with op.batch_alter_table('supervision_power', schema=None) as batch_op:
        batch_op.drop_column('document_no')
