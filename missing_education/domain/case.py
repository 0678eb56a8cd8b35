"""A CME case: the child, where the case stands, and its append-only history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from missing_education.domain.errors import IllegalTransition, PreconditionUnmet
from missing_education.domain.preconditions import CaseFacts, unmet
from missing_education.domain.states import TRANSITIONS, Status


class Outcome(StrEnum):
    """How a case closed (docs/domain.md section 4, closure outcomes)."""

    ON_ROLL_HERE = "on_roll_here"
    ON_ROLL_ELSEWHERE = "on_roll_elsewhere_england"
    MOVED_WITHIN_UK = "moved_wales_scotland_ni"
    MOVED_ABROAD = "moved_abroad"
    EHE = "elective_home_education"
    ALTERNATIVE_PROVISION = "alternative_provision"
    CUSTODY = "custody"
    PAST_CSA = "past_compulsory_school_age"
    DIED = "died"
    NOT_CME = "not_cme"
    # Lives outside the council's area: handed to the council where the child lives.
    OUT_OF_AREA = "lives_outside_area"
    WHEREABOUTS_UNKNOWN = "whereabouts_unknown"


SYSTEM = "system"


def case_reference(case_id: int) -> str:
    """The reference printed on letters and shown to people, e.g. CME-000123."""
    return f"CME-{case_id:06d}"


@dataclass(frozen=True)
class HistoryEntry:
    """One transition: when, who (a user or "system"), why. Never edited once written."""

    at: datetime
    who: str
    from_status: Status | None
    to_status: Status
    why: str


@dataclass(frozen=True)
class Child:
    """The child a case is about (personal data: stays in the case database)."""

    forename: str
    surname: str
    # None when the notification did not give it: the case is worked, but nothing that needs
    # compulsory school age (domain.preconditions) may be done until it is recorded.
    date_of_birth: date | None
    sex: str = ""
    upn: str = ""
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""


@dataclass
class Case:
    """A child missing education (or thought to be) and the work done to find them."""

    id: int
    status: Status
    child: Child
    opened_on: date
    referral_date: date
    school_urn: str = ""
    school_name: str = ""
    parent_name: str = ""
    csa_ends: date | None = None
    date_last_attended: date | None = None
    reason: str = ""
    vulnerabilities: tuple[str, ...] = ()
    safeguarding: bool = False
    csa_needs_review: bool = False
    outcome: Outcome | None = None
    closed_on: date | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    new_history: list[HistoryEntry] = field(default_factory=list)

    @property
    def reference(self) -> str:
        """The case reference, e.g. CME-000123."""
        return case_reference(self.id)

    @property
    def is_open(self) -> bool:
        """Whether the case is still being worked."""
        return self.status is not Status.CLOSED

    def move_to(
        self,
        to_status: Status,
        *,
        at: datetime,
        who: str,
        why: str,
        facts: CaseFacts | None = None,
    ) -> None:
        """Move the case on, or raise IllegalTransition; the move is appended to the history.

        A move the law conditions (domain.preconditions) is taken only with the case's facts,
        and only when they hold: otherwise PreconditionUnmet says every reason.
        """
        if (self.status, to_status) not in TRANSITIONS:
            raise IllegalTransition(self.reference, self.status, to_status)
        reasons = unmet(self.status, to_status, facts)
        if reasons:
            raise PreconditionUnmet(self.reference, self.status, to_status, reasons)
        entry = HistoryEntry(at=at, who=who, from_status=self.status, to_status=to_status, why=why)
        self.status = to_status
        self.history.append(entry)
        self.new_history.append(entry)

    def close(
        self,
        outcome: Outcome,
        *,
        on: date,
        at: datetime,
        who: str,
        why: str,
        facts: CaseFacts | None = None,
    ) -> None:
        """Close the case with an outcome (a closure always says why)."""
        self.move_to(Status.CLOSED, at=at, who=who, why=f"{outcome.value}: {why}", facts=facts)
        self.outcome = outcome
        self.closed_on = on
