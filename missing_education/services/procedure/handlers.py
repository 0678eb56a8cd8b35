"""What each kind of decision does to its case: one function per kind, dispatched by a table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from missing_education.clock import now
from missing_education.domain import Case, DecisionRefused, HistoryEntry, Outcome, Status
from missing_education.domain.deadline import Step
from missing_education.domain.decision import (
    DecisionKind,
)
from missing_education.domain.risk import read_risks
from missing_education.services import recipients, safeguarding
from missing_education.services.checks import outcome_for
from missing_education.services.procedure import attendance_order
from missing_education.services.procedure.decision_rules import address_of, visit_time
from missing_education.services.procedure.report import StepReport

if TYPE_CHECKING:
    from missing_education.services.procedure.core import Procedure

# A decision's effect on its case: (procedure, case, answer code, who, the answer's facts, report).
DecisionHandler = Callable[["Procedure", Case, str, str, dict[str, Any], StepReport], None]


def on_school_reply(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    p.uow.deadlines.meet(case.id, Step.SCHOOL_REPLY, p.today)
    if answer == "on_roll_here":
        p.close(case, Outcome.NOT_CME, who, "the school confirms the child is on its roll")
    elif answer == "on_roll_elsewhere":
        p.close(case, Outcome.ON_ROLL_ELSEWHERE, who, "the school confirms the new school")
    elif answer == "moved_abroad":
        p.close(case, Outcome.MOVED_ABROAD, who, "the school holds evidence of the move abroad")
    elif answer == "new_address":
        p.move_to_new_address(case, who, address_of(str(d["new_address"])), "the school", r)
    elif answer == "no_information":
        # Recorded on the history; the home visit, checks and the locate limit carry on.
        p.note(case, who, "the school knows nothing more: enquiries go on")


def on_home_visit(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    visits = p.uow.directory.visits(case.id)
    current = max((v.round for v in visits), default=0)
    if current:
        visited = date.fromisoformat(str(d.get("visited_on") or p.today.isoformat()))
        p.uow.directory.update_visit(case.id, current, outcome=answer, visited_on=visited)
    p.uow.deadlines.meet(case.id, Step.HOME_VISIT, p.today)
    timescales = p.settings.timescales
    if answer == "no_answer":
        officer = next(
            (
                o.name
                for v in visits
                if v.round == current and v.officer_id
                for o in [p.uow.directory.officer(v.officer_id)]
                if o
            ),
            p.settings.council.signatory_name,
        )
        p.letter(
            case,
            "calling_card",
            f"calling_card:{current}",
            recipients.parent(case, case.parent_name),
            # The time the officer recorded for the visit, never when the answer was typed.
            visit={"officer": officer, **visit_time(d.get("visited_at"), p.today)},
            deadline=p.today + timedelta(days=timescales.calling_card_callback_days),
        )
        p.request_visit(case, round=current + 1, report=r)
    elif answer == "family_found_no_place":
        # Found: the locate limit and the school's reply no longer drive escalation.
        p.uow.deadlines.meet(case.id, Step.LOCATE_CHILD, p.today)
        p.uow.deadlines.meet(case.id, Step.SCHOOL_REPLY, p.today)
        p.move(case, Status.LOCATED, who, "family found at home; no school place")
        p.deadline(case, Step.SECURE_PLACE, school_days=timescales.secure_place)
    elif answer == "on_roll":
        p.close(case, Outcome.ON_ROLL_HERE, who, "home visit: the child is on a school roll")
    elif answer == "elective_home_education":
        # Closing as EHE tells the EHE team (Branches.close).
        p.close(case, Outcome.EHE, who, "home visit: the parent educates the child at home")
    elif answer == "moved_other_council":
        p.handover(case, who, d)
    elif answer == "moved_abroad":
        p.close(case, Outcome.MOVED_ABROAD, who, "home visit: evidence of a move abroad")
    elif answer == "refuses_education":
        p.serve_s437(case, who)
    elif answer == "not_at_address":
        pass  # enquiries go on; the locate deadline escalates if the child is not found


def on_admissions(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    p.uow.deadlines.meet(case.id, Step.ADMISSIONS_DECISION, p.today)
    if answer == "placed":
        p.close(case, Outcome.ON_ROLL_HERE, who, "in-year admission: place allocated")
    elif case.status is Status.AWAITING_ADMISSION:
        # A recorded refusal: the in-year route has failed, so Fair Access (Code 2021, 3.17).
        p.refer_fair_access(case, who)


def on_fair_access(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    if answer == "placed":
        p.uow.deadlines.meet(case.id, Step.FAIR_ACCESS_PLACE, p.today)
        p.close(case, Outcome.ON_ROLL_HERE, who, "placed through the Fair Access Protocol")
    else:
        p.escalate_to_manager(
            case,
            Step.FAIR_ACCESS_PLACE,
            p.today,
            "the Fair Access panel has not placed the child",
        )
        # The child still needs a place: the case waits for the panel's next answer.
        p.uow.decisions.request(case.id, "fair_access", p.today)


def on_handover(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    p.uow.deadlines.meet(case.id, Step.HANDOVER_CONFIRMATION, p.today)
    if answer == "confirmed_on_roll":
        p.close(case, Outcome.ON_ROLL_ELSEWHERE, who, "the other council confirms the roll")
    elif case.status is Status.HANDOVER:
        # Not located in time, the sweep may have escalated the case already: nothing twice.
        p.escalate_not_located(case, who, "the other council could not confirm the child")


def on_s437(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    if answer == "attendance_order_expedient":
        # Only once the period from service is over (the move's preconditions say so).
        attendance_order.order_expedient(p, case, who, d)
        return
    p.uow.deadlines.meet(case.id, Step.S437_COMPLIANCE, p.today)
    if answer == "school_place_shown":
        # A place at a school (an independent school too): on a roll, ground 9(1)(a).
        school = str(d.get("school") or "").strip()
        p.close(case, Outcome.ON_ROLL_HERE, who, f"the parent showed a place at {school} (s437(1))")
    elif answer in ("home_education_shown", "suitable_education_shown"):
        # Elective home education: the EHE team is told (Branches.close), ground 9(1)(f).
        p.close(case, Outcome.EHE, who, "the parent showed suitable home education (s437(1))")
    elif answer == "applied_for_place":
        p.refer_admissions(case, who)


def on_s438(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    if answer == "registered_at_school":
        # Registered before any order: nothing to order (the school confirmed the roll).
        p.uow.deadlines.meet(case.id, Step.S438_CHOICE, p.today)
        p.close(case, Outcome.ON_ROLL_HERE, who, "a school confirms the child is registered")
    else:
        attendance_order.serve_order(p, case, who, answer, d)


def on_attendance_order(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    if answer == "registered_and_attending":
        p.uow.deadlines.meet(case.id, Step.ORDER_COMPLIANCE, p.today)
        p.close(
            case,
            Outcome.ON_ROLL_HERE,
            who,
            "the named school confirms the child is registered and attending (order complied with)",
        )
    elif answer == "order_revoked":
        attendance_order.order_revoked(p, case, who)
    else:
        attendance_order.not_complying(p, case, who, r)


def on_police_notification(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    if answer == "notify":
        p.letter(
            case,
            "police_notification",
            "police_notification:1",
            recipients.agency("police", p.settings),
            reason="The child has not been located after all reasonable enquiries.",
            evidence=p.evidence(case),
            deadline=p.calendar.add_school_days(p.today, 5),
        )


def on_lpd_search(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    if answer == "found_on_lpd":
        p.close(case, Outcome.ON_ROLL_ELSEWHERE, who, "the Lost Pupil Database shows a new school")


def on_match_review(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    if answer != "same_child":
        return  # a different child: enquiries go on as before
    linked = [c for c in p.uow.sources.checks(case.id) if c.decision in ("match", "possible")]
    source = str(d.get("source") or (linked[-1].source_name if linked else ""))
    outcome = outcome_for(source)
    if outcome is not None:
        p.close(case, outcome, who, f"a coordinator confirmed the match in {source}")
    else:
        # Known to social care, health or housing: a lead for the visit, not a closure.
        case.new_history.append(
            HistoryEntry(
                at=now(),
                who=who,
                from_status=case.status,
                to_status=case.status,
                why=f"a coordinator confirmed the child is known to {source}",
            )
        )
        p.uow.cases.save(case)


def on_risk_mapping(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    mapped = safeguarding.map_flag(case, answer)
    if mapped is None:
        raise DecisionRefused(f"{case.reference} has no unrecognised risk flag to map")
    case.new_history.append(
        HistoryEntry(
            at=now(),
            who=who,
            from_status=case.status,
            to_status=case.status,
            why=f"risk flag '{mapped[0]}' mapped to {mapped[1]}",
        )
    )
    p.uow.cases.save(case)
    if read_risks(case.vulnerabilities).unknown:
        safeguarding.ask_to_map(p, case, r)  # the next unmapped flag


def on_closure(
    p: Procedure, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
) -> None:
    p.close(case, Outcome(answer), who, str(d.get("why") or "closed by a coordinator"))


# What each kind of decision does to its case: one handler per kind.
HANDLERS: dict[DecisionKind, DecisionHandler] = {
    DecisionKind.SCHOOL_REPLY: on_school_reply,
    DecisionKind.HOME_VISIT: on_home_visit,
    DecisionKind.ADMISSIONS: on_admissions,
    DecisionKind.FAIR_ACCESS: on_fair_access,
    DecisionKind.MATCH_REVIEW: on_match_review,
    DecisionKind.POLICE_NOTIFICATION: on_police_notification,
    DecisionKind.LPD_SEARCH: on_lpd_search,
    DecisionKind.HANDOVER: on_handover,
    DecisionKind.S437: on_s437,
    DecisionKind.CLOSURE: on_closure,
    DecisionKind.RISK_MAPPING: on_risk_mapping,
    DecisionKind.S438: on_s438,
    DecisionKind.ATTENDANCE_ORDER: on_attendance_order,
}
