"""Workspace users: adding them, signing in with throttling, and sessions that expire."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from missing_education.domain import DomainError
from missing_education.domain.workspace import Role, User, WebSession
from missing_education.ports import UnitOfWork, WriteConflict
from missing_education.settings import Web

_HASHER = PasswordHasher()
# Verified when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
MIN_PASSWORD = 12


class AccountError(DomainError):
    """A user cannot be added as asked (the message says why)."""


class SignInRefused(DomainError):
    """Wrong name or password, or too many wrong passwords (`throttled`)."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value to hand the browser, and the session."""

    token: str
    session: WebSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    uow: UnitOfWork,
    name: str,
    *,
    full_name: str,
    role: Role,
    password: str,
    officer_code: str = "",
) -> User:
    """Add a workspace user; an officer is tied to their officer code (their own cases)."""
    if not _NAME.match(name):
        raise AccountError(
            "a user name is 2-50 lower-case letters, digits, dots, dashes or underscores"
        )
    full_name = " ".join(full_name.split())
    if not full_name or len(full_name) > 100:
        raise AccountError("give the person's full name (at most 100 characters)")
    if len(password) < MIN_PASSWORD or len(password) > 1000:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if role is Role.OFFICER and not officer_code:
        raise AccountError("an officer needs --officer CODE (see `cme officers list`)")
    with uow:
        if officer_code and not any(o.code == officer_code for o in uow.directory.officers()):
            raise AccountError(f"no officer has the code {officer_code!r}")
        try:
            user = uow.workspace.add_user(
                name, full_name, role, officer_code, _HASHER.hash(password)
            )
        except WriteConflict:
            raise AccountError(f"there is already a user called {name!r}") from None
        uow.commit()
    return user


def list_users(uow: UnitOfWork) -> list[User]:
    """Every workspace user."""
    with uow:
        return uow.workspace.users()


def sign_in(uow: UnitOfWork, name: str, password: str, *, web: Web, at: datetime) -> SignedIn:
    """Check a name and password and start a session, or SignInRefused with the reason."""
    name = name.strip().lower()[:100]
    window = at - timedelta(minutes=web.lockout_minutes)
    with uow:
        # Ended sessions and wrong passwords past the lockout window are kept no longer.
        uow.workspace.forget_expired(at, window)
        if uow.workspace.login_failures(name, window) >= web.login_attempts:
            raise SignInRefused(
                f"Too many wrong passwords for this name: try again in {web.lockout_minutes} "
                "minutes, or ask a coordinator.",
                throttled=True,
            )
        user = uow.workspace.user(name)
        try:
            _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password[:1000])
            right = user is not None and user.active
        except (VerificationError, InvalidHashError):
            right = False
        if not right or user is None:
            uow.workspace.add_login_failure(name, at)
            uow.commit()
            raise SignInRefused("The name or password is not right.")
        uow.workspace.clear_login_failures(name)
        if _HASHER.check_needs_rehash(user.password_hash):
            uow.workspace.set_password_hash(user.id, _HASHER.hash(password))
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = _session_end(at, at, web)
        uow.workspace.add_session(_digest(token), user.id, csrf, at, expires)
        uow.commit()
    return SignedIn(token, WebSession(id=0, user=user, csrf_token=csrf, expires_at=expires))


def current_session(uow: UnitOfWork, token: str, *, web: Web, at: datetime) -> WebSession | None:
    """The live session of a cookie, its end pushed on; None when unknown or expired."""
    if not token or len(token) > 200:
        return None
    with uow:
        session = uow.workspace.session(_digest(token), at)
        if session is None:
            return None
        started = session.started_at or at
        if at >= started + timedelta(hours=web.session_hours):
            # However busy, a session ends CME_WEB_SESSION_HOURS after signing in.
            uow.workspace.end_session(_digest(token))
            uow.commit()
            return None
        uow.workspace.extend_session(session.id, _session_end(started, at, web))
        uow.commit()
    return session


def _session_end(started: datetime, at: datetime, web: Web) -> datetime:
    """The idle timeout from now, never past the session's whole life."""
    return min(
        at + timedelta(minutes=web.session_minutes),
        started + timedelta(hours=web.session_hours),
    )


def sign_out(uow: UnitOfWork, token: str) -> None:
    """End a session."""
    with uow:
        uow.workspace.end_session(_digest(token))
        uow.commit()
