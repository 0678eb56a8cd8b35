"""Faults, for real, on the local PostgreSQL: the `cme` command killed with SIGKILL mid-intake
and mid-sweep, and PostgreSQL restarted under a running intake. Each time the next run finishes
the work, and every row and step is accounted for exactly once.

Kill points come from a seeded random generator and are measured in committed work (rows and
letters in the database, polled), never in time, so the test is the same on a slow machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest

from missing_education.domain import (
    NOTIFICATION_COLUMNS,
    InvalidNotification,
    Status,
    parse_notification,
)
from missing_education.persistence import SqlUnitOfWork
from missing_education.rules.school_age import is_of_compulsory_school_age
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from missing_education.services.receiving import receive_file
from missing_education.services.sweep import review_cases
from missing_education.settings import load_settings
from synthetic.council import synthetic_notifications, synthetic_schools, write_csv
from tests.e2e.conftest import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.restarts_postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

CME = str(Path(sys.executable).parent / "cme")
REFERRAL = date(2026, 11, 16)
SEED = 20261128
# The cluster .ci/run starts: the first version installed, cluster "main".
PG_CLUSTER = (
    sorted(os.listdir("/etc/postgresql"))[0] if os.path.isdir("/etc/postgresql") else "15",
    "main",
)


@dataclass
class Run:
    """One `cme` process and how it ended."""

    process: subprocess.Popen[str]
    killed: bool = False

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err


class Council:
    """A PostgreSQL case database, a notification file, and `cme` run against them."""

    def __init__(self, url: str, home: Path, folder: Path) -> None:
        self.url = url
        self.home = home
        self.folder = folder
        import_schools(
            SqlUnitOfWork(url), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS)
        )
        self.use_rows(60)
        self._db = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        self._db.autocommit = True

    def use_rows(self, count: int) -> None:
        """A notification file of `count` synthetic children (and the usual bad rows)."""
        self.rows = synthetic_notifications(count, seed=SEED, referral_date=REFERRAL)
        self.file = write_csv(self.folder / "notifications.csv", self.rows, NOTIFICATION_COLUMNS)

    def env(self, today: date) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_"))}
        env.update(
            CME_HOME=str(self.home),
            CME_DATABASE_URL=self.url,
            CME_TODAY=today.isoformat(),
            CME_WITHOUT_PREFECT="1",
            # Small batches: a kill lands between commits as often as inside one.
            CME_INTAKE_BATCH_SIZE="5",
            CME_SWEEP_BATCH_SIZE="2",
            CME_MAIL_SMTP_PORT="9",
        )
        return env

    def start(self, *args: str, today: date = REFERRAL) -> Run:
        process = subprocess.Popen(
            [CME, *args],
            env=self.env(today),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return Run(process)

    def count(self, sql: str) -> int:
        row = self._db.execute(sql).fetchone()
        assert row is not None
        return int(row[0])

    def work_done(self) -> int:
        """Committed notifications and letters: how far an intake has got."""
        return self.count(
            "SELECT (SELECT count(*) FROM notifications) + (SELECT count(*) FROM letters)"
        )

    def kill_when(self, run: Run, progress: Callable[[], int], target: int) -> bool:
        """SIGKILL the run once `progress` reaches `target`; False if it finished first."""
        wait_for(
            lambda: run.process.poll() is not None or progress() >= target,
            timeout=120,
            what=f"progress {target}",
            every=0.01,
        )
        if run.process.poll() is not None:
            return False
        run.process.send_signal(signal.SIGKILL)
        run.process.communicate(timeout=30)
        run.killed = True
        return True

    def close(self) -> None:
        self._db.close()


@pytest.fixture
def council(database_url: str, isolated_home: Path, tmp_path: Path) -> Iterator[Council]:
    made = Council(database_url, isolated_home, tmp_path)
    yield made
    made.close()


def expected_cases(rows: list[dict[str, str]]) -> tuple[int, int]:
    """Cases the good rows make (UPN first, then name and birth date), and the good rows."""
    upns: set[str] = set()
    identities: set[tuple[str, str, date]] = set()
    fingerprints: set[str] = set()
    cases = 0
    for row in rows:
        try:
            n = parse_notification(row, today=REFERRAL)
        except InvalidNotification:
            continue
        if n.fingerprint in fingerprints:
            continue
        fingerprints.add(n.fingerprint)
        key = (n.forename.casefold(), n.surname.casefold(), n.date_of_birth)
        if (n.upn and n.upn in upns) or key in identities:
            continue  # linked to the case already open
        cases += 1
        identities.add(key)
        if n.upn:
            upns.add(n.upn)
    return cases, len(fingerprints)


def assert_every_row_accounted_for_once(council: Council, report: dict[str, object]) -> None:
    rows = council.rows
    expected, good = expected_cases(rows)
    assert report["received"] == len(rows)
    assert report["rejected"] == len(rows) - sum(1 for r in rows if _parses(r)), report[
        "rejections"
    ]
    with SqlUnitOfWork(council.url) as uow:
        summaries = uow.cases.summaries()
        cases = [uow.cases.get(s.case_id) for s in summaries]
        assert len(cases) == expected
        open_cases = [c for c in cases if c.is_open]
        for key in (
            lambda c: (
                c.child.forename.casefold(),
                c.child.surname.casefold(),
                c.child.date_of_birth,
            ),
            lambda c: c.child.upn,
        ):
            keys = Counter(key(c) for c in open_cases if key(c))
            assert not keys or max(keys.values()) == 1, "a child has two open cases"
        notifications = [n for c in cases for n in uow.notifications.for_case(c.id)]
        assert len(notifications) == good
        assert Status.RECEIVED not in {c.status for c in cases}, "a case was left untriaged"
        letters = uow.letters.outbox()
        per_step = Counter((x.case_id, x.step_key) for x in letters)
        assert max(per_step.values()) == 1
        acknowledged = {x.step_key for x in letters if x.letter_type == "acknowledgement"}
        assert acknowledged == {f"acknowledgement:{n.id}" for n in notifications}
        for case in cases:
            if case.status is Status.CLOSED:
                assert not is_of_compulsory_school_age(case.child.date_of_birth, case.referral_date)
                continue
            assert case.status is Status.INVESTIGATING
            kinds = Counter(d.kind for d in uow.decisions.for_case(case.id))
            assert kinds["home_visit"] == 1, f"{case.reference} was not investigated once"
            if uow.directory.school(case.school_urn) is not None:
                keys = [x.step_key for x in letters if x.case_id == case.id]
                assert keys.count("school_enquiry:1") == 1
                assert kinds["school_reply"] == 1
        for letter in letters:
            # Typeset by the run that finished, kept in the case database (issue 18).
            pdf = uow.documents.read(letter.id)
            assert letter.is_typeset and pdf is not None, f"letter {letter.id} has no PDF"
            assert hashlib.sha256(pdf).hexdigest() == letter.sha256


def _parses(row: dict[str, str]) -> bool:
    try:
        parse_notification(row, today=REFERRAL)
    except InvalidNotification:
        return False
    return True


def test_an_intake_killed_five_times_at_random_points_then_run_again_takes_in_every_row_once(
    council: Council,
) -> None:
    rng = random.Random(SEED)
    kills = 0
    for _ in range(5):
        run = council.start("ingest", str(council.file), "--json")
        target = council.work_done() + rng.randint(3, 30)
        kills += council.kill_when(run, council.work_done, target)
    assert kills == 5, "an intake finished before its kill point: make the file longer"
    assert council.count("SELECT count(*) FROM cases") > 0  # the kills left work half done

    code, out, err = council.start("ingest", str(council.file), "--json").finish()

    assert code == 0, err
    assert "Traceback" not in err
    assert_every_row_accounted_for_once(council, json.loads(out))


def test_a_sweep_killed_mid_run_leaves_its_work_to_the_next_sweep_which_does_it_once(
    council: Council,
) -> None:
    settings = load_settings()
    council.use_rows(30)
    receive_file(SqlUnitOfWork(council.url), council.file, settings=settings, today=REFERRAL)
    review_day = date(2026, 12, 15)  # school replies, home visits, locating: all overdue
    overdue = council.count(
        f"SELECT count(*) FROM deadlines WHERE met_on IS NULL AND acted_on IS NULL "
        f"AND due < '{review_day.isoformat()}'"
    )
    assert overdue > 20

    def acted() -> int:
        return council.count(
            f"SELECT count(*) FROM deadlines WHERE acted_on = '{review_day.isoformat()}'"
        )

    run = council.start("sweep", "--json", today=review_day)
    assert council.kill_when(run, acted, random.Random(SEED).randint(5, overdue // 2))
    assert 0 < acted() < overdue

    code, _, err = council.start("sweep", "--json", today=review_day).finish()

    assert code == 0, err
    with SqlUnitOfWork(council.url) as uow:
        assert not [d for d in uow.deadlines.open() if d.due < review_day], "work was left undone"
        letters = uow.letters.outbox()
        per_step = Counter((x.case_id, x.step_key) for x in letters)
        assert max(per_step.values()) == 1
        escalated = [
            s.case_id
            for s in uow.cases.summaries()
            if s.status in (Status.ESCALATED, Status.MONITORING)
        ]
        referrals = Counter(
            x.case_id for x in letters if x.step_key == "social_care_referral:not_located"
        )
        assert set(referrals) == set(escalated) and max(referrals.values()) == 1
    again = review_cases(SqlUnitOfWork(council.url), settings=settings, today=review_day)
    assert again.actions == {}


def pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False, timeout=10
        ).returncode
        == 0
    )


@pytest.fixture
def restartable_postgres() -> Iterator[Callable[[], None]]:
    """Restarts the local PostgreSQL; whatever happens, it is answering again afterwards."""

    def restart() -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "restart"],
            check=True,
            capture_output=True,
            timeout=120,
        )

    try:
        yield restart
    finally:
        if not pg_ready():
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "start"],
                check=False,
                capture_output=True,
                timeout=120,
            )
        wait_for(pg_ready, timeout=60, what="PostgreSQL to answer again", every=0.05)


def test_postgresql_restarted_under_an_intake_is_a_clear_error_and_the_retry_finishes_cleanly(
    council: Council, restartable_postgres: Callable[[], None]
) -> None:
    # Restart while the intake investigates its cases: committed letters beyond the
    # acknowledgements show it is there.
    acknowledgements = len(council.rows)
    run = council.start("ingest", str(council.file))
    wait_for(
        lambda: run.process.poll() is not None or council.work_done() > 2 * acknowledgements,
        timeout=120,
        what="the intake to start investigating",
        every=0.01,
    )
    assert run.process.poll() is None, "the intake finished before the restart"
    council.close()

    restartable_postgres()
    code, out, err = run.finish()

    assert code == 1, (out, err)
    assert "error: the case database is unavailable" in err
    assert "Traceback" not in err
    wait_for(pg_ready, timeout=60, what="PostgreSQL to answer again", every=0.05)
    council._db = psycopg.connect(council.url.replace("postgresql+psycopg://", "postgresql://"))
    council._db.autocommit = True

    code, out, err = council.start("ingest", str(council.file), "--json").finish()

    assert code == 0, err
    assert_every_row_accounted_for_once(council, json.loads(out))
