"""A letter kept as evidence: what was sent, to whom, how, and the hash of the exact document."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class LetterType(StrEnum):
    """Every letter the procedure writes, in procedure order (docs/domain.md, Letters).

    Each has a template `templates/letters/<value>.typ.j2`; a StrEnum, so a member is also
    the plain string stored on the letter record.
    """

    ACKNOWLEDGEMENT = "acknowledgement"
    SCHOOL_ENQUIRY = "school_enquiry"
    SCHOOL_ENQUIRY_REMINDER = "school_enquiry_reminder"
    PARENT_CONTACT = "parent_contact"
    CALLING_CARD = "calling_card"
    OTHER_LA_ENQUIRY = "other_la_enquiry"
    SOCIAL_CARE_REFERRAL = "social_care_referral"
    POLICE_NOTIFICATION = "police_notification"
    MANAGER_ESCALATION = "manager_escalation"
    SCHOOL_ESCALATION = "school_escalation"
    ADMISSIONS_REFERRAL = "admissions_referral"
    FAIR_ACCESS_REFERRAL = "fair_access_referral"
    S437_NOTICE = "s437_notice"
    S438_NOTICE = "s438_notice"
    SCHOOL_ATTENDANCE_ORDER = "school_attendance_order"
    ATTENDANCE_ORDER_SCHOOL = "attendance_order_school"
    PROSECUTION_REFERRAL = "prosecution_referral"
    CLOSURE_PARENT = "closure_parent"
    CLOSURE_SCHOOL = "closure_school"
    CLOSURE_REFERRER = "closure_referrer"


class Channel(StrEnum):
    """How a letter travels: email to schools, councils and agencies; post to families."""

    EMAIL = "email"
    POST = "post"


class Delivery(StrEnum):
    """Where a letter is in the outbox."""

    QUEUED = "queued"
    SENDING = "sending"  # handed to the mail server; outcome not yet recorded
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; needs a person
    POSTED = "posted"
    CANCELLED = "cancelled"  # taken out of the post by a coordinator before it was printed
    # Not printed: its reply-by date had passed when the post was made up (replaced by a new
    # letter with new dates, or withdrawn with the reason in last_error).
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Recipient:
    """Who a letter is for; email recipients need an address, postal ones address lines."""

    role: str  # referrer, school, parent, social_care, police, manager, admissions, ...
    name: str
    channel: Channel
    email: str = ""
    organisation: str = ""
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterRecord:
    """A rendered letter as recorded on its case."""

    id: int
    case_id: int
    step_key: str
    letter_type: str
    recipient_role: str
    recipient: str
    recipient_email: str
    channel: Channel
    template_version: str
    sha256: str
    pages: int
    path: str
    created_at: datetime
    status: Delivery
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    message_id: str = ""
    replaces_letter_id: int | None = None
    print_batch_id: int | None = None
    typeset_at: datetime | None = None

    @property
    def is_typeset(self) -> bool:
        """Whether the PDF is made: a letter is recorded first and typeset in a later batch."""
        return bool(self.sha256)

    # The date the letter asks for (its reply-by or deadline), when it states one.
    reply_by: date | None = None
    # When it was served: posted letters on the deemed day of delivery, emails when sent.
    served_on: date | None = None
    # The step's own facts the letter was made from (JSON, see encode_details), so a letter
    # that waited too long for the post can be made again with new dates.
    details: str = "{}"


@dataclass(frozen=True)
class PrintBatch:
    """One day's post: a single PDF for the print room and a manifest CSV."""

    id: int
    created_on: date
    pdf_path: str
    manifest_path: str
    letters: int
    pages: int
    confirmed: bool


def encode_details(details: Mapping[str, Any]) -> str:
    """A letter's details as JSON that keeps dates and times as they were."""

    return json.dumps(_tag_dates(details), sort_keys=True)


def _tag_dates(value: Any) -> Any:
    # Tagged before json.dumps sees them: a date would otherwise fail, a tuple come back a list.
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): _tag_dates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tag_dates(v) for v in value]
    return value


def decode_details(text: str) -> dict[str, Any]:
    """The details encode_details wrote, with their dates and times back."""

    def hook(value: dict[str, Any]) -> Any:
        if set(value) == {"$date"}:
            return date.fromisoformat(value["$date"])
        if set(value) == {"$datetime"}:
            return datetime.fromisoformat(value["$datetime"])
        return value

    found = json.loads(text or "{}", object_hook=hook)
    return found if isinstance(found, dict) else {}
