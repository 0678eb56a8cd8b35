"""A notification without a date of birth: taken in when something else identifies the child,
worked as a case, and kept from every step that needs compulsory school age (issue 17)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from missing_education import services
from missing_education.domain import (
    InvalidNotification,
    Notification,
    PreconditionUnmet,
    Status,
    parse_notification,
)
from missing_education.domain.attention import DATE_OF_BIRTH, RULE
from missing_education.domain.preconditions import (
    PRECONDITIONS,
    CaseFacts,
    Precondition,
    unmet,
)
from missing_education.settings import Settings
from tests.fakes import FakeUnitOfWork

TODAY = date(2026, 11, 25)


def row(**changes: str) -> dict[str, str]:
    values = {
        "forename": "Amira",
        "surname": "Khan",
        "date_of_birth": "",
        "upn": "",
        "referral_date": "2026-11-20",
        "referrer_organisation": "Housing",
    }
    values.update(changes)
    return values


def parsed(**changes: str) -> Notification:
    return parse_notification(row(**changes), today=TODAY)


def test_a_row_without_a_date_of_birth_is_taken_when_a_name_identifies_the_child() -> None:
    n = parsed()
    assert n.date_of_birth is None
    assert n.fields_missing == ("date_of_birth",)


def test_a_row_with_only_a_upn_or_only_a_surname_is_taken() -> None:
    assert parsed(forename="", surname="", upn="A123456789012").fields_missing == (
        "forename",
        "surname",
        "date_of_birth",
    )
    assert parsed(forename="").fields_missing == ("forename", "date_of_birth")


def test_a_row_with_no_name_no_date_of_birth_and_no_upn_is_refused_saying_so() -> None:
    with pytest.raises(InvalidNotification) as raised:
        parsed(forename="", surname=" ")
    assert str(raised.value) == (
        "child: nothing identifies the child: give a name, a date of birth or a UPN"
    )


def test_a_date_of_birth_that_is_given_is_still_checked() -> None:
    with pytest.raises(InvalidNotification, match="date_of_birth: is not a real date"):
        parsed(date_of_birth="2015-02-30")
    with pytest.raises(InvalidNotification, match="date_of_birth: is in the future"):
        parsed(date_of_birth="2027-01-01")


def test_two_children_with_one_name_and_no_date_of_birth_never_share_an_identity() -> None:
    one, other = parsed(notes="first"), parsed(referrer_organisation="Health")
    assert one.identity_key != other.identity_key
    assert parsed(notes="first").identity_key == one.identity_key  # the same row again


@pytest.mark.parametrize(
    "move",
    [m for m, needed in PRECONDITIONS.items() if Precondition.DATE_OF_BIRTH_KNOWN in needed],
)
def test_every_step_that_needs_school_age_or_a_year_group_waits_for_the_date_of_birth(
    move: tuple[Status, Status],
) -> None:
    facts = CaseFacts(today=TODAY, date_of_birth_known=False)
    assert any("date of birth is not known" in reason for reason in unmet(*move, facts))


def test_the_s437_notice_admissions_and_fair_access_are_among_them() -> None:
    needing = {m for m, n in PRECONDITIONS.items() if Precondition.DATE_OF_BIRTH_KNOWN in n}
    assert {
        (Status.INVESTIGATING, Status.S437_ISSUED),
        (Status.LOCATED, Status.S437_ISSUED),
        (Status.S437_ISSUED, Status.S438_ISSUED),
        (Status.S438_ISSUED, Status.ATTENDANCE_ORDER),
        (Status.ATTENDANCE_ORDER, Status.PROSECUTION),
        (Status.LOCATED, Status.AWAITING_ADMISSION),
        (Status.AWAITING_ADMISSION, Status.FAIR_ACCESS),
    } <= needing


def intake(uow: FakeUnitOfWork, *notifications: Notification) -> services.IntakeReport:
    rows = [(number, n) for number, n in enumerate(notifications, start=2)]
    report = services.ingest_rows(uow, rows, source="n.csv", settings=Settings(), today=TODAY)
    services.triage_cases(uow, report.opened_case_ids, today=TODAY)
    return report


def test_intake_opens_an_investigated_case_flagged_for_its_date_of_birth() -> None:
    uow = FakeUnitOfWork()
    report = intake(uow, parsed(), parsed(referrer_organisation="Health"))

    assert (report.opened, report.linked) == (2, 0)
    assert report.without_date_of_birth == 2
    assert report.as_dict()["with_fields_missing"] == {"1": 2}
    for case_id in report.opened_case_ids:
        case = uow.store.cases[case_id]
        assert case.status is Status.INVESTIGATING and case.csa_ends is None
        assert uow.store.attention[case_id].category == DATE_OF_BIRTH


def test_a_step_that_works_leaves_the_date_of_birth_flag_and_one_that_fails_keeps_it_after() -> (
    None
):
    uow = FakeUnitOfWork()
    (case_id,) = intake(uow, parsed()).opened_case_ids

    uow.attention.clear(case_id)  # a step worked: the date of birth is still not known
    assert uow.store.attention[case_id].category == DATE_OF_BIRTH
    uow.attention.flag(case_id, RULE, "a step failed", TODAY)
    uow.attention.clear(case_id)  # the failure is put right: the date-of-birth flag is back
    assert uow.store.attention[case_id].category == DATE_OF_BIRTH
    uow.attention.resolve(case_id, DATE_OF_BIRTH)
    assert case_id not in uow.store.attention


def test_a_case_without_a_date_of_birth_refuses_the_s437_notice_with_the_reason() -> None:
    uow = FakeUnitOfWork()
    (case_id,) = intake(uow, parsed()).opened_case_ids
    case = uow.store.cases[case_id]
    with pytest.raises(PreconditionUnmet, match="date of birth is not known"):
        case.move_to(
            Status.S437_ISSUED,
            at=datetime(2026, 11, 25, 10, tzinfo=UTC),
            who="j.smith",
            why="refuses",
            facts=CaseFacts(today=TODAY, date_of_birth_known=case.child.date_of_birth is not None),
        )
