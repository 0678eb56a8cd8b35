"""one open case per child (partial unique indexes); cases.anonymised_on for retention

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 03:43:55.743234
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN = "status <> 'closed'"
OPEN_WITH_UPN = "status <> 'closed' AND upn <> ''"


def _refuse_duplicates(column: str, where: str) -> None:
    # Two open cases of one child would make the index fail with a bare SQL error: say which.
    rows = op.get_bind().execute(
        sa.text(
            f"SELECT min(id), max(id) FROM cases WHERE {where} "
            f"GROUP BY {column} HAVING count(*) > 1"
        )
    ).all()
    if rows:
        pairs = ", ".join(f"CME-{low:06d} and CME-{high:06d}" for low, high in rows[:10])
        raise RuntimeError(
            f"open cases share a child ({column}): {pairs}; close the later one of each pair "
            "(cme decide ID closure not_cme --notes 'duplicate of ...') and upgrade again"
        )


def upgrade() -> None:
    _refuse_duplicates("identity_key", OPEN)
    _refuse_duplicates("upn", OPEN_WITH_UPN)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_on', sa.Date(), nullable=True))
        batch_op.create_index('uq_cases_open_identity_key', ['identity_key'], unique=True, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
        batch_op.create_index('uq_cases_open_upn', ['upn'], unique=True, postgresql_where=sa.text(OPEN_WITH_UPN), sqlite_where=sa.text(OPEN_WITH_UPN))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_open_upn', postgresql_where=sa.text(OPEN_WITH_UPN), sqlite_where=sa.text(OPEN_WITH_UPN))
        batch_op.drop_index('uq_cases_open_identity_key', postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
        batch_op.drop_column('anonymised_on')
