"""The school attendance order route after the s437(1) notice, stage by stage (ss437-443).

s437(1) notice served -> period over, not satisfied, a coordinator decides an order is
expedient -> s438 notice of intention naming a school (15 days from service to choose another)
-> order served naming the parent's choice or ours -> compliance: the named school confirms
registration (closed on roll), the order is revoked (s442), or it is not complied with (referred
for prosecution, s443). Each move is guarded by its preconditions (domain.preconditions), and
every period that the Act counts from service starts only when the letter is served.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from missing_education.clock import now
from missing_education.domain import (
    SYSTEM,
    Case,
    DecisionRefused,
    HistoryEntry,
    Outcome,
    Status,
)
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.letter import LetterRecord, Recipient
from missing_education.domain.words import answer_words, letter_words, long_date
from missing_education.rules.service import (
    deemed_served,
    expected_posting,
    period_last_day,
    stated_last_day,
)
from missing_education.services import recipients
from missing_education.services.procedure.branches import Branches
from missing_education.services.procedure.closing import OUTCOME_WORDS
from missing_education.services.procedure.facts import current_letter, latest_due
from missing_education.services.procedure.report import StepReport

# Letters whose period the Act counts from the day they are served, and the step it is.
PERIOD_STEPS: dict[str, Step] = {
    "s437_notice": Step.S437_COMPLIANCE,
    "s438_notice": Step.S438_CHOICE,
    "school_attendance_order": Step.ORDER_COMPLIANCE,
}
NOTICE_WORDS = {
    "s437_notice": "s437(1) notice",
    "s438_notice": "s438 notice of intention",
    "school_attendance_order": "school attendance order",
}


def statutory_days(p: Branches, letter_type: str) -> int | None:
    """The days (from service) a statutory notice gives the parent, or None for other letters."""
    timescales = p.settings.timescales
    return {
        "s437_notice": timescales.s437_notice_days,
        "s438_notice": timescales.s438_choice_days,
    }.get(letter_type)


def notice_served(p: Branches, letter: LetterRecord, served_on: date) -> None:
    """A notice was served: its period starts, counted from that day (none runs before).

    The deadline is the later of the date the letter states and the last day the Act allows
    from the actual service, so a notice posted late still gives the parent the full period.
    """
    step = PERIOD_STEPS.get(letter.letter_type)
    if step is None:
        return
    case = p.uow.cases.get(letter.case_id)
    if not case.is_open:
        return
    if any(d.step is step and d.round == 1 for d in p.uow.deadlines.for_case(case.id)):
        return  # already started (the same service recorded twice)
    days = statutory_days(p, letter.letter_type)
    if days is not None:
        legal = period_last_day(served_on, days)
    else:
        # School days on the calendar of the school the order names.
        legal = p.calendar.add_school_days(
            served_on,
            p.settings.timescales.attendance_order_register_days,
            named_school_urn(p, case),
        )
    due = max(legal, letter.reply_by or legal)
    p.uow.deadlines.add(
        Deadline(
            case_id=case.id,
            step=step,
            base_date=served_on,
            due=due,
            calendar_days=(due - served_on).days,
        )
    )
    said = (
        f"; the letter said {long_date(letter.reply_by)}"
        if letter.reply_by is not None and letter.reply_by != due
        else ""
    )
    _note(
        p,
        case,
        f"{NOTICE_WORDS[letter.letter_type]} (letter {letter.id}) served on "
        f"{long_date(served_on)}: its period runs to {long_date(due)}{said}",
    )


def order_expedient(p: Branches, case: Case, who: str, details: dict[str, Any]) -> None:
    """The coordinator's s437(3) decision: serve the s438 notice of intention naming a school."""
    urn, school = _school(p, str(details.get("named_school_urn") or case.school_urn or ""))
    p.uow.deadlines.meet(case.id, Step.S437_COMPLIANCE, p.today)
    p.move(
        case,
        Status.S438_ISSUED,
        who,
        f"period over and not satisfied; {who} decided an order is expedient: "
        f"s438 notice of intention naming school URN {urn}",
    )
    s437 = current_letter(p.uow, case.id, "s437_notice")
    timescales = p.settings.timescales
    p.letter(
        case,
        "s438_notice",
        "s438_notice:1",
        recipients.parent(case, case.parent_name),
        school={"name": school.organisation, "urn": urn},
        s437_served_on=s437.served_on if s437 and s437.served_on else p.today,
        s437_deadline=latest_due(p.uow, case.id, Step.S437_COMPLIANCE) or p.today,
        deadline=stated_last_day(
            p.today, timescales.s438_choice_days, timescales.post_deemed_service_days
        ),
    )
    p.uow.decisions.request(case.id, "s438", p.today)


