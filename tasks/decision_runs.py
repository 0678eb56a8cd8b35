"""The orchestration side of decisions: one suspended run per waiting decision, and the queue.

Whenever the procedure asks for a decision, its `decide-*` deployment is run once for the
case; when it is answered another way or the case closes, the run is finished; the
`awaiting-decisions` artifact is refreshed each time. Counts and references only.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Sequence, Set
from uuid import UUID

import httpx
from prefect import get_client
from prefect.client.schemas.actions import ArtifactCreate
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound, PrefectException
from prefect.states import Completed
from prefect.utilities.context import get_task_and_flow_run_ids

from missing_education.clock import today
from missing_education.domain.decision import DecisionKind, DecisionRequest
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.decisions import (
    AwaitingDecision,
    awaiting_decisions,
    most_urgent,
)
from missing_education.settings import load_settings
from tasks.policy import case_task

log = logging.getLogger("cme.decisions")

DECISION_TAG = "decision"
ARTIFACT_KEY = "awaiting-decisions"
ARTIFACT_ROWS = 50  # a screenful: the most urgent decisions; the counts cover them all
LIVE = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED]


def deployment_name(kind: DecisionKind) -> str:
    """The deployment that asks this kind: `decide-home-visit/home-visit`."""
    return f"decide-{kind.slug}/{kind.slug}"


def run_name(kind: DecisionKind, reference: str) -> str:
    """A run's name: the decision and the case reference only (`home-visit-cme-000123`)."""
    return f"{kind.slug}-{reference.lower()}"


def _uow() -> SqlUnitOfWork:
    return SqlUnitOfWork(load_settings().effective_database_url)


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
    of_cases = None if case_ids is None else set(case_ids)  # once: thousands of ids each way
    wanted = [d for d in waiting if of_cases is None or d.case_id in of_cases]
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
    """The `awaiting-decisions` artifact: counts, then the most urgent decisions by reference.

    A coordinator reads a screenful, not thousands of rows: the full list is `cme decisions`
    and the Suspended `decision` runs. References, kinds, dates and flags only.
    """
    web = load_settings().web
    waiting = waiting if waiting is not None else _waiting()
    rows = [
        {**d.as_row(), "case_page": web.case_url(d.reference)}
        for d in most_urgent(waiting, ARTIFACT_ROWS)
    ]
    empty = dict.fromkeys(
        ("case", "asked_on", "due_by", "overdue", "safeguarding", "case_page"), "-"
    )
    task_run_id, flow_run_id = get_task_and_flow_run_ids()
    # Made through the client: `cme decide` refreshes it too, outside any flow run.
    with get_client(sync_client=True) as client:
        client.create_artifact(
            ArtifactCreate(
                key=ARTIFACT_KEY,
                type="table",
                data=json.dumps(rows or [{**empty, "decision": "none waiting"}]),
                description=queue_description(waiting, len(rows)),
                flow_run_id=flow_run_id,
                task_run_id=task_run_id,
            )
        )


def queue_description(waiting: Sequence[AwaitingDecision], shown: int) -> str:
    """The artifact's description: how many wait, overdue, safeguarding, by kind; what is shown."""
    overdue = sum(1 for d in waiting if d.overdue)
    safeguarding = sum(1 for d in waiting if d.safeguarding)
    by_kind = Counter(d.kind.spec.title for d in waiting)
    kinds = "; ".join(f"{title}: {n:,}" for title, n in by_kind.most_common())
    listed = (
        "All are listed"
        if shown == len(waiting)
        else f"The {shown} most urgent are listed; `cme decisions` lists all {len(waiting):,}"
    )
    return (
        f"{len(waiting):,} {'decision' if len(waiting) == 1 else 'decisions'} waiting for a "
        f"coordinator, {overdue:,} overdue, "
        f"{safeguarding:,} on safeguarding cases" + (f" ({kinds})" if kinds else "") + ". "
        f"{listed} (overdue first, then safeguarding, then the longest waiting); each waits "
        "in its Suspended run (Runs, tag `decision`), and each case_page opens the case in "
        "the workspace."
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


@case_task()
def sync_decision_runs(case_ids: list[int] | None = None) -> dict[str, int]:
    """Every waiting decision has its run, no answered one keeps one, the artifact is fresh."""
    return start_decision_runs(case_ids)
