"""rating attempt key: a retried submit answers the stored rating's receipt

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('rating', sa.Column('attempt_hash', sa.String(length=64), nullable=True))
    op.create_index('uq_rating_attempt_hash', 'rating', ['attempt_hash'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_rating_attempt_hash', table_name='rating')
    with op.batch_alter_table('rating') as batch:
        batch.drop_column('attempt_hash')
