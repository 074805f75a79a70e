"""recipient register: households and members with ID numbers (plain, read through services) and a keyed hash index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PATH = sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'register_household',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('head_name', sa.String(length=64), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('monthly_amount_fen', sa.Integer(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('status_reason', sa.Text(), nullable=True),
        sa.Column('suspended_on', sa.Date(), nullable=True),
        sa.Column('stopped_on', sa.Date(), nullable=True),
        sa.Column('created_at', portal.kernel.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', portal.kernel.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_register_household_application_id_application')),
        sa.ForeignKeyConstraint(['village_id'], ['region.id'], name=op.f('fk_register_household_village_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_household')),
        sa.UniqueConstraint('application_id', name=op.f('uq_register_household_application_id')),
        sa.UniqueConstraint('code', name=op.f('uq_register_household_code')),
    )
    op.create_index('ix_register_household_region', 'register_household', ['region_path', 'status', 'id'])
    op.create_table(
        'register_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('relation', sa.String(length=16), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=False),
        sa.Column('sex', sa.String(length=1), nullable=False),
        sa.Column('created_at', portal.kernel.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['register_household.id'],
                                name=op.f('fk_register_member_household_id_register_household')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_member')),
        sa.UniqueConstraint('household_id', 'id_hash', name='uq_register_member_household_person'),
    )
    op.create_index('ix_register_member_id_hash', 'register_member', ['id_hash'])


def downgrade() -> None:
    op.drop_index('ix_register_member_id_hash', table_name='register_member')
    op.drop_table('register_member')
    op.drop_index('ix_register_household_region', table_name='register_household')
    op.drop_table('register_household')
