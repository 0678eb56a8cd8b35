"""case_merges: a duplicate case merged into the case kept for the child (issue 16)

Revision ID: 0010_i16_case_merges
Revises: 0009_law_edges
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010_i16_case_merges'
down_revision = '0009_law_edges'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_merges',
        sa.Column('duplicate_id', sa.Integer(), nullable=False),
        sa.Column('kept_id', sa.Integer(), nullable=False),
        sa.Column('merged_by', sa.String(length=100), nullable=False),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['duplicate_id'], ['cases.id'], name=op.f('fk_case_merges_duplicate_id_cases')),
        sa.ForeignKeyConstraint(['kept_id'], ['cases.id'], name=op.f('fk_case_merges_kept_id_cases')),
        sa.PrimaryKeyConstraint('duplicate_id', name=op.f('pk_case_merges')),
    )
    op.create_index(op.f('ix_case_merges_kept_id'), 'case_merges', ['kept_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_case_merges_kept_id'), table_name='case_merges')
    op.drop_table('case_merges')
