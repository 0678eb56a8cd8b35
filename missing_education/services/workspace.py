"""What the case workspace shows: the caseload, search, a case page, notes, and who looked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import date
from itertools import chain
from typing import Any

from missing_education.clock import now
from missing_education.domain import CaseNotFound, DomainError, case_reference
from missing_education.domain.decision import kind_of
from missing_education.domain.letter import Channel, Delivery
from missing_education.domain.workspace import (
    CaseloadFilter,
    CaseloadRow,
    CaseNote,
    CaseSearch,
    Role,
    User,
)
from missing_education.ports import UnitOfWork
from missing_education.services.cases import case_details
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Settings

_REFERENCE = re.compile(r"^\s*(?:cme-?)?0*(\d{1,9})\s*$", re.IGNORECASE)
_UPN = re.compile(r"^[A-Z]\d{12}$")
MAX_NOTE = 5000
CONTACT_METHODS = ("phone", "email", "visit", "letter", "meeting", "other")


class NotPermitted(DomainError):
    """The signed-in user's role does not allow this."""


def case_id_of(reference: str) -> int:
    """The case id in a reference (CME-000123, 000123 or 123), or CaseNotFound."""
    match = _REFERENCE.match(reference)
    if not match:
        raise CaseNotFound(0)
    return int(match.group(1))


def _officer_id(uow: UnitOfWork, user: User) -> int | None:
    for officer in uow.directory.officers():
        if officer.code == user.officer_code:
            return officer.id
    return None


def _check_can_see(uow: UnitOfWork, user: User, case_id: int) -> None:
    uow.cases.get(case_id)  # CaseNotFound first
    if user.role.sees_every_case:
        return
    officer_id = _officer_id(uow, user)
    if officer_id is None or officer_id not in uow.workspace.officer_ids_of(case_id):
        # Said the same way as a case that does not exist: an officer learns nothing by guessing.
        raise CaseNotFound(case_id)


def _row(r: CaseloadRow, today: date) -> dict[str, Any]:
    return {
        **asdict(r),
        "overdue": r.deadline is not None and r.deadline < today,
        "due_today": r.deadline == today,
    }


def caseload(uow: UnitOfWork, user: User, wanted: CaseloadFilter, *, today: date) -> dict[str, Any]:
    """Open cases the user may see, overdue first, with filters; officers see their own."""
    if not user.role.sees_every_case:
        wanted = replace(wanted, officer=user.officer_code)
    with uow:
        officers = uow.directory.officers()
        if not wanted.officer and not user.role.sees_every_case:
            return {"rows": [], "total": 0, "officers": []}
        rows, total = uow.workspace.caseload(wanted)
    return {
        "rows": [_row(r, today) for r in rows],
        "total": total,
        "officers": [{"code": o.code, "name": o.name} for o in officers],
    }


def search_cases(uow: UnitOfWork, user: User, query: str, *, today: date) -> list[dict[str, Any]]:
    """Cases, open or closed, by reference, UPN, date of birth (YYYY-MM-DD, DD/MM/YYYY) or name."""
    text = " ".join(query.split())[:200]
    if not text:
        return []
    born = _date(text)
    if born is not None:
        wanted = CaseSearch(date_of_birth=born)
    elif _UPN.match(text.upper()):
        wanted = CaseSearch(upn=text.upper())
    elif _REFERENCE.match(text) and any(c.isdigit() for c in text):
        wanted = CaseSearch(case_id=case_id_of(text))
    else:
        wanted = CaseSearch(name=text)
    with uow:
        rows = uow.workspace.search(wanted)
        if not user.role.sees_every_case:
            officer_id = _officer_id(uow, user)
            rows = [
                r
                for r in rows
                if officer_id is not None and officer_id in uow.workspace.officer_ids_of(r.case_id)
            ]
    return [_row(r, today) for r in rows]


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    if match:
        try:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
    return None


def case_page(uow: UnitOfWork, user: User, case_id: int, *, today: date) -> dict[str, Any]:
    """Everything on one case the user may see; the view is recorded (who, what, when)."""
    with uow:
        _check_can_see(uow, user, case_id)
        uow.workspace.record_access(case_id, user.name, "viewed case", now())
        uow.commit()
        case = uow.cases.get(case_id)
        notes = uow.workspace.notes(case_id)
        fields = uow.workspace.case_fields(case_id)
        officers = {o.id: o for o in uow.directory.officers()}
        caseloads = uow.directory.caseloads()
        views = uow.workspace.accesses(case_id)
        merges = uow.workspace.merges(case_id)
    details = case_details(uow, case_id, today=today)
    details["parent"] = {
        "name": fields["parent_name"],
        "phone": fields["parent_phone"],
        "email": fields["parent_email"],
    }
    details["fields"] = {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()
    }
    details["is_open"] = case.is_open
    details["pending"] = [
        # (code, plain-English label): the one vocabulary every door offers.
        {**d, "answers": [(a.value, a.label) for a in kind_of(d["decision"]).spec.offered]}
        for d in details["decisions"]
        if d["answer"] is None and case.is_open  # a closed case refuses every decision
    ]
    for visit in details["home_visits"]:
        officer = officers.get(visit["officer_id"]) if visit["officer_id"] else None
        visit["officer"] = officer.name if officer else ""
    details["officers"] = [
        {
            "code": o.code,
            "name": o.name,
            "open_visits": caseloads.get(o.id, 0),
            "capacity": o.capacity,
        }
        for o in officers.values()
        if o.active
    ]
    details["notes"] = [asdict(n) for n in notes]
    details["views"] = [asdict(v) for v in views[-20:]]
    details["merges"] = [
        {
            **asdict(m),
            "kept": case_reference(m.kept_id),
            "duplicate": case_reference(m.duplicate_id),
        }
        for m in merges
    ]
    return details


