"""The daily case review: every overdue step on the school calendar gets its rule applied once."""

from __future__ import annotations

from datetime import date
from functools import partial

from missing_education.domain import SYSTEM, Case, Outcome, Status
from missing_education.domain.attention import Attention
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.words import step_words
from missing_education.ports import UnitOfWork, WriteConflict
from missing_education.services import recipients
from missing_education.services.attention import NOT_THE_CASE, flag, guarded
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import Procedure, StepReport
from missing_education.settings import Settings

NOT_LOCATED = (Status.INVESTIGATING, Status.HANDOVER)


def overdue(deadlines: list[Deadline], today: date) -> list[Deadline]:
    """Deadlines whose last day has passed (due is the last day allowed), oldest first."""
    return sorted(
        (d for d in deadlines if d.is_open and d.due < today), key=lambda d: (d.due, d.case_id)
    )


def review_cases(uow: UnitOfWork, *, settings: Settings, today: date) -> StepReport:
    """Apply the rules to every overdue step; safe to run twice at once or after downtime.

    Each deadline is claimed (marked acted on) inside the same transaction as its effects, one
    case at a time, so a second sweep finds it claimed and a crash leaves it unclaimed.
    """
    report = StepReport()
    with uow:
        procedure = Procedure(uow, settings, today)
        # Only cases flagged before need their flag cleared when a step on them works.
        flagged = {attention.case_id for attention in uow.attention.all()}
        # Case by case: lock first, then read which visits still wait, so a second sweep
        # assigns none twice, and a case that cannot be read holds up no other.
        for case_id in sorted({visit.case_id for visit in uow.directory.visits(unassigned=True)}):
            try:
                assigned = guarded(
                    uow,
                    case_id,
                    today,
                    partial(_assign_visits, procedure, case_id, report),
                    clear=False,
                )
            except WriteConflict:
                uow.rollback()  # another sweep is assigning it: nothing twice
                continue
            if isinstance(assigned, Attention):
                report.fail(assigned.category, case_id)
        # No CME step after compulsory school age ends (Education Act 1996 s8): close those
        # cases first, each on its own, before any overdue step is acted on.
        for case_id in uow.cases.open_past_school_age(today):
            try:
                closed = guarded(
                    uow,
                    case_id,
                    today,
                    partial(_close_past_school_age, procedure, case_id, report),
                    clear=case_id in flagged,
                )
            except WriteConflict:
                uow.rollback()
                report.count("left_for_next_review", case_id)
                continue
            if isinstance(closed, Attention):
                report.fail(closed.category, case_id)
        for deadline in overdue(uow.deadlines.open(), today):
            # The case before its deadline, as every step locks them: nobody waits in a circle.
            try:
                case = uow.cases.get(deadline.case_id, lock=True)
            except NOT_THE_CASE:
                raise
            except Exception as error:  # a record that cannot even be read stops nothing
                report.fail(flag(uow, deadline.case_id, error, today).category, deadline.case_id)
                continue
            if not uow.deadlines.claim(deadline, today):
                uow.rollback()
                continue  # another sweep acted on it
            kept = len(procedure.letters)
            step = StepReport()
            try:
                outcome = guarded(
                    uow,
                    case.id,
                    today,
                    partial(_apply_if_open, procedure, case, deadline, step),
                    # A case failing on another deadline today keeps its flag.
                    clear=case.id in flagged and case.id not in report.attention,
                )
            except WriteConflict:
                # Someone else moved the case meanwhile: its deadline stays for the next sweep.
                uow.rollback()
                report.count("left_for_next_review", deadline.case_id)
                continue
            if isinstance(outcome, Attention):
                # Rolled back with its claim: the step is tried again on the next sweep.
                del procedure.letters[kept:]
                report.fail(outcome.category, case.id)
            else:
                report.merge(step)
        report.letters = len(procedure.letters)
    return report


