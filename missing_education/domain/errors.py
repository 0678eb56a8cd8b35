"""Errors the domain raises; messages name fields and case references, never a child's details.

DomainError
├── IllegalTransition      a case cannot move from its status to the one asked for
│   └── PreconditionUnmet  the move exists, but what the law requires first has not happened
│                          (also a DecisionRefused)
├── InvalidNotification    a notification row is unusable (names the field and the problem)
├── CaseNotFound           no case has that id
└── DecisionRefused        a decision does not fit the case as it stands
"""

from __future__ import annotations


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
