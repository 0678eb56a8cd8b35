"""Deadlines: each step of a case that is due by a date counted on the school calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from missing_education.rules.calendar import SchoolCalendar


class Step(StrEnum):
    """A step with a time limit (docs/domain.md section 4)."""

    LOCATE_CHILD = "locate_child"  # not located within 20 school days: escalate
    SCHOOL_REPLY = "school_enquiry_reply"
    HOME_VISIT = "home_visit"
    SECURE_PLACE = "secure_place"
    ADMISSIONS_DECISION = "admissions_decision"
    FAIR_ACCESS_PLACE = "fair_access_place"
    HANDOVER_CONFIRMATION = "handover_confirmation"
    S437_COMPLIANCE = "s437_compliance"
    MONITORING_REVIEW = "monitoring_review"
    # The attendance order route: periods that run from the day a notice is served.
    S438_CHOICE = "s438_choice"  # the parent's 15 days to choose a school (s438)
    ORDER_COMPLIANCE = "attendance_order_compliance"  # the named school confirms registration


@dataclass(frozen=True)
class Deadline:
    """When one step of one case is due; `met_on` or `acted_on` set means it is dealt with."""

    case_id: int
    step: Step
    base_date: date
    due: date
    school_days: int | None = None
    calendar_days: int | None = None
    school_urn: str = ""
    round: int = 1
    met_on: date | None = None
    acted_on: date | None = None

    @property
    def is_open(self) -> bool:
        """Whether the step still waits to be met or acted on."""
        return self.met_on is None and self.acted_on is None


def due_date(
    calendar: SchoolCalendar,
    base_date: date,
    *,
    school_days: int | None = None,
    calendar_days: int | None = None,
    school_urn: str = "",
) -> date:
    """The due date: school days on that school's calendar, or plain calendar days."""
    if school_days is not None:
        return calendar.add_school_days(base_date, school_days, school_urn or None)
    if calendar_days is not None:
        return base_date + timedelta(days=calendar_days)
    raise ValueError("a deadline needs school_days or calendar_days")


def new_deadline(
    calendar: SchoolCalendar,
    case_id: int,
    step: Step,
    base_date: date,
    *,
    school_days: int | None = None,
    calendar_days: int | None = None,
    school_urn: str = "",
    round: int = 1,
) -> Deadline:
    """A deadline with its due date computed from the calendar."""
    return Deadline(
        case_id=case_id,
        step=step,
        base_date=base_date,
        due=due_date(
            calendar,
            base_date,
            school_days=school_days,
            calendar_days=calendar_days,
            school_urn=school_urn,
        ),
        school_days=school_days,
        calendar_days=calendar_days,
        school_urn=school_urn,
        round=round,
    )
