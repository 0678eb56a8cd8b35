"""Two worker hosts, no shared folder: a file uploaded on the coordinator's machine is taken in
on one host, and every letter typeset there is sent from the other.

Each "host" is a process tree in a network namespace of its own (`unshare --net`), with its own
CME_HOME and PREFECT_HOME. The namespaces reach the one Prefect server and the mail relay only
through Unix sockets bridged by socat (a namespace has its own loopback: the server's real port
is not reachable from inside), and the one PostgreSQL case database through its Unix socket.
Host A serves the receive-notifications and typeset-letters flows, host B the deliver-letters
flow; the coordinator's `cme upload` runs with a third folder. Nothing is copied between them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from missing_education.domain import NOTIFICATION_COLUMNS
from missing_education.domain.letter import Channel, Delivery, LetterRecord
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import intake_files
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from synthetic.council import synthetic_notifications, synthetic_schools, write_csv
from tests.conftest import _truncate_postgres
from tests.e2e.conftest import REPO, PrefectServer, stop, tail, wait_for
from tests.integration.test_outbox_smtp import DAY, MailServer

pytestmark = [pytest.mark.server, pytest.mark.postgres]
PG_SOCKET_DIR = "/var/run/postgresql"
INSIDE_PREFECT_PORT = 4200
INSIDE_SMTP_PORT = 2525
SERVE = {
    "a": (
        ("flows.receive_notifications", "receive_notifications"),
        ("flows.typeset_letters", "typeset_letters"),
    ),
    "b": (("flows.deliver_letters", "deliver_letters"),),
}


def socket_url(url: str) -> str:
    """The same database reached through PostgreSQL's Unix socket (no network needed)."""
    parts = urlsplit(url)
    return f"postgresql+psycopg://postgres@/{parts.path.lstrip('/')}?host={PG_SOCKET_DIR}"


