"""Decision runs on a real server and worker: one per pending decision, finished when answered.

The investigation of a file's case asks for a home visit and its run is made and suspends;
`cme decide` (the installed command, Prefect wired in) answers it and the run leaves the
Suspended list; a crash after a run was made but before it was recorded, or a run that
crashed before suspending, never leaves two runs waiting for one decision.
"""

from __future__ import annotations

import subprocess
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect import get_client
from prefect.states import Crashed

from missing_education import services
from missing_education.cli_support import open_uow
from missing_education.domain.decision import DecisionRequest
from missing_education.services import intake_files
from missing_education.settings import load_settings
from tasks.decision_runs import start_decision_runs
from tests.e2e.conftest import BIN, E2E, REPO, TODAY, wait_for, write_notifications

pytestmark = pytest.mark.server

CHILDREN = {
    "cli": {
        "forename": "Evander",
        "surname": "Pocklington-Mbeki",
        "date_of_birth": "2014-02-17",
        "address_line1": "9 Juniper Wynd",
        "town": "Wirksworth",
        "postcode": "DE4 4FG",
        "parent_name": "Saoirse Pocklington-Mbeki",
        "parent_phone": "07700900111",
    },
    "crash": {
        "forename": "Leocadia",
        "surname": "Fairweather-Nakamura",
        "date_of_birth": "2016-07-08",
        "address_line1": "27 Quarry Bank",
        "town": "Belper",
        "postcode": "DE56 1QP",
        "parent_name": "Hamish Fairweather-Nakamura",
        "parent_phone": "07700900222",
    },
}


def runs_named(e2e: E2E, name: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{e2e.server.api_url}/flow_runs/filter",
        json={"flow_runs": {"name": {"any_": [name]}}},
        timeout=10,
    )
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


def opened_cases(e2e: E2E) -> dict[str, int]:
    """Take the children in through the `file` deployment; their case ids by key."""
    path = write_notifications(e2e.server.root / "incoming-runs" / "n.csv", CHILDREN)
    held = intake_files.hold(open_uow(load_settings()), load_settings(), path)
    e2e.run("receive-notifications/file", timeout=180, file_id=held.id)
    found = {}
    for summary in services.list_cases(e2e.cases.uow()):
        details = services.case_details(
            e2e.cases.uow(), summary["case_id"], today=date.fromisoformat(TODAY)
        )
        for key, child in CHILDREN.items():
            if details["child"]["forename"] == child["forename"]:
                found[key] = int(summary["case_id"])
    assert set(found) == set(CHILDREN)
    return found


def suspended(e2e: E2E, name: str) -> dict[str, Any]:
    def one() -> dict[str, Any] | None:
        runs = runs_named(e2e, name)
        assert len(runs) == 1, [(r["id"], r["state_type"]) for r in runs]
        return runs[0] if runs[0]["state_type"] == "PAUSED" else None

    return wait_for(one, timeout=120, what=f"{name} to be suspended", every=1)


def test_after_cme_decide_the_run_leaves_the_suspended_list(e2e: E2E) -> None:
    case_ids = opened_cases(e2e)
    case_id = case_ids["cli"]
    name = f"home-visit-cme-{case_id:06d}"
    run = suspended(e2e, name)

    answered = subprocess.run(
        [str(BIN / "cme"), "decide", str(case_id), "home_visit", "not_at_address", "--by", "A. C"],
        cwd=REPO,
        env=e2e.server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answered.returncode == 0, answered.stdout + answered.stderr
    assert "Recorded on" in answered.stdout

    def finished() -> bool:
        return bool(runs_named(e2e, name)[0]["state_type"] == "COMPLETED")

    wait_for(finished, timeout=60, what=f"{name} to leave the Suspended list")
    assert runs_named(e2e, name)[0]["id"] == run["id"]

    # The form's door keeps the same rule: a run for a decision nobody asked fails, saying so.
    unasked = e2e.start("decide-admissions/admissions", case_id=case_id)

    def ended() -> Any:
        state = e2e.flow_run(unasked.id).state
        return state if state is not None and state.is_final() else None

    state = wait_for(ended, timeout=120, what="the unasked decision's run to end")
    assert state.is_failed()
    assert f"CME-{case_id:06d} is not waiting for decision admissions" in str(state.message)

    # A crash between making a run and recording it: asking again makes no second run.
    crash_case = case_ids["crash"]
    crash_name = f"home-visit-cme-{crash_case:06d}"
    first = suspended(e2e, crash_name)
    with e2e.cases.uow() as uow:
        (request,) = [d for d in uow.decisions.for_case(crash_case) if d.kind == "home_visit"]
        uow.decisions.attach_flow_run(
            DecisionRequest(crash_case, "home_visit", request.round, request.requested_on), ""
        )
        uow.commit()
    start_decision_runs([crash_case])
    start_decision_runs([crash_case])
    runs = runs_named(e2e, crash_name)
    assert [r["id"] for r in runs] == [first["id"]], [
        (r["id"], r["idempotency_key"], r["state_type"], r["created"]) for r in runs
    ]

    # The run crashed before it could suspend: it is replaced once, however often asked.
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(first["id"]), Crashed(message="worker lost"), force=True)
    start_decision_runs([crash_case])
    start_decision_runs([crash_case])
    runs = runs_named(e2e, crash_name)
    assert len(runs) == 2
    live = [r for r in runs if r["state_type"] != "CRASHED"]
    assert len(live) == 1
    with e2e.cases.uow() as uow:
        (request,) = [d for d in uow.decisions.for_case(crash_case) if d.kind == "home_visit"]
    assert request.flow_run_id == live[0]["id"]
