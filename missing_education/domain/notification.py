"""A notification that a child may be missing education, and the checks each row must pass."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from missing_education.domain.email_address import email_problem
from missing_education.domain.errors import InvalidNotification
from missing_education.domain.risk import read_risks, split_flags

NOTIFICATION_COLUMNS: tuple[str, ...] = (
    "forename",
    "surname",
    "date_of_birth",
    "sex",
    "upn",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "parent_name",
    "parent_phone",
    "parent_email",
    "school_urn",
    "school_name",
    "date_last_attended",
    "reason",
    "vulnerabilities",
    "referrer_name",
    "referrer_organisation",
    "referrer_email",
    "referral_date",
    "notes",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "forename",
    "surname",
    "date_of_birth",
    "referral_date",
    "referrer_organisation",
)
# Of the required columns, these may not be blank in a row. A name or the date of birth may
# be: a child notified with one name, or no date of birth, still becomes a case a person can
# work (finding the child is how the missing details are found), and a blank weighs nothing
# when the databases are searched. Something must identify the child, though (IDENTIFIERS).
REQUIRED_VALUES: tuple[str, ...] = ("referral_date", "referrer_organisation")
# At least one of these must be given: with none, nobody could be looked for.
IDENTIFIERS: tuple[str, ...] = ("forename", "surname", "date_of_birth", "upn")
NOTHING_IDENTIFIES = "nothing identifies the child: give a name, a date of birth or a UPN"
NAME_FIELDS = frozenset({"forename", "surname", "parent_name", "referrer_name"})
MAX_NAME_LENGTH = 100
MAX_FIELD_LENGTH = 2000
# Free text may run over several lines; every other field is one line.
MULTILINE_FIELDS = frozenset({"notes"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_URN = re.compile(r"^[0-9]{6,7}$")
_SEX = {"m": "M", "male": "M", "f": "F", "female": "F", "u": "U", "unknown": "U", "": ""}


@dataclass(frozen=True)
class Notification:
    """One checked notification row, ready to become (or join) a case."""

    forename: str
    surname: str
    date_of_birth: date | None
    referral_date: date
    referrer_organisation: str
    sex: str = ""
    upn: str = ""
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    parent_name: str = ""
    parent_phone: str = ""
    parent_email: str = ""
    school_urn: str = ""
    school_name: str = ""
    date_last_attended: date | None = None
    reason: str = ""
    vulnerabilities: tuple[str, ...] = ()
    referrer_name: str = ""
    referrer_email: str = ""
    notes: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def safeguarding(self) -> bool:
        """Whether a flag on the notification sends it to social care at once (unknown ones too)."""
        return read_risks(self.vulnerabilities).safeguarding

    @property
    def named(self) -> bool:
        """Whether both names are given: without them, name and birthday identify nobody."""
        return bool(self.forename.strip() and self.surname.strip())

    @property
    def fields_missing(self) -> tuple[str, ...]:
        """The identifying fields left blank (the child is still looked for on the others)."""
        given = {
            "forename": self.forename.strip(),
            "surname": self.surname.strip(),
            "date_of_birth": self.date_of_birth,
        }
        return tuple(name for name, value in given.items() if not value)

    @property
    def identity_key(self) -> tuple[str, str, date | None]:
        """Name and date of birth folded for comparison: the same child when no UPN links them.

        A notification without both names, or without a date of birth, is identified by its
        own fingerprint instead: two children notified without a name on the same birthday,
        or with the same name and no birthday, never share a case (only a UPN links them, and
        matching puts a likely pair to a person).
        """
        if not self.named or self.date_of_birth is None:
            return ("", self.fingerprint, self.date_of_birth)
        return (_fold(self.forename), _fold(self.surname), self.date_of_birth)

    @cached_property  # asked many times per row by intake: worked out once
    def fingerprint(self) -> str:
        """A hash of the whole notification: the same notification ingested twice has one."""
        parts = [
            self.forename,
            self.surname,
            self.date_of_birth.isoformat() if self.date_of_birth else "",
            self.referral_date.isoformat(),
            self.referrer_organisation,
            self.upn,
            self.postcode,
            self.school_urn,
            self.reason,
            self.referrer_email,
            self.notes,
        ]
        return hashlib.sha256("\x1f".join(_fold(p) for p in parts).encode()).hexdigest()


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD, or DD/MM/YYYY as English spreadsheets export it."""
    text = text.strip()
    if not text.isascii():
        raise ValueError("not written in ASCII digits")  # strptime takes full-width digits
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _date_field(row: Mapping[str, str], name: str, *, required: bool) -> date | None:
    text = row.get(name, "").strip()
    if not text:
        if required:
            raise InvalidNotification(name, "is required but empty")
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise InvalidNotification(
            name, "is not a real date written YYYY-MM-DD or DD/MM/YYYY"
        ) from None


