"""case_attention: cases a step failed on, with the reason, until a step on them succeeds

Revision ID: 0006_needs_attention
Revises: 0004
Create Date: 2026-11-30 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006_needs_attention"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_attention",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_attention_case_id_cases"
        ),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_attention"),
    )


def downgrade() -> None:
    op.drop_table("case_attention")
