"""cases.date_of_birth, csa_starts and csa_ends may be null: a child notified without a date of birth

Revision ID: 0014_i17_date_of_birth_not_known
Revises: 0013_i14a_attendance_order
Create Date: 2026-11-30 16:45:00.000000

A notification with no date of birth now becomes a case (issue 17); its compulsory school age is
not known until the date of birth is recorded.

On SQLite this does not use batch mode: dropping a NOT NULL needs the table rebuilt, and `cases`
is referenced by foreign keys (on, in this product), so dropping the old table fails inside the
migration's transaction. SQLite documents a procedure for exactly this change instead
(https://www.sqlite.org/lang_altertable.html, "removing ... NOT NULL constraints"): the stored
CREATE TABLE text is edited, in the same transaction, and the file is checked after.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op


revision = '0014_i17_date_of_birth_not_known'
down_revision = '0013_i14a_attendance_order'
branch_labels = None
depends_on = None

COLUMNS = ("date_of_birth", "csa_starts", "csa_ends")


def _sqlite_table_text(change: "re.Pattern[str]", into: str) -> None:
    bind = op.get_bind()
    old = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'cases'"
    ).scalar_one()
    new, count = change.subn(into, old)
    if count != len(COLUMNS):
        raise RuntimeError(f"cases: expected {len(COLUMNS)} date columns to change, found {count}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'cases'", (new,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"the database failed its integrity check: {problems[:3]}")


_NAMES = "|".join(COLUMNS)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_table_text(re.compile(rf"\b({_NAMES})\b(\"?) DATE NOT NULL"), r"\1\2 DATE")
        return
    for column in COLUMNS:
        op.alter_column("cases", column, existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    unknown = op.get_bind().execute(
        sa.text("SELECT count(*) FROM cases WHERE date_of_birth IS NULL OR csa_starts IS NULL OR csa_ends IS NULL")
    ).scalar_one()
    if unknown:
        raise RuntimeError(
            f"{unknown} cases have no date of birth: record each one (cme case correct ID "
            "date_of_birth YYYY-MM-DD) before downgrading"
        )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_table_text(re.compile(rf"\b({_NAMES})\b(\"?) DATE(?=,|\s*\))"), r"\1\2 DATE NOT NULL")
        return
    for column in COLUMNS:
        op.alter_column("cases", column, existing_type=sa.Date(), nullable=False)
