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
from missing_education.services.attention import NOT_THE_CASE, classify, guarded
from missing_education.services.batches import in_batches
from missing_education.services.collecting import fewer_collections
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import Procedure, StepReport
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Settings

NOT_LOCATED = (Status.INVESTIGATING, Status.HANDOVER)


def overdue(deadlines: list[Deadline], today: date) -> list[Deadline]:
    """Deadlines whose last day has passed (due is the last day allowed), oldest first."""
    return sorted(
        (d for d in deadlines if d.is_open and d.due < today), key=lambda d: (d.due, d.case_id)
    )


def review_cases(uow: UnitOfWork, *, settings: Settings, today: date) -> StepReport:
    """Apply the rules to every overdue step; safe to run twice at once or after downtime.

    Each deadline is claimed (marked acted on) inside the same transaction as its effects, a
    batch of cases at a time, so a second sweep finds it claimed and a crash leaves it unclaimed.
    """
    report = StepReport()
    with uow, fewer_collections():
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
        # A batch of cases per commit (services.batches): each case on its own all the same.
        past = uow.cases.open_past_school_age(today)
        try:
            report.merge(in_batches(procedure, past, _close_past_school_age))
        except WriteConflict:
            uow.rollback()  # another process holds these cases: the next review closes them
            for case_id in past:
                report.count("left_for_next_review", case_id)
        _act_on_overdue_steps(uow, procedure, report, flagged, settings=settings, today=today)
        report.letters = len(procedure.letters)
    return report


def _act_on_overdue_steps(
    uow: UnitOfWork,
    procedure: Procedure,
    report: StepReport,
    flagged: set[int],
    *,
    settings: Settings,
    today: date,
) -> None:
    """Every overdue step, a batch of cases at a time: claimed, applied in memory, one commit.

    A batch's cases are locked and their overdue deadlines claimed in the transaction that acts
    on them, so a crash leaves whole cases (the rest are claimed by the rerun) and a second
    sweeper takes other cases. A step that fails on one case drops that case's work and
    releases its claims (it is tried again next time); the case is flagged, the batch goes on.
    """
    after = 0
    size = max(1, settings.sweep_batch_size)
    while True:
        try:
            batch = uow.batches.claim_batch(today, after_case_id=after, limit=size)
        except WriteConflict:
            uow.rollback()  # another process holds what this batch needs: the next sweep
            break
        if batch is None:
            return
        after = batch.last_case_id
        # The batch's own view of the unit of work: reads from memory, writes staged.
        step_procedure = Procedure(batch.uow, settings, today)
        step_procedure._calendar = procedure.calendar
        by_case: dict[int, list[Deadline]] = {}
        for deadline in batch.claimed:
            by_case.setdefault(deadline.case_id, []).append(deadline)
        done = StepReport()
        failed: dict[int, BaseException] = {}
        for case_id, steps in by_case.items():
            kept = len(step_procedure.letters)
            step = StepReport()
            try:
                for deadline in steps:
                    case = batch.uow.cases.get(case_id)
                    _apply_if_open(step_procedure, case, deadline, step)
            except NOT_THE_CASE:
                raise
            except Exception as error:  # one bad record stops nothing (issue 15)
                batch.discard(case_id)
                del step_procedure.letters[kept:]
                failed[case_id] = error
                continue
            done.merge(step)
        try:
            batch.flush()
            for case_id, fault in failed.items():
                category, reason = classify(fault)
                uow.attention.flag(case_id, category, reason, today)
            # A flag goes once a step on the case works (one failing today keeps it).
            for case_id in (by_case.keys() & flagged) - failed.keys() - report.attention.keys():
                uow.attention.clear(case_id)
            uow.commit()
        except WriteConflict:
            uow.rollback()  # nothing of the batch was kept: its cases wait for the next sweep
            for case_id in by_case:
                report.count("left_for_next_review", case_id)
            continue
        report.merge(done)
        for case_id in failed:
            report.fail(classify(failed[case_id])[0], case_id)
        procedure.letters.extend(step_procedure.letters)


def _close_past_school_age(p: Procedure, case_id: int) -> StepReport:
    """Close an open case whose child is past compulsory school age, whatever its stage.

    No CME action (letter, notice, visit) may be taken after the child ceases to be of
    compulsory school age (Education Act 1996 s8), so this runs before any overdue step.
    """
    report = StepReport()
    case = p.uow.cases.get(case_id, lock=True)
    if not case.is_open or case.csa_ends is None or case.csa_ends >= p.today:
        return report  # closed by someone else meanwhile
    p.close(
        case,
        Outcome.PAST_CSA,
        SYSTEM,
        f"ceased to be of compulsory school age on {case.csa_ends:%d %B %Y}",
    )
    report.count("closed_past_csa", case_id)
    return report


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
        if p.locate_overdue(case, deadline):
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
        if p.admissions_overdue(case, deadline):
            report.count("escalated_to_manager", case.id)
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
    # Each review searches the sources loaded since the last one; a match goes to a person.
    p.search_sources(case, report)
    p.deadline(
        case,
        Step.MONITORING_REVIEW,
        calendar_days=p.settings.timescales.monitoring_interval_days,
        round=deadline.round + 1,
    )
    report.count("monitoring_review", case.id)


def review_and_typeset(uow: UnitOfWork, *, settings: Settings, today: date) -> StepReport:
    """The daily case review without Prefect: the sweep, then the letters it queued typeset.

    A letter that cannot be typeset flags its case (a letter problem); the others go on.
    """
    report = review_cases(uow, settings=settings, today=today)
    for case_id in typeset_letters(uow, settings=settings, today=today).attention:
        report.fail("letter", case_id)
    return report
