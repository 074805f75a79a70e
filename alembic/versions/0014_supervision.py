"""supervision: dated power list versions, risk-rule settings, monitoring items; audit look-up indexes

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-05 12:30:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0014'
down_revision = '0010'
branch_labels = None
depends_on = None

PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_index('ix_audit_entry_target', 'audit_entry', ['target_type', 'target_id'])
    op.create_index('ix_audit_entry_at', 'audit_entry', ['at'])
    op.create_index('ix_audit_entry_region_at', 'audit_entry', ['region_code', 'at'])
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


def downgrade() -> None:
    op.drop_table('supervision_sweep')
    op.drop_index('ix_supervision_item_scope', table_name='supervision_item')
    op.drop_table('supervision_item')
    op.drop_table('supervision_risk_setting')
    op.drop_table('supervision_power')
    op.drop_index('ix_audit_entry_region_at', table_name='audit_entry')
    op.drop_index('ix_audit_entry_at', table_name='audit_entry')
    op.drop_index('ix_audit_entry_target', table_name='audit_entry')
