"""The outbox against a real SMTP server on loopback: exactly once, retries, print batches.

aiosmtpd listens on 127.0.0.1 on a free port; the settings point at it through
CME_MAIL_SMTP_HOST and CME_MAIL_SMTP_PORT, as a council's configuration would.
"""

from __future__ import annotations

import csv
import hashlib
import socket
import stat
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from sqlalchemy import text

from missing_education.delivery import SmtpTransport
from missing_education.domain import NOTIFICATION_COLUMNS, case_reference
from missing_education.domain.letter import Channel, Delivery, LetterRecord
from missing_education.persistence import SqlUnitOfWork
from missing_education.persistence.database import ensure_schema
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from missing_education.services.outbox import (
    confirm_print_batch,
    make_print_batch,
    message_id,
    send_queued,
)
from missing_education.services.receiving import receive_file
from missing_education.settings import Settings, load_settings
from synthetic.council import synthetic_notifications, synthetic_schools, write_csv

DAY = date(2026, 11, 16)
NINE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class Mailbox:
    """An SMTP handler that keeps every message; it can turn messages or recipients away."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.accept_at_most: int | None = None  # then 421, as a server going down answers
        self.refused: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.accept_at_most is not None and len(self.messages) >= self.accept_at_most:
            return "421 4.3.2 service shutting down"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 2.0.0 accepted"

    def ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    """A loopback SMTP server that can be stopped (an outage) and started again."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    monkeypatch.setenv("CME_MAIL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CME_MAIL_SMTP_PORT", str(server.port))
    yield server
    server.stop()


