"""supervision: dated power list versions, risk-rule settings, monitoring items; audit look-up indexes

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-05 12:30:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None

PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_index('ix_audit_entry_target', 'audit_entry', ['target_type', 'target_id'])
    op.create_index('ix_audit_entry_at', 'audit_entry', ['at', 'action', 'region_code'])
    op.create_index('ix_audit_entry_region_at', 'audit_entry', ['region_code', 'at', 'action'])
    op.create_table(
        'supervision_power',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('name_zh', sa.String(length=80), nullable=False),
        sa.Column('name_en', sa.String(length=120), nullable=False),
        sa.Column('grade', sa.String(length=1), nullable=False),
        sa.Column('legal_basis', sa.Text(), nullable=False),
        sa.Column('office_level', sa.String(length=12), nullable=False),
        sa.Column('time_limit_wd', sa.Integer(), nullable=True),
        sa.Column('a_post', sa.String(length=80), nullable=False),
        sa.Column('b_post', sa.String(length=80), nullable=False),
        sa.Column('process_zh', sa.Text(), nullable=False),
        sa.Column('process_en', sa.Text(), nullable=False),
        sa.Column('control_points', sa.JSON(), nullable=False),
        sa.Column('risk_points', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_power')),
        sa.UniqueConstraint('key', 'effective_from', name=op.f('uq_supervision_power_key')),
    )
    op.create_table(
        'supervision_risk_setting',
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.Column('window_days', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('rule', name=op.f('pk_supervision_risk_setting')),
    )
    op.create_table(
        'supervision_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=80), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('review_path', PATH, nullable=False),
        sa.Column('about_user_ids', sa.JSON(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('opened_at', UTC, nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=True),
        sa.Column('outcome_text', sa.Text(), nullable=True),
        sa.Column('closed_by', sa.Integer(), nullable=True),
        sa.Column('closed_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_supervision_item_region_id_region')),
        sa.ForeignKeyConstraint(['closed_by'], ['app_user.id'], name=op.f('fk_supervision_item_closed_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_item')),
        sa.UniqueConstraint('rule', 'subject', name=op.f('uq_supervision_item_rule')),
    )
    op.create_index('ix_supervision_item_scope', 'supervision_item', ['status', 'review_path'])
    op.create_table(
        'supervision_sweep',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_audit_id', sa.Integer(), nullable=False),
        sa.Column('swept_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_sweep')),
    )


    op.create_table(
        'supervision_inspection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('topic', sa.String(length=20), nullable=False),
        sa.Column('seed', sa.String(length=20), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('sample_size', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('opened_by', sa.Integer(), nullable=False),
        sa.Column('opened_at', UTC, nullable=False),
        sa.Column('closed_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_supervision_inspection_region_id_region')),
        sa.ForeignKeyConstraint(['opened_by'], ['app_user.id'],
                                name=op.f('fk_supervision_inspection_opened_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_inspection')),
    )
    op.create_table(
        'supervision_inspection_case',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=40), nullable=False),
        sa.Column('verdict', sa.String(length=8), nullable=True),
        sa.Column('finding', sa.Text(), nullable=True),
        sa.Column('recorded_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['inspection_id'], ['supervision_inspection.id'],
                                name=op.f('fk_supervision_inspection_case_inspection_id_supervision_inspection')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_inspection_case')),
    )
    op.create_index('ix_supervision_inspection_case_inspection_id', 'supervision_inspection_case', ['inspection_id'])
    op.create_table(
        'supervision_rectification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('office_path', PATH, nullable=False),
        sa.Column('demand', sa.Text(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_by', sa.Integer(), nullable=True),
        sa.Column('answered_at', UTC, nullable=True),
        sa.Column('closed_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['inspection_id'], ['supervision_inspection.id'],
                                name=op.f('fk_supervision_rectification_inspection_id_supervision_inspection')),
        sa.ForeignKeyConstraint(['case_id'], ['supervision_inspection_case.id'],
                                name=op.f('fk_supervision_rectification_case_id_supervision_inspection_case')),
        sa.ForeignKeyConstraint(['office_id'], ['region.id'], name=op.f('fk_supervision_rectification_office_id_region')),
        sa.ForeignKeyConstraint(['answered_by'], ['app_user.id'],
                                name=op.f('fk_supervision_rectification_answered_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_rectification')),
    )
    op.create_index('ix_supervision_rectification_inspection_id', 'supervision_rectification', ['inspection_id'])
    op.create_table(
        'supervision_referral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=True),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('target', sa.String(length=120), nullable=False),
        sa.Column('grounds', sa.Text(), nullable=False),
        sa.Column('body', sa.String(length=120), nullable=False),
        sa.Column('referred_on', sa.Date(), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('referred_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['inspection_id'], ['supervision_inspection.id'],
                                name=op.f('fk_supervision_referral_inspection_id_supervision_inspection')),
        sa.ForeignKeyConstraint(['item_id'], ['supervision_item.id'],
                                name=op.f('fk_supervision_referral_item_id_supervision_item')),
        sa.ForeignKeyConstraint(['referred_by'], ['app_user.id'],
                                name=op.f('fk_supervision_referral_referred_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_referral')),
    )


def downgrade() -> None:
    op.drop_table('supervision_referral')
    op.drop_index('ix_supervision_rectification_inspection_id', table_name='supervision_rectification')
    op.drop_table('supervision_rectification')
    op.drop_index('ix_supervision_inspection_case_inspection_id', table_name='supervision_inspection_case')
    op.drop_table('supervision_inspection_case')
    op.drop_table('supervision_inspection')
    op.drop_table('supervision_sweep')
    op.drop_index('ix_supervision_item_scope', table_name='supervision_item')
    op.drop_table('supervision_item')
    op.drop_table('supervision_risk_setting')
    op.drop_table('supervision_power')
    op.drop_index('ix_audit_entry_region_at', table_name='audit_entry')
    op.drop_index('ix_audit_entry_at', table_name='audit_entry')
    op.drop_index('ix_audit_entry_target', table_name='audit_entry')
