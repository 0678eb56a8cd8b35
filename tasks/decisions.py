"""Decisions in the Prefect UI: one suspended run per waiting decision, each with its form.

The forms are made from the domain's one vocabulary (`missing_education.domain.decision`):
plain-English choices, UK dates, who decided; never free text, because whatever a form takes
stays readable in Prefect's database. Notes belong to the case record (`cme decide --notes`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence, Set
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from prefect import get_client, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.actions import ArtifactCreate
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import StateType
from prefect.context import get_run_context
from prefect.exceptions import ObjectNotFound, PrefectException
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.input.actions import delete_flow_run_input
from prefect.states import Completed
from prefect.utilities.context import get_task_and_flow_run_ids
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
    awaiting_decisions,
    pending_decision,
    why_not_pending,
)
from missing_education.services.locks import lock_cases
from missing_education.settings import load_settings

log = logging.getLogger("cme.decisions")

DECISION_TAG = "decision"
ARTIFACT_KEY = "awaiting-decisions"
VISIT_DAYS_OFFERED = 21  # a visit is recorded within three weeks; older ones via `cme decide`
LIVE = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED]


def deployment_name(kind: DecisionKind) -> str:
    """The deployment that asks this kind: `decide-home-visit/home-visit`."""
    return f"decide-{kind.slug}/{kind.slug}"


def run_name(kind: DecisionKind, reference: str) -> str:
    """A run's name: the decision and the case reference only (`home-visit-cme-000123`)."""
    return f"{kind.slug}-{reference.lower()}"


def suspend_key(kind: str, reference: str, attempt: int = 1) -> str:
    """The suspend key: lower-case letters, digits and dashes only (see shared/PREFECT.md)."""
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
        "enum": [a.label for a in spec.answers if a.value not in spec.needs_details]
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
    lines.append("The child's details are in the case record, never here.")
    return "\n\n".join(lines)


# -- tasks around the service calls ---------------------------------------------------------


def _uow() -> SqlUnitOfWork:
    return SqlUnitOfWork(load_settings().effective_database_url)


@task(cache_policy=NO_CACHE, persist_result=False)
def decision_answered_by_run(case_id: int, kind: str, flow_run_id: str) -> bool:
    """Whether this flow run's decision was already applied (a rerun must not ask again)."""
    with _uow() as uow:
        return any(
            d.kind == kind and d.flow_run_id == flow_run_id and not d.is_open
            for d in uow.decisions.for_case(case_id)
        )


@task(cache_policy=NO_CACHE, persist_result=False)
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


@task(cache_policy=NO_CACHE, persist_result=False)
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
            result = apply_decision(
                case_id, kind.value, values["answer"], values["decided_by"], details, flow_run_id
            )
            break
        except DomainError as error:
            refused = str(error)
    for n in range(1, attempt + 1):
        # Who answered is in the case record now; Prefect keeps no copy.
        delete_flow_run_input(f"suspended-{suspend_key(kind.value, pending.reference, n)}-response")
    return result


# -- the orchestration side: one run per waiting decision -------------------------------------


def _server_configured() -> bool:
    """Whether a Prefect server is configured (embedded mode has no decision deployments)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value() or os.environ.get("PREFECT_API_URL"))


def start_decision_runs(case_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Give each waiting decision (on these cases, or all) its run: made once, named, tagged.

    The idempotency key is the decision itself, so a crash between making a run and recording
    it makes no second run; a run that crashed or was cancelled before its answer is replaced
    once. Returns counts; the `awaiting-decisions` artifact is refreshed.
    """
    uow = _uow()
    waiting = awaiting_decisions(uow, today=today())
    counts = {"waiting": len(waiting), "started": 0, "running": 0, "no_deployment": 0}
    wanted = [d for d in waiting if case_ids is None or d.case_id in set(case_ids)]
    with get_client(sync_client=True) as client:
        attached = [UUID(d.flow_run_id) for d in wanted if d.flow_run_id]
        live: set[str] = set()
        if attached:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(any_=attached),
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=LIVE)),
                )
            )
            live = {str(r.id) for r in runs}
        deployments: dict[DecisionKind, UUID | None] = {}
        made: set[str] = set()
        for d in wanted:
            if d.flow_run_id in live:
                counts["running"] += 1
                continue
            if d.kind not in deployments:
                try:
                    deployments[d.kind] = client.read_deployment_by_name(deployment_name(d.kind)).id
                except ObjectNotFound:
                    deployments[d.kind] = None
            deployment = deployments[d.kind]
            if deployment is None:
                counts["no_deployment"] += 1
                continue
            key = f"decision-{d.case_id}-{d.kind.slug}-{d.round}"
            if d.flow_run_id:
                key += f"-after-{d.flow_run_id}"  # the one before ended unanswered
            run = client.create_flow_run_from_deployment(
                deployment,
                parameters={"case_id": d.case_id},
                name=run_name(d.kind, d.reference),
                tags=[DECISION_TAG, d.kind.slug],
                idempotency_key=key,
            )
            with uow:
                uow.decisions.attach_flow_run(
                    DecisionRequest(d.case_id, d.kind.value, d.round, d.asked_on), str(run.id)
                )
                uow.commit()
            made.add(str(run.id))
            counts["started"] += 1
    finish_stale_runs(waiting, also_asked=made)
    publish_awaiting_decisions(waiting)
    return counts


