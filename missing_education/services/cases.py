"""Looking at cases: the coordinator's list, one case in full, and school-age answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from missing_education.domain import Status
from missing_education.domain.attention import Attention
from missing_education.ports import UnitOfWork
from missing_education.rules.school_age import (
    compulsory_school_age,
    is_of_compulsory_school_age,
    year_group,
)
from missing_education.services.calendar import load_calendar
from missing_education.services.checks import match_summary
from missing_education.services.letters import letter_summary


def list_cases(uow: UnitOfWork, status: Status | None = None) -> list[dict[str, Any]]:
    """Every case (or those in one status) with the date its current step is due."""
    with uow:
        flagged = {a.case_id: a for a in uow.attention.all()}
        return [
            {
                "case_id": s.case_id,
                "reference": s.reference,
                "status": s.status.value,
                "deadline": s.deadline.isoformat() if s.deadline else None,
                "deadline_step": s.deadline_step,
                "opened_on": s.opened_on.isoformat(),
                "needs_attention": attention_summary(flagged.get(s.case_id)),
            }
            for s in uow.cases.summaries(status)
        ]


def attention_summary(attention: Attention | None) -> dict[str, Any] | None:
    """A case's "needs attention" flag as the case list and case page show it."""
    if attention is None:
        return None
    return {
        "category": attention.category,
        "reason": attention.reason,
        "since": attention.since.isoformat(),
        "attempts": attention.attempts,
    }


def case_details(uow: UnitOfWork, case_id: int, *, today: date) -> dict[str, Any]:
    """One case in full: child, status, deadlines, history, notifications and letters."""
    with uow:
        case = uow.cases.get(case_id)
        deadlines = uow.deadlines.for_case(case_id)
        notifications = uow.notifications.for_case(case_id)
        letters = [letter_summary(letter) for letter in uow.letters.for_case(case_id)]
        decisions = uow.decisions.for_case(case_id)
        visits = uow.directory.visits(case_id)
        checks = [match_summary(check) for check in uow.sources.checks(case_id)]
        attention = uow.attention.get(case_id)
    born = case.child.date_of_birth
    school_age = compulsory_school_age(born) if born else None
    # The leaving date as intake worked it out on the term calendar (docs/domain.md section 2).
    csa_ends = case.csa_ends or (school_age.ends if school_age else None)
    open_deadlines = [d for d in deadlines if d.is_open]
    child = case.child
    return {
        "case_id": case.id,
        "reference": case.reference,
        "status": case.status.value,
        "needs_attention": attention_summary(attention),
        "deadline": open_deadlines[0].due.isoformat() if open_deadlines and case.is_open else None,
        "deadline_step": open_deadlines[0].step.value if open_deadlines and case.is_open else None,
        "child": {
            "forename": child.forename,
            "surname": child.surname,
            "date_of_birth": born.isoformat() if born else None,
            "sex": child.sex,
            "upn": child.upn,
            "address": [
                x
                for x in (child.address_line1, child.address_line2, child.town, child.postcode)
                if x
            ],
            "year_group": year_group(born, today) if born else None,
            # Not known without a date of birth: nothing that needs it may be done yet.
            "compulsory_school_age": {
                "starts": school_age.starts.isoformat() if school_age else None,
                "ends": csa_ends.isoformat() if csa_ends else None,
                "needs_review": case.csa_needs_review,
            },
        },
        "school": {"urn": case.school_urn, "name": case.school_name},
        "reason": case.reason,
        "vulnerabilities": list(case.vulnerabilities),
        "safeguarding": case.safeguarding,
        "referral_date": case.referral_date.isoformat(),
        "opened_on": case.opened_on.isoformat(),
        "outcome": case.outcome.value if case.outcome else None,
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "deadlines": [
            {
                "step": d.step.value,
                "round": d.round,
                "due": d.due.isoformat(),
                "counted_in": "school days" if d.school_days is not None else "days",
                "met_on": d.met_on.isoformat() if d.met_on else None,
                "acted_on": d.acted_on.isoformat() if d.acted_on else None,
            }
            for d in deadlines
        ],
        "history": [
            {
                "at": h.at.isoformat(timespec="seconds"),
                "who": h.who,
                "from": h.from_status.value if h.from_status else None,
                "to": h.to_status.value,
                "why": h.why,
            }
            for h in case.history
        ],
        "notifications": [
            {
                "source": n.source,
                "row": n.row_number,
                "referral_date": n.referral_date.isoformat(),
                "referrer_organisation": n.referrer_organisation,
                "disposition": n.disposition,
            }
            for n in notifications
        ],
        "letters": letters,
        "checks": checks,
        "decisions": [
            {
                "decision": d.kind,
                "round": d.round,
                "asked_on": d.requested_on.isoformat(),
                "answer": d.answer,
                "decided_by": d.decided_by,
                "decided_at": d.decided_at.isoformat(timespec="seconds") if d.decided_at else None,
                # The Prefect run that asks it: an id the case page links to, nothing more.
                "flow_run_id": d.flow_run_id,
            }
            for d in decisions
        ],
        "home_visits": [
            {
                "round": v.round,
                "requested_on": v.requested_on.isoformat(),
                "officer_id": v.officer_id,
                "assigned_on": v.assigned_on.isoformat() if v.assigned_on else None,
                "outcome": v.outcome,
            }
            for v in visits
        ],
    }


def school_age_report(
    date_of_birth: date, *, on: date | None, today: date, uow: UnitOfWork | None = None
) -> dict[str, Any]:
    """When compulsory school age starts and ends, the year group, and (on a date) whether CSA.

    With `uow`, the leaving date uses the council's term calendar (the autumn term's start).
    """
    autumn_term_start = None
    if uow is not None:
        with uow:
            autumn_term_start = load_calendar(uow).autumn_term_start
    school_age = compulsory_school_age(date_of_birth, autumn_term_start)
    report: dict[str, Any] = {
        "starts": school_age.starts.isoformat(),
        "ends": school_age.ends.isoformat(),
        "year_group": year_group(date_of_birth, on or today),
        "needs_review": school_age.needs_review,
    }
    if school_age.review_reason:
        report["review_reason"] = school_age.review_reason
    if on is not None:
        report["on"] = on.isoformat()
        report["of_compulsory_school_age"] = is_of_compulsory_school_age(
            date_of_birth, on, autumn_term_start
        )
    return report
