"""The product's flows run through Prefect's test harness (a temporary local server).

One harness serves the whole module (it takes seconds to start); every test still has its
own CME_HOME and case database from the autouse `isolated_home` fixture.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowFilter,
    FlowFilterName,
)
from prefect.settings import (
    PREFECT_HOME,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness
from typer.testing import CliRunner

from flows.cme_command import PrefectOrchestration
from flows.daily_case_review import daily_case_review
from flows.receive_notifications import receive_notifications
from flows.watch_inbox import watch_inbox
from missing_education import cli
from missing_education.cli_support import open_uow
from missing_education.domain import NOTIFICATION_COLUMNS
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import intake_files
from missing_education.settings import load_settings
from synthetic.council import synthetic_notifications, write_csv
from tasks.decision_runs import ARTIFACT_ROWS
from tests.integration.test_held_files import make_unreadable
from tests.integration.test_one_bad_record import BrokenLetters

pytestmark = pytest.mark.prefect

REFERRALS = date(2026, 11, 20)  # CME_TODAY is 25 November 2026


@pytest.fixture(scope="module")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for this module, its home in a temporary folder.

    Module-scoped, not session-scoped: leaving the harness up kept Prefect's events client
    connected for the rest of the run, and its websocket keep-alive pings draw from the global
    `random` on a background thread, which Hypothesis reports (rightly) as a strategy touching
    `random` when a ping lands during a draw. The harness drains those services on exit.
    """
    home = tmp_path_factory.mktemp("prefect-home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREFECT_HOME", str(home))
        env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        env.delenv("PREFECT_API_URL", raising=False)
        with (
            temporary_settings(
                updates={PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: False}
            ),
            prefect_test_harness(),
        ):
            yield


@pytest.fixture
def harness(prefect_harness: None) -> None:
    """Each flow test runs against the session's harness."""


def notification_file(path: Path, count: int, seed: int) -> Path:
    rows = synthetic_notifications(count, seed=seed, referral_date=REFERRALS)
    return write_csv(path, rows, NOTIFICATION_COLUMNS)


def database() -> SqlUnitOfWork:
    return SqlUnitOfWork(load_settings().effective_database_url)


def case_counts() -> tuple[int, int]:
    with database() as uow:
        return len(uow.cases.summaries()), len(uow.letters.outbox())


def artifacts(flow_run_id: UUID, key: str) -> list[Any]:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
            )
        )


def flow_run_count(name: str) -> int:
    with get_client(sync_client=True) as client:
        return len(client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name]))))


def test_receive_notifications_opens_cases_and_queues_acknowledgements(
    harness: None, tmp_path: Path
) -> None:
    path = notification_file(tmp_path / "from-schools.csv", 12, seed=3)

    summary = receive_notifications(held(path))

    assert summary["opened"] >= 10
    assert summary["rejected"] == 2
    assert [r["row"] for r in summary["rejections"]] == [17, 18]
    with database() as uow:
        opened = [s.case_id for s in uow.cases.summaries() if s.status.value != "closed"]
        assert len(opened) >= summary["opened"] - summary["not_cme"]
        for case_id in opened:
            letters = uow.letters.for_case(case_id)
            acknowledgements = [x for x in letters if x.letter_type == "acknowledgement"]
            assert len(acknowledgements) == len(uow.notifications.for_case(case_id))
            assert {"school_enquiry", "parent_contact"} & {x.letter_type for x in letters}
            assert all(x.status.value == "queued" for x in letters)


def test_receive_notifications_run_again_after_it_finished_takes_in_nothing_new(
    harness: None, tmp_path: Path
) -> None:
    file_id = held(notification_file(tmp_path / "n.csv", 4, seed=5))
    first = receive_notifications(file_id)
    with database() as uow:
        cases = len(uow.cases.summaries())

    again = receive_notifications(file_id)  # as a rerun from the Prefect UI would

    assert first["opened"] >= 3 and not first["taken_in_already"]
    assert again["taken_in_already"] and again["opened"] == again["received"] == 0
    with database() as uow:
        assert len(uow.cases.summaries()) == cases


