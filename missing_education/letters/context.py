"""What each letter type needs to know: the letter types and the context keys each requires.

The context is one uniform mapping across types. Every letter needs the common keys; each
type adds its own. Dates are `datetime.date` values the caller has already worked out with
the school calendar (the letters package formats dates, it never computes them). Nested
shapes are plain mappings, described here as TypedDicts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NotRequired, TypedDict

from missing_education.domain.letter import LetterType
from missing_education.letters.errors import LetterError

# In procedure order, from the one vocabulary in the domain.
LETTER_TYPES: tuple[str, ...] = tuple(t.value for t in LetterType)


class Recipient(TypedDict):
    """Who the letter is addressed to; the address shows through the envelope window."""

    name: str
    address_lines: list[str]
    organisation: NotRequired[str]
    salutation: NotRequired[str]  # after "Dear"; the name when absent


class Child(TypedDict):
    """The child the case is about."""

    forename: str
    surname: str
    date_of_birth: NotRequired[date]  # absent when not known: the letter says "not known"
    upn: NotRequired[str]
    year_group: NotRequired[int]  # 0 is Reception


class Officer(TypedDict):
    """The officer the recipient should contact."""

    name: str
    phone: str
    email: str


class School(TypedDict):
    """A school, as the school enquiry and closure letters name it."""

    name: str
    urn: str


class Visit(TypedDict):
    """A home visit at which nobody answered, for the calling card."""

    at: datetime
    officer: str


class CommonContext(TypedDict):
    """The keys every letter type needs."""

    case_reference: str
    letter_date: date
    recipient: Recipient
    child: Child
    officer: Officer
    replaces: NotRequired[str]  # reference of the letter this one corrects


# The kinds a context value can be; each has one check below.
TEXT = "text"
DATE = "a date"
DATETIME = "a date and time"
WHOLE_NUMBER = "a whole number"
TEXT_LIST = "a list of text"


@dataclass(frozen=True)
class Key:
    """One context key: its dotted path, its kind, and what it means on the letter."""

    path: str
    kind: str
    meaning: str


COMMON_REQUIRED: tuple[Key, ...] = (
    Key("case_reference", TEXT, "the case reference, e.g. CME-000123"),
    Key("letter_date", DATE, "the date printed on the letter"),
    Key("recipient.name", TEXT, "addressee, e.g. 'The Headteacher' or 'Ms A Khan'"),
    Key("recipient.address_lines", TEXT_LIST, "postal address, one line each (may be empty)"),
    Key("child.forename", TEXT, "child's legal forename(s)"),
    Key("child.surname", TEXT, "child's legal surname"),
    Key("officer.name", TEXT, "officer to contact"),
    Key("officer.phone", TEXT, "officer's phone number"),
    Key("officer.email", TEXT, "officer's email address"),
)

COMMON_OPTIONAL: tuple[Key, ...] = (
    Key("recipient.organisation", TEXT, "organisation line under the addressee"),
    Key("recipient.salutation", TEXT, "who 'Dear ...' greets, e.g. 'Headteacher' (else name)"),
    Key("child.date_of_birth", DATE, "child's date of birth (the letter says 'not known')"),
    Key("child.upn", TEXT, "unique pupil number"),
    Key("child.year_group", WHOLE_NUMBER, "national curriculum year, 0 = Reception"),
    Key("replaces", TEXT, "reference of the letter this one corrects"),
)

_SCHOOL = (Key("school.name", TEXT, "school name"), Key("school.urn", TEXT, "school URN"))

TYPE_REQUIRED: dict[str, tuple[Key, ...]] = {
    "acknowledgement": (
        Key("notification_date", DATE, "when we received the notification"),
        Key("deadline", DATE, "date by which we aim to locate the child"),
        Key("safeguarding_phone", TEXT, "MASH phone number for safeguarding concerns"),
    ),
    "school_enquiry": (*_SCHOOL, Key("deadline", DATE, "reply-by date")),
    "school_enquiry_reminder": (
        *_SCHOOL,
        Key("enquiry_date", DATE, "date of the first enquiry letter"),
        Key("deadline", DATE, "new reply-by date"),
    ),
    "parent_contact": (
        Key("deadline", DATE, "date by which the parent should contact us"),
        Key("admissions_url", TEXT, "where to apply for a school place"),
    ),
    "calling_card": (
        Key("visit.officer", TEXT, "who called"),
        Key("deadline", DATE, "call-back-by date"),
    ),
    "other_la_enquiry": (
        Key("other_council", TEXT, "the council we are writing to"),
        Key("deadline", DATE, "reply-by date"),
    ),
    "social_care_referral": (
        Key("reason", TEXT, "why we are referring"),
        Key("evidence", TEXT_LIST, "enquiries made so far, one line each"),
        Key("deadline", DATE, "date by which to confirm receipt"),
    ),
    "police_notification": (
        Key("reason", TEXT, "why we are notifying the police"),
        Key("evidence", TEXT_LIST, "enquiries made so far, one line each"),
        Key("deadline", DATE, "reply-by date"),
    ),
    "manager_escalation": (
        Key("overdue_step", TEXT, "the step that is overdue, e.g. 'School enquiry'"),
        Key("due_date", DATE, "when that step was due"),
        Key("reason", TEXT, "why the case is escalated"),
        Key("deadline", DATE, "decide-by date"),
    ),
    "admissions_referral": (Key("deadline", DATE, "decision-by date (in-year admission)"),),
    "fair_access_referral": (
        Key("category", TEXT, "Fair Access Protocol category"),
        Key("evidence", TEXT_LIST, "evidence for the category, one line each"),
        Key("deadline", DATE, "place-by date"),
    ),
    "s437_notice": (Key("deadline", DATE, "comply-by date, at least 15 days after service"),),
    "s438_notice": (
        *_SCHOOL,
        Key("s437_served_on", DATE, "when the s437(1) notice was served"),
        Key("s437_deadline", DATE, "the date the s437(1) notice gave the parent"),
        Key("deadline", DATE, "choose-a-school-by date, 15 days from service (s438)"),
    ),
    "school_attendance_order": (
        *_SCHOOL,
        Key("named_because", TEXT, "why this school is named (the parent's choice or ours)"),
        Key("deadline", DATE, "register-by date"),
    ),
    "attendance_order_school": (*_SCHOOL, Key("deadline", DATE, "confirm-registration-by date")),
    "prosecution_referral": (
        *_SCHOOL,
        Key("reason", TEXT, "why the order is not complied with"),
        Key("evidence", TEXT_LIST, "the steps of the route, one line each"),
        Key("deadline", DATE, "confirm-receipt-by date"),
    ),
    "closure_parent": (Key("outcome", TEXT, "the outcome, in plain words for the family"),),
    "closure_school": (
        *_SCHOOL,
        Key("outcome", TEXT, "the outcome, in plain words for the school"),
    ),
    "closure_referrer": (
        Key("notification_date", DATE, "when we received the notification"),
        Key("outcome", TEXT, "the outcome, as much as the referrer may know"),
    ),
    "school_escalation": (
        *_SCHOOL,
        Key("steps_taken", TEXT_LIST, "what the council has done at escalation, one line each"),
    ),
}

TYPE_OPTIONAL: dict[str, tuple[Key, ...]] = {
    "other_la_enquiry": (
        Key("believed_address_lines", TEXT_LIST, "address we believe the family moved to"),
        Key("notes", TEXT, "anything else that may help"),
    ),
    "social_care_referral": (Key("risk_flags", TEXT_LIST, "known risks, one line each"),),
    "calling_card": (
        Key("visit.at", DATETIME, "when the officer called, as recorded"),
        Key("visit.on", DATE, "the day the officer called, when no time was recorded"),
    ),
    "closure_parent": (
        Key("next_steps", TEXT, "what the parent should do now (the s7 duty only if it applies)"),
    ),
    "fair_access_referral": (
        Key("admissions_outcome", TEXT, "what in-year admission decided, and when (the record)"),
        Key("risk_flags", TEXT_LIST, "the child's known risks and needs, one line each"),
    ),
    "closure_school": (
        Key("deletion_ground", TEXT, "the ground for deletion from roll, when there is one"),
        Key("keep_on_roll", TEXT, "what the school does when there is no deletion ground"),
        Key("steps_taken", TEXT_LIST, "the escalation steps the record shows, one line each"),
    ),
    "closure_referrer": (
        Key("referred_on", DATE, "when we referred the child to this agency (it is told so)"),
        Key("steps_taken", TEXT_LIST, "the escalation steps the record shows, one line each"),
    ),
    "admissions_referral": (
        Key("preferred_schools", TEXT_LIST, "schools the family would like"),
        Key("notes", TEXT, "anything else the admissions team should know"),
    ),
}


def required_keys(letter_type: str) -> tuple[Key, ...]:
    """The keys `letter_type` must have: the common ones, then its own."""
    known_type(letter_type)
    return COMMON_REQUIRED + TYPE_REQUIRED[letter_type]


def optional_keys(letter_type: str) -> tuple[Key, ...]:
    """The keys `letter_type` shows when they are present."""
    known_type(letter_type)
    return COMMON_OPTIONAL + TYPE_OPTIONAL.get(letter_type, ())


def known_type(letter_type: str) -> None:
    """Raise LetterError unless `letter_type` is one of LETTER_TYPES."""
    if letter_type not in LETTER_TYPES:
        raise LetterError(f"unknown letter type {letter_type!r}")


def check_context(letter_type: str, context: Mapping[str, Any]) -> None:
    """Raise LetterError naming the first required key that is missing, blank or mistyped."""
    required, optional = _checks(letter_type)
    for key, parts in required:
        found, value = _look_up(context, parts)
        if not found or value is None:
            raise LetterError(f"{letter_type}: context key {key.path!r} is missing")
        _check_kind(letter_type, key, value)
    for key, parts in optional:
        found, value = _look_up(context, parts)
        if found and value is not None:
            _check_kind(letter_type, key, value)


_Checks = tuple[tuple[Key, tuple[str, ...]], ...]


@functools.cache
def _checks(letter_type: str) -> tuple[_Checks, _Checks]:
    # Worked out once per type: the sweep checks thousands of contexts of a handful of types.
    return (
        tuple((key, tuple(key.path.split("."))) for key in required_keys(letter_type)),
        tuple((key, tuple(key.path.split("."))) for key in optional_keys(letter_type)),
    )


def _look_up(context: Mapping[str, Any], parts: tuple[str, ...]) -> tuple[bool, Any]:
    value: Any = context
    for part in parts:
        # A plain dict first: the ABC check is the slow path, for other mappings.
        if not (type(value) is dict or isinstance(value, Mapping)) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _check_kind(letter_type: str, key: Key, value: Any) -> None:
    if key.kind == TEXT:
        ok = isinstance(value, str)
        if ok and not value.strip():
            raise LetterError(f"{letter_type}: context key {key.path!r} is blank")
    elif key.kind == DATE:
        ok = isinstance(value, date)
    elif key.kind == DATETIME:
        ok = isinstance(value, datetime)
    elif key.kind == WHOLE_NUMBER:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = _is_text_list(value)
    if not ok:
        raise LetterError(f"{letter_type}: context key {key.path!r} must be {key.kind}")


def _is_text_list(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes)
        and all(isinstance(item, str) for item in value)
    )
