"""notifications.vulnerabilities: each notification's own risk flags (a linked one may add a concern)

Revision ID: 0009_law_edges
Revises: 0004
Create Date: 2026-11-30 10:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009_law_edges'
down_revision = '0007_workspace'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(
            sa.Column("vulnerabilities", sa.String(length=2000), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("vulnerabilities")
