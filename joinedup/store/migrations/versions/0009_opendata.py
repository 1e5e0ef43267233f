"""open data: releases, published tables and their cells

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'opendata_release',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('released_at', sa.DateTime(), nullable=False),
        sa.Column('released_by', sa.String(length=200), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=50), nullable=False),
        sa.Column('rule', sa.Text(), nullable=False),
        sa.Column('audit_seq', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opendata_release')),
    )
    op.create_table(
        'opendata_dataset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['release_id'], ['opendata_release.id'],
                                name=op.f('fk_opendata_dataset_release_id_opendata_release')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opendata_dataset')),
        sa.UniqueConstraint('release_id', 'name', name=op.f('uq_opendata_dataset_release_id')),
    )
    op.create_index(op.f('ix_opendata_dataset_release_id'), 'opendata_dataset', ['release_id'])
    op.create_table(
        'opendata_table',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dataset_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('columns', sa.Text(), nullable=False),
        sa.Column('labels', sa.Integer(), nullable=False),
        sa.Column('person_derived', sa.Boolean(), nullable=False),
        sa.Column('epsilon', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['dataset_id'], ['opendata_dataset.id'],
                                name=op.f('fk_opendata_table_dataset_id_opendata_dataset')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opendata_table')),
        sa.UniqueConstraint('dataset_id', 'key', name=op.f('uq_opendata_table_dataset_id')),
    )
    op.create_index(op.f('ix_opendata_table_dataset_id'), 'opendata_table', ['dataset_id'])
    op.create_table(
        'opendata_row',
        sa.Column('table_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cells', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['table_id'], ['opendata_table.id'],
                                name=op.f('fk_opendata_row_table_id_opendata_table')),
        sa.PrimaryKeyConstraint('table_id', 'position', name=op.f('pk_opendata_row')),
    )
    op.create_table(
        'opendata_truth',
        sa.Column('table_id', sa.Integer(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['table_id'], ['opendata_table.id'],
                                name=op.f('fk_opendata_truth_table_id_opendata_table')),
        sa.PrimaryKeyConstraint('table_id', name=op.f('pk_opendata_truth')),
    )


def downgrade() -> None:
    op.drop_table('opendata_truth')
    op.drop_table('opendata_row')
    op.drop_index(op.f('ix_opendata_table_dataset_id'), table_name='opendata_table')
    op.drop_table('opendata_table')
    op.drop_index(op.f('ix_opendata_dataset_release_id'), table_name='opendata_dataset')
    op.drop_table('opendata_dataset')
    op.drop_table('opendata_release')
