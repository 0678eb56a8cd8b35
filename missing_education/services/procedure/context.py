"""The transaction context of the procedure: one unit of work, one day, the letters issued."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from missing_education.clock import now
from missing_education.domain import Case, Status
from missing_education.domain.deadline import Step, new_deadline
from missing_education.domain.errors import CalendarNotLoaded
from missing_education.domain.letter import LetterRecord, Recipient
from missing_education.domain.preconditions import preconditions
from missing_education.domain.words import (
    answer_words,
    letter_words,
    long_date,
)
from missing_education.ports import UnitOfWork
from missing_education.rules.calendar import SchoolCalendar
from missing_education.services.calendar import load_calendar
from missing_education.services.letters import LetterRequest, issue_letters
from missing_education.services.procedure.facts import case_facts
from missing_education.settings import Settings

# Letters that are CME action: none may go once the child is past compulsory school age.
CME_ACTION_LETTERS = frozenset(
    {
        "school_enquiry",
        "school_enquiry_reminder",
        "parent_contact",
        "calling_card",
        "s437_notice",
        "admissions_referral",
        "fair_access_referral",
        "other_la_enquiry",
        "s438_notice",
        "school_attendance_order",
        "attendance_order_school",
    }
)


class ProcedureContext:
    """One unit of work as of one day: the building blocks every step uses."""

    def __init__(self, uow: UnitOfWork, settings: Settings, today: date) -> None:
        self.uow = uow
        self.settings = settings
        self.today = today
        self._calendar: SchoolCalendar | None = None
        self.letters: list[LetterRecord] = []

    @property
    def calendar(self) -> SchoolCalendar:
        """The school calendar, loaded once per step."""
        if self._calendar is None:
            self._calendar = load_calendar(self.uow)
        return self._calendar

    # -- small building blocks ------------------------------------------------------------

    def letter(
        self, case: Case, letter_type: str, key: str, to: Recipient | None, **details: Any
    ) -> LetterRecord | None:
        """Issue a letter once for this step (None when there is nobody to send it to).

        After compulsory school age ends, only closure letters and referrals that keep a child
        safe go: no enquiry, notice or visit card (docs/domain.md section 4).
        """
        if to is None:
            return None
        if self.past_school_age(case) and letter_type in CME_ACTION_LETTERS:
            return None
        made = issue_letters(
            self.uow,
            [LetterRequest(case, letter_type, key, to, details)],
            settings=self.settings,
            today=self.today,
        )[0]
        self.letters.append(made)
        return made

    def past_school_age(self, case: Case) -> bool:
        """Whether the child ceased to be of compulsory school age before today."""
        return case.csa_ends is not None and self.today > case.csa_ends

    def deadline(
        self,
        case: Case,
        step: Step,
        *,
        school_days: int | None = None,
        calendar_days: int | None = None,
        school_urn: str = "",
        round: int = 1,
    ) -> date:
        """Set a step's deadline from today (kept as it is if that step and round has one).

        CalendarNotLoaded when school days would be counted past the loaded term dates.
        """
        made = new_deadline(
            self.calendar,
            case.id,
            step,
            self.today,
            school_days=school_days,
            calendar_days=calendar_days,
            school_urn=school_urn,
            round=round,
        )
        if school_days is not None:
            self.check_calendar_covers(made.due, school_urn)
        self.uow.deadlines.add(made)
        for existing in self.uow.deadlines.for_case(case.id):
            if existing.step is step and existing.round == round:
                return existing.due
        return made.due

    def check_calendar_covers(self, due: date, school_urn: str = "") -> None:
        """Refuse a school-day count that runs past the loaded terms (DOMAIN.md section 3).

        With no term dates loaded at all the weekday count stands (a new installation).
        """
        urn = school_urn or None
        terms = [p for p in self.calendar.periods(urn) if p.kind == "term"]
        if not terms or self.calendar.covers(due, urn):
            return
        last = max(p.end_date for p in terms)
        if due > last:
            raise CalendarNotLoaded(long_date(last + timedelta(days=1)), long_date(due), school_urn)

    def move(self, case: Case, status: Status, who: str, why: str) -> None:
        """Move the case on and save it (a move the law conditions is checked on the record)."""
        needs_facts = bool(preconditions(case.status, status))
        facts = case_facts(self.uow, case, self.today) if needs_facts else None
        case.move_to(status, at=now(), who=who, why=why, facts=facts)
        self.uow.cases.save(case)

    def evidence(self, case: Case) -> list[str]:
        """Enquiries made so far, one line each, for referral letters."""
        lines = [f"Notification received {case.referral_date:%d %B %Y}."]
        for letter in self.uow.letters.for_case(case.id):
            lines.append(
                f"{letter_words(letter.letter_type)} to {letter.recipient} "
                f"on {letter.created_at:%d %B %Y}."
            )
        for visit in self.uow.directory.visits(case.id):
            if visit.outcome:
                lines.append(f"Home visit: {answer_words(visit.outcome)}.")
        return lines
