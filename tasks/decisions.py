"""Decisions in the Prefect UI: the Resume form of each kind, and the run that asks it.

The forms are made from the domain's one vocabulary (`missing_education.domain.decision`):
plain-English choices, UK dates, who decided; never free text, because whatever a form takes
stays readable in Prefect's database. Notes belong to the case record (`cme decide --notes`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from prefect.context import get_run_context
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.input.actions import delete_flow_run_input
from pydantic import Field, create_model

from missing_education.clock import today
from missing_education.domain import DecisionRefused, DomainError
from missing_education.domain.decision import (
    DECIDED_BY_PATTERN,
    DecisionKind,
    DecisionRequest,
    DecisionSpec,
)
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.decisions import (
    AwaitingDecision,
    answer_decision,
    pending_decision,
    why_not_pending,
)
from missing_education.services.locks import lock_cases
from missing_education.settings import load_settings
from tasks.decision_runs import PrefectDecisionRuns, finish_runs
from tasks.policy import case_task

VISIT_DAYS_OFFERED = 21  # a visit is recorded within three weeks; older ones via `cme decide`


def suspend_key(kind: str, reference: str, attempt: int = 1) -> str:
    """The suspend key: lower-case letters, digits and dashes only.

    Prefect refuses any other character only after the run is suspended, and its Resume
    dialog then shows no form at all.
    """
    base = f"{DecisionKind(kind).slug}-{reference.lower()}"
    return base if attempt == 1 else f"{base}-{attempt}"


def uk_day(day: date, today_: date) -> str:
    """A day as the form offers it: `Mon 30 Nov 2026`, and `(today)` for today."""
    return f"{day:%a %d %b %Y}" + (" (today)" if day == today_ else "")


def day_from_label(label: str) -> date:
    """The date a visit-day label stands for."""
    return datetime.strptime(" ".join(label.split()[:4]), "%a %d %b %Y").date()


def decision_form(spec: DecisionSpec, opened_on: date, today_: date) -> type[RunInput]:
    """The Resume form of one kind: the answer, the visit day if asked, and who decided."""
    answers: dict[str, Any] = {
        "enum": [a.label for a in spec.offered if a.value not in spec.needs_details]
    }
    fields: dict[str, Any] = {
        "answer": (str, Field(title=spec.question, json_schema_extra=answers))
    }
    if spec.asks_visit_date:
        first = max(opened_on, today_ - timedelta(days=VISIT_DAYS_OFFERED - 1))
        days: dict[str, Any] = {
            "enum": [
                uk_day(today_ - timedelta(days=n), today_) for n in range((today_ - first).days + 1)
            ]
        }
        fields["visited_on"] = (
            str,
            Field(default=uk_day(today_, today_), title="Day of the visit", json_schema_extra=days),
        )
    fields["decided_by"] = (
        str,
        Field(
            title="Your name or staff id",
            description="The case record keeps who decided (one line, at most 100 characters).",
            max_length=100,
            pattern=DECIDED_BY_PATTERN,
        ),
    )
    name = "".join(part.capitalize() for part in spec.kind.value.split("_")) + "Form"
    model: type[RunInput] = create_model(name, __base__=RunInput, **fields)
    return model


def prompt(pending: AwaitingDecision, refused: str = "") -> str:
    """The Markdown at the top of the form: case reference, question, due date, safeguarding."""
    spec = pending.kind.spec
    due = f"Due by **{pending.due_by:%d/%m/%Y}**" if pending.due_by else "No deadline set yet"
    lines = [
        f"### {pending.reference}: {spec.title.lower()}",
        f"{due} · safeguarding flag: **{'yes' if pending.safeguarding else 'no'}**",
    ]
    if refused:
        lines.append(f"**Not recorded:** {refused}. Please answer again.")
    for code in sorted(spec.needs_details):
        label = next(a.label for a in spec.answers if a.value == code)
        lines.append(
            f"{label}? Record it with `cme decide {pending.case_id} {spec.kind.value} {code}` "
            "and its details; this run then ends by itself."
        )
    case_page = load_settings().web.case_url(pending.reference)
    lines.append(
        f"The child's details are in the case record, never here: [{pending.reference} in the "
        f"case workspace]({case_page})."
    )
    return "\n\n".join(lines)


# -- tasks around the service calls ---------------------------------------------------------


def _uow() -> SqlUnitOfWork:
    return SqlUnitOfWork(load_settings().effective_database_url)


@case_task()
def decision_answered_by_run(case_id: int, kind: str, flow_run_id: str) -> bool:
    """Whether this flow run's decision was already applied (a rerun must not ask again)."""
    with _uow() as uow:
        return any(
            d.kind == kind and d.flow_run_id == flow_run_id and not d.is_open
            for d in uow.decisions.for_case(case_id)
        )


