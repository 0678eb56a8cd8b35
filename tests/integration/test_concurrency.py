"""Two processes at once on the local PostgreSQL: intakes, sweeps, senders and print runs race
for real (threads, each with its own connection, released together by a barrier) and nothing is
made twice: unique indexes and row locks decide, never timing.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from missing_education.delivery import SmtpTransport
from missing_education.domain import NOTIFICATION_COLUMNS, Status, parse_notification
from missing_education.domain.letter import Channel
from missing_education.persistence import SqlUnitOfWork
from missing_education.rules.school_age import is_of_compulsory_school_age
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from missing_education.services.intake import (
    IntakeReport,
    ingest_file,
    ingest_rows,
    open_notification_file,
    triage_cases,
)
from missing_education.services.outbox import make_print_batch, message_id, send_queued
from missing_education.services.receiving import receive_file
from missing_education.settings import Settings, load_settings
from synthetic.council import synthetic_notifications, synthetic_schools, write_csv
from tests.integration.test_outbox_smtp import MailServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

DAY = date(2026, 11, 16)
T = TypeVar("T")


def race(*work: Callable[[], T], timeout: float = 120) -> list[T]:
    """Run each callable on its own thread, released at the same moment; re-raise any error."""
    barrier = threading.Barrier(len(work))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except BaseException as error:  # handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racer never finished"
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(work))]


def identity(row: dict[str, str]) -> tuple[str, str, date]:
    n = parse_notification(row, today=DAY)
    return (n.forename.casefold(), n.surname.casefold(), n.date_of_birth)


def good_rows(count: int, seed: int) -> list[dict[str, str]]:
    """Synthetic notifications, each a valid row about a different child of school age."""
    rows = []
    for row in synthetic_notifications(count, seed=seed, referral_date=DAY)[:count]:
        n = parse_notification(row, today=DAY)
        if is_of_compulsory_school_age(n.date_of_birth, n.referral_date):
            rows.append(row)
    assert len({identity(r) for r in rows}) == len(rows)
    return rows


class Council:
    """The case database and the files two intakes race over."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.settings: Settings = load_settings()
        import_schools(self.uow(), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS))

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.url)

    def file(self, name: str, rows: list[dict[str, str]]) -> Path:
        return write_csv(self.folder / name, rows, NOTIFICATION_COLUMNS)

    def ingest(self, path: Path) -> Callable[[], IntakeReport]:
        return lambda: ingest_file(self.uow(), path, settings=self.settings, today=DAY)

    def receive(self, path: Path) -> Callable[[], dict[str, Any]]:
        return lambda: receive_file(self.uow(), path, settings=self.settings, today=DAY)

    def open_cases_by_child(self) -> Counter[tuple[str, str, date]]:
        with self.uow() as uow:
            cases = [uow.cases.get(s.case_id) for s in uow.cases.summaries()]
        return Counter(
            (c.child.forename.casefold(), c.child.surname.casefold(), c.child.date_of_birth)
            for c in cases
            if c.is_open
        )

    def notifications(self) -> int:
        with self.uow() as uow:
            return sum(len(uow.notifications.for_case(s.case_id)) for s in uow.cases.summaries())

    def letters(self) -> list[Any]:
        with self.uow() as uow:
            return uow.letters.outbox()


