"""Putting a case record right: corrected details, a visit reassigned, a queued letter cancelled.

Each is a guarded use case shared by `cme` and the case workspace, and each is written into the
case's history with who did it and why.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from missing_education.clock import now
from missing_education.domain import (
    Case,
    DomainError,
    HistoryEntry,
    Notification,
    Outcome,
    case_reference,
)
from missing_education.domain.attention import DATE_OF_BIRTH
from missing_education.domain.deadline import Step, due_date
from missing_education.domain.letter import Channel, Delivery
from missing_education.domain.workspace import CORRECTABLE
from missing_education.ports import UnitOfWork, WriteConflict
from missing_education.rules.school_age import compulsory_school_age
from missing_education.services.calendar import load_calendar
from missing_education.services.intake import ingest_rows, never_investigated, triage_cases
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import Procedure
from missing_education.settings import Settings

MAX_BY = 100
MAX_REASON = 2000
_LIMITS = {"sex": 1, "upn": 13, "postcode": 10, "school_urn": 7, "forename": 100, "surname": 100}
_UPN = re.compile(r"^[A-Z]\d{12}$")


class CorrectionRefused(DomainError):
    """A correction (or reassignment, or cancellation) is not allowed; the message says why."""


def who_and_why(by: str, reason: str) -> tuple[str, str]:
    """Who made a change and why, tidied; refused when either is missing or too long."""
    by, reason = " ".join(by.split()), " ".join(reason.split())
    if not by or len(by) > MAX_BY:
        raise CorrectionRefused(f"say who is making the change (at most {MAX_BY} characters)")
    if not reason or len(reason) > MAX_REASON:
        raise CorrectionRefused(f"say why (a reason of at most {MAX_REASON} characters)")
    return by, reason


def note_in_history(case: Case, who: str, why: str, *, at: datetime | None = None) -> None:
    """Write a change that moves no status into the case's history (saved with the case)."""
    entry = HistoryEntry(
        at=at or now(), who=who, from_status=case.status, to_status=case.status, why=why
    )
    case.history.append(entry)
    case.new_history.append(entry)


def _value(field: str, raw: str) -> Any:
    value = " ".join(raw.split())
    if field == "date_of_birth":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CorrectionRefused(
                f"a date of birth is written YYYY-MM-DD, not {value!r}"
            ) from None
    limit = _LIMITS.get(field, 2000)
    if len(value) > limit:
        raise CorrectionRefused(f"{CORRECTABLE[field]} is at most {limit} characters")
    if field in ("forename", "surname") and not value:
        raise CorrectionRefused(f"the {CORRECTABLE[field]} cannot be empty")
    if field == "upn" and value and not _UPN.match(value.upper()):
        raise CorrectionRefused("a UPN is a letter and 12 digits")
    if field == "sex" and value.upper() not in ("", "M", "F", "X"):
        raise CorrectionRefused("sex is M, F or X (or empty when not known)")
    if field == "school_urn" and value and not value.isdigit():
        raise CorrectionRefused("a school URN is up to 7 digits")
    if field in ("upn", "sex", "postcode"):
        value = value.upper()
    return value


def _shown(value: Any) -> str:
    if value is None:
        return "not known"
    return value.isoformat() if isinstance(value, date) else str(value)


def correct_case(
    uow: UnitOfWork,
    case_id: int,
    field: str,
    value: str,
    *,
    by: str,
    reason: str,
    settings: Settings,
    today: date,
) -> dict[str, Any]:
    """Correct one detail of a child, parent or school; a new date of birth re-checks CSA.

    Recording a date of birth that was not known clears the case's "date of birth not known"
    flag. A corrected date of birth that puts the child outside compulsory school age today closes
    an open case (Education Act 1996 s8: a child outside CSA is not missing education).
    """
    if field not in CORRECTABLE:
        raise CorrectionRefused(f"{field!r} cannot be corrected; fields: {', '.join(CORRECTABLE)}")
    by, reason = who_and_why(by, reason)
    new = _value(field, value)
    result: dict[str, Any] = {"case_id": case_id, "field": field, "closed": None}
    with uow:
        lock_cases(uow, [case_id])
        case = uow.cases.get(case_id)
        old = uow.workspace.case_fields(case_id)[field]
        if old == new:
            raise CorrectionRefused(f"the {CORRECTABLE[field]} is already {value!r}")
        school_age: dict[str, Any] = {}
        if field == "date_of_birth":
            if new > today:
                raise CorrectionRefused("a date of birth cannot be in the future")
            # The leaving date depends on the autumn term's first day, as at intake.
            age = compulsory_school_age(new, load_calendar(uow).autumn_term_start)
            school_age = {
                "csa_starts": age.starts,
                "csa_ends": age.ends,
                "csa_needs_review": age.needs_review,
            }
        try:
            uow.workspace.correct(case_id, {field: new}, school_age)
        except WriteConflict:
            raise CorrectionRefused(
                "another open case already has this child (same name and date of birth, or "
                "UPN): close this one as a duplicate instead"
            ) from None
        note_in_history(
            case,
            by,
            f"corrected {CORRECTABLE[field]} from {_shown(old)!r} to {_shown(new)!r}: {reason}",
        )
        if field == "school_urn" and old:
            # The school's reply is counted in its own school days (its calendar may differ).
            result["deadlines_moved"] = _recount_school_deadlines(uow, case_id, old, new)
        uow.cases.save(case)
        if school_age:  # the date of birth is known now: what waited for it may go ahead
            uow.attention.resolve(case_id, DATE_OF_BIRTH)
        if school_age and case.is_open and not (school_age["csa_starts"] <= today):
            outcome, why = Outcome.NOT_CME, "not yet of compulsory school age (corrected DOB)"
        elif school_age and case.is_open and today > school_age["csa_ends"]:
            outcome, why = Outcome.PAST_CSA, "past compulsory school age (corrected DOB)"
        else:
            outcome = None
        if outcome is not None:
            case = uow.cases.get(case_id)
            Procedure(uow, settings, today).close(case, outcome, by, why)
            result["closed"] = outcome.value
        if school_age:
            result["compulsory_school_age"] = {
                "starts": school_age["csa_starts"].isoformat(),
                "ends": school_age["csa_ends"].isoformat(),
            }
        uow.commit()
    return result


