"""The SQL repository of the school calendar: term and closure dates, council and schools."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, insert, select

from missing_education.persistence.tables import calendar_periods
from missing_education.rules.calendar import CalendarPeriod


class SqlCalendarRepository:
    """Term and closure dates for the council and each school."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def periods(self) -> list[CalendarPeriod]:
        """Every period, council default first."""
        rows = self.connection.execute(
            select(calendar_periods).order_by(
                calendar_periods.c.school_urn, calendar_periods.c.start_date
            )
        ).mappings()
        return [
            CalendarPeriod(
                school_urn=r["school_urn"] or None,
                start_date=r["start_date"],
                end_date=r["end_date"],
                kind=r["kind"],
            )
            for r in rows
        ]

    def replace(self, school_urns: Iterable[str], periods: Sequence[CalendarPeriod]) -> None:
        """Replace the periods of the schools named ("" = council default) with these."""
        urns = list(school_urns)
        self.connection.execute(
            calendar_periods.delete().where(calendar_periods.c.school_urn.in_(urns))
        )
        if periods:
            self.connection.execute(
                insert(calendar_periods),
                [
                    {
                        "school_urn": p.school_urn or "",
                        "start_date": p.start_date,
                        "end_date": p.end_date,
                        "kind": p.kind,
                    }
                    for p in periods
                ],
            )
