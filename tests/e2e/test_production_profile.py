"""docs/production.md followed from scratch: the production profile of deployments/production/.

A Prefect server on a throwaway PostgreSQL database with basic auth, CSRF protection and its own
encryption key, started from prefect-server.env.example with its CHANGE-ME values filled in; a
case database on PostgreSQL; deploy.sh; two workers on the one process work pool, started from
cme-worker.env.example as two hosts would. Then: a client without the credential is refused, the
sweep runs through a worker (and, killed mid-run, is finished by the next sweep), and two
workers racing over overlapping files make nothing twice. Every wait polls a condition.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from prefect import get_client
from prefect.blocks.system import Secret
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_HOME,
    temporary_settings,
)

from missing_education.cli_support import open_uow
from missing_education.domain import NOTIFICATION_COLUMNS, Status
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import intake_files
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from missing_education.services.receiving import receive_file
from missing_education.settings import load_settings
from synthetic.council import (
    autumn_2026_calendar,
    synthetic_notifications,
    synthetic_schools,
    write_csv,
)
from tests.conftest import POSTGRES_ADMIN
from tests.e2e.conftest import PREFECT, REPO, free_port, stop, tail, wait_for

pytestmark = pytest.mark.server

PROFILE = REPO / "deployments" / "production"
REFERRAL = date(2026, 11, 16)
REVIEW_DAY = date(2026, 12, 15)  # the workers' today: school replies and visits all overdue


def profile_env(name: str, **filled: str) -> dict[str, str]:
    """An env file of the profile with its placeholders filled, as the guide says to do."""
    values: dict[str, str] = {}
    for line in (PROFILE / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = filled.pop(key, value)
    assert not filled, f"{name} has no setting {sorted(filled)}"
    unfilled = sorted(k for k, v in values.items() if "CHANGE-ME" in v)
    assert not unfilled, f"{name}: still CHANGE-ME: {unfilled}"
    return values


def sql_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://").replace(
        "postgresql+asyncpg://", "postgresql://"
    )


@dataclass
class Production:
    """The running profile: server, workers, databases, and the environment each process has."""

    root: Path
    api_url: str
    credential: str
    server_env: dict[str, str]
    worker_env: dict[str, str]
    prefect_db: str
    case_db: str
    home: Path
    logs: list[Path] = field(default_factory=list)

    def process_env(self, values: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_"))}
        env.update(values)
        return env

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.root / f"{name}.log"
        self.logs.append(log)
        with log.open("wb") as handle:
            return subprocess.Popen(
                args,
                cwd=REPO,
                env=self.process_env(env),
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def client_settings(self, *, credential: str | None = None) -> Any:
        return temporary_settings(
            updates={
                PREFECT_API_URL: self.api_url,
                PREFECT_API_AUTH_STRING: self.credential if credential is None else credential,
                PREFECT_HOME: str(self.root / "client-home"),
            }
        )

    def output(self) -> str:
        return "\n".join(f"--- {p.name}\n{tail(p)}" for p in self.logs)

    def query(self, database: str, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(sql_url(database)) as connection:
            return connection.execute(sql).fetchall()

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.case_db)


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    root = tmp_path_factory.mktemp("production")
    (root / "client-home").mkdir()
    suffix = uuid.uuid4().hex[:10]
    names = (f"cme_prefect_{suffix}", f"cme_cases_{suffix}")
    admin_base = POSTGRES_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    server = workers = None
    started: list[subprocess.Popen[bytes]] = []
    try:
        port = free_port()
        credential = f"cme:{secrets.token_urlsafe(16)}"
        host_base = admin_base.split("://", 1)[1]
        server_env = profile_env(
            "prefect-server.env.example",
            PREFECT_SERVER_DATABASE_CONNECTION_URL=f"postgresql+asyncpg://{host_base}/{names[0]}",
            PREFECT_SERVER_API_PORT=str(port),
            PREFECT_SERVER_API_AUTH_STRING=credential,
            PREFECT_SERVER_ENCRYPTION_KEY=Fernet.generate_key().decode(),
            PREFECT_HOME=str(root / "prefect-home"),
        )
        home = root / "cme-home"
        worker_env = profile_env(
            "cme-worker.env.example",
            PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
            PREFECT_API_AUTH_STRING=credential,
            PREFECT_HOME=str(root / "worker-home"),
            CME_DATABASE_URL=f"postgresql+psycopg://{host_base}/{names[1]}",
            CME_HOME=str(home),
            CME_REPO_DIR=str(REPO),
            CME_MAIL_SMTP_HOST="127.0.0.1",
            CME_MAIL_SMTP_PORT="9",  # nothing in this test may reach a mail server
            CME_MAIL_SENDER="cme@synthetic-county.example",
        )
        made = Production(
            root=root,
            api_url=worker_env["PREFECT_API_URL"],
            credential=credential,
            server_env=server_env,
            worker_env=worker_env,
            prefect_db=server_env["PREFECT_SERVER_DATABASE_CONNECTION_URL"],
            case_db=worker_env["CME_DATABASE_URL"],
            home=home,
        )
        # Test-only: no cron schedule may start a run while the tests run.
        server = made.start(
            "prefect-server",
            [PREFECT, "server", "start"],
            {**server_env, "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"},
        )
        started.append(server)

        def healthy() -> bool:
            if server.poll() is not None:
                raise AssertionError(f"the server exited:\n{made.output()}")
            try:
                return httpx.get(f"{made.api_url}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout=90, what="the production server to answer")
        deploy = subprocess.run(
            [str(PROFILE / "deploy.sh")],
            cwd=REPO,
            env=made.process_env({**worker_env, "PREFECT": PREFECT}),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
        # Test-only: the workers act as of REVIEW_DAY, and look for work every second.
        fast = {
            "CME_TODAY": REVIEW_DAY.isoformat(),
            # Small sweep batches (a commit each), so a sweep killed mid-run has done some.
            "CME_SWEEP_BATCH_SIZE": "1",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "2",
        }
        workers = [
            made.start(
                f"worker-{name}",
                [
                    PREFECT,
                    "worker",
                    "start",
                    "--pool",
                    "cme-process",
                    "--limit",
                    "1",
                    "--name",
                    name,
                ],
                {**worker_env, **fast},
            )
            for name in ("host-a", "host-b")
        ]
        started.extend(workers)

        def both_online() -> bool:
            for worker in workers:
                if worker.poll() is not None:
                    raise AssertionError(f"a worker exited:\n{made.output()}")
            with made.client_settings(), get_client(sync_client=True) as client:
                online = client.read_workers_for_work_pool("cme-process")
            return sum(1 for w in online if w.status == "ONLINE") == 2

        wait_for(both_online, timeout=90, what="both workers to come online")
        seed_overdue_cases(made)
        yield made
    finally:
        for process in reversed(started):
            stop(process)
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def held(made: Production, path: Path) -> str:
    """Hold a file as `cme upload` does, in the workers' case database: the flow takes its id."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CME_HOME", str(made.root / "coordinator"))
        patch.setenv("CME_DATABASE_URL", made.case_db)
        return intake_files.hold(open_uow(load_settings()), load_settings(), path).id


