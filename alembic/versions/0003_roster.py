"""public roster: publicity batches, roster entries, read counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Region paths compare bytewise (see portal/roster/models.py): the C collation on PostgreSQL.
PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'roster_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('starts_at', UTC, nullable=False),
        sa.Column('ends_at', UTC, nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('entry_count', sa.Integer(), nullable=False),
        sa.Column('publish_audit_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_roster_batch_region_id_region')),
        sa.ForeignKeyConstraint(['published_by_id'], ['app_user.id'],
                                name=op.f('fk_roster_batch_published_by_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_batch')),
    )
    op.create_index('ix_roster_batch_region_path_ends', 'roster_batch', ['region_path', 'ends_at'])

    op.create_table(
        'roster_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('household_size', sa.Integer(), nullable=False),
        sa.Column('monthly_amount_fen', sa.Integer(), nullable=False),
        sa.Column('starts_at', UTC, nullable=False),
        sa.Column('ends_at', UTC, nullable=True),
        sa.Column('source_ref', sa.String(length=64), nullable=True),
        sa.Column('withdrawn_at', UTC, nullable=True),
        sa.Column('withdrawn_reason', sa.Text(), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['roster_batch.id'], name=op.f('fk_roster_entry_batch_id_roster_batch')),
        sa.ForeignKeyConstraint(['village_id'], ['region.id'], name=op.f('fk_roster_entry_village_id_region')),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['app_user.id'],
                                name=op.f('fk_roster_entry_withdrawn_by_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entry')),
        sa.UniqueConstraint('public_id', name=op.f('uq_roster_entry_public_id')),
    )
    op.create_index('ix_roster_entry_browse', 'roster_entry', ['kind', 'status', 'region_path', 'id'])
    op.create_index('ix_roster_entry_name', 'roster_entry', ['name', 'region_path', 'id'])
    op.create_index('ix_roster_entry_batch_id', 'roster_entry', ['batch_id'])
    op.create_index('ix_roster_entry_source_ref', 'roster_entry', ['source_ref'])

    op.create_table(
        'roster_read_count',
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('window_start', UTC, nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('client', 'window_start', name=op.f('pk_roster_read_count')),
    )
    op.create_index('ix_roster_read_count_window_start', 'roster_read_count', ['window_start'])


def downgrade() -> None:
    op.drop_index('ix_roster_read_count_window_start', table_name='roster_read_count')
    op.drop_table('roster_read_count')
    for name in ('ix_roster_entry_source_ref', 'ix_roster_entry_batch_id', 'ix_roster_entry_name',
                 'ix_roster_entry_browse'):
        op.drop_index(name, table_name='roster_entry')
    op.drop_table('roster_entry')
    op.drop_index('ix_roster_batch_region_path_ends', table_name='roster_batch')
    op.drop_table('roster_batch')
