"""Use cases of the CME service, each one transaction over the unit of work."""

from missing_education.services.calendar import (
    CalendarFileError,
    import_calendar,
    load_calendar,
    recompute_deadlines,
)
from missing_education.services.cases import case_details, list_cases, school_age_report
from missing_education.services.intake import (
    IntakeFileError,
    IntakeReport,
    Rejection,
    ingest_file,
    ingest_rows,
    triage_cases,
)

__all__ = [
    "CalendarFileError",
    "IntakeFileError",
    "IntakeReport",
    "Rejection",
    "case_details",
    "import_calendar",
    "ingest_file",
    "ingest_rows",
    "list_cases",
    "load_calendar",
    "recompute_deadlines",
    "school_age_report",
    "triage_cases",
]