def letter_file(
    uow: UnitOfWork, user: User, case_id: int, letter_id: int, *, settings: Settings
) -> tuple[Iterator[bytes] | None, str]:
    """A letter's PDF, streamed from the letter store, and a file name for it.

    The download is recorded (who, what, when). A letter still waiting to be typeset is
    typeset now; None when there is no PDF to show (removed by retention).
    """
    with uow:
        _check_can_see(uow, user, case_id)
        letter = uow.letters.get(letter_id)
        if letter.case_id != case_id:
            raise CaseNotFound(case_id)
        uow.workspace.record_access(case_id, user.name, f"downloaded letter {letter_id}", now())
        uow.commit()
    name = f"{case_reference(case_id)}-{letter.letter_type}-{letter_id}.pdf"
    if not letter.is_typeset:
        typeset_letters(uow, settings=settings, today=now().date(), letter_ids=[letter_id])
    pieces = _pieces(uow, letter_id)
    first = next(pieces, None)
    if first is None:
        return None, name
    return chain([first], pieces), name


def _pieces(uow: UnitOfWork, letter_id: int) -> Iterator[bytes]:
    with uow:
        yield from uow.documents.chunks(letter_id)


def add_note(
    uow: UnitOfWork,
    user: User,
    case_id: int,
    text: str,
    *,
    contact_with: str = "",
    contact_method: str = "",
    contact_on: date | None = None,
) -> None:
    """Add a case note, or (with whom and how) a contact log entry."""
    if not user.role.may_write_notes:
        raise NotPermitted("a read-only user cannot add notes")
    text = text.strip()
    if not text:
        raise DomainError("write the note first")
    if len(text) > MAX_NOTE:
        raise DomainError(f"a note is at most {MAX_NOTE} characters")
    is_contact = bool(contact_with or contact_method)
    if is_contact:
        if contact_method not in CONTACT_METHODS:
            raise DomainError(f"contact method is one of: {', '.join(CONTACT_METHODS)}")
        if not contact_with.strip() or len(contact_with) > 200:
            raise DomainError("say who the contact was with (at most 200 characters)")
    with uow:
        _check_can_see(uow, user, case_id)
        uow.workspace.add_note(
            CaseNote(
                id=0,
                case_id=case_id,
                kind="contact" if is_contact else "note",
                at=now(),
                who=user.name,
                text=text,
                contact_with=contact_with.strip(),
                contact_method=contact_method,
                contact_on=contact_on,
            )
        )
        uow.commit()


def check_may_act(user: User) -> None:
    """Refuse a user whose role does not decide, correct, reassign or print."""
    if not user.role.may_act:
        raise NotPermitted(f"a user with the role {user.role.value} cannot do this")


# Decisions an officer makes on their own cases: what they found at the door.
OFFICER_DECISIONS = frozenset({"home_visit"})


def check_may_decide(uow: UnitOfWork, user: User, case_id: int, kind: str) -> None:
    """Coordinators and managers decide anything; an officer, the home visits of their cases."""
    if user.role.may_act:
        return
    if kind in OFFICER_DECISIONS and user.role is Role.OFFICER:
        with uow:
            _check_can_see(uow, user, case_id)
        return
    raise NotPermitted(f"a user with the role {user.role.value} cannot make this decision")


def officer_pages(uow: UnitOfWork, *, today: date) -> list[dict[str, Any]]:
    """Each officer's open visits (with due dates) and capacity, and the unassigned queue."""
    with uow:
        officers = uow.directory.officers()
        caseloads = uow.directory.caseloads()
        visits = [v for v in uow.directory.visits() if v.outcome is None]
        due: dict[int, date] = {}
        for d in uow.deadlines.open():
            if d.step.value == "home_visit":
                due[d.case_id] = min(due.get(d.case_id, d.due), d.due)
        open_ids = set(uow.cases.open_case_ids())
    pages: list[dict[str, Any]] = []
    for o in [*officers, None]:
        mine = [
            {
                "case_id": v.case_id,
                "reference": case_reference(v.case_id),
                "round": v.round,
                "requested_on": v.requested_on,
                "due": due.get(v.case_id),
                "overdue": due.get(v.case_id) is not None and due[v.case_id] < today,
            }
            for v in visits
            if v.case_id in open_ids and v.officer_id == (o.id if o else None)
        ]
        pages.append(
            {
                "code": o.code if o else "",
                "name": o.name if o else "Not assigned",
                "capacity": o.capacity if o else None,
                "open_visits": caseloads.get(o.id, 0) if o else len(mine),
                "active": o.active if o else True,
                "visits": sorted(mine, key=lambda v: (v["due"] or date.max, v["case_id"])),
            }
        )
    return pages


def print_room(uow: UnitOfWork) -> dict[str, Any]:
    """Postal letters waiting for a batch, and batches made but not yet confirmed as posted."""
    with uow:
        queued = [
            letter
            for letter in uow.letters.outbox((Delivery.QUEUED,))
            if letter.channel is Channel.POST
        ]
    waiting = [letter for letter in queued if letter.print_batch_id is None]
    batches: dict[int, list[int]] = {}
    for letter in queued:
        if letter.print_batch_id is not None:
            batches.setdefault(letter.print_batch_id, []).append(letter.id)
    return {
        "waiting": [
            {
                "id": letter.id,
                "case_id": letter.case_id,
                "reference": case_reference(letter.case_id),
                "type": letter.letter_type,
                "recipient_role": letter.recipient_role,
                "pages": letter.pages,
                "created_on": letter.created_at.date().isoformat(),
            }
            for letter in waiting
        ],
        "batches": [{"id": b, "letters": len(ids)} for b, ids in sorted(batches.items())],
    }
