"""A real `prefect server start`, the deployments of deployments/prefect.yaml and a process worker.

Everything here is made once per test session: the server (its own PREFECT_HOME), a SQLite case
database shared by this process and the flow runs the worker starts, a school calendar and a
few synthetic notifications with addresses, so home visits are asked for. Nothing waits a fixed
time: every wait polls a condition and gives up after a bounded time.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import httpx
import pytest
from playwright.sync_api import expect
from prefect import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.input.actions import read_flow_run_input
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from missing_education import services
from missing_education.clock import today
from missing_education.domain import NOTIFICATION_COLUMNS, case_reference
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.procedure import Procedure
from missing_education.settings import load_settings
from synthetic.council import autumn_2026_calendar, write_csv
from tasks.decisions import suspend_key

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
TODAY = "2026-11-25"
SERVER_START_SECONDS = 90.0
T = TypeVar("T")

# Playwright's `expect` waits 5 s by default, whatever a page's own timeout says: on a busy
# 2-core machine a Resume that the server validates and hands to a worker took longer, and the
# browser test failed with "Locator expected to be hidden". Every browser wait gets 30 s.
BROWSER_TIMEOUT_MS = 30_000
expect.set_options(timeout=BROWSER_TIMEOUT_MS)

# Synthetic children, deliberately unusual names so a search of Prefect's database for them
# cannot match anything by chance. Each test takes its own child (tests may run alone).
CHILDREN: dict[str, dict[str, str]] = {
    "api": {
        "forename": "Peregrina",
        "surname": "Quillfeather",
        "date_of_birth": "2016-05-06",
        "address_line1": "17 Wetherby Gardens",
        "town": "Matlock",
        "postcode": "DE4 3QX",
        "parent_name": "Morwenna Quillfeather",
        "parent_phone": "07700900123",
    },
    "browser": {
        "forename": "Thaddeus",
        "surname": "Marchbanks-Oyelaran",
        "date_of_birth": "2014-09-23",
        "address_line1": "3 Cobblestone Yard",
        "town": "Buxton",
        "postcode": "SK17 6XJ",
        "parent_name": "Ifeoma Marchbanks-Oyelaran",
        "parent_phone": "07700900456",
    },
    "privacy": {
        "forename": "Isolde",
        "surname": "Vantongeren",
        "date_of_birth": "2017-01-30",
        "address_line1": "88 Larkspur Terrace",
        "town": "Chesterfield",
        "postcode": "S40 2WZ",
        "parent_name": "Anneke Vantongeren",
        "parent_phone": "07700900789",
    },
}
# Taken in through the `file` deployment by the privacy test (never by this process).
FILE_CHILDREN: dict[str, dict[str, str]] = {
    "file-1": {
        "forename": "Ottoline",
        "surname": "Brackenridge",
        "date_of_birth": "12/08/2015",  # as many councils' spreadsheets write it
        "address_line1": "5 Hollyhock Close",
        "town": "Ilkeston",
        "postcode": "DE7 8PN",
        "parent_name": "Rosalind Brackenridge",
        "parent_phone": "07700900321",
    },
    "file-2": {
        "forename": "Florian",
        "surname": "Wetherspoonworth",
        "date_of_birth": "2013-11-02",
        "address_line1": "41 Damsonbank Lane",
        "town": "Matlock",
        "postcode": "DE4 5RT",
        "parent_name": "Gudrun Wetherspoonworth",
        "parent_phone": "07700900654",
    },
}


def notification_rows(children: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """One notification per child, from a school, with the address a visit needs."""
    rows = []
    for child in children.values():
        row = dict.fromkeys(NOTIFICATION_COLUMNS, "")
        row.update(child)
        row.update(
            sex="F",
            school_urn="112233",
            school_name="Matlock Primary School",
            date_last_attended="2026-10-12",
            reason="did_not_arrive",
            referrer_name="J. Patel",
            referrer_organisation="Matlock Primary School",
            referrer_email="office@matlock-primary.example",
            referral_date="2026-11-20",
        )
        rows.append(row)
    return rows


def wait_for(
    condition: Callable[[], T | None], *, timeout: float, what: str, every: float = 0.5
) -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tail(path: Path, lines: int = 80) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Stop a process this session started, with the children it started (its own group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass


@dataclass
class PrefectServer:
    """The running server and the environment every process of this session shares."""

    url: str
    home: Path
    env: dict[str, str]
    root: Path
    log: Path
    process: subprocess.Popen[bytes]
    logs: list[Path] = field(default_factory=list)
    web_url: str = ""  # the case workspace, when `make serve` started one

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    @property
    def database(self) -> Path:
        """Prefect's own SQLite database."""
        return self.home / "prefect.db"

    def run(self, *args: str, timeout: float = 120) -> str:
        """Run a `prefect` command against this server; fail with its output if it fails."""
        result = subprocess.run(
            [PREFECT, "--no-prompt", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"prefect {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start a long-running process (its own process group), logging to a file."""
        log = self.root / f"{name}.log"
        self.logs.append(log)
        with log.open("wb") as handle:
            return subprocess.Popen(
                list(args),
                cwd=REPO,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


@dataclass
class CaseData:
    """The case database the tests and the worker's flow runs share."""

    url: str
    home: Path
    case_ids: dict[str, int]

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.url)


@pytest.fixture(scope="session")
def e2e_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def case_data(e2e_root: Path) -> CaseData:
    """A SQLite case database with the council calendar and one case per test, investigated."""
    home = e2e_root / "cme-home"
    home.mkdir()
    url = f"sqlite:///{home / 'cme.sqlite3'}"
    calendar = write_csv(
        e2e_root / "calendar.csv",
        autumn_2026_calendar(),
        ("school_urn", "start_date", "end_date", "kind"),
    )
    notifications = write_csv(
        e2e_root / "notifications.csv", notification_rows(CHILDREN), NOTIFICATION_COLUMNS
    )
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("CME_")]:
            patch.delenv(name)
        patch.setenv("CME_HOME", str(home))
        patch.setenv("CME_DATABASE_URL", url)
        patch.setenv("CME_TODAY", TODAY)
        settings = load_settings()
        day = today()
        services.import_calendar(SqlUnitOfWork(url), calendar)
        intake = services.ingest_file(
            SqlUnitOfWork(url), notifications, settings=settings, today=day
        )
        assert (intake.opened, intake.rejected) == (len(CHILDREN), 0), intake.as_dict()
        uow = SqlUnitOfWork(url)
        with uow:
            procedure = Procedure(uow, settings, day)
            procedure.acknowledge(intake.opened_case_ids)
            for case_id in intake.opened_case_ids:
                procedure.investigate(case_id)
                uow.commit()
    case_ids: dict[str, int] = {}
    for case_id in intake.opened_case_ids:
        details = services.case_details(SqlUnitOfWork(url), case_id, today=day)
        assert details["status"] == "investigating", details["status"]
        forename = details["child"]["forename"]
        case_ids[next(k for k, c in CHILDREN.items() if c["forename"] == forename)] = case_id
    with SqlUnitOfWork(url) as uow:
        for case_id in case_ids.values():
            waiting = {d.kind for d in uow.decisions.for_case(case_id) if d.answer is None}
            assert "home_visit" in waiting, waiting
    return CaseData(url=url, home=home, case_ids=case_ids)


@pytest.fixture(scope="session")
def prefect_server(e2e_root: Path, case_data: CaseData) -> Iterator[PrefectServer]:
    """`prefect server start` on a free port with its own PREFECT_HOME, stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    home = e2e_root / "prefect-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"{url}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # Deployments have cron schedules: no scheduled run may start during the tests.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="2",
        CME_HOME=str(case_data.home),
        CME_DATABASE_URL=case_data.url,
        CME_TODAY=TODAY,
        CME_REPO_DIR=str(REPO),
        # Nothing here may reach a real mail server.
        CME_MAIL_SMTP_PORT="9",
    )
    log = e2e_root / "prefect-server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            cwd=e2e_root,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = PrefectServer(
        url=url, home=home, env=env, root=e2e_root, log=log, process=process, logs=[log]
    )

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"prefect server exited early:\n{tail(log)}")
        try:
            return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, timeout=SERVER_START_SECONDS, what="prefect server /api/health")
        yield server
    finally:
        stop(process)


@pytest.fixture(scope="session")
def deployed(prefect_server: PrefectServer) -> Iterator[PrefectServer]:
    """The process work pool, every deployment of deployments/prefect.yaml, and a worker."""
    server = prefect_server
    server.run("work-pool", "create", "cme-process", "--type", "process")
    server.run("deploy", "--all", "--prefect-file", "deployments/prefect.yaml")
    worker = server.start(
        "worker", PREFECT, "worker", "start", "--pool", "cme-process", "--limit", "2"
    )

    def worker_online() -> bool:
        if worker.poll() is not None:
            raise AssertionError(f"worker exited:\n{tail(server.logs[-1])}")
        response = httpx.post(f"{server.api_url}/work_pools/cme-process/workers/filter", json={})
        return response.status_code == 200 and any(w["status"] == "ONLINE" for w in response.json())

    try:
        wait_for(worker_online, timeout=60, what="the worker to come online")
        yield server
    finally:
        stop(worker)


@pytest.fixture
def e2e(
    deployed: PrefectServer,
    case_data: CaseData,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[E2E]:
    """This process talks to the session's server and case database for one test."""
    monkeypatch.setenv("CME_HOME", str(case_data.home))
    monkeypatch.setenv("CME_DATABASE_URL", case_data.url)
    monkeypatch.setenv("CME_TODAY", TODAY)
    client_home = deployed.root / "client-home"
    client_home.mkdir(exist_ok=True)
    with temporary_settings(
        updates={PREFECT_API_URL: deployed.api_url, PREFECT_HOME: str(client_home)}
    ):
        yield E2E(server=deployed, cases=case_data)


@dataclass
class E2E:
    """What a test needs: the server, the case database, and Prefect look-ups."""

    server: PrefectServer
    cases: CaseData

    def case_id(self, child: str) -> int:
        return self.cases.case_ids[child]

    def start(self, deployment: str, **parameters: Any) -> FlowRun:
        """Start a run of a deployment and return at once."""
        run = run_deployment(deployment, parameters=parameters, timeout=0)
        assert isinstance(run, FlowRun)
        return run

    def run(self, deployment: str, timeout: float = 120, **parameters: Any) -> FlowRun:
        """Run a deployment on the worker and wait until it has Completed."""
        run = run_deployment(deployment, parameters=parameters, timeout=timeout, poll_interval=1)
        assert isinstance(run, FlowRun)
        self.assert_completed(run)
        return run

    def assert_completed(self, run: FlowRun) -> None:
        state = run.state
        assert state is not None and state.is_completed(), f"{run.name}: {state}\n{self.logs()}"

    def flow_run(self, flow_run_id: UUID) -> FlowRun:
        with get_client(sync_client=True) as client:
            return client.read_flow_run(flow_run_id)

    def wait_until_suspended(self, flow_run_id: UUID, key: str, timeout: float = 90) -> FlowRun:
        """The run is PAUSED (Suspended) and its form's schema is stored: ready to resume."""

        def ready() -> FlowRun | None:
            run = self.flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                raise AssertionError(f"run ended before suspending: {run.state}\n{self.logs()}")
            if run.state is None or run.state.type != StateType.PAUSED:
                return None
            schema = read_flow_run_input(f"suspended-{key}-schema", flow_run_id=flow_run_id)
            return run if schema else None

        return wait_for(ready, timeout=timeout, what=f"flow run {flow_run_id} to suspend")

    def wait_until_completed(self, flow_run_id: UUID, timeout: float = 90) -> FlowRun:
        """Wait for a run to end (a resumed run goes back to the worker first); it Completed."""

        def final() -> FlowRun | None:
            run = self.flow_run(flow_run_id)
            return run if run.state is not None and run.state.is_final() else None

        run = wait_for(final, timeout=timeout, what=f"flow run {flow_run_id} to finish")
        self.assert_completed(run)
        return run

    def logs(self) -> str:
        """The ends of the server's and worker's logs (the worker's holds the flow runs' output)."""
        return "\n".join(f"--- {p.name}\n{tail(p)}" for p in self.server.logs)

    def decision_key(self, kind: str, case_id: int) -> str:
        return suspend_key(kind, case_reference(case_id))


def write_notifications(path: Path, children: dict[str, dict[str, str]]) -> Path:
    """A notification CSV for these children (for the `file` deployment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(NOTIFICATION_COLUMNS))
        writer.writeheader()
        writer.writerows(notification_rows(children))
    return path
