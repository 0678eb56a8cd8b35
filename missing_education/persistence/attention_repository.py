"""SQL repository of cases that need attention: one row per case a step failed on (or that
was taken in without a date of birth)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, literal, select, update

from missing_education.domain.attention import (
    DATE_OF_BIRTH,
    REASON_LIMIT,
    Attention,
    date_of_birth_not_known,
)
from missing_education.domain.states import Status
from missing_education.persistence.tables import case_attention, cases


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
        """A step on the case worked: it no longer needs attention, unless its child's date of
        birth is still not known (only recording it clears that: `resolve`).
        """
        gone = self.connection.execute(
            delete(case_attention).where(
                case_attention.c.case_id == case_id, case_attention.c.category != DATE_OF_BIRTH
            )
        ).rowcount
        if gone:  # a failure had taken the place of the date-of-birth flag: put it back
            self.connection.execute(
                insert(case_attention).from_select(
                    ["case_id", "category", "reason", "since", "attempts"],
                    select(
                        cases.c.id,
                        literal(DATE_OF_BIRTH),
                        literal(date_of_birth_not_known(case_id)),
                        cases.c.opened_on,
                        literal(1),
                    ).where(
                        cases.c.id == case_id,
                        cases.c.date_of_birth.is_(None),
                        cases.c.status != Status.CLOSED.value,
                    ),
                )
            )

    def resolve(self, case_id: int, category: str) -> None:
        """What the case was flagged for has been put right (a date of birth recorded)."""
        self.connection.execute(
            delete(case_attention).where(
                case_attention.c.case_id == case_id, case_attention.c.category == category
            )
        )

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
