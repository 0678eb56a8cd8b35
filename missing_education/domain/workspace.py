"""People who use the case workspace, their roles, and what they wrote or looked at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

# What a correction may change, with the words people use for it.
CORRECTABLE: dict[str, str] = {
    "forename": "child's forename",
    "surname": "child's surname",
    "date_of_birth": "child's date of birth",
    "sex": "child's sex",
    "upn": "child's UPN",
    "address_line1": "address line 1",
    "address_line2": "address line 2",
    "town": "town",
    "postcode": "postcode",
    "parent_name": "parent's name",
    "parent_phone": "parent's phone",
    "parent_email": "parent's email",
    "school_urn": "school URN",
    "school_name": "school name",
}


class Role(StrEnum):
    """What a workspace user may do."""

    COORDINATOR = "coordinator"  # runs the procedure: every case, every action
    MANAGER = "manager"  # team manager: every case, every action
    OFFICER = "officer"  # education welfare officer: the cases whose visits are theirs
    READ_ONLY = "read_only"  # auditors, colleagues: every case, no changes

    @property
    def sees_every_case(self) -> bool:
        """Whether the caseload shows every case (an officer sees only their own)."""
        return self is not Role.OFFICER

    @property
    def may_act(self) -> bool:
        """Whether the user may decide, correct, reassign and run the print room."""
        return self in (Role.COORDINATOR, Role.MANAGER)

    @property
    def may_write_notes(self) -> bool:
        """Whether the user may add case notes and contact log entries."""
        return self is not Role.READ_ONLY


@dataclass(frozen=True)
class User:
    """A named person who signs in to the workspace."""

    id: int
    name: str
    full_name: str
    role: Role
    officer_code: str
    password_hash: str
    active: bool


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: whose it is, its form token and when it ends."""

    id: int
    user: User
    csrf_token: str
    expires_at: datetime
    started_at: datetime | None = None  # when the user signed in (the session's whole life)


@dataclass(frozen=True)
class CaseNote:
    """A note on a case, or a contact with someone about the child (not tied to a decision)."""

    id: int
    case_id: int
    kind: str  # note | contact
    at: datetime
    who: str
    text: str
    contact_with: str = ""
    contact_method: str = ""
    contact_on: date | None = None


@dataclass(frozen=True)
class RecordAccess:
    """Someone looked at a case page or downloaded one of its letters."""

    case_id: int
    who: str
    action: str
    at: datetime


@dataclass(frozen=True)
class CaseloadRow:
    """One line of the caseload: enough to choose what to open next."""

    case_id: int
    reference: str
    status: str
    forename: str
    surname: str
    date_of_birth: date | None  # None: not known
    school_name: str
    safeguarding: bool
    deadline: date | None
    deadline_step: str | None
    officer: str
    needs_attention: bool = False  # a step failed on the case (issue 15)


@dataclass(frozen=True)
class CaseloadFilter:
    """What the caseload is narrowed to; None (or empty) is any."""

    status: str | None = None
    officer: str | None = None  # an officer's code: cases whose open visit is theirs
    school: str | None = None  # a URN or a school's name, exactly
    safeguarding: bool | None = None
    needs_attention: bool | None = None


@dataclass(frozen=True)
class CaseSearch:
    """What a search looks for: a case id, a UPN, a date of birth or the start of names."""

    case_id: int | None = None
    upn: str | None = None
    date_of_birth: date | None = None
    name: str | None = None


@dataclass(frozen=True)
class CaseMerge:
    """A duplicate case merged into the case kept for the same child."""

    duplicate_id: int
    kept_id: int
    merged_by: str
    merged_at: datetime
