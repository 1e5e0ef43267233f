"""tell us once: a citizen's change of details and its notification to each agency

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'change_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_record_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('new_values', sa.Text(), nullable=False),
        sa.Column('reported_by', sa.String(length=200), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['source_record_id'], ['source_record.id'],
                                name=op.f('fk_change_request_source_record_id_source_record')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_request')),
    )
    op.create_index(op.f('ix_change_request_source_record_id'), 'change_request',
                    ['source_record_id'], unique=False)
    op.create_table(
        'change_notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['change_id'], ['change_request.id'],
                                name=op.f('fk_change_notification_change_id_change_request')),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_change_notification_agency_id_agency')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_notification')),
        sa.UniqueConstraint('change_id', 'agency_id',
                            name=op.f('uq_change_notification_change_id')),
    )
    for column in ('change_id', 'agency_id', 'status'):
        op.create_index(op.f(f'ix_change_notification_{column}'), 'change_notification',
                        [column], unique=False)
    op.create_table(
        'change_record',
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('source_record_id', sa.Integer(), nullable=False),
        sa.Column('previous_values', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['notification_id'], ['change_notification.id'],
            name=op.f('fk_change_record_notification_id_change_notification')),
        sa.ForeignKeyConstraint(['source_record_id'], ['source_record.id'],
                                name=op.f('fk_change_record_source_record_id_source_record')),
        sa.PrimaryKeyConstraint('notification_id', 'source_record_id',
                                name=op.f('pk_change_record')),
    )
    op.create_index(op.f('ix_change_record_source_record_id'), 'change_record',
                    ['source_record_id'], unique=False)


def downgrade() -> None:
    op.drop_table('change_record')
    op.drop_table('change_notification')
    op.drop_table('change_request')