def parse_notification(row: Mapping[str, str], *, today: date) -> Notification:
    """Check one row of a notification file; raise InvalidNotification naming the field."""
    values: dict[str, str] = {}
    for name in NOTIFICATION_COLUMNS:
        raw = row.get(name) or ""
        pattern = _CONTROL if name in MULTILINE_FIELDS else _CONTROL_ONE_LINE
        if pattern.search(raw):
            raise InvalidNotification(name, "contains control characters")
        limit = MAX_NAME_LENGTH if name in NAME_FIELDS else MAX_FIELD_LENGTH
        if len(raw.strip()) > limit:  # spreadsheets pad cells; the padding is not the name
            raise InvalidNotification(name, f"is longer than {limit} characters")
        values[name] = raw.strip()
    for name in REQUIRED_VALUES:
        if not values[name]:
            raise InvalidNotification(name, "is required but empty")
    if not any(values[name] for name in IDENTIFIERS):
        raise InvalidNotification("child", NOTHING_IDENTIFIES)
    date_of_birth = _date_field(values, "date_of_birth", required=False)
    referral_date = _date_field(values, "referral_date", required=True)
    last_attended = _date_field(values, "date_last_attended", required=False)
    assert referral_date is not None
    if date_of_birth is not None and date_of_birth > today:
        raise InvalidNotification("date_of_birth", "is in the future")
    if referral_date > today:
        raise InvalidNotification("referral_date", "is in the future")
    if date_of_birth is not None and date_of_birth >= referral_date:
        raise InvalidNotification("date_of_birth", "is not before the referral date")
    if last_attended is not None and last_attended > referral_date:
        raise InvalidNotification("date_last_attended", "is after the referral date")
    sex = _SEX.get(values["sex"].casefold())
    if sex is None:
        raise InvalidNotification("sex", "must be M, F, U or blank")
    upn = values["upn"].upper().replace(" ", "")
    if upn and not _UPN.match(upn):
        raise InvalidNotification("upn", "is not a 13-character unique pupil number")
    # Spreadsheets pad and double-space postcodes; the inward code is always the last three.
    postcode = "".join(values["postcode"].upper().split())
    match = _POSTCODE.match(postcode)
    if postcode and not match:
        raise InvalidNotification("postcode", "is not a UK postcode")
    if match:
        postcode = f"{match.group(1)} {match.group(2)}"
    for name in ("parent_email", "referrer_email"):
        if values[name] and (problem := email_problem(values[name])):
            raise InvalidNotification(name, problem)
    if values["school_urn"] and not _URN.match(values["school_urn"]):
        raise InvalidNotification("school_urn", "is not a school URN (6 or 7 digits)")
    # Read through the risk vocabulary: aliases become codes, unknown flags are kept folded.
    vulnerabilities = read_risks(split_flags(values["vulnerabilities"])).stored
    # Lower-casing can lengthen text ("İ" is two characters lowered): measure what is kept.
    if len(";".join(vulnerabilities)) > MAX_FIELD_LENGTH:
        raise InvalidNotification(
            "vulnerabilities", f"is longer than {MAX_FIELD_LENGTH} characters"
        )
    extra = {k: v for k, v in row.items() if k not in NOTIFICATION_COLUMNS and k and v}
    for key, value in extra.items():
        if _CONTROL.search(value) or len(value) > MAX_FIELD_LENGTH:
            raise InvalidNotification(key, "contains control characters or is too long")
    return Notification(
        forename=values["forename"],
        surname=values["surname"],
        date_of_birth=date_of_birth,
        referral_date=referral_date,
        referrer_organisation=values["referrer_organisation"],
        sex=sex,
        upn=upn,
        address_line1=values["address_line1"],
        address_line2=values["address_line2"],
        town=values["town"],
        postcode=postcode,
        parent_name=values["parent_name"],
        parent_phone=values["parent_phone"],
        parent_email=values["parent_email"],
        school_urn=values["school_urn"],
        school_name=values["school_name"],
        date_last_attended=last_attended,
        reason=values["reason"],
        vulnerabilities=vulnerabilities,
        referrer_name=values["referrer_name"],
        referrer_email=values["referrer_email"],
        notes=values["notes"],
        extra=extra,
    )