def record_new_address(
    uow: UnitOfWork,
    case_id: int,
    *,
    address_line1: str,
    address_line2: str = "",
    town: str = "",
    postcode: str = "",
    by: str,
    source: str,
) -> dict[str, Any]:
    """Record that the family now lives elsewhere (the old address stays in the history).

    Unlike a correction, the old address was right when it was given: letters already sent
    there stand, and the next letters and visits go to the new one.
    """
    by, source = who_and_why(by, source)
    new = {
        "address_line1": _value("address_line1", address_line1),
        "address_line2": _value("address_line2", address_line2),
        "town": _value("town", town),
        "postcode": _value("postcode", postcode),
    }
    if not new["address_line1"]:
        raise CorrectionRefused("give at least the first line of the new address")
    with uow:
        lock_cases(uow, [case_id])
        case = uow.cases.get(case_id)
        if not case.is_open:
            raise CorrectionRefused(f"{case.reference} is closed: a new address changes nothing")
        old = uow.workspace.case_fields(case_id)
        if all(old[k] == v for k, v in new.items()):
            raise CorrectionRefused("that is the address already on the case")
        uow.workspace.correct(case_id, new, {})
        was = ", ".join(str(old[k]) for k in new if old[k]) or "none"
        note_in_history(case, by, f"new address recorded (was {was}): {source}")
        uow.cases.save(case)
        uow.commit()
    return {"case_id": case_id, "address": [v for v in new.values() if v]}


def _recount_school_deadlines(uow: UnitOfWork, case_id: int, old_urn: str, new_urn: str) -> int:
    """Count the case's open deadlines on the corrected school's calendar; how many moved."""
    calendar = load_calendar(uow)
    moved = 0
    for deadline in uow.deadlines.for_case(case_id):
        if not deadline.is_open or deadline.school_days is None or deadline.school_urn != old_urn:
            continue
        uow.workspace.set_deadline_school(deadline, new_urn)
        due = due_date(
            calendar, deadline.base_date, school_days=deadline.school_days, school_urn=new_urn
        )
        if due != deadline.due:
            uow.deadlines.update_due(deadline, due)
            moved += 1
    return moved


def reassign_visit(
    uow: UnitOfWork,
    case_id: int,
    officer_code: str,
    *,
    by: str,
    reason: str,
    settings: Settings,
    today: date,
) -> dict[str, Any]:
    """Give a case's open home visit to another officer (refused if they are full or inactive)."""
    by, reason = who_and_why(by, reason)
    with uow:
        lock_cases(uow, [case_id])
        case = uow.cases.get(case_id)
        if not case.is_open:
            raise CorrectionRefused(f"{case.reference} is closed")
        visits = [v for v in uow.directory.visits(case_id) if v.outcome is None]
        if not visits:
            raise CorrectionRefused(f"{case.reference} has no home visit waiting to be made")
        visit = visits[-1]
        officer = next((o for o in uow.directory.officers() if o.code == officer_code), None)
        if officer is None or not officer.active:
            raise CorrectionRefused(f"no active officer has the code {officer_code!r}")
        if visit.officer_id == officer.id:
            raise CorrectionRefused(f"the visit is already {officer.name}'s")
        load = uow.directory.caseloads().get(officer.id, 0)
        if load >= officer.capacity:
            raise CorrectionRefused(
                f"{officer.name} is full ({load} of {officer.capacity} visits): "
                "choose another officer or raise their capacity"
            )
        uow.directory.update_visit(case_id, visit.round, officer_id=officer.id, assigned_on=today)
        if visit.officer_id is None:
            # First assignment: the visit's clock starts now, as when the procedure assigns it.
            Procedure(uow, settings, today).deadline(
                case, Step.HOME_VISIT, school_days=settings.timescales.home_visit, round=visit.round
            )
        note_in_history(
            case, by, f"home visit (round {visit.round}) given to {officer.name}: {reason}"
        )
        uow.cases.save(case)
        uow.commit()
    return {"case_id": case_id, "officer": officer.code, "round": visit.round}