class Bridge:
    """socat from a Unix socket to a TCP port on the real loopback."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def unix_to_tcp(self, name: str, port: int) -> Path:
        path = self.folder / f"{name}.sock"
        self.processes.append(
            subprocess.Popen(
                ["socat", f"UNIX-LISTEN:{path},fork,mode=600", f"TCP:127.0.0.1:{port}"],
                start_new_session=True,
            )
        )
        wait_for(path.exists, timeout=10, what=f"the {name} bridge")
        return path

    def close(self) -> None:
        for process in self.processes:
            stop(process)


def host(
    name: str, root: Path, prefect_sock: Path, smtp_sock: Path, database: str
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """One worker host: its namespace, its folders, serving one flow; (process, home, log)."""
    flows = SERVE[name]
    imports = "; ".join(f"from {module} import {function}" for module, function in flows)
    deployments = ", ".join(
        f"{function}.to_deployment(name='host-{name}')" for _, function in flows
    )
    home = root / f"host-{name}" / "cme-home"
    prefect_home = root / f"host-{name}" / "prefect-home"
    home.mkdir(parents=True)
    prefect_home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_"))}
    env.update(
        CME_HOME=str(home),
        CME_DATABASE_URL=database,
        CME_TODAY=DAY.isoformat(),
        CME_TYPESET_WORKERS="2",
        CME_MAIL_SMTP_HOST="127.0.0.1",
        CME_MAIL_SMTP_PORT=str(INSIDE_SMTP_PORT),
        PREFECT_HOME=str(prefect_home),
        PREFECT_API_URL=f"http://127.0.0.1:{INSIDE_PREFECT_PORT}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    script = (
        "set -e; ip link set lo up; "
        f"socat TCP-LISTEN:{INSIDE_PREFECT_PORT},bind=127.0.0.1,fork,reuseaddr "
        f"UNIX-CONNECT:{prefect_sock} & "
        f"socat TCP-LISTEN:{INSIDE_SMTP_PORT},bind=127.0.0.1,fork,reuseaddr "
        f"UNIX-CONNECT:{smtp_sock} & "
        "sleep 0.5; "
        f'exec {sys.executable} -c "from prefect import serve; {imports}; '
        f'serve({deployments})"'
    )
    log = root / f"host-{name}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            ["unshare", "--net", "sh", "-c", script],
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, home, log


def uploaded(url: str, folder: Path) -> str:
    """The coordinator's machine: schools loaded, twelve children's file held by `cme upload`."""
    import_schools(
        SqlUnitOfWork(url), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS)
    )
    rows = synthetic_notifications(12, seed=18, referral_date=DAY)
    path = write_csv(folder / "twelve-children.csv", rows, NOTIFICATION_COLUMNS)
    home = folder / "coordinator" / "cme-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_"))}
    env.update(CME_HOME=str(home), CME_DATABASE_URL=url, CME_TODAY=DAY.isoformat())
    done = subprocess.run(
        [str(Path(sys.executable).parent / "cme"), "upload", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def run(deployment: str, **parameters: str) -> None:
    """Run a deployment (served by one of the hosts) to the end; it Completed.

    Its result is not kept (results are never persisted): the case database says what it did.
    """
    made = run_deployment(deployment, parameters=parameters, timeout=240, poll_interval=1)
    assert isinstance(made, FlowRun)
    assert made.state is not None and made.state.is_completed(), made.state


def snapshot(url: str) -> dict[int, LetterRecord]:
    with SqlUnitOfWork(url) as uow:
        return {x.id: x for x in uow.letters.outbox()}


def test_a_file_uploaded_is_taken_in_on_one_host_and_its_letters_sent_from_the_other(
    postgres_url: str,
    prefect_server: PrefectServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = prefect_server.url  # the session's server, on the real loopback
    _truncate_postgres(postgres_url)
    monkeypatch.setenv("CME_DATABASE_URL", postgres_url)
    file_id = uploaded(postgres_url, tmp_path)
    assert intake_files.FILE_ID.match(file_id)

    mail = MailServer()
    mail.start()
    bridge = Bridge(tmp_path / "bridge")
    bridge.folder.mkdir()
    hosts: list[subprocess.Popen[bytes]] = []
    try:
        prefect_sock = bridge.unix_to_tcp("prefect", int(server.rsplit(":", 1)[1]))
        smtp_sock = bridge.unix_to_tcp("smtp", mail.port)
        database = socket_url(postgres_url)
        a, home_a, log_a = host("a", tmp_path, prefect_sock, smtp_sock, database)
        b, home_b, log_b = host("b", tmp_path, prefect_sock, smtp_sock, database)
        hosts += [a, b]
        # Inside a namespace the server's own port is not there: only the bridges are.
        probe = subprocess.run(
            [
                "unshare",
                "--net",
                "sh",
                "-c",
                f"ip link set lo up; exec {sys.executable} -c "
                f"\"import socket; socket.create_connection(('127.0.0.1', "
                f'{server.rsplit(":", 1)[1]}), timeout=2)"',
            ],
            capture_output=True,
            check=False,
        )
        assert probe.returncode != 0
        with temporary_settings(
            updates={
                PREFECT_API_URL: f"{server}/api",
                PREFECT_HOME: str(tmp_path / "client-home"),
            }
        ):

            def served(name: str) -> bool:
                for process, log in ((a, log_a), (b, log_b)):
                    if process.poll() is not None:
                        raise AssertionError(f"a host stopped:\n{tail(log)}")
                response = httpx.post(
                    f"{server}/api/deployments/filter",
                    json={"deployments": {"name": {"any_": [name]}}},
                )
                return response.status_code == 200 and bool(response.json())

            wait_for(lambda: served("host-a") and served("host-b"), timeout=120, what="hosts")
            # Host A takes in the file the coordinator's machine held (in the case database).
            run("receive-notifications/host-a", file_id=file_id)
            run("typeset-letters/host-a")  # nothing left to typeset: the intake run did it
            typeset = snapshot(postgres_url)
            assert mail.mailbox.messages == []  # host A typesets; it sends nothing
            run("deliver-letters/host-b")
    finally:
        for process in hosts:
            stop(process)
        bridge.close()
        mail.stop()

    # Host A took the file in, released it, and typeset every letter before host B's run
    # began; host B sent every email.
    with SqlUnitOfWork(postgres_url) as uow:
        released = uow.held_files.get(file_id)  # only its id is kept: no bytes, no name
        assert released is not None and released.released_at is not None
        assert (released.name, uow.held_files.content(file_id)) == ("", b"")
        assert len(uow.cases.open_case_ids()) >= 10  # twelve children, a few triaged out
    emails = [x for x in typeset.values() if x.channel is Channel.EMAIL]
    assert len(typeset) >= 16 and emails
    assert all(x.is_typeset and x.status is Delivery.QUEUED for x in typeset.values())
    after = snapshot(postgres_url)
    by_message = {str(m["Message-ID"]): m for m in mail.mailbox.messages}
    assert len(by_message) == len(emails)
    for letter in emails:
        record = after[letter.id]
        assert record.status is Delivery.SENT
        assert (record.sha256, record.typeset_at) == (
            typeset[letter.id].sha256,
            typeset[letter.id].typeset_at,
        )
        [message] = [
            m
            for m in by_message.values()
            if m["To"] == record.recipient_email and f"letter-{record.id}-" in str(m["Message-ID"])
        ]
        [attachment] = list(message.iter_attachments())
        assert hashlib.sha256(attachment.get_content()).hexdigest() == record.sha256
    # Neither host kept a letter in its folders: the PDFs travelled through the database.
    for home in (home_a, home_b):
        assert not [p for p in home.rglob("*") if p.suffix == ".pdf"]
    # The uploaded file's bytes went through the database too: no host keeps a copy of it.
    for home in (home_a, home_b, tmp_path / "coordinator" / "cme-home"):
        assert not [p for p in home.rglob("f-*") if p.is_file()]
