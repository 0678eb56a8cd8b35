"""The in-memory fakes keep the same promises as the SQL repositories, on the same scenarios.

Service tests trust the fakes; these tests are why they may.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from missing_education.domain import (
    CaseNotFound,
    HistoryEntry,
    Notification,
    Status,
    parse_notification,
)
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.directory import HomeVisit, School
from missing_education.domain.letter import Delivery
from missing_education.persistence import SqlUnitOfWork
from missing_education.ports import UnitOfWork, WriteConflict
from missing_education.rules.calendar import CalendarPeriod
from tests.conftest import _truncate_postgres
from tests.fakes import FakeUnitOfWork

TODAY = date(2026, 11, 25)
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "sqlite", "postgres"])
def uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWork]:
    """A unit of work on an empty store: in memory, SQLite or PostgreSQL."""
    if request.param == "fake":
        yield FakeUnitOfWork()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'contract.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_postgres(url)
    yield SqlUnitOfWork(url)


def child(**changes: str) -> Notification:
    row = {
        "forename": "Amira",
        "surname": "Khan",
        "date_of_birth": "2015-03-04",
        "referral_date": "2026-11-20",
        "referrer_organisation": "Matlock Primary",
    }
    return parse_notification({**row, **changes}, today=TODAY)


def deadline(case_id: int, step: Step, due: date, round: int = 1) -> Deadline:
    return Deadline(case_id, step, date(2026, 11, 20), due, school_days=5, round=round)


def test_uncommitted_work_is_rolled_back_and_committed_work_kept(uow: UnitOfWork) -> None:
    with uow:
        uow.cases.add(child(), status=Status.RECEIVED, opened_on=TODAY)
        uow.commit()
        uow.cases.add(child(forename="Tom"), status=Status.RECEIVED, opened_on=TODAY)
    with uow:
        assert [s.case_id for s in uow.cases.summaries()] == [1]


def test_a_case_reads_back_as_it_was_opened(uow: UnitOfWork) -> None:
    notification = child(
        upn="A123456789012",
        sex="F",
        address_line1="1 Bank Road",
        town="Matlock",
        postcode="de43ag",
        parent_name="Sara Khan",
        school_urn="112233",
        school_name="Matlock Primary",
        reason="not returned",
        vulnerabilities="SEN; child protection",
        date_of_birth="2010-09-03",  # 16 on 3 September: the leaving date needs a review
    )
    with uow:
        opened = uow.cases.add(notification, status=Status.RECEIVED, opened_on=TODAY)
        uow.commit()
    with uow:
        stored = uow.cases.get(opened.id)
    assert stored == opened
    assert (stored.parent_name, stored.csa_ends, stored.csa_needs_review) == (
        "Sara Khan",
        date(2027, 6, 25),
        True,
    )
    assert stored.vulnerabilities == ("sen", "child_protection") and stored.safeguarding
    assert stored.child.postcode == "DE4 3AG"


def test_an_unknown_case_is_not_found(uow: UnitOfWork) -> None:
    with uow, pytest.raises(CaseNotFound):
        uow.cases.get(404)


def test_work_is_visible_inside_its_own_transaction(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(upn="A123456789012"), status=Status.RECEIVED, opened_on=TODAY)
        uow.notifications.add(case.id, child(), source="n.csv", row=2, disposition="opened")
        assert uow.notifications.cases_for([child().fingerprint]) == {child().fingerprint: case.id}
        assert uow.cases.find_open(child(forename="Someone")) is None
        assert uow.cases.find_open(child(forename="X", upn="A123456789012")) == case.id


def test_an_open_case_is_found_by_upn_before_name_and_birth_date(uow: UnitOfWork) -> None:
    with uow:
        by_name = uow.cases.add(child(), status=Status.INVESTIGATING, opened_on=TODAY)
        by_upn = uow.cases.add(
            child(forename="Ameera", upn="A123456789012"),
            status=Status.INVESTIGATING,
            opened_on=TODAY,
        )
        assert uow.cases.find_open(child(upn="A123456789012")) == by_upn.id
        assert uow.cases.find_open(child(forename=" AMIRA")) == by_name.id
        assert uow.cases.open_case_ids() == [by_name.id, by_upn.id]


def test_a_closed_case_is_not_found_as_open(uow: UnitOfWork) -> None:
    with uow:
        uow.cases.add(child(), status=Status.CLOSED, opened_on=TODAY)
        assert uow.cases.find_open(child()) is None
        assert uow.cases.open_case_ids() == []


def test_history_is_appended_by_save_and_read_back_in_order(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.RECEIVED, opened_on=TODAY)
        case.move_to(Status.INVESTIGATING, at=AT, who="system", why="triage")
        uow.cases.save(case)
        assert case.new_history == []
        case.move_to(Status.ESCALATED, at=AT, who="j.smith", why="not located")
        uow.cases.save(case)
        uow.commit()
    with uow:
        stored = uow.cases.get(case.id)
    assert stored.status is Status.ESCALATED
    assert [(h.to_status, h.who, h.at) for h in stored.history] == [
        (Status.INVESTIGATING, "system", AT),
        (Status.ESCALATED, "j.smith", AT),
    ]


def test_the_case_list_shows_the_earliest_open_deadline(uow: UnitOfWork) -> None:
    with uow:
        first = uow.cases.add(child(), status=Status.INVESTIGATING, opened_on=TODAY)
        closed = uow.cases.add(child(forename="Tom"), status=Status.CLOSED, opened_on=TODAY)
        assert uow.deadlines.add(deadline(first.id, Step.LOCATE_CHILD, date(2026, 12, 18)))
        assert uow.deadlines.add(deadline(first.id, Step.SCHOOL_REPLY, date(2026, 12, 4)))
        assert uow.deadlines.add(deadline(closed.id, Step.LOCATE_CHILD, date(2026, 12, 18)))
        uow.deadlines.meet(first.id, Step.SCHOOL_REPLY, TODAY)
        summaries = uow.cases.summaries()
        assert [(s.deadline, s.deadline_step) for s in summaries] == [
            (date(2026, 12, 18), "locate_child"),
            (None, None),
        ]
        assert [s.case_id for s in uow.cases.summaries(Status.CLOSED)] == [closed.id]


def test_a_deadline_is_recorded_once_and_claimed_once(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.INVESTIGATING, opened_on=TODAY)
        d = deadline(case.id, Step.LOCATE_CHILD, date(2026, 12, 18))
        assert uow.deadlines.add(d)
        assert not uow.deadlines.add(d)
        assert uow.deadlines.add(deadline(case.id, Step.LOCATE_CHILD, date(2027, 1, 5), round=2))
        uow.deadlines.update_due(d, date(2026, 12, 11))
        assert [x.due for x in uow.deadlines.for_case(case.id)] == [
            date(2026, 12, 11),
            date(2027, 1, 5),
        ]
        assert uow.deadlines.claim(d, TODAY)
        assert not uow.deadlines.claim(d, TODAY)
        assert [x.round for x in uow.deadlines.open()] == [2]


def test_a_calendar_import_replaces_only_the_schools_named(uow: UnitOfWork) -> None:
    council = CalendarPeriod(None, date(2026, 9, 1), date(2026, 12, 18), "term")
    school = CalendarPeriod("123456", date(2026, 9, 7), date(2026, 12, 16), "term")
    moved = CalendarPeriod(None, date(2026, 9, 2), date(2026, 12, 11), "term")
    with uow:
        uow.calendar.replace([""], [council])
        uow.calendar.replace(["123456"], [school])
        uow.calendar.replace([""], [moved])
        assert uow.calendar.periods() == [moved, school]


def test_a_letter_is_kept_once_per_step_and_claimed_by_one_sender(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.INVESTIGATING, opened_on=TODAY)
        values: dict[str, Any] = {
            "case_id": case.id,
            "step_key": "acknowledgement",
            "letter_type": "acknowledgement",
            "recipient_role": "referrer",
            "recipient": "Matlock Primary",
            "recipient_email": "office@matlock.example",
            "channel": "email",
            "template_version": "v1",
            "sha256": "0" * 64,
            "pages": 1,
            "path": "/letters/CME-000001/acknowledgement.pdf",
            "created_at": AT,
            "replaces_letter_id": None,
            "status": Delivery.QUEUED.value,
        }
        letter = uow.letters.add(values)
        assert uow.letters.find(case.id, "acknowledgement") == letter
        assert uow.letters.find(case.id, "closure") is None
        assert uow.letters.claim(letter.id, Delivery.QUEUED, Delivery.SENDING)
        assert not uow.letters.claim(letter.id, Delivery.QUEUED, Delivery.SENDING)
        uow.letters.set_delivery(letter.id, status=Delivery.SENT, attempts=1, sent_at=AT)
        sent = uow.letters.get(letter.id)
        assert (sent.status, sent.attempts, sent.sent_at) == (Delivery.SENT, 1, AT)
        assert [x.id for x in uow.letters.outbox((Delivery.QUEUED,))] == []
        assert [x.id for x in uow.letters.for_case(case.id)] == [letter.id]


def test_a_decision_waits_once_and_is_answered_once(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.INVESTIGATING, opened_on=TODAY)
        asked = uow.decisions.request(case.id, "school_reply", TODAY)
        assert uow.decisions.request(case.id, "school_reply", TODAY) == asked
        assert uow.decisions.answer(asked, "no_information", {"note": "x"}, "j.smith", AT)
        assert not uow.decisions.answer(asked, "moved_abroad", {}, "m.patel", AT)
        again = uow.decisions.request(case.id, "school_reply", TODAY)
        assert again.round == 2
        assert [d.answer for d in uow.decisions.for_case(case.id)] == ["no_information", None]
        assert uow.decisions.waiting() == [again]


def test_the_decision_queue_carries_each_case_flag_and_its_open_steps_latest_due_dates(
    uow: UnitOfWork,
) -> None:
    with uow:
        plain = uow.cases.add(child(), status=Status.INVESTIGATING, opened_on=TODAY)
        flagged = uow.cases.add(
            child(forename="Tom", vulnerabilities="child_protection"),
            status=Status.INVESTIGATING,
            opened_on=TODAY,
        )
        closed = uow.cases.add(child(forename="Ann"), status=Status.CLOSED, opened_on=TODAY)
        visit = uow.decisions.request(plain.id, "home_visit", TODAY)
        police = uow.decisions.request(flagged.id, "police_notification", TODAY)
        answered = uow.decisions.request(flagged.id, "school_reply", TODAY)
        assert uow.decisions.answer(answered, "no_information", {}, "j.smith", AT)
        uow.decisions.request(closed.id, "home_visit", TODAY)
        uow.deadlines.add(deadline(plain.id, Step.HOME_VISIT, date(2026, 12, 4)))
        uow.deadlines.add(deadline(plain.id, Step.HOME_VISIT, date(2026, 12, 11), round=2))
        uow.deadlines.add(deadline(plain.id, Step.LOCATE_CHILD, date(2026, 12, 18)))
        uow.deadlines.add(deadline(flagged.id, Step.SCHOOL_REPLY, date(2026, 12, 2)))
        uow.deadlines.meet(flagged.id, Step.SCHOOL_REPLY, TODAY)

        queue = uow.decisions.queue()

    assert [(q.request, q.safeguarding, q.open_due) for q in queue] == [
        (
            visit,
            False,
            {Step.HOME_VISIT: date(2026, 12, 11), Step.LOCATE_CHILD: date(2026, 12, 18)},
        ),
        (police, True, {}),
    ]


def test_officers_schools_and_visits(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.INVESTIGATING, opened_on=TODAY)
        uow.directory.upsert_schools([School("112233", "Matlock Primary", "office@m.example")])
        assert uow.directory.school("112233") == School(
            "112233", "Matlock Primary", "office@m.example"
        )
        uow.directory.upsert_officers([{"code": "EWO1", "name": "Sam", "areas": "DE4;DE5"}])
        uow.directory.upsert_officers([{"code": "EWO1", "name": "Sam Jones"}])
        (officer,) = uow.directory.officers()
        assert (officer.name, officer.areas) == ("Sam Jones", ("DE4", "DE5"))
        assert uow.directory.add_visit(HomeVisit(case.id, 1, TODAY))
        assert not uow.directory.add_visit(HomeVisit(case.id, 1, TODAY))
        assert len(uow.directory.visits(unassigned=True)) == 1
        uow.directory.update_visit(case.id, 1, officer_id=officer.id, assigned_on=TODAY)
        assert uow.directory.visits(unassigned=True) == []
        assert uow.directory.caseloads() == {officer.id: 1}


def test_the_case_a_notification_joined_is_found_by_its_fingerprint(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.RECEIVED, opened_on=TODAY)
        uow.notifications.add(case.id, child(), source="n.csv", row=2, disposition="opened")
        found = uow.notifications.cases_for([child().fingerprint, child(forename="X").fingerprint])
        assert found == {child().fingerprint: case.id}


@pytest.mark.parametrize(
    "second", [{"forename": " AMIRA "}, {"forename": "X", "upn": "A123456789012"}]
)
def test_a_second_open_case_of_one_child_is_refused(
    uow: UnitOfWork, second: dict[str, str]
) -> None:
    with uow:
        uow.cases.add(child(upn="A123456789012"), status=Status.RECEIVED, opened_on=TODAY)
        uow.commit()
        with pytest.raises(WriteConflict):
            uow.cases.add(child(**second), status=Status.RECEIVED, opened_on=TODAY)


def test_a_closed_case_does_not_stop_a_new_one_for_the_same_child(uow: UnitOfWork) -> None:
    with uow:
        uow.cases.add(child(), status=Status.CLOSED, opened_on=TODAY)
        uow.cases.add(child(), status=Status.RECEIVED, opened_on=TODAY)
        assert len(uow.cases.open_case_ids()) == 1


def test_a_move_from_a_status_the_case_has_left_is_refused(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.RECEIVED, opened_on=TODAY)
        first, stale = uow.cases.get(case.id), uow.cases.get(case.id, lock=True)
        first.move_to(Status.INVESTIGATING, at=AT, who="system", why="triage")
        uow.cases.save(first)
        stale.move_to(Status.CLOSED, at=AT, who="system", why="triage again")
        with pytest.raises(WriteConflict):
            uow.cases.save(stale)
        assert [h.why for h in uow.cases.get(case.id).history] == ["triage"]


def test_a_case_opened_with_its_history_reads_back_with_it(uow: UnitOfWork) -> None:
    entry = HistoryEntry(
        AT, "system", None, Status.RECEIVED, "notification received (n.csv, row 2)"
    )
    with uow:
        opened = uow.cases.add(child(), status=Status.RECEIVED, opened_on=TODAY, history=[entry])
        uow.commit()
    with uow:
        stored = uow.cases.get(opened.id)
    assert stored.history == opened.history == [entry]
    assert not stored.new_history


def test_the_cases_of_notifications_taken_in_are_found_together(uow: UnitOfWork) -> None:
    first, second, unseen = child(), child(forename="Tom"), child(forename="Ann")
    with uow:
        case = uow.cases.add(first, status=Status.RECEIVED, opened_on=TODAY)
        uow.notifications.add(case.id, first, source="n.csv", row=2, disposition="opened")
        uow.notifications.add(case.id, second, source="n.csv", row=3, disposition="linked")
        uow.commit()
    with uow:
        fingerprints = [first.fingerprint, unseen.fingerprint, second.fingerprint]
        assert uow.notifications.cases_for(fingerprints) == {
            first.fingerprint: case.id,
            second.fingerprint: case.id,
        }
        assert uow.notifications.cases_for([]) == {}


def test_a_new_case_first_deadline_is_recorded_and_never_twice(uow: UnitOfWork) -> None:
    with uow:
        case = uow.cases.add(child(), status=Status.RECEIVED, opened_on=TODAY)
        d = deadline(case.id, Step.LOCATE_CHILD, date(2026, 12, 18))
        uow.deadlines.add_new(d)
        assert [x.due for x in uow.deadlines.for_case(case.id)] == [date(2026, 12, 18)]
        assert not uow.deadlines.add(d)
        with pytest.raises(WriteConflict):
            uow.deadlines.add_new(d)
