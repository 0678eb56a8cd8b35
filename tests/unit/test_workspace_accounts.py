"""Signing in to the case workspace: passwords, throttling and sessions that expire (on fakes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from missing_education.domain.workspace import Role
from missing_education.services import accounts
from missing_education.settings import Web
from tests.fakes import FakeUnitOfWork

PASSWORD = "correct horse battery staple"
NINE = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WEB = Web()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    accounts.add_user(
        uow, "coord", full_name="A Coordinator", role=Role.COORDINATOR, password=PASSWORD
    )
    return uow


def test_a_password_is_kept_only_as_an_argon2_hash(uow: FakeUnitOfWork) -> None:
    [user] = uow.store.users
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_wrong_name_and_a_wrong_password_get_the_same_answer(uow: FakeUnitOfWork) -> None:
    answers = []
    for name, password in (("coord", "wrong password"), ("nobody", PASSWORD)):
        with pytest.raises(accounts.SignInRefused) as refused:
            accounts.sign_in(uow, name, password, web=WEB, at=NINE)
        answers.append(str(refused.value))
    assert answers[0] == answers[1] == "The name or password is not right."


def test_the_sixth_try_after_five_wrong_passwords_is_refused_until_the_lockout_ends(
    uow: FakeUnitOfWork,
) -> None:
    for minute in range(5):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(uow, "coord", "wrong", web=WEB, at=NINE + timedelta(minutes=minute))
    with pytest.raises(accounts.SignInRefused) as refused:
        accounts.sign_in(uow, "coord", PASSWORD, web=WEB, at=NINE + timedelta(minutes=5))
    assert refused.value.throttled
    later = NINE + timedelta(minutes=5 + WEB.lockout_minutes)
    assert accounts.sign_in(uow, "coord", PASSWORD, web=WEB, at=later).session.user.name == "coord"


def test_a_session_ends_after_its_minutes_without_a_request(uow: FakeUnitOfWork) -> None:
    signed = accounts.sign_in(uow, "coord", PASSWORD, web=WEB, at=NINE)
    busy = NINE + timedelta(minutes=WEB.session_minutes - 1)
    assert accounts.current_session(uow, signed.token, web=WEB, at=busy) is not None
    # Each request pushes the end on; a quiet spell longer than the setting ends it.
    still = busy + timedelta(minutes=WEB.session_minutes - 1)
    assert accounts.current_session(uow, signed.token, web=WEB, at=still) is not None
    gone = still + timedelta(minutes=WEB.session_minutes)
    assert accounts.current_session(uow, signed.token, web=WEB, at=gone) is None


def test_a_session_ends_after_its_hours_however_busy(uow: FakeUnitOfWork) -> None:
    signed = accounts.sign_in(uow, "coord", PASSWORD, web=WEB, at=NINE)
    at = NINE
    end = NINE + timedelta(hours=WEB.session_hours)
    while at + timedelta(minutes=WEB.session_minutes - 1) < end:
        at += timedelta(minutes=WEB.session_minutes - 1)  # a request just before each timeout
        assert accounts.current_session(uow, signed.token, web=WEB, at=at) is not None
    assert accounts.current_session(uow, signed.token, web=WEB, at=end) is None
    # A fresh sign-in starts a new session.
    again = accounts.sign_in(uow, "coord", PASSWORD, web=WEB, at=end)
    assert accounts.current_session(uow, again.token, web=WEB, at=end) is not None


def test_a_signed_out_session_and_an_unknown_cookie_sign_nobody_in(uow: FakeUnitOfWork) -> None:
    signed = accounts.sign_in(uow, "coord", PASSWORD, web=WEB, at=NINE)
    accounts.sign_out(uow, signed.token)
    assert accounts.current_session(uow, signed.token, web=WEB, at=NINE) is None
    assert accounts.current_session(uow, "made-up", web=WEB, at=NINE) is None
    assert signed.token not in str(uow.store.web_sessions)  # only its digest is kept


@pytest.mark.parametrize(
    ("name", "password", "role", "officer", "words"),
    [
        ("Bad Name", PASSWORD, Role.MANAGER, "", "lower-case"),
        ("short", "too short", Role.MANAGER, "", "at least 12"),
        ("ewo", PASSWORD, Role.OFFICER, "", "--officer"),
        ("coord", PASSWORD, Role.MANAGER, "", "already a user"),
    ],
)
def test_a_user_is_refused_with_the_reason(
    uow: FakeUnitOfWork, name: str, password: str, role: Role, officer: str, words: str
) -> None:
    with pytest.raises(accounts.AccountError, match=words):
        accounts.add_user(
            uow, name, full_name="Some One", role=role, password=password, officer_code=officer
        )
