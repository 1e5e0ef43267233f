"""sensors: the registry, readings clustered on (sensor, time), each sensor's latest reading,
batches with their problems and corrections

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'sensor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('unit', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('easting', sa.Float(), nullable=False),
        sa.Column('northing', sa.Float(), nullable=False),
        sa.Column('ward', sa.String(length=200), nullable=True),
        sa.Column('interval_seconds', sa.Integer(), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor')),
        sa.UniqueConstraint('code', name=op.f('uq_sensor_code')),
    )
    op.create_table(
        'sensor_reading',
        sa.Column('sensor_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('observed_at', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('sensor_id', 'observed_at', name=op.f('pk_sensor_reading')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'sensor_latest',
        sa.Column('sensor_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('observed_at', sa.BigInteger(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('sensor_id', name=op.f('pk_sensor_latest')),
    )
    op.create_table(
        'sensor_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('received_by', sa.String(length=200), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('read', sa.Integer(), nullable=False),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.Column('duplicates', sa.Integer(), nullable=False),
        sa.Column('corrected', sa.Integer(), nullable=False),
        sa.Column('late', sa.Integer(), nullable=False),
        sa.Column('out_of_order', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_batch')),
    )
    op.create_table(
        'sensor_problem',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('location', sa.Text(), nullable=False),
        sa.Column('sensor', sa.Text(), nullable=False),
        sa.Column('observed_at', sa.Text(), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('expected', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['sensor_batch.id'],
                                name=op.f('fk_sensor_problem_batch_id_sensor_batch')),
        sa.PrimaryKeyConstraint('batch_id', 'seq', name=op.f('pk_sensor_problem')),
    )
    op.create_table(
        'sensor_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('sensor_id', sa.Integer(), nullable=False),
        sa.Column('observed_at', sa.BigInteger(), nullable=False),
        sa.Column('old_value', sa.Float(), nullable=False),
        sa.Column('new_value', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['sensor_batch.id'],
                                name=op.f('fk_sensor_correction_batch_id_sensor_batch')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_correction')),
    )
    op.create_index(op.f('ix_sensor_correction_batch_id'), 'sensor_correction', ['batch_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sensor_correction_batch_id'), table_name='sensor_correction')
    op.drop_table('sensor_correction')
    op.drop_table('sensor_problem')
    op.drop_table('sensor_batch')
    op.drop_table('sensor_latest')
    op.drop_table('sensor_reading')
    op.drop_table('sensor')