@pytest.fixture
def council(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Council:
    # Small batches: the two intakes commit, and collide, many times over one file.
    monkeypatch.setenv("CME_INTAKE_BATCH_SIZE", "4")
    return Council(database_url, tmp_path)


def test_two_intakes_of_overlapping_files_open_one_case_per_child(council: Council) -> None:
    rows = good_rows(40, seed=5)
    # Read from opposite ends, the two intakes meet in the overlap and collide there.
    first = council.file("first.csv", rows[:30])
    second = council.file("second.csv", list(reversed(rows[6:])))

    reports = race(council.ingest(first), council.ingest(second))

    children = {identity(r) for r in rows}
    assert council.open_cases_by_child() == Counter(children)
    assert council.notifications() == len({tuple(sorted(r.items())) for r in rows})
    opened = sum(r.opened for r in reports)
    assert opened == len(children)
    # Every row is accounted for: opened, linked, or already taken in by the other intake.
    for report, path_rows in zip(reports, (rows[:30], rows[6:]), strict=True):
        assert report.received == len(path_rows)
        assert report.opened + report.linked + report.duplicates == len(path_rows)
        assert report.rejected == 0
    assert sum(r.duplicates for r in reports) == 24  # the overlap, taken in once


def test_two_notifications_about_one_child_racing_open_one_case_and_link_the_other(
    council: Council,
) -> None:
    rows = good_rows(12, seed=8)
    other_referrer = [
        {**r, "referrer_organisation": "Housing Options", "notes": "seen at a new address"}
        for r in rows
    ]
    school = council.file("school.csv", rows)
    housing = council.file("housing.csv", list(reversed(other_referrer)))

    reports = race(council.ingest(school), council.ingest(housing))

    assert council.open_cases_by_child() == Counter(identity(r) for r in rows)
    assert sum(r.opened for r in reports) == len(rows)
    assert sum(r.linked for r in reports) == len(rows)
    assert council.notifications() == 2 * len(rows)


def test_two_full_intakes_racing_acknowledge_each_referrer_once_and_investigate_once(
    council: Council,
) -> None:
    rows = good_rows(16, seed=13)
    first = council.file("first.csv", rows[:11])
    second = council.file("second.csv", list(reversed(rows[5:])))

    race(council.receive(first), council.receive(second))

    letters = council.letters()
    per_step = Counter((x.case_id, x.step_key) for x in letters)
    assert max(per_step.values()) == 1
    acknowledgements = [x for x in letters if x.letter_type == "acknowledgement"]
    assert len(acknowledgements) == council.notifications() == len(rows)
    with council.uow() as uow:
        for summary in uow.cases.summaries():
            assert summary.status is Status.INVESTIGATING
            kinds = Counter(d.kind for d in uow.decisions.for_case(summary.case_id))
            assert kinds["home_visit"] == 1  # each child visited once, not once per intake
            assert len(uow.directory.visits(summary.case_id)) == 1


def test_two_triages_of_the_same_received_cases_write_one_history_entry_each(
    council: Council,
) -> None:
    path = council.file("n.csv", good_rows(10, seed=21))
    # An intake that crashed before its triage: the cases wait in "received".
    with open_notification_file(path, today=DAY) as stream:
        rows = list(stream.rows)
    report = ingest_rows(council.uow(), rows, source="n.csv", settings=council.settings, today=DAY)
    ids = report.opened_case_ids

    race(
        lambda: triage_cases(council.uow(), ids, today=DAY),
        lambda: triage_cases(council.uow(), list(reversed(ids)), today=DAY),
    )

    with council.uow() as uow:
        for case_id in ids:
            history = uow.cases.get(case_id).history
            assert [h.to_status for h in history] == [Status.RECEIVED, Status.INVESTIGATING]


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    monkeypatch.setenv("CME_MAIL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CME_MAIL_SMTP_PORT", str(server.port))
    yield server
    server.stop()


def test_two_senders_racing_send_every_email_exactly_once(
    mail_server: MailServer, council: Council
) -> None:
    council.receive(council.file("n.csv", good_rows(12, seed=34)))()
    settings = load_settings()
    emails = [x for x in council.letters() if x.channel is Channel.EMAIL]
    assert len(emails) >= 10
    at = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)

    def sender() -> Any:
        return send_queued(
            council.uow(), SmtpTransport(settings.mail, timeout=5), settings=settings, at=at
        )

    reports = race(sender, sender)

    assert sum(r.sent for r in reports) == len(emails)
    ids = mail_server.mailbox.ids()
    assert set(ids) == {message_id(x, settings) for x in emails}
    assert max(ids.values()) == 1, "an email went twice"


def test_two_print_runs_racing_put_each_letter_in_one_batch(council: Council) -> None:
    council.receive(council.file("n.csv", good_rows(12, seed=55)))()
    posted = [x for x in council.letters() if x.channel is Channel.POST]
    assert len(posted) >= 5

    def print_run() -> Any:
        return make_print_batch(council.uow(), settings=council.settings, today=DAY)

    batches = [b for b in race(print_run, print_run) if b is not None]

    assert sum(b.letters for b in batches) == len(posted)
    in_batches = Counter(x.print_batch_id for x in council.letters() if x.channel is Channel.POST)
    assert None not in in_batches
    assert sorted(in_batches.values()) == sorted(b.letters for b in batches)
    files = sorted(p.name for p in (council.settings.home / "print").rglob("print-batch-*"))
    assert len(files) == 2 * len(batches)  # a PDF and a manifest per batch, none half-made
