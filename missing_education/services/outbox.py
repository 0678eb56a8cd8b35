"""The outbox: emails sent exactly once, with retry and back-off; post goes in print batches.

A letter leaves only once it is typeset: each run first typesets whatever is still queued for
it (services.typesetting), and a letter that could not be typeset waits, counted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from missing_education.clock import LONDON, moment, now
from missing_education.clock import today as clock_today
from missing_education.delivery import DeliveryError, Email, Transport
from missing_education.domain import case_reference
from missing_education.domain.csv_safety import neutralise_formula
from missing_education.domain.email_address import email_problem
from missing_education.domain.letter import Channel, Delivery, LetterRecord, PrintBatch
from missing_education.letters import merge_pdfs
from missing_education.ports import UnitOfWork, WriteConflict
from missing_education.private_files import make_private_dir, write_private
from missing_education.rules.service import deemed_served
from missing_education.services.letters import letter_summary
from missing_education.services.procedure import Procedure
from missing_education.services.procedure.attendance_order import notice_served
from missing_education.services.stale_post import StalePost, review_waiting_post
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Settings, load_settings

# Two print-batch runs at once: the one that loses looks again this many times at most.
CONFLICT_ATTEMPTS = 3
SUBJECTS = {
    "acknowledgement": "Notification received",
    "school_enquiry": "Enquiry about a child missing education",
    "school_enquiry_reminder": "Reminder: enquiry about a child missing education",
    "other_la_enquiry": "Enquiry about a child who may have moved to your area",
    "social_care_referral": "Referral: child missing education",
    "police_notification": "Notification: child missing education, whereabouts unknown",
    "manager_escalation": "Escalation: overdue step on a CME case",
    "admissions_referral": "Referral for an in-year school place",
    "fair_access_referral": "Referral to the Fair Access panel",
    "closure_school": "Case closed: joint enquiries complete",
    "closure_referrer": "Case closed",
    "attendance_order_school": "School attendance order naming your school",
    "prosecution_referral": "Referral: school attendance order not complied with",
}


@dataclass
class SendReport:
    """What one run of the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    uncertain: list[int] = field(default_factory=list)
    waiting: int = 0
    untypeset: int = 0  # could not be typeset yet: their cases are flagged, they wait

    def as_dict(self) -> dict[str, Any]:
        """For --json."""
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "uncertain": self.uncertain,
            "waiting": self.waiting,
            "untypeset": self.untypeset,
        }


def message_id(letter: LetterRecord, settings: Settings) -> str:
    """The same Message-ID for every attempt at the same letter."""
    domain = settings.mail.sender.rpartition("@")[2] or "cme.invalid"
    return f"<letter-{letter.id}-{letter.sha256[:16]}@{domain}>"


def _email(letter: LetterRecord, pdf: bytes | None, settings: Settings) -> Email:
    """The message for a letter, or ValueError/OSError saying why it cannot be sent."""
    if problem := email_problem(letter.recipient_email):
        raise ValueError(f"the recipient's address {problem}")
    if pdf is None:
        raise ValueError("the letter's PDF is missing from the letter store")
    reference = case_reference(letter.case_id)
    subject = SUBJECTS.get(letter.letter_type, "Children Missing Education")
    return Email(
        to=letter.recipient_email,
        # Subjects and bodies carry the case reference only: the child's details are in the PDF.
        subject=f"{reference}: {subject}",
        body=(
            f"Please find attached a letter from the {settings.council.service_name}, "
            f"{settings.council.council_name}, about case {reference}.\n\n"
            f"Reply to {settings.council.email} or call {settings.council.phone}, quoting "
            f"{reference}.\n"
        ),
        attachment_name=f"{reference}-{letter.letter_type}.pdf",
        attachment=pdf,
        message_id=message_id(letter, settings),
    )


def send_queued(
    uow: UnitOfWork,
    transport: Transport,
    *,
    settings: Settings,
    resend_uncertain: bool = False,
    at: datetime | None = None,
) -> SendReport:
    """Send every email letter that is due; each claim and each result is its own commit.

    A letter is marked `sending` (committed) before the mail server is called and `sent`
    straight after, so a retry or a second sender never sends it twice. A letter left in
    `sending` by a crash is reported as uncertain and only re-sent (with the same
    Message-ID) when asked.
    """
    report = SendReport()
    started = at or now()
    typeset_letters(uow, settings=settings, today=started.date())  # nothing leaves untypeset
    with uow:
        candidates = uow.letters.outbox((Delivery.QUEUED, Delivery.SENDING), channel=Channel.EMAIL)
        for letter in candidates:
            if not letter.is_typeset:
                report.untypeset += 1  # its case is flagged; it goes once it typesets
                continue
            if letter.status is Delivery.SENDING:
                if not resend_uncertain:
                    report.uncertain.append(letter.id)
                    continue
                claimed = True
            else:
                if letter.next_attempt_at is not None and letter.next_attempt_at > started:
                    report.waiting += 1
                    continue
                claimed = uow.letters.claim(letter.id, Delivery.QUEUED, Delivery.SENDING)
                uow.commit()
            if not claimed:
                continue  # another sender took it
            try:
                email = _email(letter, uow.documents.read(letter.id), settings)
            except (OSError, ValueError) as error:
                # This letter cannot be sent as it stands: marked failed, the rest go on.
                uow.letters.set_delivery(
                    letter.id,
                    status=Delivery.FAILED,
                    attempts=letter.attempts + 1,
                    last_error=str(error)[:500],
                    next_attempt_at=None,
                )
                uow.commit()
                report.failed += 1
                continue
            try:
                transport.send(email)
            except DeliveryError as error:
                attempts = letter.attempts + 1
                give_up = error.permanent or attempts >= settings.mail.max_attempts
                delay = timedelta(seconds=settings.mail.retry_base_seconds * 2 ** (attempts - 1))
                uow.letters.set_delivery(
                    letter.id,
                    status=Delivery.FAILED if give_up else Delivery.QUEUED,
                    attempts=attempts,
                    last_error=str(error)[:500],
                    next_attempt_at=None if give_up else started + delay,
                )
                uow.commit()
                if give_up:
                    report.failed += 1
                else:
                    report.retrying += 1
                continue
            sent_at = now()
            uow.letters.set_delivery(
                letter.id,
                status=Delivery.SENT,
                attempts=letter.attempts + 1,
                sent_at=sent_at,
                last_error="",
                message_id=message_id(letter, settings),
                # An email is served the day it is sent.
                served_on=sent_at.astimezone(LONDON).date(),
            )
            uow.commit()
            report.sent += 1
    return report


