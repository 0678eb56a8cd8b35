"""The checks every decision passes before it touches a case, whatever door it came through."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from missing_education.clock import LONDON
from missing_education.domain import Case, DecisionRefused
from missing_education.domain.decision import (
    Answer,
    DecisionKind,
    DecisionRequest,
    is_email,
)
from missing_education.ports import UnitOfWork


def visit_time(recorded: object, day: date) -> dict[str, Any]:
    """The calling card's visit time: `visited_at` as recorded (HH:MM on `day`, or a full
    date and time), else the day of the visit alone; DecisionRefused if it cannot be read.
    """
    if recorded is None or str(recorded).strip() == "":
        return {"on": day}
    text = str(recorded).strip()
    try:
        if len(text) <= 5:
            at = datetime.combine(day, datetime.strptime(text, "%H:%M").time())
        else:
            at = datetime.fromisoformat(text)
    except ValueError:
        raise DecisionRefused(
            f"visited_at must be a time (14:30) or a date and time (2026-11-24 14:30), not {text!r}"
        ) from None
    return {"at": at if at.tzinfo else at.replace(tzinfo=LONDON)}


def not_pending_reason(uow: UnitOfWork, case: Case, decision: DecisionKind) -> str:
    """Why a decision is refused when it is not pending on the case: what is pending instead."""
    asked = uow.decisions.for_case(case.id)
    pending = sorted({d.kind for d in asked if d.is_open} - {decision.value})
    given = [d for d in asked if d.kind == decision.value]
    said = ""
    if given and not given[-1].is_open:
        last = given[-1]
        said = f" (already answered: {last.answer} by {last.decided_by})"
    if not case.is_open:
        return f"{case.reference} is closed ({case.outcome}): nothing is pending"
    waiting = ", ".join(pending) if pending else "no decision"
    return (
        f"{case.reference} is not waiting for decision {decision.value}{said}; "
        f"it is {case.status.value} and waiting for: {waiting}"
    )


def checked_details(
    today: date, case: Case, decision: DecisionKind, chosen: Answer, details: dict[str, Any]
) -> dict[str, Any]:
    """The answer's facts, checked: a visit date in range, the other council's email."""
    checked = dict(details)
    if decision.spec.asks_visit_date:
        raw = checked.get("visited_on") or today
        try:
            visited = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError:
            raise DecisionRefused(f"the visit date {raw!r} is not a date (YYYY-MM-DD)") from None
        if visited > today:
            raise DecisionRefused(f"the visit date {visited:%d %B %Y} is in the future")
        if visited < case.opened_on:
            raise DecisionRefused(
                f"the visit date {visited:%d %B %Y} is before {case.reference} was opened "
                f"({case.opened_on:%d %B %Y})"
            )
        checked["visited_on"] = visited.isoformat()
    if decision is DecisionKind.S438 and chosen.value in decision.spec.needs_details:
        if not str(checked.get("named_school_urn") or "").strip():
            raise DecisionRefused("give the URN of the school the parent chose (--school-urn)")
    elif chosen.value in decision.spec.needs_details:
        if not str(checked.get("other_council") or "").strip():
            raise DecisionRefused("name the council the family moved to (--other-council)")
        if not checked.get("other_council_email"):
            raise DecisionRefused("give that council's CME email (--other-council-email)")
    email = str(checked.get("other_council_email") or "")
    if email and not is_email(email):
        raise DecisionRefused("the other council's email is not an email address")
    return checked


def repeats_last_answer(
    uow: UnitOfWork,
    today: date,
    case_id: int,
    kind: str,
    answer: str,
    details: dict[str, Any],
    waiting: DecisionRequest | None,
) -> bool:
    """Whether this is the answer just given, arriving again.

    It is when the last answer of this kind was the same, with the same details, and
    nothing of this kind has been asked since, except what that answer itself asked for
    today (a second home visit after "no_answer").
    """
    answered = [d for d in uow.decisions.for_case(case_id) if d.kind == kind and not d.is_open]
    if not answered:
        return False
    last = max(answered, key=lambda d: d.round)
    # Details are stored as JSON: compare them as they will be read back.
    same = last.answer == answer and last.details == json.loads(json.dumps(details, default=str))
    asked_since = waiting is not None and not (
        waiting.round == last.round + 1 and waiting.requested_on == today
    )
    return same and not asked_since