@case_task()
def claim_pending_decision(
    case_id: int, kind: str, flow_run_id: str
) -> tuple[AwaitingDecision, date, str | None]:
    """The pending decision this run asks (with the case's opening day); it becomes the run.

    Refused when the decision is not pending (the run fails with what is pending instead);
    returns the run that asked it before, if another, so that one can be finished.
    """
    uow = _uow()
    day = today()
    pending = pending_decision(uow, case_id, kind, today=day)
    if pending is None and DecisionKind(kind).spec.at_will:
        with uow:  # closure is asked by the coordinator who starts this run
            if uow.cases.get(case_id).is_open:
                uow.decisions.request(case_id, kind, day)
                uow.commit()
        pending = pending_decision(uow, case_id, kind, today=day)
    if pending is None:
        # The same rule as every door: say what the case is waiting for instead.
        raise DecisionRefused(why_not_pending(uow, case_id, kind))
    with uow:
        lock_cases(uow, [case_id])
        opened_on = uow.cases.get(case_id).opened_on
        uow.decisions.attach_flow_run(
            DecisionRequest(case_id, pending.kind.value, pending.round, pending.asked_on),
            flow_run_id,
        )
        uow.commit()
    before = pending.flow_run_id if pending.flow_run_id != flow_run_id else None
    return pending, opened_on, before


@case_task()
def apply_decision(
    case_id: int, kind: str, answer: str, who: str, details: dict[str, Any], flow_run_id: str
) -> dict[str, Any]:
    """Answer the decision through the same guarded service as `cme decide`."""
    settings = load_settings()
    result = answer_decision(
        SqlUnitOfWork(settings.effective_database_url),
        case_id,
        kind,
        answer,
        who=who,
        details=details,
        settings=settings,
        today=today(),
        runs=PrefectDecisionRuns(),
        in_run=flow_run_id,
    )
    return result.as_dict()


def ask_and_apply(case_id: int, kind: DecisionKind) -> dict[str, Any]:
    """Suspend the flow run with the decision's form, then apply the answer to the case.

    The flow reruns from the top when resumed: claiming is idempotent and each suspend key
    hands back its stored answer, so nothing happens twice. An answer the service refuses
    (a visit day before the case opened) is asked again, with the reason, under a new key.
    """
    flow_run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    if decision_answered_by_run(case_id, kind.value, flow_run_id):
        # A rerun after the answer was applied (and its stored input deleted): nothing to ask.
        return {"case_id": case_id, "decision": kind.value, "applied": False}
    pending, opened_on, before = claim_pending_decision(case_id, kind.value, flow_run_id)
    if before:
        finish_runs([before])  # exactly one run per pending decision: this one
    form = decision_form(kind.spec, opened_on, today())
    refused = ""
    attempt = 0
    try:
        while True:
            attempt += 1
            answer = suspend_flow_run(
                wait_for_input=form.with_initial_data(description=prompt(pending, refused)),
                key=suspend_key(kind.value, pending.reference, attempt),
                timeout=None,
            )
            values = answer.model_dump()
            details = {}
            if "visited_on" in values:
                details["visited_on"] = day_from_label(str(values["visited_on"])).isoformat()
            try:
                return apply_decision(
                    case_id,
                    kind.value,
                    values["answer"],
                    values["decided_by"],
                    details,
                    flow_run_id,
                )
            except DomainError as error:
                refused = str(error)
    finally:
        # Who answered is in the case record now; Prefect keeps no copy, whether the answer
        # was applied or the run failed (a case closed meanwhile, a database error).
        for n in range(1, attempt + 1):
            key = suspend_key(kind.value, pending.reference, n)
            delete_flow_run_input(f"suspended-{key}-response")
