"""policy parameters, applications, documents, lifecycle steps

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import portal.kernel.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Region paths compare bytewise (see portal/roster/models.py): the C collation on PostgreSQL.
PATH = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
UTC = portal.kernel.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'eligibility_parameter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('region_path', PATH, nullable=False),
        sa.Column('key', sa.String(length=48), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('document_no', sa.String(length=80), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_eligibility_parameter_region_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_parameter')),
    )
    op.create_index('ix_eligibility_parameter_lookup', 'eligibility_parameter',
                    ['key', 'region_path', 'effective_from'])

    op.create_table(
        'application',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=True),
        sa.Column('region_path', PATH, nullable=True),
        sa.Column('applicant_name', sa.String(length=64), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('related_to_staff', sa.Boolean(), nullable=False),
        sa.Column('extended', sa.Boolean(), nullable=False),
        sa.Column('submitted_at', UTC, nullable=True),
        sa.Column('assessed_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=24), nullable=True),
        sa.Column('monthly_amount_fen', sa.Integer(), nullable=True),
        sa.Column('payment_from', sa.Date(), nullable=True),
        sa.Column('decision_reasons', sa.Text(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['village_id'], ['region.id'], name=op.f('fk_application_village_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
        sa.UniqueConstraint('number', name=op.f('uq_application_number')),
    )
    op.create_index('ix_application_queue', 'application', ['region_path', 'status', 'id'])

    op.create_table(
        'application_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('office_region_id', sa.Integer(), nullable=True),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('started_at', UTC, nullable=False),
        sa.Column('done_at', UTC, nullable=True),
        sa.Column('outcome', sa.String(length=24), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('materials', sa.JSON(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_application_step_application_id_application')),
        sa.ForeignKeyConstraint(['office_region_id'], ['region.id'],
                                name=op.f('fk_application_step_office_region_id_region')),
        sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_application_step_actor_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_application_step')),
    )
    op.create_index('ix_application_step_application_id', 'application_step', ['application_id'])
    op.create_index('ix_application_step_open_due', 'application_step', ['state', 'due_on'])

    op.create_table(
        'application_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('image_id', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_application_document_application_id_application')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_application_document')),
    )
    op.create_index('ix_application_document_application_id', 'application_document', ['application_id'])


def downgrade() -> None:
    op.drop_index('ix_application_document_application_id', table_name='application_document')
    op.drop_table('application_document')
    op.drop_index('ix_application_step_open_due', table_name='application_step')
    op.drop_index('ix_application_step_application_id', table_name='application_step')
    op.drop_table('application_step')
    op.drop_index('ix_application_queue', table_name='application')
    op.drop_table('application')
    op.drop_index('ix_eligibility_parameter_lookup', table_name='eligibility_parameter')
    op.drop_table('eligibility_parameter')
