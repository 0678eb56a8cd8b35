"""held_files: notification files waiting for intake, in the case database

Revision ID: 0015_held_files
Revises: 0014_i17_date_of_birth_not_known
Create Date: 2026-11-30 16:40:00.000000

A file held by `cme upload` or taken from the inbox was kept under CME_HOME/intake on the host
where it arrived, so a worker on another host could not take it in. It is now kept here. A file
held under CME_HOME/intake before this revision is moved in when its id is first asked for.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015_held_files'
down_revision = '0014_i17_date_of_birth_not_known'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_files",
        sa.Column("id", sa.String(18), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("from_inbox", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_held_files"),
    )


def downgrade() -> None:
    op.drop_table("held_files")
