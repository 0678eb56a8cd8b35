"""SQL repository of cases that need attention: one row per case a step failed on."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from missing_education.domain.attention import REASON_LIMIT, Attention
from missing_education.persistence.tables import case_attention


def _attention(row: Any) -> Attention:
    return Attention(
        case_id=row.case_id,
        category=row.category,
        reason=row.reason,
        since=row.since,
        attempts=row.attempts,
    )


class SqlAttentionRepository:
    """Flags on cases, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def flag(self, case_id: int, category: str, reason: str, on: date) -> Attention:
        """Flag a case (again): the first day stays, the reason is the latest."""
        reason = reason[:REASON_LIMIT]
        found = self.get(case_id)
        if found is None:
            self.connection.execute(
                insert(case_attention).values(
                    case_id=case_id, category=category, reason=reason, since=on, attempts=1
                )
            )
        else:
            self.connection.execute(
                update(case_attention)
                .where(case_attention.c.case_id == case_id)
                .values(category=category, reason=reason, attempts=found.attempts + 1)
            )
        flagged = self.get(case_id)
        assert flagged is not None
        return flagged

    def clear(self, case_id: int) -> None:
        """A step on the case worked: it no longer needs attention."""
        self.connection.execute(delete(case_attention).where(case_attention.c.case_id == case_id))

    def get(self, case_id: int) -> Attention | None:
        """The case's flag, if it has one."""
        row = self.connection.execute(
            select(case_attention).where(case_attention.c.case_id == case_id)
        ).first()
        return _attention(row) if row is not None else None

    def all(self) -> list[Attention]:
        """Every flagged case, oldest flag first."""
        rows = self.connection.execute(
            select(case_attention).order_by(case_attention.c.since, case_attention.c.case_id)
        ).all()
        return [_attention(row) for row in rows]
