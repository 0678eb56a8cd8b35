"""The school calendar: importing term and closure dates, and keeping deadlines in step with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from missing_education.clock import today
from missing_education.domain.deadline import due_date
from missing_education.domain.errors import InputFileRefused
from missing_education.domain.notification import parse_date
from missing_education.ports import UnitOfWork
from missing_education.rules.calendar import CalendarError, CalendarPeriod, SchoolCalendar
from missing_education.services.tabular import CsvFileError, read_csv

CALENDAR_COLUMNS = ("school_urn", "start_date", "end_date", "kind")


class CalendarFileError(InputFileRefused):
    """The calendar file is refused whole; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def lines(self) -> list[str]:
        """Every problem on its own line."""
        return self.problems


@dataclass(frozen=True)
class CalendarImport:
    """What a calendar import changed."""

    periods: int
    schools: list[str]
    deadlines_moved: int


# Calendar dates a council may import (this year give or take five), and the longest term or
# closure: anything else is a typo, refused.
YEARS_AROUND = 5
LONGEST_PERIOD_DAYS = 366


def load_calendar(uow: UnitOfWork) -> SchoolCalendar:
    """The calendar as stored (council default plus every school's overrides)."""
    return SchoolCalendar(uow.calendar.periods())


def read_calendar_file(path: Path, *, on: date | None = None) -> list[CalendarPeriod]:
    """Read a calendar CSV; any bad row refuses the whole file (a partial calendar misleads)."""
    this_year = (on or today()).year
    try:
        table = read_csv(path)
    except CsvFileError as error:
        raise CalendarFileError([str(error)]) from None
    missing = [c for c in CALENDAR_COLUMNS if c not in table.header]
    if missing:
        raise CalendarFileError([f"missing the required column {', '.join(missing)}"])
    periods, problems = [], []
    for row_number, values in table.rows:
        if isinstance(values, str):
            problems.append(f"row {row_number}: {values}")
            continue
        try:
            start = parse_date(values["start_date"])
            end = parse_date(values["end_date"])
        except ValueError:
            problems.append(f"row {row_number}: start_date and end_date must be real dates")
            continue
        first_year, last_year = this_year - YEARS_AROUND, this_year + YEARS_AROUND
        if not (first_year <= start.year <= last_year and first_year <= end.year <= last_year):
            problems.append(
                f"row {row_number}: dates must fall between {first_year} and {last_year} "
                "(is the year right?)"
            )
            continue
        if (end - start).days > LONGEST_PERIOD_DAYS:
            # A closure typed to 2099 would stop every deadline until 2100.
            problems.append(
                f"row {row_number}: a period is at most {LONGEST_PERIOD_DAYS} days long "
                "(is the year right?)"
            )
            continue
        kind = values["kind"].strip().lower()
        urn = values["school_urn"].strip()
        if urn and not (urn.isdigit() and len(urn) in (6, 7)):
            problems.append(f"row {row_number}: school_urn must be 6 or 7 digits, or blank")
            continue
        try:
            periods.append(CalendarPeriod(urn or None, start, end, kind))  # type: ignore[arg-type]
        except CalendarError as error:
            problems.append(f"row {row_number}: {error}")
    if problems:
        raise CalendarFileError(problems)
    if not periods:
        raise CalendarFileError(["the file has no periods"])
    return periods


def recompute_deadlines(uow: UnitOfWork, calendar: SchoolCalendar) -> int:
    """Recompute every open deadline counted in school days; return how many moved."""
    moved = 0
    for deadline in uow.deadlines.open():
        if deadline.school_days is None:
            continue
        due = due_date(
            calendar,
            deadline.base_date,
            school_days=deadline.school_days,
            school_urn=deadline.school_urn,
        )
        if due != deadline.due:
            uow.deadlines.update_due(deadline, due)
            moved += 1
    return moved


def import_calendar(uow: UnitOfWork, path: Path) -> CalendarImport:
    """Replace the calendars of the schools in the file (blank URN: council default)."""
    periods = read_calendar_file(path)
    urns = sorted({p.school_urn or "" for p in periods})
    with uow:
        uow.calendar.replace(urns, periods)
        moved = recompute_deadlines(uow, load_calendar(uow))
        uow.commit()
    return CalendarImport(periods=len(periods), schools=urns, deadlines_moved=moved)