def serve_order(p: Branches, case: Case, who: str, answer: str, details: dict[str, Any]) -> None:
    """Serve the school attendance order, naming the parent's choice or the school we named."""
    chosen = answer == "parent_chose_school"
    wanted = str(details.get("named_school_urn") or "") if chosen else named_school_urn(p, case)
    urn, school = _school(p, wanted)
    p.uow.deadlines.meet(case.id, Step.S438_CHOICE, p.today)
    p.move(
        case,
        Status.ATTENDANCE_ORDER,
        who,
        f"school attendance order served naming school URN {urn} "
        + ("(the parent's choice)" if chosen else "(no school chosen in the 15 days)"),
    )
    timescales = p.settings.timescales
    # Register by: school days on the named school's calendar from the order's expected service.
    register_by = p.calendar.add_school_days(
        deemed_served(expected_posting(p.today), timescales.post_deemed_service_days),
        timescales.attendance_order_register_days,
        urn,
    )
    named = {"name": school.organisation, "urn": urn}
    p.letter(
        case,
        "school_attendance_order",
        "school_attendance_order:1",
        recipients.parent(case, case.parent_name),
        school=named,
        named_because=(
            "You chose this school within the 15 days our notice of intention gave you, so "
            "this order names it."
            if chosen
            else "You did not choose a school within the 15 days our notice of intention gave "
            "you, so this order names the school we said we intended to name."
        ),
        deadline=register_by,
    )
    p.letter(
        case,
        "attendance_order_school",
        "attendance_order_school:1",
        school,
        school=named,
        deadline=register_by,
    )
    p.uow.decisions.request(case.id, "attendance_order", p.today)


def not_complying(p: Branches, case: Case, who: str, report: StepReport) -> None:
    """The order is not complied with: refer for prosecution (once) and keep monitoring."""
    rounds = [d for d in p.uow.deadlines.for_case(case.id) if d.step is Step.ORDER_COMPLIANCE]
    if case.status is Status.ATTENDANCE_ORDER:
        p.move(case, Status.PROSECUTION, who, "order not complied with: referred for prosecution")
        urn, school = _school(p, named_school_urn(p, case))
        p.letter(
            case,
            "prosecution_referral",
            "prosecution_referral:1",
            recipients.agency("attendance_enforcement", p.settings),
            school={"name": school.organisation, "urn": urn},
            reason=f"The school attendance order is not complied with (recorded by {who} on "
            f"{long_date(p.today)}): the child is not registered at, or not attending, the "
            "school named in it.",
            evidence=route_evidence(p, case),
            deadline=p.calendar.add_school_days(p.today, 5),
        )
        report.count("referred_for_prosecution", case.id)
    p.uow.deadlines.meet(case.id, Step.ORDER_COMPLIANCE, p.today)
    # The order stays in force: the school is asked again, on a new date.
    p.deadline(
        case,
        Step.ORDER_COMPLIANCE,
        school_days=p.settings.timescales.attendance_order_register_days,
        school_urn=named_school_urn(p, case),
        round=max((d.round for d in rounds), default=0) + 1,
    )
    p.uow.decisions.request(case.id, "attendance_order", p.today)


def order_revoked(p: Branches, case: Case, who: str) -> None:
    """The order is revoked (s442): education otherwise; the EHE team is told."""
    p.uow.deadlines.meet(case.id, Step.ORDER_COMPLIANCE, p.today)
    p.close(case, Outcome.EHE, who, "school attendance order revoked (s442): education otherwise")
    p.letter(
        case,
        "closure_referrer",
        "ehe_team:1",
        recipients.agency("ehe_team", p.settings),
        notification_date=case.referral_date,
        outcome=OUTCOME_WORDS[Outcome.EHE],
    )


def named_school_urn(p: Branches, case: Case) -> str:
    """The school the route names: the parent's choice, else the one the s438 notice named."""
    for decision in sorted(p.uow.decisions.for_case(case.id), key=lambda d: d.round, reverse=True):
        if (decision.kind, decision.answer) in (
            ("s438", "parent_chose_school"),
            ("s437", "attendance_order_expedient"),
        ) and decision.details.get("named_school_urn"):
            return str(decision.details["named_school_urn"])
    return case.school_urn


def route_evidence(p: Branches, case: Case) -> list[str]:
    """The route's steps from the record, one line each, for the prosecution referral."""
    lines = []
    for letter_type in NOTICE_WORDS:
        letter = current_letter(p.uow, case.id, letter_type)
        if letter is None:
            continue
        served = f"served on {long_date(letter.served_on)}" if letter.served_on else "not served"
        due = latest_due(p.uow, case.id, PERIOD_STEPS[letter_type])
        lines.append(
            f"{letter_words(letter_type)}, {served}"
            + (f"; period to {long_date(due)}." if due else ".")
        )
    for decision in p.uow.decisions.for_case(case.id):
        if decision.answer and decision.kind in ("s437", "s438", "attendance_order"):
            when = decision.decided_at.date() if decision.decided_at else decision.requested_on
            lines.append(
                f"Recorded by {decision.decided_by} on {long_date(when)}: "
                f"{answer_words(decision.answer)}."
            )
    return lines


def _school(p: Branches, urn: str) -> tuple[str, Recipient]:
    school = recipients.named_school(p.uow, urn) if urn else None
    if school is None:
        raise DecisionRefused(
            "name the school for the attendance order with its URN (--school-urn): "
            + (f"URN {urn} is not in the schools directory" if urn else "none was given")
        )
    return urn, school


def _note(p: Branches, case: Case, why: str) -> None:
    entry = HistoryEntry(
        at=now(), who=SYSTEM, from_status=case.status, to_status=case.status, why=why
    )
    case.history.append(entry)
    case.new_history.append(entry)
    p.uow.cases.save(case)