def _close_past_school_age(p: Procedure, case_id: int, report: StepReport) -> None:
    """Close an open case whose child is past compulsory school age, whatever its stage.

    No CME action (letter, notice, visit) may be taken after the child ceases to be of
    compulsory school age (Education Act 1996 s8), so this runs before any overdue step.
    """
    case = p.uow.cases.get(case_id, lock=True)
    if not case.is_open or case.csa_ends is None or case.csa_ends >= p.today:
        return  # closed by someone else meanwhile
    p.close(
        case,
        Outcome.PAST_CSA,
        SYSTEM,
        f"ceased to be of compulsory school age on {case.csa_ends:%d %B %Y}",
    )
    report.count("closed_past_csa", case_id)


def _assign_visits(p: Procedure, case_id: int, report: StepReport) -> None:
    lock_cases(p.uow, [case_id])
    p.assign_waiting_visits(only_case=case_id, report=report)


def _apply_if_open(p: Procedure, case: Case, deadline: Deadline, report: StepReport) -> None:
    if case.is_open:
        _apply(p, case, deadline, report)


def _apply(p: Procedure, case: Case, deadline: Deadline, report: StepReport) -> None:
    timescales = p.settings.timescales
    step = deadline.step
    if step is Step.LOCATE_CHILD:
        if case.status in NOT_LOCATED:
            p.escalate_not_located(
                case, SYSTEM, f"not located within {timescales.not_located_escalation} school days"
            )
            report.count("escalated_not_located", case.id)
    elif step is Step.SCHOOL_REPLY:
        school = recipients.school(p.uow, case)
        if deadline.round == 1 and school is not None:
            reply_by = p.deadline(
                case,
                Step.SCHOOL_REPLY,
                school_days=timescales.reminder_grace,
                school_urn=case.school_urn,
                round=2,
            )
            p.letter(
                case,
                "school_enquiry_reminder",
                "school_enquiry_reminder:1",
                school,
                school={"name": school.organisation, "urn": case.school_urn or "not known"},
                enquiry_date=deadline.base_date,
                deadline=reply_by,
            )
            report.count("school_reminded", case.id)
        else:
            p.escalate_to_manager(
                case, step, deadline.due, "the school has not replied after a reminder"
            )
            report.count("escalated_to_manager", case.id)
    elif step is Step.HOME_VISIT:
        p.escalate_to_manager(case, step, deadline.due, "the home visit is overdue")
        report.count("escalated_to_manager", case.id)
    elif step is Step.SECURE_PLACE:
        if case.status is Status.LOCATED:
            p.refer_admissions(case, SYSTEM)
            report.count("referred_to_admissions", case.id)
    elif step is Step.ADMISSIONS_DECISION:
        if case.status is Status.AWAITING_ADMISSION:
            p.refer_fair_access(case, SYSTEM)
            report.count("referred_to_fair_access", case.id)
    elif step in (
        Step.FAIR_ACCESS_PLACE,
        Step.HANDOVER_CONFIRMATION,
        Step.S437_COMPLIANCE,
        Step.S438_CHOICE,  # the order is due: a coordinator records the parent's choice
        Step.ORDER_COMPLIANCE,
    ):
        p.escalate_to_manager(
            case, step, deadline.due, f"{step_words(step.value).lower()} is overdue"
        )
        report.count("escalated_to_manager", case.id)
    elif step is Step.MONITORING_REVIEW:
        _review_whereabouts_unknown(p, case, deadline, report)


def _review_whereabouts_unknown(
    p: Procedure, case: Case, deadline: Deadline, report: StepReport
) -> None:
    if case.status is Status.ESCALATED:
        p.move(case, Status.MONITORING, SYSTEM, "enquiries exhausted: reviewed monthly until found")
    if case.status is not Status.MONITORING:
        return
    if case.csa_ends is not None and p.today > case.csa_ends:
        p.close(
            case, Outcome.PAST_CSA, SYSTEM, "whereabouts unknown until past compulsory school age"
        )
        report.count("closed_past_csa", case.id)
        return
    p.deadline(
        case,
        Step.MONITORING_REVIEW,
        calendar_days=p.settings.timescales.monitoring_interval_days,
        round=deadline.round + 1,
    )
    report.count("monitoring_review", case.id)
