"""End to end against a real `prefect server start`: deploy, run the sweep deployment, a decision
run is made for the case and suspends, it is resumed through the API with input, and the case
moves on."""

from __future__ import annotations

from uuid import UUID

import httpx
import pytest
import yaml  # type: ignore[import-untyped]
from prefect.flow_runs import resume_flow_run
from prefect.input.actions import read_flow_run_input

from missing_education.domain import Status
from tasks.decision_runs import start_decision_runs
from tests.e2e.conftest import E2E, REPO

pytestmark = pytest.mark.server


def test_every_deployment_is_on_the_process_pool_with_its_schedule(e2e: E2E) -> None:
    declared = yaml.safe_load((REPO / "deployments" / "prefect.yaml").read_text())["deployments"]
    response = httpx.post(f"{e2e.server.api_url}/deployments/filter", json={})
    response.raise_for_status()
    stored = {d["name"]: d for d in response.json()}
    assert set(stored) == {d["name"] for d in declared}
    for deployment in declared:
        found = stored[deployment["name"]]
        assert found["work_pool_name"] == "cme-process"
        schedules = [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in found["schedules"]]
        assert schedules == [(s["cron"], s["timezone"]) for s in deployment.get("schedules", [])]
        limit = (found["global_concurrency_limit"] or {}).get("limit")
        assert limit == deployment.get("concurrency_limit")
        # The pull step points the worker at this checkout (CME_REPO_DIR, resolved at deploy).
        assert found["pull_steps"] == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
        ]
    assert stored["daily"]["global_concurrency_limit"]["limit"] == 1
    assert stored["daily"]["schedules"][0]["schedule"]["timezone"] == "Europe/London"


def test_the_daily_sweep_deployment_completes(e2e: E2E) -> None:
    e2e.run("daily-case-review/daily")


def test_a_home_visit_decision_suspends_and_is_resumed_through_the_api(e2e: E2E) -> None:
    case_id = e2e.case_id("api")
    key = e2e.decision_key("home_visit", case_id)
    # The decision's run is made for the coordinator (once: the sweep may have made it).
    start_decision_runs([case_id])
    with e2e.cases.uow() as uow:
        (asked,) = [d for d in uow.decisions.for_case(case_id) if d.kind == "home_visit"]
    assert asked.flow_run_id
    started = e2e.flow_run(UUID(asked.flow_run_id))
    assert started.name == f"home-visit-cme-{case_id:06d}"
    # Generous: the worker (two at a time) may first be starting the sweep's decision runs.
    suspended = e2e.wait_until_suspended(started.id, key, timeout=240)
    assert suspended.state is not None and suspended.state.name == "Suspended"
    with e2e.cases.uow() as uow:
        waiting = [d for d in uow.decisions.for_case(case_id) if d.kind == "home_visit"]
        assert [(d.answer, d.flow_run_id) for d in waiting] == [(None, str(started.id))]

    resume_flow_run(
        started.id,
        run_input={
            "answer": "Family found, no school place",
            "visited_on": "Wed 25 Nov 2026 (today)",
            "decided_by": "e2e-test",
        },
    )
    # The worker runs the flow again from the top; it finds the answer and applies it.
    e2e.wait_until_completed(started.id)

    with e2e.cases.uow() as uow:
        case = uow.cases.get(case_id)
        decisions = [d for d in uow.decisions.for_case(case_id) if d.kind == "home_visit"]
        visits = uow.directory.visits(case_id)
    assert case.status is Status.LOCATED
    assert case.history[-1].who == "e2e-test"
    assert [(d.answer, d.decided_by) for d in decisions] == [("family_found_no_place", "e2e-test")]
    assert decisions[0].details["visited_on"] == "2026-11-25"
    assert [v.outcome for v in visits] == ["family_found_no_place"]
    # The answer now lives in the case record only.
    assert read_flow_run_input(f"suspended-{key}-response", flow_run_id=started.id) is None