def held(path: Path) -> str:
    """Hold a file for intake: the flow takes its id, never its path."""
    return intake_files.hold(open_uow(load_settings()), load_settings(), path).id


def test_watch_inbox_takes_each_file_on_its_own_sets_refused_ones_aside_and_ignores_links(
    harness: None, isolated_home: Path
) -> None:
    inbox = isolated_home / "inbox"
    inbox.mkdir(parents=True)
    refused = inbox / "a-missing-columns.csv"
    refused.write_text("forename,surname\nAmira,Khan\n", encoding="utf-8")
    link = inbox / "b-passwd.csv"
    link.symlink_to("/etc/passwd")
    (inbox / "c-folder.csv").mkdir()
    good = notification_file(inbox / "d-good.csv", 4, seed=3)
    for n, path in enumerate((refused, good)):
        os.utime(path, (1_800_000_000 + n, 1_800_000_000 + n))  # refused first, then good

    results = watch_inbox()

    assert [r["refused"] for r in results] == [True, False]
    assert all(r["file_id"].startswith("f-") for r in results)
    rejected = inbox / "rejected" / "a-missing-columns.csv"
    assert rejected.is_file() and not refused.exists()
    reason = (inbox / "rejected" / "a-missing-columns.csv.reason.txt").read_text()
    assert "missing the required column date_of_birth" in reason
    assert (inbox / "processed" / "d-good.csv").is_file()
    assert link.is_symlink() and (inbox / "c-folder.csv").is_dir()  # never read, never moved
    assert case_counts()[0] >= 3
    assert watch_inbox() == []


