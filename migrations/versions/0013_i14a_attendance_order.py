"""letters.reply_by, served_on and details: periods that run from service, and stale post remade

Revision ID: 0010_i14a_attendance_order
Revises: 0009_law_edges
Create Date: 2026-11-30 13:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013_i14a_attendance_order'
down_revision = '0012_i18_letters_in_database'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("reply_by", sa.Date(), nullable=True))
        batch.add_column(sa.Column("served_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("details", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("details")
        batch.drop_column("served_on")
        batch.drop_column("reply_by")
