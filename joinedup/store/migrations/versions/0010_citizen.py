"""citizen portal: citizen accounts and rights requests with their deadlines

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'citizen_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_record_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=True),
        sa.Column('verified_by', sa.String(length=20), nullable=False),
        sa.Column('oidc_subject', sa.String(length=200), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['source_record_id'], ['source_record.id'],
                                name=op.f('fk_citizen_account_source_record_id_source_record')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_account')),
        sa.UniqueConstraint('email', name=op.f('uq_citizen_account_email')),
        sa.UniqueConstraint('oidc_subject', name=op.f('uq_citizen_account_oidc_subject')),
    )
    op.create_index(op.f('ix_citizen_account_source_record_id'), 'citizen_account',
                    ['source_record_id'])
    op.create_table(
        'citizen_session',
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['citizen_account.id'],
                                name=op.f('fk_citizen_session_account_id_citizen_account')),
        sa.PrimaryKeyConstraint('token_sha256', name=op.f('pk_citizen_session')),
    )
    op.create_index(op.f('ix_citizen_session_account_id'), 'citizen_session', ['account_id'])
    op.create_table(
        'citizen_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_sha256', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_attempt')),
    )
    op.create_index(op.f('ix_citizen_attempt_key_sha256'), 'citizen_attempt', ['key_sha256'])
    op.create_table(
        'rights_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.Column('due_soon_alert_id', sa.Integer(), nullable=True),
        sa.Column('overdue_alert_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['citizen_account.id'],
                                name=op.f('fk_rights_request_account_id_citizen_account')),
        sa.ForeignKeyConstraint(['due_soon_alert_id'], ['dpo_alert.id'],
                                name=op.f('fk_rights_request_due_soon_alert_id_dpo_alert')),
        sa.ForeignKeyConstraint(['overdue_alert_id'], ['dpo_alert.id'],
                                name=op.f('fk_rights_request_overdue_alert_id_dpo_alert')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_request')),
    )
    op.create_index(op.f('ix_rights_request_account_id'), 'rights_request', ['account_id'])
    op.create_index(op.f('ix_rights_request_status'), 'rights_request', ['status'])
    op.create_table(
        'rights_pack',
        sa.Column('request_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('pack_json', sa.Text(), nullable=False),
        sa.Column('pack_html', sa.Text(), nullable=False),
        sa.Column('dpo_notes', sa.Text(), nullable=False),
        sa.Column('built_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['rights_request.id'],
                                name=op.f('fk_rights_pack_request_id_rights_request')),
        sa.PrimaryKeyConstraint('request_id', name=op.f('pk_rights_pack')),
    )
    op.create_table(
        'access_exemption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_record_id', sa.Integer(), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=True),
        sa.Column('purpose', sa.String(length=50), nullable=True),
        sa.Column('ground', sa.String(length=30), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['source_record_id'], ['source_record.id'],
                                name=op.f('fk_access_exemption_source_record_id_source_record')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_exemption')),
    )
    op.create_index(op.f('ix_access_exemption_source_record_id'), 'access_exemption',
                    ['source_record_id'])


def downgrade() -> None:
    for table in ('access_exemption', 'rights_pack', 'rights_request', 'citizen_attempt',
                  'citizen_session', 'citizen_account'):
        op.drop_table(table)
