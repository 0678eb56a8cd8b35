"""ix_cases_open_csa_ends: open cases by the day compulsory school age ends

Revision ID: 0017_open_cases_csa_ends
Revises: 0016_held_file_released
Create Date: 2026-11-30 20:15:00.000000

The daily review first closes open cases whose child is past compulsory school age; that look
read every case ever opened (198 ms at 1,000,000 cases on SQLite, 210 ms on PostgreSQL). A
partial index on open cases answers it from the open cases alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017_open_cases_csa_ends'
down_revision = '0016_held_file_released'
branch_labels = None
depends_on = None

OPEN = "status <> 'closed'"


def upgrade() -> None:
    op.create_index(
        "ix_cases_open_csa_ends",
        "cases",
        ["csa_ends"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_open_csa_ends", table_name="cases")