def cancel_letter(uow: UnitOfWork, letter_id: int, *, by: str, reason: str) -> dict[str, Any]:
    """Take a queued postal letter out of the post before it is printed."""
    by, reason = who_and_why(by, reason)
    with uow:
        letter = uow.letters.get(letter_id)
        lock_cases(uow, [letter.case_id])
        letter = uow.letters.get(letter_id)
        if letter.channel is not Channel.POST or letter.status is not Delivery.QUEUED:
            raise CorrectionRefused(
                f"letter {letter_id} is {letter.channel.value} and {letter.status.value}: only a "
                "queued postal letter can be cancelled"
            )
        if letter.print_batch_id is not None:
            raise CorrectionRefused(
                f"letter {letter_id} is in print batch {letter.print_batch_id} already"
            )
        if not uow.letters.claim(letter_id, Delivery.QUEUED, Delivery.CANCELLED):
            raise CorrectionRefused(f"letter {letter_id} was taken by another process meanwhile")
        case = uow.cases.get(letter.case_id)
        note_in_history(
            case,
            by,
            f"letter {letter_id} ({letter.letter_type}) cancelled before printing: {reason}",
        )
        uow.cases.save(case)
        uow.commit()
    return {"letter_id": letter_id, "case_id": letter.case_id, "status": "cancelled"}


def reopen_case(
    uow: UnitOfWork,
    case_id: int,
    *,
    by: str,
    reason: str,
    settings: Settings,
    today: date,
) -> dict[str, Any]:
    """Reopen a closed case as a new notification of the same child, from the CME team.

    A closed case stays closed (its outcome is evidence and the transition table keeps closure
    final): the child's record is taken in again through intake, with every intake rule (school
    age, an open case of the same child, safeguarding to MASH at once), then acknowledged to the
    team and investigated. Reopening twice on one day takes the child in once.
    """
    by, reason = who_and_why(by, reason)
    with uow:
        case = uow.cases.get(case_id)
        if case.is_open:
            raise CorrectionRefused(f"{case.reference} is open: there is nothing to reopen")
        if case.child.forename == "" or case.child.surname == "":
            raise CorrectionRefused(f"{case.reference} was anonymised: it cannot be reopened")
        fields = uow.workspace.case_fields(case_id)
    notification = Notification(
        forename=fields["forename"],
        surname=fields["surname"],
        date_of_birth=fields["date_of_birth"],
        referral_date=today,
        referrer_organisation=settings.council.service_name,
        sex=fields["sex"],
        upn=fields["upn"],
        address_line1=fields["address_line1"],
        address_line2=fields["address_line2"],
        town=fields["town"],
        postcode=fields["postcode"],
        parent_name=fields["parent_name"],
        parent_phone=fields["parent_phone"],
        parent_email=fields["parent_email"],
        school_urn=fields["school_urn"],
        school_name=fields["school_name"],
        reason=case.reason,
        vulnerabilities=case.vulnerabilities,
        referrer_name=by,
        referrer_email=settings.council.email,
        notes=f"Reopened from {case.reference}: {reason}",
    )
    report = ingest_rows(
        uow,
        [(1, notification)],
        source=f"reopened {case.reference}",
        settings=settings,
        today=today,
    )
    if report.rejections:
        raise CorrectionRefused(f"intake refused the record: {report.rejections[0].reason}")
    new_ids = report.opened_case_ids + report.linked_case_ids + report.taken_in_case_ids
    new_id = new_ids[0] if new_ids else None
    # Triage as intake of a file does: outside compulsory school age closes as not CME.
    not_cme = triage_cases(uow, report.opened_case_ids + report.taken_in_case_ids, today=today)
    to_investigate = report.opened_case_ids + never_investigated(uow, report.taken_in_case_ids)
    with uow:
        procedure = Procedure(uow, settings, today)
        if new_id is not None:
            procedure.acknowledge(lock_cases(uow, [new_id]))
            uow.commit()
        for opened in to_investigate:
            lock_cases(uow, [opened])
            procedure.investigate(opened)
            uow.commit()
        if report.opened_case_ids:
            lock_cases(uow, [case_id])
            closed = uow.cases.get(case_id)
            note_in_history(
                closed, by, f"reopened as {case_reference(report.opened_case_ids[0])}: {reason}"
            )
            uow.cases.save(closed)
            uow.commit()
    disposition = (
        "not_cme"
        if not_cme
        else "opened"
        if report.opened
        else "linked"
        if report.linked
        else "already_reopened"
    )
    return {"case_id": new_id, "reopened_from": case_id, "disposition": disposition}
