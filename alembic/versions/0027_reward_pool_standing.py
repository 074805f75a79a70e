"""one standing reward pool per province and year: a partial unique index over the decided and approved pools, so two
people deciding at the same moment cannot both succeed (a rejected pool makes way for a new decision)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

STANDING = sa.text("status IN ('decided', 'approved')")


def upgrade() -> None:
    op.create_index('uq_reward_pool_standing', 'reward_pool', ['region_id', 'year'], unique=True,
                    sqlite_where=STANDING, postgresql_where=STANDING)


def downgrade() -> None:
    op.drop_index('uq_reward_pool_standing', table_name='reward_pool')
