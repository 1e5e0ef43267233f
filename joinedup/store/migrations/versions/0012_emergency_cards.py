"""emergency cards: what the vulnerable-people list reads about each resident who may need
help; audit_subject without its foreign key to audit_event (a trigger per audited person)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'emergency_card',
        sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('card', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_emergency_card')),
    )
    with op.batch_alter_table('place_build') as batch:
        batch.add_column(sa.Column('loads_upto', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('link_runs_upto', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('rectified_upto', sa.Integer(), nullable=True))
    with op.batch_alter_table('audit_subject') as batch:
        batch.drop_constraint('fk_audit_subject_seq_audit_event', type_='foreignkey')
    _refuse_updates()


def downgrade() -> None:
    with op.batch_alter_table('audit_subject') as batch:
        batch.create_foreign_key('fk_audit_subject_seq_audit_event', 'audit_event', ['seq'],
                                 ['seq'])
    _refuse_updates()
    with op.batch_alter_table('place_build') as batch:
        batch.drop_column('rectified_upto')
        batch.drop_column('link_runs_upto')
        batch.drop_column('loads_upto')
    op.drop_table('emergency_card')


def _refuse_updates() -> None:
    """SQLite's batch mode copies audit_subject into a new table, leaving behind the trigger
    that refuses updates to it (0004): made again, word for word. PostgreSQL alters the table
    in place."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER audit_subject_no_update BEFORE UPDATE ON audit_subject "
                   "BEGIN SELECT RAISE(ABORT, 'audit_subject rows may be deleted (erasure), "
                   "never changed'); END")