class Outbox:
    """A council with a few cases' letters queued, and the outbox commands over them."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.settings: Settings = load_settings()
        import_schools(self.uow(), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS))
        rows = synthetic_notifications(5, seed=11, referral_date=DAY)
        self.children = [(r["forename"], r["surname"]) for r in rows]
        path = write_csv(folder / "notifications.csv", rows, NOTIFICATION_COLUMNS)
        receive_file(self.uow(), path, settings=self.settings, today=DAY)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.url)

    def send(self, at: datetime, *, resend_uncertain: bool = False) -> Any:
        return send_queued(
            self.uow(),
            SmtpTransport(self.settings.mail, timeout=5),
            settings=self.settings,
            at=at,
            resend_uncertain=resend_uncertain,
        )

    def letters(self, channel: Channel | None = None) -> list[LetterRecord]:
        with self.uow() as uow:
            found = uow.letters.outbox()
        return [x for x in found if channel is None or x.channel is channel]

    def emails(self) -> list[LetterRecord]:
        return self.letters(Channel.EMAIL)


@pytest.fixture
def outbox(mail_server: MailServer, database_url: str, tmp_path: Path) -> Outbox:
    made = Outbox(database_url, tmp_path)
    assert len(made.emails()) >= 5
    assert len(made.letters(Channel.POST)) >= 3
    return made


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return cast(str, part.get_content())


def test_queued_emails_are_sent_once_each_with_the_letter_attached_and_no_child_named(
    outbox: Outbox, mail_server: MailServer
) -> None:
    emails = outbox.emails()

    report = outbox.send(NINE)

    assert (report.sent, report.retrying, report.failed, report.uncertain) == (
        len(emails),
        0,
        0,
        [],
    )
    received = {str(m["Message-ID"]): m for m in mail_server.mailbox.messages}
    assert len(received) == len(mail_server.mailbox.messages) == len(emails)
    names = {part for child in outbox.children for part in child}
    for letter in emails:
        message = received[message_id(letter, outbox.settings)]
        reference = case_reference(letter.case_id)
        assert str(message["To"]) == letter.recipient_email
        assert str(message["Subject"]).startswith(f"{reference}: ")
        body = text_body(message)
        assert reference in body
        for name in names:
            assert name not in str(message["Subject"]) and name not in body
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"{reference}-{letter.letter_type}.pdf"
        assert hashlib.sha256(attachment.get_content()).hexdigest() == letter.sha256
    for letter in outbox.emails():
        assert (letter.status, letter.attempts) == (Delivery.SENT, 1)
        assert letter.message_id == message_id(letter, outbox.settings)
        assert letter.sent_at is not None
    # Families' letters go by post, never by email.
    assert all(x.status is Delivery.QUEUED for x in outbox.letters(Channel.POST))


def test_sending_again_sends_nothing(outbox: Outbox, mail_server: MailServer) -> None:
    outbox.send(NINE)
    count = len(mail_server.mailbox.messages)

    again = outbox.send(NINE + timedelta(hours=1))

    assert (again.sent, again.retrying, again.failed, again.waiting) == (0, 0, 0, 0)
    assert len(mail_server.mailbox.messages) == count


def test_a_server_that_stops_mid_batch_leaves_the_rest_queued_and_they_go_once_when_it_is_back(
    outbox: Outbox, mail_server: MailServer
) -> None:
    emails = outbox.emails()
    mail_server.mailbox.accept_at_most = 3

    first = outbox.send(NINE)

    assert (first.sent, first.retrying, first.failed) == (3, len(emails) - 3, 0)
    waiting = [x for x in outbox.emails() if x.status is Delivery.QUEUED]
    assert len(waiting) == len(emails) - 3
    for letter in waiting:
        assert letter.attempts == 1
        assert letter.next_attempt_at == NINE + timedelta(seconds=60)
        assert "421" in letter.last_error

    # Before the back-off has passed nothing is tried, even with the server back.
    mail_server.mailbox.accept_at_most = None
    early = outbox.send(NINE + timedelta(seconds=30))
    assert (early.sent, early.waiting) == (0, len(waiting))

    later = outbox.send(NINE + timedelta(seconds=61))

    assert later.sent == len(waiting)
    ids = mail_server.mailbox.ids()
    assert len(ids) == len(emails) and max(ids.values()) == 1, "a letter was sent twice"
    assert set(ids) == {message_id(x, outbox.settings) for x in emails}
    assert all(x.status is Delivery.SENT for x in outbox.emails())
    assert {x.attempts for x in outbox.emails() if x.id in {w.id for w in waiting}} == {2}


def test_while_the_server_is_down_letters_back_off_and_nothing_is_lost(
    outbox: Outbox, mail_server: MailServer
) -> None:
    emails = outbox.emails()
    mail_server.stop()

    first = outbox.send(NINE)
    second = outbox.send(NINE + timedelta(seconds=60))

    assert (first.sent, first.retrying) == (0, len(emails))
    assert (second.sent, second.retrying) == (0, len(emails))
    for letter in outbox.emails():
        assert (letter.status, letter.attempts) == (Delivery.QUEUED, 2)
        # Back-off doubles: 60 seconds after the first failure, 120 after the second.
        assert letter.next_attempt_at == NINE + timedelta(seconds=60 + 120)
        assert "unreachable" in letter.last_error

    mail_server.start()
    assert outbox.send(NINE + timedelta(seconds=179)).sent == 0
    back = outbox.send(NINE + timedelta(seconds=180))

    assert back.sent == len(emails)
    ids = mail_server.mailbox.ids()
    assert sorted(ids) == sorted(message_id(x, outbox.settings) for x in emails)
    assert max(ids.values()) == 1
    assert outbox.send(NINE + timedelta(hours=1)).sent == 0


def test_a_permanent_refusal_marks_the_letter_failed_and_the_others_go(
    outbox: Outbox, mail_server: MailServer
) -> None:
    refused = outbox.emails()[0]
    mail_server.mailbox.refused.add(refused.recipient_email)
    same_address = [x for x in outbox.emails() if x.recipient_email == refused.recipient_email]

    report = outbox.send(NINE)

    assert report.failed == len(same_address)
    assert report.sent == len(outbox.emails()) - len(same_address)
    failed = [x for x in outbox.emails() if x.status is Delivery.FAILED]
    assert {x.id for x in failed} == {x.id for x in same_address}
    assert all(x.next_attempt_at is None and x.attempts == 1 for x in failed)
    assert outbox.send(NINE + timedelta(days=1)).sent == 0


def test_a_letter_left_sending_by_a_crash_is_reported_uncertain_and_resent_only_when_asked(
    outbox: Outbox, mail_server: MailServer
) -> None:
    crashed = outbox.emails()[0]
    with outbox.uow() as uow:
        assert uow.letters.claim(crashed.id, Delivery.QUEUED, Delivery.SENDING)
        uow.commit()

    report = outbox.send(NINE)
    again = outbox.send(NINE + timedelta(minutes=5))

    assert report.uncertain == again.uncertain == [crashed.id]
    assert message_id(crashed, outbox.settings) not in mail_server.mailbox.ids()
    with outbox.uow() as uow:
        assert uow.letters.get(crashed.id).status is Delivery.SENDING

    resent = outbox.send(NINE + timedelta(minutes=10), resend_uncertain=True)

    assert (resent.sent, resent.uncertain) == (1, [])
    # The same Message-ID as the first attempt, so a server that got it can drop the copy.
    assert mail_server.mailbox.ids()[message_id(crashed, outbox.settings)] == 1
    with outbox.uow() as uow:
        assert uow.letters.get(crashed.id).status is Delivery.SENT


def test_a_print_batch_gathers_the_post_into_one_pdf_and_a_manifest(
    outbox: Outbox, tmp_path: Path
) -> None:
    post = outbox.letters(Channel.POST)

    batch = make_print_batch(outbox.uow(), settings=outbox.settings, today=DAY)

    assert batch is not None
    assert (batch.letters, batch.pages) == (len(post), sum(x.pages for x in post))
    assert len(PdfReader(batch.pdf_path).pages) == batch.pages
    with open(batch.manifest_path, newline="", encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle))
    assert [(r["case_reference"], r["letter_type"], int(r["pages"])) for r in manifest] == [
        (case_reference(x.case_id), x.letter_type, x.pages) for x in post
    ]
    for path in (batch.pdf_path, batch.manifest_path):
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
    assert all(x.print_batch_id == batch.id for x in outbox.letters(Channel.POST))
    assert make_print_batch(outbox.uow(), settings=outbox.settings, today=DAY) is None

    moved = confirm_print_batch(outbox.uow(), batch.id)

    assert moved == len(post)
    assert all(x.status is Delivery.POSTED for x in outbox.letters(Channel.POST))
    assert all(x.sent_at is not None for x in outbox.letters(Channel.POST))
    assert confirm_print_batch(outbox.uow(), batch.id) == 0
    assert make_print_batch(outbox.uow(), settings=outbox.settings, today=DAY) is None


@pytest.mark.parametrize(
    "address",
    ["office@school.example\r\nBcc: everyone@elsewhere.example", "a@x.example, b@y.example"],
)
def test_a_letter_to_an_address_that_is_not_one_valid_address_fails_and_the_rest_go(
    outbox: Outbox, mail_server: MailServer, address: str
) -> None:
    # An address stored before addresses were validated as they entered.
    bad = outbox.emails()[0]
    with outbox.uow() as uow:
        uow.letters.set_delivery(bad.id, recipient_email=address)
        uow.commit()

    report = outbox.send(NINE)

    assert report.failed == 1
    assert report.sent == len(outbox.emails()) - 1
    failed = next(x for x in outbox.emails() if x.id == bad.id)
    assert failed.status is Delivery.FAILED
    assert "must be one email address" in failed.last_error
    recipients = [str(m["To"]) for m in mail_server.mailbox.messages]
    assert not any("elsewhere" in r or "b@y.example" in r for r in recipients)
    assert outbox.send(NINE + timedelta(days=1)).sent == 0


def untypeset(outbox: Outbox, letter: LetterRecord) -> None:
    """Put a letter back in the renderer's queue with a context it cannot typeset."""
    with ensure_schema(outbox.url).begin() as connection:
        connection.execute(
            text("DELETE FROM letter_documents WHERE letter_id = :id"), {"id": letter.id}
        )
        connection.execute(
            text("UPDATE letters SET sha256 = '', pages = 0, context = '{}' WHERE id = :id"),
            {"id": letter.id},
        )


def test_no_letter_is_sent_or_printed_before_it_is_typeset_and_the_others_go(
    outbox: Outbox, mail_server: MailServer
) -> None:
    email, *other_emails = outbox.emails()
    post, *other_post = outbox.letters(Channel.POST)
    untypeset(outbox, email)
    untypeset(outbox, post)

    report = outbox.send(NINE)
    batch = make_print_batch(outbox.uow(), settings=outbox.settings, today=DAY)

    assert (report.sent, report.untypeset, report.failed) == (len(other_emails), 1, 0)
    sent = {str(m["Message-ID"]) for m in mail_server.mailbox.messages}
    assert message_id(email, outbox.settings) not in sent
    assert batch is not None and batch.letters == len(other_post)
    by_id = {x.id: x for x in outbox.letters()}
    assert (by_id[email.id].status, by_id[post.id].print_batch_id) == (Delivery.QUEUED, None)
    with outbox.uow() as uow:
        flagged = {a.case_id for a in uow.attention.all()}
    assert {email.case_id, post.case_id} <= flagged  # a person is asked to look at each
