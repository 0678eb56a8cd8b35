"""Statutory date rules: compulsory school age, and deadlines counted in school days."""

from missing_education.rules.calendar import (
    CalendarError,
    CalendarPeriod,
    Kind,
    SchoolCalendar,
    england_bank_holiday,
)
from missing_education.rules.school_age import (
    AMBIGUOUS_WINDOW_DAYS,
    PRESCRIBED_DAYS,
    SchoolAge,
    compulsory_school_age,
    is_of_compulsory_school_age,
    last_friday_in_june,
    school_year_start,
    year_group,
)

__all__ = [
    "AMBIGUOUS_WINDOW_DAYS",
    "PRESCRIBED_DAYS",
    "CalendarError",
    "CalendarPeriod",
    "Kind",
    "SchoolAge",
    "SchoolCalendar",
    "compulsory_school_age",
    "england_bank_holiday",
    "is_of_compulsory_school_age",
    "last_friday_in_june",
    "school_year_start",
    "year_group",
]
