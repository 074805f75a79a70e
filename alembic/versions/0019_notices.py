"""notices of praise and criticism (通报表扬 / 通报批评): drafted, approved by a second person, published masked

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 21:30:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'supervision_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('offices', sa.JSON(), nullable=False),
        sa.Column('persons', sa.JSON(), nullable=False),
        sa.Column('referral_ids', sa.JSON(), nullable=False),
        sa.Column('case_ids', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('drafted_by', sa.Integer(), nullable=False),
        sa.Column('drafted_at', UTC, nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTC, nullable=True),
        sa.Column('return_reason', sa.Text(), nullable=True),
        sa.Column('public', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_supervision_notice_region_id_region')),
        sa.ForeignKeyConstraint(['drafted_by'], ['app_user.id'],
                                name=op.f('fk_supervision_notice_drafted_by_app_user')),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'],
                                name=op.f('fk_supervision_notice_decided_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_notice')),
        sa.UniqueConstraint('number', name=op.f('uq_supervision_notice_number')),
    )
    op.create_index('ix_supervision_notice_scope', 'supervision_notice', ['status', 'region_path'])


def downgrade() -> None:
    op.drop_index('ix_supervision_notice_scope', table_name='supervision_notice')
    op.drop_table('supervision_notice')
