"""every publicity line links to its case: a CHECK on roster_entry (publicity lines need "application:<id>")

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

CONDITION = "kind <> 'publicity' OR (source_ref IS NOT NULL AND source_ref LIKE 'application:%')"


def upgrade() -> None:
    # A line typed by hand before publicity came only from cases would make the new constraint fail half-way on
    # SQLite (the table is copied) and PostgreSQL alike: say which batches hold one instead.
    bind = op.get_bind()
    batches = bind.execute(sa.text(
        "SELECT DISTINCT batch_id FROM roster_entry WHERE NOT (" + CONDITION + ") ORDER BY batch_id")).scalars().all()
    if batches:
        raise RuntimeError(
            "roster_entry holds publicity lines without a case link (batches "
            + ", ".join(str(b) for b in batches[:20])
            + "); they were typed by hand before publicity came only from cases. Withdraw or link them, then migrate.")
    with op.batch_alter_table('roster_entry') as batch_op:
        batch_op.create_check_constraint(op.f('ck_roster_entry_publicity_case'), sa.text(CONDITION))


def downgrade() -> None:
    with op.batch_alter_table('roster_entry') as batch_op:
        batch_op.drop_constraint(op.f('ck_roster_entry_publicity_case'), type_='check')
