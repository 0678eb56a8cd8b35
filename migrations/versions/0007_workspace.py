"""the case workspace: users, sessions, sign-in failures, record access, case notes

Revision ID: 0007_workspace
Revises: 0004
Create Date: 2026-11-30 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007_workspace'
down_revision = '0006_needs_attention'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('full_name', sa.String(length=100), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('officer_code', sa.String(length=32), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
        sa.UniqueConstraint('name', name=op.f('uq_users_name')),
    )
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
        sa.UniqueConstraint('token_sha256', name=op.f('uq_web_sessions_token_sha256')),
    )
    op.create_index(op.f('ix_web_sessions_user_id'), 'web_sessions', ['user_id'])
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    op.create_index(op.f('ix_login_failures_name'), 'login_failures', ['name'])
    op.create_table(
        'record_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('who', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_record_access_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_record_access')),
    )
    op.create_index(op.f('ix_record_access_case_id'), 'record_access', ['case_id'])
    op.create_table(
        'case_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('who', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('contact_with', sa.String(length=200), nullable=False),
        sa.Column('contact_method', sa.String(length=20), nullable=False),
        sa.Column('contact_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes')),
    )
    op.create_index(op.f('ix_case_notes_case_id'), 'case_notes', ['case_id'])
    # Search by date of birth and surname on a council's whole history of cases.
    op.create_index('ix_cases_date_of_birth', 'cases', ['date_of_birth'])
    op.create_index('ix_cases_surname_lower', 'cases', [sa.text('lower(surname)')])
    op.create_index('ix_cases_forename_lower', 'cases', [sa.text('lower(forename)')])
    # The caseload's next deadline of every open case, read in case order from the index alone.
    op.create_index(
        'ix_deadlines_open_case_due', 'deadlines', ['met_on', 'acted_on', 'case_id', 'due']
    )


def downgrade() -> None:
    op.drop_index('ix_deadlines_open_case_due', table_name='deadlines')
    op.drop_index('ix_cases_forename_lower', table_name='cases')
    op.drop_index('ix_cases_surname_lower', table_name='cases')
    op.drop_index('ix_cases_date_of_birth', table_name='cases')
    op.drop_table('case_notes')
    op.drop_table('record_access')
    op.drop_table('login_failures')
    op.drop_table('web_sessions')
    op.drop_table('users')
