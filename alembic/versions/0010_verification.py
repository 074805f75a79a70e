"""verification: department batches, dated comparison rules, runs and findings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'verification_source_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('loaded_by', sa.String(length=64), nullable=False),
        sa.Column('loaded_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_source_batch')),
    )
    op.create_index('ix_verification_source_batch_kind_hash', 'verification_source_batch', ['kind', 'content_hash'],
                    unique=True)
    op.create_index('ix_verification_source_batch_kind_as_of', 'verification_source_batch', ['kind', 'as_of'])
    op.create_table(
        'verification_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('document_no', sa.String(length=80), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_verification_rule_region_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_rule')),
    )
    op.create_index('ix_verification_rule_lookup', 'verification_rule', ['rule', 'region_path', 'effective_from'])
    op.create_table(
        'verification_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('batches', sa.JSON(), nullable=False),
        sa.Column('started_by', sa.String(length=64), nullable=False),
        sa.Column('started_at', UTC, nullable=False),
        sa.Column('finished_at', UTC, nullable=True),
        sa.Column('checkpoint', sa.JSON(), nullable=False),
        sa.Column('progress_permille', sa.Integer(), nullable=False),
        sa.Column('found_new', sa.Integer(), nullable=False),
        sa.Column('found_open', sa.Integer(), nullable=False),
        sa.Column('resolved', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_run')),
    )
    op.create_table(
        'verification_finding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('household_id', sa.String(length=40), nullable=False),
        sa.Column('member_id_hash', sa.String(length=64), nullable=True),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('rule_row_id', sa.Integer(), nullable=True),
        sa.Column('document_no', sa.String(length=80), nullable=False),
        sa.Column('declared_value', sa.String(length=200), nullable=False),
        sa.Column('found_value', sa.String(length=200), nullable=False),
        sa.Column('source_batch_id', sa.Integer(), nullable=True),
        sa.Column('record_refs', sa.JSON(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=True),
        sa.Column('severity', sa.String(length=8), nullable=False),
        sa.Column('routed_to', sa.String(length=8), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('county_code', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('first_run_id', sa.Integer(), nullable=False),
        sa.Column('last_run_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['rule_row_id'], ['verification_rule.id'],
                                name=op.f('fk_verification_finding_rule_row_id_verification_rule')),
        sa.ForeignKeyConstraint(['source_batch_id'], ['verification_source_batch.id'],
                                name=op.f('fk_verification_finding_source_batch_id_verification_source_batch')),
        sa.ForeignKeyConstraint(['first_run_id'], ['verification_run.id'],
                                name=op.f('fk_verification_finding_first_run_id_verification_run')),
        sa.ForeignKeyConstraint(['last_run_id'], ['verification_run.id'],
                                name=op.f('fk_verification_finding_last_run_id_verification_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_finding')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_verification_finding_fingerprint')),
    )
    op.create_index('ix_verification_finding_queue', 'verification_finding', ['township_code', 'status', 'rule'])
    op.create_index('ix_verification_finding_household', 'verification_finding', ['household_id'])


def downgrade() -> None:
    op.drop_table('verification_finding')
    op.drop_table('verification_run')
    op.drop_table('verification_rule')
    op.drop_table('verification_source_batch')
