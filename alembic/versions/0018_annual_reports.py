"""annual reports: a county's or city's annual (or quarterly) report, its figures frozen on submission, its narrative,
and the county -> city -> province workflow

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 21:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'annual_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('computed_at', UTC, nullable=False),
        sa.Column('sections', sa.JSON(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('document_no', sa.String(length=80), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.Column('submitted_by', sa.Integer(), nullable=True),
        sa.Column('submitted_at', UTC, nullable=True),
        sa.Column('reviewed_by', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', UTC, nullable=True),
        sa.Column('return_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_annual_report_region_id_region')),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_annual_report_created_by_app_user')),
        sa.ForeignKeyConstraint(['submitted_by'], ['app_user.id'],
                                name=op.f('fk_annual_report_submitted_by_app_user')),
        sa.ForeignKeyConstraint(['reviewed_by'], ['app_user.id'], name=op.f('fk_annual_report_reviewed_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report')),
        sa.UniqueConstraint('region_id', 'year', 'quarter', name='uq_annual_report_region_period'),
    )
    op.create_index('ix_annual_report_path', 'annual_report', ['region_path', 'year', 'status'])


def downgrade() -> None:
    op.drop_index('ix_annual_report_path', table_name='annual_report')
    op.drop_table('annual_report')
