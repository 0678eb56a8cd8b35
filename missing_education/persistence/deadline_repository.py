"""The SQL repository of deadlines: when each step of each case is due, met or acted on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from missing_education.domain.deadline import Deadline, Step
from missing_education.persistence.bulk import insert_rows
from missing_education.persistence.columns import StoredRow
from missing_education.persistence.tables import deadlines
from missing_education.persistence.tables import deadlines as deadlines_table
from missing_education.ports import WriteConflict

_DEADLINES_OF_CASE = (
    select(deadlines)
    .where(deadlines.c.case_id == bindparam("case_id"))
    .order_by(deadlines.c.due, deadlines.c.id)
)


def _deadline_from_row(row: StoredRow) -> Deadline:
    return Deadline(
        case_id=row["case_id"],
        step=Step(row["step"]),
        base_date=row["base_date"],
        due=row["due"],
        school_days=row["school_days"],
        calendar_days=row["calendar_days"],
        school_urn=row["school_urn"],
        round=row["round"],
        met_on=row["met_on"],
        acted_on=row["acted_on"],
    )


class SqlDeadlineRepository:
    """Deadlines of the cases' steps."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, deadline: Deadline) -> bool:
        """Record a deadline once; False when that step and round already has one."""
        values = {
            "case_id": deadline.case_id,
            "step": deadline.step.value,
            "round": deadline.round,
            "base_date": deadline.base_date,
            "school_days": deadline.school_days,
            "calendar_days": deadline.calendar_days,
            "school_urn": deadline.school_urn,
            "due": deadline.due,
        }
        exists = self.connection.execute(
            select(deadlines.c.id).where(
                deadlines.c.case_id == deadline.case_id,
                deadlines.c.step == deadline.step.value,
                deadlines.c.round == deadline.round,
            )
        ).first()
        if exists is not None:
            return False
        try:
            with self.connection.begin_nested():
                self.connection.execute(insert(deadlines).values(**values))
        except WriteConflict:
            # Another process recorded it between our look and our insert.
            return False
        return True

    def add_new(self, deadline: Deadline) -> None:
        """Record the first deadline of a case opened in this transaction (it has none yet).

        No look and no savepoint: nobody else can have given the new case a deadline. Should
        one exist all the same, the unique constraint raises WriteConflict.
        """
        self.add_new_many([deadline])

    def add_new_many(self, deadlines: Sequence[Deadline]) -> None:
        """Record the first deadlines of cases opened in this transaction, with one statement."""
        if not deadlines:
            return
        insert_rows(
            self.connection,
            deadlines_table,
            [
                {
                    "case_id": deadline.case_id,
                    "step": deadline.step.value,
                    "round": deadline.round,
                    "base_date": deadline.base_date,
                    "school_days": deadline.school_days,
                    "calendar_days": deadline.calendar_days,
                    "school_urn": deadline.school_urn,
                    "due": deadline.due,
                    "met_on": deadline.met_on,
                }
                for deadline in deadlines
            ],
        )

    def for_case(self, case_id: int) -> list[Deadline]:
        """Every deadline of the case, in due order."""
        rows = self.connection.execute(_DEADLINES_OF_CASE, {"case_id": case_id}).mappings()
        return [_deadline_from_row(r) for r in rows]

    def open(self) -> list[Deadline]:
        """Every deadline not yet met or acted on."""
        rows = self.connection.execute(
            select(deadlines)
            .where(deadlines.c.met_on.is_(None), deadlines.c.acted_on.is_(None))
            .order_by(deadlines.c.id)
        ).mappings()
        return [_deadline_from_row(r) for r in rows]

    def update_due(self, deadline: Deadline, due: date) -> None:
        """Move a deadline's due date (the calendar changed)."""
        self.connection.execute(
            update(deadlines)
            .where(
                deadlines.c.case_id == deadline.case_id,
                deadlines.c.step == deadline.step.value,
                deadlines.c.round == deadline.round,
            )
            .values(due=due)
        )

    def claim(self, deadline: Deadline, on: date) -> bool:
        """Mark an overdue deadline acted on, if nobody has; True for the one who did."""
        result = self.connection.execute(
            update(deadlines)
            .where(
                deadlines.c.case_id == deadline.case_id,
                deadlines.c.step == deadline.step.value,
                deadlines.c.round == deadline.round,
                deadlines.c.met_on.is_(None),
                deadlines.c.acted_on.is_(None),
            )
            .values(acted_on=on)
        )
        return result.rowcount == 1

    def meet(self, case_id: int, step: Step, on: date) -> None:
        """Mark every open deadline of that step as met."""
        self.connection.execute(
            update(deadlines)
            .where(
                and_(
                    deadlines.c.case_id == case_id,
                    deadlines.c.step == step.value,
                    deadlines.c.met_on.is_(None),
                    deadlines.c.acted_on.is_(None),
                )
            )
            .values(met_on=on)
        )
