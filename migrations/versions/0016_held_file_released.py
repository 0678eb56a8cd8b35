"""held_files.released_at: a file taken in keeps its id, without its bytes or name

Revision ID: 0016_held_file_released
Revises: 0015_held_files
Create Date: 2026-11-30 19:50:00.000000

A file was forgotten outright once its intake run had used it, so a rerun of that run (after a
crash at its very end, or from the Prefect UI) failed with "no file is held". Now the row is
kept with its bytes and name dropped, and the rerun hears "taken in already"; retention
forgets the row after CME_HELD_FILE_DAYS.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016_held_file_released'
down_revision = '0015_held_files'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "held_files", sa.Column("released_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    # Rows of files already let go hold nothing: without the column they would look held.
    op.execute("DELETE FROM held_files WHERE released_at IS NOT NULL")
    with op.batch_alter_table("held_files") as batch:
        batch.drop_column("released_at")
