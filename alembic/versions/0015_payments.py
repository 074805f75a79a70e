"""payments and reporting: monthly batches per county, one payment per household and month, dated amount changes;
score weights and reward pools

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'payment_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_no', sa.String(length=40), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('household_count', sa.Integer(), nullable=False),
        sa.Column('total_fen', sa.BigInteger(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('prepared_by', sa.Integer(), nullable=False),
        sa.Column('prepared_at', UTC, nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('approved_at', UTC, nullable=True),
        sa.Column('rejection', sa.Text(), nullable=True),
        sa.Column('paid_by', sa.Integer(), nullable=True),
        sa.Column('paid_on', sa.Date(), nullable=True),
        sa.Column('bank_ref', sa.String(length=40), nullable=True),
        sa.Column('returned_count', sa.Integer(), nullable=False),
        sa.Column('returned_fen', sa.BigInteger(), nullable=False),
        sa.Column('returned_people', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['region.id'], name=op.f('fk_payment_batch_county_id_region')),
        sa.ForeignKeyConstraint(['prepared_by'], ['app_user.id'], name=op.f('fk_payment_batch_prepared_by_app_user')),
        sa.ForeignKeyConstraint(['approved_by'], ['app_user.id'], name=op.f('fk_payment_batch_approved_by_app_user')),
        sa.ForeignKeyConstraint(['paid_by'], ['app_user.id'], name=op.f('fk_payment_batch_paid_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_batch')),
        sa.UniqueConstraint('batch_no', name=op.f('uq_payment_batch_batch_no')),
    )
    op.create_index('ix_payment_batch_county_period', 'payment_batch', ['county_id', 'period', 'status'])
    op.create_index('ix_payment_batch_path_period', 'payment_batch', ['region_path', 'period'])
    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['payment_batch.id'], name=op.f('fk_payment_batch_id_payment_batch')),
        sa.ForeignKeyConstraint(['household_id'], ['register_household.id'],
                                name=op.f('fk_payment_household_id_register_household')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
        sa.UniqueConstraint('household_id', 'period', name='uq_payment_household_period'),
    )
    op.create_index('ix_payment_batch', 'payment', ['batch_id', 'id'])
    op.create_index('ix_payment_path_period', 'payment', ['region_path', 'period', 'status'])
    op.create_table(
        'payment_amount_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('effective_period', sa.String(length=7), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=False),
        sa.Column('decided_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['register_household.id'],
                                name=op.f('fk_payment_amount_change_household_id_register_household')),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'],
                                name=op.f('fk_payment_amount_change_decided_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_amount_change')),
    )
    op.create_index('ix_payment_amount_change_household', 'payment_amount_change',
                    ['household_id', 'effective_period', 'id'])

    op.create_table(
        'score_weight',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('term', sa.String(length=32), nullable=False),
        sa.Column('weight_permille', sa.Integer(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('document_no', sa.String(length=80), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_score_weight')),
    )
    op.create_index('ix_score_weight_lookup', 'score_weight', ['region_path', 'effective_from', 'term'])
    op.create_table(
        'reward_pool',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('pool_fen', sa.BigInteger(), nullable=False),
        sa.Column('floor_milli', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('shares', sa.JSON(), nullable=False),
        sa.Column('weights_document', sa.String(length=80), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=False),
        sa.Column('decided_at', UTC, nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('approved_at', UTC, nullable=True),
        sa.Column('rejection', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_reward_pool_region_id_region')),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], name=op.f('fk_reward_pool_decided_by_app_user')),
        sa.ForeignKeyConstraint(['approved_by'], ['app_user.id'], name=op.f('fk_reward_pool_approved_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_pool')),
    )
    op.create_index('ix_reward_pool_region_year', 'reward_pool', ['region_path', 'year', 'status'])


def downgrade() -> None:
    op.drop_table('reward_pool')
    op.drop_table('score_weight')
    op.drop_table('payment_amount_change')
    op.drop_table('payment')
    op.drop_table('payment_batch')
