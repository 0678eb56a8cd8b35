"""What the reports read: plain facts about cases, steps, visits and officers (no names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from missing_education.domain import OPEN_STATUSES, Outcome, Status
from missing_education.domain.deadline import Deadline
from missing_education.domain.directory import HomeVisit, Officer
from missing_education.rules.calendar import SchoolCalendar


@dataclass(frozen=True)
class CaseFacts:
    """One case as the reports see it: dates, statuses and codes.

    `date_of_birth` is here only to work out the year group and compulsory school age; no
    report prints it. `statuses` is the case's history as (day, status from that day).
    """

    case_id: int
    reference: str
    referral_date: date
    opened_on: date
    status: Status
    statuses: tuple[tuple[date, Status], ...]
    outcome: Outcome | None = None
    closed_on: date | None = None
    reason: str = ""
    vulnerabilities: tuple[str, ...] = ()
    sex: str = ""
    date_of_birth: date | None = None
    # When the child became missing education: the day last attended (or taken off a roll);
    # None when the notification did not say.
    date_last_attended: date | None = None
    # The same child across cases (a one-way hash of UPN, or of name and date of birth).
    child_key: str = ""

    def status_on(self, day: date) -> Status | None:
        """The case's status at the end of `day` (None before it was opened)."""
        found: Status | None = None
        for since, status in self.statuses:
            if since > day:
                break
            found = status
        return found

    def is_open_on(self, day: date) -> bool:
        """Whether the case was open at the end of `day`."""
        return self.status_on(day) in OPEN_STATUSES

    def worked_between(self, start: date, end: date) -> bool:
        """Whether the case was open on at least part of a day from `start` to `end`."""
        return self.opened_on <= end and (self.closed_on is None or self.closed_on >= start)

    def was_triaged_as_cme(self) -> bool:
        """Whether triage ever took the case past `received` into the procedure."""
        return any(s in OPEN_STATUSES and s is not Status.RECEIVED for _, s in self.statuses)


@dataclass(frozen=True)
class Period:
    """The days a report covers, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends {self.end} before it starts {self.start}")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def weeks(self) -> list[date]:
        """The Monday of every week that has a day in the period."""
        monday = self.start - timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks


@dataclass(frozen=True)
class ReportData:
    """Everything a report is computed from, read in one transaction."""

    cases: tuple[CaseFacts, ...]
    deadlines: tuple[Deadline, ...]
    visits: tuple[HomeVisit, ...]
    officers: tuple[Officer, ...]
    calendar: SchoolCalendar


def missing_school_days(calendar: SchoolCalendar, first: date, until: date) -> int:
    """School days on the council calendar from `first` up to, not including, `until`."""
    if until <= first:
        return 0
    one = timedelta(days=1)
    return calendar.school_days_between(first - one, until - one)