@dataclass
class PostReport:
    """A print batch (None: nothing to post) and what the check of stale post did first."""

    batch: PrintBatch | None
    stale: StalePost


def make_up_post(uow: UnitOfWork, *, settings: Settings, today: date) -> PostReport:
    """Remake or withdraw stale post, then gather what is left into one print batch."""
    stale = review_waiting_post(uow, settings=settings, today=today)
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return PostReport(_make_print_batch(uow, settings=settings, today=today), stale)
        except WriteConflict:
            if attempt == CONFLICT_ATTEMPTS:
                raise
    return PostReport(None, stale)  # pragma: no cover - the loop returns or raises


def make_print_batch(uow: UnitOfWork, *, settings: Settings, today: date) -> PrintBatch | None:
    """Gather every queued postal letter not yet batched into one PDF and a manifest CSV.

    Stale post is remade or withdrawn first (see stale_post), so no letter in the batch asks
    for a date that will have passed, or come too soon, by the time it is delivered. The
    letters are claimed for the batch before its files are written: two print-batch runs at
    once never put one letter in two batches (the second finds nothing left, or a WriteConflict
    makes it look again).
    """
    return make_up_post(uow, settings=settings, today=today).batch


def _make_print_batch(uow: UnitOfWork, *, settings: Settings, today: date) -> PrintBatch | None:
    typeset_letters(uow, settings=settings, today=today)  # nothing is printed untypeset
    with uow:
        pending = [
            letter
            for letter in uow.letters.outbox(
                (Delivery.QUEUED,), channel=Channel.POST, unbatched=True
            )
            if letter.is_typeset
        ]
        if not pending:
            return None
        folder = make_private_dir(settings.home / "print" / today.isoformat())
        stamp = moment(today).strftime("%H%M%S%f")
        pdf_path = folder / f"print-batch-{stamp}.pdf"
        manifest_path = folder / f"print-batch-{stamp}-manifest.csv"
        batch = uow.letters.add_print_batch(
            {
                "created_on": today,
                "created_at": moment(today),
                "pdf_path": str(pdf_path),
                "manifest_path": str(manifest_path),
                "letters": len(pending),
                "pages": sum(letter.pages for letter in pending),
            },
            [letter.id for letter in pending],
        )
        pdfs = [uow.documents.read(letter.id) for letter in pending]
        if any(pdf is None for pdf in pdfs):
            raise ValueError("a letter's PDF is missing from the letter store")
        write_private(pdf_path, merge_pdfs([pdf for pdf in pdfs if pdf is not None]))
        manifest = io.StringIO()
        writer = csv.writer(manifest)
        writer.writerow(["sequence", "case_reference", "letter_type", "pages", "letter_id"])
        for sequence, letter in enumerate(pending, start=1):
            writer.writerow(
                neutralise_formula(cell)
                for cell in (
                    sequence,
                    case_reference(letter.case_id),
                    letter.letter_type,
                    letter.pages,
                    letter.id,
                )
            )
        write_private(manifest_path, manifest.getvalue().encode("utf-8"))
        uow.commit()
        return batch


def confirm_print_batch(
    uow: UnitOfWork,
    batch_id: int,
    *,
    settings: Settings | None = None,
    posted_on: date | None = None,
) -> int:
    """The print room confirms a batch went in the post: its letters are marked posted.

    Each letter is deemed served on the second business day after `posted_on` (default today),
    and a notice whose period the Act counts from service starts that period then.
    """
    settings = settings or load_settings()
    posted = posted_on or clock_today()
    served = deemed_served(posted, settings.timescales.post_deemed_service_days)
    with uow:
        uow.letters.print_batch(batch_id)
        # The batch's letters still waiting for the post (a second confirmation finds none).
        batched = [
            letter.id for letter in uow.letters.outbox((Delivery.QUEUED,), print_batch_id=batch_id)
        ]
        moved = uow.letters.confirm_print_batch(batch_id, now())
        procedure = Procedure(uow, settings, posted)
        for letter_id in batched:
            uow.letters.set_delivery(letter_id, served_on=served)
            notice_served(procedure, uow.letters.get(letter_id), served)
        uow.commit()
        return moved


def outbox_view(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every letter not yet delivered, and those delivered, as the outbox command shows them."""
    with uow:
        return [
            {
                **letter_summary(letter),
                "reference": case_reference(letter.case_id),
                "attempts": letter.attempts,
                "last_error": letter.last_error,
                "print_batch": letter.print_batch_id,
            }
            for letter in uow.letters.outbox()
        ]