def finish_runs(flow_run_ids: Sequence[str]) -> int:
    """Mark these decision runs Completed if they still wait: answered elsewhere, or closed."""
    if not flow_run_ids:
        return 0
    finished = 0
    with get_client(sync_client=True) as client:
        for flow_run_id in flow_run_ids:
            try:
                run = client.read_flow_run(UUID(flow_run_id))
            except ObjectNotFound:
                continue
            if run.state is None or run.state.is_final():
                continue
            client.set_flow_run_state(
                run.id,
                Completed(message="Answered outside this run, or the case closed: see the case."),
                force=True,
            )
            finished += 1
    return finished


def finish_stale_runs(
    waiting: Sequence[AwaitingDecision], also_asked: Set[str] = frozenset()
) -> int:
    """Finish suspended decision runs whose decision no longer waits (a missed finish)."""
    asked = {d.flow_run_id for d in waiting if d.flow_run_id} | also_asked
    with get_client(sync_client=True) as client:
        suspended = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=[DECISION_TAG]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])),
            )
        )
    return finish_runs([str(r.id) for r in suspended if str(r.id) not in asked])


def publish_awaiting_decisions(waiting: Sequence[AwaitingDecision] | None = None) -> None:
    """The `awaiting-decisions` artifact: references, kinds, dates and flags only."""
    rows = [d.as_row() for d in (waiting if waiting is not None else _waiting())]
    overdue = sum(1 for r in rows if r["overdue"] == "yes")
    empty = dict.fromkeys(("case", "asked_on", "due_by", "overdue", "safeguarding"), "-")
    task_run_id, flow_run_id = get_task_and_flow_run_ids()
    # Made through the client: `cme decide` refreshes it too, outside any flow run.
    with get_client(sync_client=True) as client:
        client.create_artifact(
            ArtifactCreate(
                key=ARTIFACT_KEY,
                type="table",
                data=json.dumps(rows or [{**empty, "decision": "none waiting"}]),
                description=f"{len(rows)} decisions waiting for a coordinator, {overdue} overdue.",
                flow_run_id=flow_run_id,
                task_run_id=task_run_id,
            )
        )


def _waiting() -> list[AwaitingDecision]:
    return awaiting_decisions(_uow(), today=today())


class PrefectDecisionRuns:
    """The DecisionRuns port on a Prefect server; a server that cannot be reached stops nothing.

    The answer is already in the case record when these are called: a failure here is only
    logged, and the next `daily-case-review` or decision run puts the queue right.
    """

    def ask(self, case_ids: Sequence[int]) -> None:
        """Start the runs of the decisions now waiting on these cases."""
        if not _server_configured():
            return  # embedded mode: no server, no deployments, nothing to start
        try:
            start_decision_runs(case_ids)
        except (httpx.HTTPError, PrefectException, RuntimeError) as error:
            log.warning("decision runs not started (%s); the daily review starts them", error)

    def finish(self, flow_run_ids: Sequence[str]) -> None:
        """Finish the runs of decisions answered elsewhere or withdrawn."""
        if not _server_configured():
            return
        try:
            finish_runs(flow_run_ids)
        except (httpx.HTTPError, PrefectException, RuntimeError) as error:
            log.warning("decision runs not finished (%s); the daily review finishes them", error)


@task(cache_policy=NO_CACHE, persist_result=False)
def sync_decision_runs(case_ids: list[int] | None = None) -> dict[str, int]:
    """Every waiting decision has its run, no answered one keeps one, the artifact is fresh."""
    return start_decision_runs(case_ids)