def seed_overdue_cases(made: Production) -> None:
    """Forty children notified and investigated on REFERRAL: overdue on the workers' today."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("CME_")]:
            patch.delenv(name)
        patch.setenv("CME_HOME", str(made.home))
        patch.setenv("CME_DATABASE_URL", made.case_db)
        patch.setenv("CME_TODAY", REFERRAL.isoformat())
        settings = load_settings()
        folder = made.root / "seed"
        folder.mkdir()
        write_csv(folder / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS)
        import_calendar(made.uow(), folder / "calendar.csv")
        import_schools(made.uow(), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS))
        rows = synthetic_notifications(40, seed=40, referral_date=REFERRAL)[:40]
        path = write_csv(folder / "n.csv", rows, NOTIFICATION_COLUMNS)
        receive_file(made.uow(), path, settings=settings, today=REFERRAL)


def wait_until_final(made: Production, run: FlowRun, timeout: float = 300) -> FlowRun:
    def final() -> FlowRun | None:
        with made.client_settings(), get_client(sync_client=True) as client:
            found = client.read_flow_run(run.id)
        return found if found.state is not None and found.state.is_final() else None

    return wait_for(final, timeout=timeout, what=f"flow run {run.name} to end", every=0.2)


def start_run(made: Production, deployment: str, **parameters: Any) -> FlowRun:
    with made.client_settings():
        run = run_deployment(deployment, parameters=parameters, timeout=0)
    assert isinstance(run, FlowRun)
    return run


def completed(made: Production, run: FlowRun) -> FlowRun:
    ended = wait_until_final(made, run)
    assert ended.state is not None and ended.state.is_completed(), (
        f"{ended.name}: {ended.state}\n{made.output()}"
    )
    return ended


def test_a_client_without_the_credential_is_refused(production: Production) -> None:
    version = f"{production.api_url}/admin/version"
    assert httpx.get(version).status_code == 401
    assert httpx.get(version, auth=("cme", "wrong")).status_code == 401
    user, password = production.credential.split(":", 1)
    assert httpx.get(version, auth=(user, password)).status_code == 200
    with (
        production.client_settings(credential=""),
        get_client(sync_client=True) as client,
        pytest.raises(PrefectHTTPStatusError) as refused,
    ):
        client.read_work_pool("cme-process")
    assert refused.value.response.status_code == 401


def test_the_server_is_on_postgresql_behind_csrf_with_its_own_encryption_key(
    production: Production,
) -> None:
    token = base64.b64encode(production.credential.encode()).decode()
    # With the credential but without a CSRF token, a browser-style write is refused.
    response = httpx.post(
        f"{production.api_url}/flows/filter", json={}, headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 403
    with production.client_settings():
        Secret(value="smtp-password-for-the-test").save("cme-smtp-password", overwrite=True)
    stored = production.query(
        production.prefect_db,
        "SELECT data::text FROM block_document WHERE name = 'cme-smtp-password'",
    )
    assert stored and "smtp-password-for-the-test" not in stored[0][0]
    # The key that encrypts it is the one in the environment, never one kept beside the data.
    assert production.query(
        production.prefect_db, "SELECT count(*) FROM configuration WHERE key = 'ENCRYPTION_KEY'"
    ) == [(0,)]
    deployments = production.query(production.prefect_db, "SELECT name FROM deployment")
    assert "retention" in {name for (name,) in deployments}
    with production.client_settings(), get_client(sync_client=True) as client:
        pool = client.read_work_pool("cme-process")
    assert pool.concurrency_limit == 8


def test_a_sweep_killed_mid_run_on_a_worker_is_finished_by_the_next_sweep(
    production: Production,
) -> None:
    def count(sql: str) -> int:
        return int(production.query(production.case_db, sql)[0][0])

    overdue = count(
        "SELECT count(*) FROM deadlines WHERE met_on IS NULL AND acted_on IS NULL "
        f"AND due < '{REVIEW_DAY}'"
    )
    assert overdue > 40

    def acted() -> int:
        return count(f"SELECT count(*) FROM deadlines WHERE acted_on = '{REVIEW_DAY}'")

    # The kill must land mid-sweep, however fast the sweep is: the case the sweep reaches
    # last was flagged earlier (the sweep clears its flag when its step works), and this
    # test holds that flag's row, so the last batch waits on it while the others commit.
    last = count(
        "SELECT max(case_id) FROM deadlines WHERE met_on IS NULL AND acted_on IS NULL "
        f"AND due < '{REVIEW_DAY}'"
    )
    holder = psycopg.connect(sql_url(production.case_db))
    with holder.transaction():
        holder.execute(
            "INSERT INTO case_attention (case_id, category, reason, since, attempts) "
            "VALUES (%s, 'letter', 'flagged by the test', %s, 1) ON CONFLICT DO NOTHING",
            (last, REFERRAL),
        )
    holder.execute("SELECT 1 FROM case_attention WHERE case_id = %s FOR UPDATE", (last,))

    try:
        run = start_run(production, "daily-case-review/daily")

        def under_way() -> bool:
            with production.client_settings(), get_client(sync_client=True) as client:
                state = client.read_flow_run(run.id).state
            assert state is None or not state.is_final(), f"the sweep ended first: {state}"
            return acted() >= 5

        wait_for(under_way, timeout=120, what="the sweep to be under way", every=0.05)
        with production.client_settings(), get_client(sync_client=True) as client:
            pid = client.read_flow_run(run.id).infrastructure_pid
        assert pid, "the worker recorded no process id"
        os.kill(int(str(pid).rsplit(":", 1)[-1]), signal.SIGKILL)  # the sweep's process dies
        ended = wait_until_final(production, run)
        assert ended.state is not None and ended.state.is_crashed(), ended.state
        assert 0 < acted() < overdue
    finally:
        holder.close()  # rolled back: the killed sweep's transaction never commits

    completed(production, start_run(production, "daily-case-review/daily"))

    assert (
        count(
            "SELECT count(*) FROM deadlines WHERE met_on IS NULL AND acted_on IS NULL "
            f"AND due < '{REVIEW_DAY}'"
        )
        == 0
    )
    with production.uow() as uow:
        letters = uow.letters.outbox()
        per_step = Counter((x.case_id, x.step_key) for x in letters)
        assert max(per_step.values()) == 1
        escalated = {
            s.case_id
            for s in uow.cases.summaries()
            if s.status in (Status.ESCALATED, Status.MONITORING)
        }
    referred = Counter(
        x.case_id for x in letters if x.step_key == "social_care_referral:not_located"
    )
    assert escalated and set(referred) == escalated and max(referred.values()) == 1


def test_two_workers_racing_over_overlapping_files_make_nothing_twice(
    production: Production,
) -> None:
    # Each file takes several seconds, far longer than the workers' 1-second poll, so the two
    # runs are under way together whichever worker picks its run up first.
    rows = synthetic_notifications(150, seed=77, referral_date=date(2026, 12, 14))[:150]
    inbox = production.root / "race"
    first = write_csv(inbox / "first.csv", rows[:100], NOTIFICATION_COLUMNS)
    second = write_csv(inbox / "second.csv", list(reversed(rows[50:])), NOTIFICATION_COLUMNS)
    with production.uow() as uow:
        before = {s.case_id for s in uow.cases.summaries()}

    runs = [
        start_run(production, "receive-notifications/file", file_id=held(production, path))
        for path in (first, second)
    ]
    ended = [completed(production, run) for run in runs]

    # They ran at the same time, one on each worker (each takes one run at a time).
    first_run, second_run = ended
    assert first_run.start_time and second_run.start_time
    assert first_run.end_time and second_run.end_time
    assert first_run.start_time < second_run.end_time and second_run.start_time < first_run.end_time
    with production.uow() as uow:
        new = [uow.cases.get(s.case_id) for s in uow.cases.summaries() if s.case_id not in before]
        identities = Counter(
            (c.child.forename, c.child.surname, c.child.date_of_birth) for c in new if c.is_open
        )
        assert identities and max(identities.values()) == 1, "a child has two open cases"
        notifications = [n for c in new for n in uow.notifications.for_case(c.id)]
        assert len(notifications) == len({tuple(sorted(r.items())) for r in rows})
        letters = [x for c in new for x in uow.letters.for_case(c.id)]
        per_step = Counter((x.case_id, x.step_key) for x in letters)
        assert max(per_step.values()) == 1
        acknowledged = {x.step_key for x in letters if x.letter_type == "acknowledgement"}
        assert acknowledged == {f"acknowledgement:{n.id}" for n in notifications}


def test_the_retention_flow_runs_on_a_worker(production: Production) -> None:
    completed(production, start_run(production, "apply-retention/retention"))
