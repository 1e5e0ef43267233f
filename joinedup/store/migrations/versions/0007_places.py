"""places: properties with coordinates, the property each record is at, where each person
lives, and named areas

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 02:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'place',
        sa.Column('uprn', sa.String(length=12), nullable=False),
        sa.Column('easting', sa.Float(), nullable=False),
        sa.Column('northing', sa.Float(), nullable=False),
        sa.Column('cell', sa.BigInteger(), nullable=False),
        sa.Column('address', sa.Text(), nullable=True),
        sa.Column('postcode', sa.String(length=8), nullable=True),
        sa.Column('ward', sa.String(length=200), nullable=True),
        sa.Column('parish', sa.String(length=200), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('uprn', name=op.f('pk_place')),
    )
    op.create_index(op.f('ix_place_cell'), 'place', ['cell'], unique=False)
    op.create_index(op.f('ix_place_postcode'), 'place', ['postcode'], unique=False)
    op.create_table(
        'record_place',
        sa.Column('source_record_id', sa.Integer(), nullable=False),
        sa.Column('uprn', sa.String(length=12), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['source_record_id'], ['source_record.id'],
                                name=op.f('fk_record_place_source_record_id_source_record')),
        sa.PrimaryKeyConstraint('source_record_id', name=op.f('pk_record_place')),
    )
    op.create_index(op.f('ix_record_place_uprn'), 'record_place', ['uprn'], unique=False)
    op.create_table(
        'residence',
        sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('uprn', sa.String(length=12), nullable=False),
        sa.Column('date_of_birth', sa.Date(), nullable=True),
        sa.Column('flagged', sa.Boolean(), nullable=False),
        sa.Column('easting', sa.Float(), nullable=False),
        sa.Column('northing', sa.Float(), nullable=False),
        sa.Column('cell', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_residence')),
    )
    op.create_index(op.f('ix_residence_uprn'), 'residence', ['uprn'], unique=False)
    op.create_index('ix_residence_cell_flagged', 'residence',
                    ['cell', 'flagged', 'person_id', 'uprn', 'easting', 'northing'],
                    sqlite_where=sa.text('flagged = 1'), postgresql_where=sa.text('flagged'))
    op.create_index('ix_residence_cell_date_of_birth', 'residence',
                    ['cell', 'date_of_birth', 'person_id', 'uprn', 'easting', 'northing'],
                    sqlite_where=sa.text('date_of_birth IS NOT NULL'),
                    postgresql_where=sa.text('date_of_birth IS NOT NULL'))
    op.create_table(
        'place_build',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('built_at', sa.DateTime(), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.Column('residents', sa.Integer(), nullable=False),
        sa.Column('match_rates', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_place_build')),
    )
    op.create_table(
        'area',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('geometry', sa.LargeBinary(), nullable=False),
        sa.Column('source_crs', sa.String(length=50), nullable=False),
        sa.Column('loaded_from', sa.Text(), nullable=False),
        sa.Column('loaded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_area')),
        sa.UniqueConstraint('kind', 'name', name=op.f('uq_area_kind')),
    )


def downgrade() -> None:
    op.drop_table('area')
    op.drop_table('place_build')
    op.drop_index('ix_residence_cell_date_of_birth', table_name='residence')
    op.drop_index('ix_residence_cell_flagged', table_name='residence')
    op.drop_index(op.f('ix_residence_uprn'), table_name='residence')
    op.drop_table('residence')
    op.drop_index(op.f('ix_record_place_uprn'), table_name='record_place')
    op.drop_table('record_place')
    op.drop_index(op.f('ix_place_postcode'), table_name='place')
    op.drop_index(op.f('ix_place_cell'), table_name='place')
    op.drop_table('place')