def test_watch_inbox_leaves_an_unreadable_file_and_takes_in_the_others(
    harness: None, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = isolated_home / "inbox"
    locked = notification_file(inbox / "amira-khan.csv", 4, seed=3)
    good = notification_file(inbox / "housing.csv", 4, seed=4)
    make_unreadable(monkeypatch, locked.name)

    results = watch_inbox()

    assert [r["refused"] for r in results] == [False]
    assert locked.is_file() and (inbox / "processed" / good.name).is_file()
    assert not (inbox / "rejected").exists()


def test_watch_inbox_takes_each_file_in_once_and_writes_its_rejects(
    harness: None, isolated_home: Path
) -> None:
    inbox = isolated_home / "inbox"
    path = notification_file(inbox / "housing-2026-11-20.csv", 10, seed=5)

    results = watch_inbox()

    assert [(r["refused"], r["rejected"]) for r in results] == [(False, 2)]
    assert not path.exists()
    assert (inbox / "processed" / "housing-2026-11-20.csv").is_file()
    rejects = isolated_home / "rejects" / "housing-2026-11-20-rejects.csv"
    with rejects.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["row", "reason"]
    assert [row[0] for row in rows[1:]] == ["15", "16"]
    assert "is not a real date" in rows[1][1] and "nothing identifies the child" in rows[2][1]
    counts = case_counts()
    assert counts[0] >= 10

    assert watch_inbox() == []
    assert case_counts() == counts


def test_daily_case_review_records_what_it_did_and_the_decisions_waiting(
    harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receive_notifications(held(notification_file(tmp_path / "n.csv", 4, seed=9)))
    monkeypatch.setenv("CME_TODAY", "2026-12-29")  # every locate deadline has passed

    state = daily_case_review(return_state=True)

    result = state.result()
    assert result["actions"]["escalated_not_located"] >= 3
    assert result["waiting"] > 0
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    [review] = artifacts(flow_run_id, "daily-case-review")
    [waiting] = artifacts(flow_run_id, "awaiting-decisions")
    rows = json.loads(review.data) if isinstance(review.data, str) else review.data
    assert {
        "action": "escalated_not_located",
        "cases": result["actions"]["escalated_not_located"],
    } in rows
    decisions = json.loads(waiting.data) if isinstance(waiting.data, str) else waiting.data
    # Every waiting decision is counted; the table lists the most urgent of them.
    assert len(decisions) == min(result["waiting"], ARTIFACT_ROWS)
    assert (waiting.description or "").startswith(f"{result['waiting']} decisions waiting")
    assert {d["decision"] for d in decisions} >= {
        "Record the Lost Pupil Database search",
        "Decide whether to notify the police",
    }
    assert {d["safeguarding"] for d in decisions} <= {"yes", "no"}
    assert all(d["case"].startswith("CME-") for d in decisions)
    # Each row links to its case page in the workspace, by reference (CME_WEB_URL).
    web = load_settings().web
    assert all(d["case_page"] == web.case_url(d["case"]) for d in decisions)
    assert f"({web.base_url}/caseload)" in (review.description or "")
    # Case references and counts only: no child's name reaches Prefect.
    with database() as uow:
        names = {uow.cases.get(s.case_id).child.surname for s in uow.cases.summaries()}
    stored = json.dumps(rows) + json.dumps(decisions)
    assert not [name for name in names if name in stored]


def test_a_review_that_could_not_finish_a_case_ends_failed_saying_how_many_and_why(
    harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receive_notifications(held(notification_file(tmp_path / "n.csv", 4, seed=9)))
    with database() as uow:
        open_ids = [s.case_id for s in uow.cases.summaries() if s.status.value == "investigating"]
    bad = open_ids[0]
    BrokenLetters(monkeypatch, bad)
    monkeypatch.setenv("CME_TODAY", "2026-12-29")  # every locate deadline has passed

    state = daily_case_review(return_state=True)

    assert state.is_failed()
    assert state.message is not None
    assert state.message.startswith("1 case needs attention (unexpected: 1)")
    result = state.result(raise_on_failure=False)
    assert result["attention"] == [f"CME-{bad:06d}"]
    assert result["actions"]["escalated_not_located"] == len(open_ids) - 1
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    [review] = artifacts(flow_run_id, "daily-case-review")
    rows = json.loads(review.data) if isinstance(review.data, str) else review.data
    assert {"action": "needs attention: unexpected", "cases": 1} in rows
    [listed] = artifacts(flow_run_id, "cases-needing-attention")
    cases = json.loads(listed.data) if isinstance(listed.data, str) else listed.data
    web = load_settings().web
    assert cases == [{"case": f"CME-{bad:06d}", "case_page": web.case_url(f"CME-{bad:06d}")}]
    assert f"({web.base_url}/caseload?attention=yes)" in (listed.description or "")


def test_the_cme_command_runs_ingest_as_a_flow_with_prefect_orchestration(
    harness: None, tmp_path: Path
) -> None:
    path = notification_file(tmp_path / "n.csv", 3, seed=21)
    before = flow_run_count("receive-notifications")

    result = CliRunner().invoke(
        cli.app, ["ingest", str(path), "--json"], obj=PrefectOrchestration()
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["opened"] == 3
    assert flow_run_count("receive-notifications") == before + 1
    assert case_counts()[0] == 3


def test_smtp_settings_come_from_the_cme_smtp_block_when_one_is_saved(
    prefect_harness: None,
) -> None:
    from prefect_email import EmailServerCredentials

    from tasks.letters import MAIL_BLOCK, mail_settings

    configured = load_settings().mail
    assert mail_settings(configured) == configured, "no block: the settings stand"
    EmailServerCredentials(
        smtp_server="mail.council.example",
        smtp_port=587,
        smtp_type="STARTTLS",
        username="cme",
        password="s3cret",
    ).save(MAIL_BLOCK, overwrite=True)
    from_block = mail_settings(configured)
    assert (from_block.smtp_host, from_block.smtp_port) == ("mail.council.example", 587)
    assert from_block.smtp_starttls and from_block.smtp_password == "s3cret"
