"""Errors the domain raises; messages name fields and case references, never a child's details.

DomainError
├── IllegalTransition      a case cannot move from its status to the one asked for
│   └── PreconditionUnmet  the move exists, but what the law requires first has not happened
│                          (also a DecisionRefused)
├── InvalidNotification    a notification row is unusable (names the field and the problem)
├── CaseNotFound           no case has that id
├── DecisionRefused        a decision does not fit the case as it stands
└── CalendarNotLoaded      a deadline would count school days past the loaded term dates

InputFileRefused (a ValueError)   a file given to a command is refused whole, nothing written
├── IntakeFileError               services.intake: a notification file
├── HeldFileError                 services.intake_files: no held file has that id
├── CalendarFileError             services.calendar: a term dates file (every problem listed)
├── DirectoryFileError            services.directory: a schools or officers file
├── SourceFileError               services.checks: a council data source
├── CsvFileError                  services.tabular: not a CSV file with a header
├── MatchingInputError            matching.register_file: an extract for `cme match`
└── OutputPathError               private_files: a path given for output (--out)
"""

from __future__ import annotations


class InputFileRefused(ValueError):
    """A file given to a command is refused whole and nothing was written; the message says why.

    The `cme` command catches this once and prints each of `lines()` as an `error:` line.
    """

    def lines(self) -> list[str]:
        """The refusal as the command prints it, one reason a line."""
        return [str(self)]


class DomainError(Exception):
    """Base of every rule the case work enforces."""


class IllegalTransition(DomainError):
    """A case cannot move from its status to the one asked for."""

    def __init__(self, reference: str, from_status: str, to_status: str) -> None:
        super().__init__(f"{reference}: cannot move from {from_status} to {to_status}")
        self.from_status = from_status
        self.to_status = to_status


class InvalidNotification(DomainError):
    """A notification row is unusable; `field` says where and `problem` says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class CaseNotFound(DomainError):
    """No case has that id."""

    def __init__(self, case_id: int) -> None:
        super().__init__(f"no case with id {case_id}")
        self.case_id = case_id


class DecisionRefused(DomainError):
    """A decision does not fit the case as it stands."""


class CalendarNotLoaded(DomainError):
    """A deadline would be counted on days the loaded school calendar does not cover.

    Counting them as plain weekdays would count holidays as school days, so the step is
    refused (a decision) or the case flagged (a sweep) until the term dates are imported.
    """

    def __init__(self, start: str, end: str, school_urn: str = "") -> None:
        school = f" (school {school_urn})" if school_urn else ""
        super().__init__(
            f"school calendar not loaded for {start} to {end}{school}: import the term dates "
            "with `cme calendar import`, and the step runs again"
        )


class PreconditionUnmet(IllegalTransition, DecisionRefused):
    """The move is in the table, but its preconditions do not hold; `reasons` says which.

    Also a DecisionRefused: a person's answer that would take such a move is refused with it.
    """

    def __init__(
        self, reference: str, from_status: str, to_status: str, reasons: list[str]
    ) -> None:
        DomainError.__init__(
            self,
            f"{reference}: cannot move from {from_status} to {to_status}: " + "; ".join(reasons),
        )
        self.from_status = from_status
        self.to_status = to_status
        self.reasons = reasons
