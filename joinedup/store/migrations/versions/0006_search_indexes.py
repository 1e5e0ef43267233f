"""indexes the person search looks records up by: NHS number and postcode

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 10:00:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_record_nhs_number'), ['nhs_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_source_record_postcode'), ['postcode'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_record_postcode'))
        batch_op.drop_index(batch_op.f('ix_source_record_nhs_number'))
