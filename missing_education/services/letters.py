"""Issuing letters: record each once per step, queued for typesetting and then delivery.

A step records the letter (type, recipient, context, template version) in its own transaction
and typesets nothing: the renderer (services.typesetting) makes the PDF later, in batches on
every core, keeps it in the case database and records its hash. No letter is sent, printed or
shown before it is typeset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from missing_education.clock import moment
from missing_education.domain import Case
from missing_education.domain.letter import (
    Channel,
    Delivery,
    LetterRecord,
    Recipient,
    encode_details,
)
from missing_education.letters import Letterhead, check_context, template_version
from missing_education.letters.context_json import dumps_context
from missing_education.ports import UnitOfWork
from missing_education.rules.school_age import year_group
from missing_education.settings import Settings


@dataclass(frozen=True)
class LetterRequest:
    """A letter a step wants: re-asking with the same step key returns the letter already made."""

    case: Case
    letter_type: str
    step_key: str
    recipient: Recipient
    details: Mapping[str, Any] = field(default_factory=dict)
    replaces: LetterRecord | None = None


def letterhead(settings: Settings) -> Letterhead:
    """The council's letterhead from the settings."""
    council = settings.council
    return Letterhead(
        council_name=council.council_name,
        service_name=council.service_name,
        address_lines=council.address_lines,
        phone=council.phone,
        email=council.email,
        signatory_name=council.signatory_name,
        signatory_role=council.signatory_role,
        logo_path=Path(council.logo_path) if council.logo_path else None,
        privacy_notice_url=settings.contacts.privacy_notice_url or None,
    )


def letter_context(request: LetterRequest, settings: Settings, today: date) -> dict[str, Any]:
    """The context every template gets: case, recipient, child, officer, plus the step's own."""
    case, recipient = request.case, request.recipient
    # A letter states what the record shows: a name the notification did not give is said so.
    child: dict[str, Any] = {
        "forename": case.child.forename or "(forename not given)",
        "surname": case.child.surname or "(surname not given)",
    }
    if case.child.date_of_birth is not None:  # not known: the letter says so (base.typ.j2)
        child["date_of_birth"] = case.child.date_of_birth
        child["year_group"] = year_group(case.child.date_of_birth, today)
    if case.child.upn and recipient.role != "parent":
        # The UPN is for schools and councils; it is not shown to families (DfE guidance).
        child["upn"] = case.child.upn
    recipient_context: dict[str, Any] = {
        "name": recipient.name,
        "address_lines": list(recipient.address_lines),
    }
    if recipient.organisation:
        recipient_context["organisation"] = recipient.organisation
    if recipient.name.startswith("The "):
        # "Dear Headteacher," not "Dear The Headteacher,".
        recipient_context["salutation"] = recipient.name.removeprefix("The ")
    context: dict[str, Any] = {
        "case_reference": case.reference,
        "letter_date": today,
        "recipient": recipient_context,
        "child": child,
        "officer": {
            "name": settings.council.signatory_name,
            "phone": settings.council.phone,
            "email": settings.council.email,
        },
        **request.details,
    }
    if request.replaces is not None and request.replaces.status in (Delivery.SENT, Delivery.POSTED):
        # Only a letter that went out is "replaced"; one withdrawn from the post never arrived.
        context["replaces"] = f"{case.reference}/{request.replaces.id}"
    return context


def issue_letters(
    uow: UnitOfWork, requests: Sequence[LetterRequest], *, settings: Settings, today: date
) -> list[LetterRecord]:
    """Record and queue the letters not made before; return every requested letter.

    Runs inside the caller's transaction. A letter already made for a step is returned as it
    is, never recorded again, so re-running a step after a crash sends nothing twice. The
    context is checked now (a missing key fails the step), typeset later.
    """
    results: dict[int, LetterRecord] = {}
    for index, request in enumerate(requests):
        found = uow.letters.find(request.case.id, request.step_key)
        if found is not None:
            results[index] = found
            continue
        context = letter_context(request, settings, today)
        check_context(request.letter_type, context)
        results[index] = uow.letters.add(
            {
                "case_id": request.case.id,
                "step_key": request.step_key,
                "letter_type": request.letter_type,
                "recipient_role": request.recipient.role,
                "recipient": request.recipient.organisation or request.recipient.name,
                "recipient_email": request.recipient.email,
                "channel": request.recipient.channel.value,
                "template_version": template_version(request.letter_type),
                "sha256": "",  # typeset later: services.typesetting records it
                "pages": 0,
                "path": "",
                "context": dumps_context(context),
                "created_at": moment(today),
                "replaces_letter_id": request.replaces.id if request.replaces else None,
                "status": Delivery.QUEUED.value,
                "reply_by": _reply_by(request.details),
                # Post waits for a print batch: kept so it can be remade with new dates.
                "details": encode_details(
                    {
                        "details": request.details,
                        "recipient": asdict(request.recipient),
                        "letter_date": today,
                    }
                )
                if request.recipient.channel is Channel.POST
                else "{}",
            }
        )
    return [results[i] for i in range(len(requests))]


def _reply_by(details: Mapping[str, Any]) -> date | None:
    # `deadline` is the date every letter type asks for (docs/letters.md), when it has one.
    found = details.get("deadline")
    return found if isinstance(found, date) else None


def issue_letter(
    uow: UnitOfWork, request: LetterRequest, *, settings: Settings, today: date
) -> LetterRecord:
    """Issue one letter (see issue_letters)."""
    return issue_letters(uow, [request], settings=settings, today=today)[0]


def letter_summary(letter: LetterRecord) -> dict[str, Any]:
    """A letter as `cme case show` lists it."""
    return {
        "id": letter.id,
        "type": letter.letter_type,
        "recipient": letter.recipient,
        "recipient_role": letter.recipient_role,
        "channel": letter.channel.value,
        "status": letter.status.value,
        "sha256": letter.sha256 or None,  # None: recorded, waiting to be typeset
        "typeset": letter.is_typeset,
        "template_version": letter.template_version,
        "pages": letter.pages,
        "created_at": letter.created_at.isoformat(timespec="seconds"),
        "sent_at": letter.sent_at.isoformat(timespec="seconds") if letter.sent_at else None,
        "replaces": letter.replaces_letter_id,
        "reply_by": letter.reply_by.isoformat() if letter.reply_by else None,
        "served_on": letter.served_on.isoformat() if letter.served_on else None,
    }


def email_recipient(role: str, name: str, email: str, organisation: str = "") -> Recipient:
    """A recipient reached by email (schools, councils, agencies)."""
    return Recipient(
        role=role, name=name, channel=Channel.EMAIL, email=email, organisation=organisation
    )
