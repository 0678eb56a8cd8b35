"""Shared test fixtures: an isolated CME_HOME per test and throwaway case databases."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

# Hypothesis draws fresh examples on every run (no derandomised profile): a failure prints the
# blob that replays it. `HYPOTHESIS_PROFILE=derandomized` gives the same examples every time.
hypothesis_settings.register_profile("default-random", print_blob=True)
hypothesis_settings.register_profile("ci", print_blob=True, database=None)
hypothesis_settings.register_profile("derandomized", derandomize=True, database=None)
hypothesis_settings.load_profile(
    os.environ.get(
        "HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "default-random"
    )
)

POSTGRES_ADMIN = os.environ.get(
    "CME_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None] | pytest.TestReport:
    """In CI (`CI=true`) a skipped test is a failure: nothing of the product goes untested."""
    report: pytest.TestReport = yield
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"
    return report


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own CME_HOME and no settings leak in from the environment."""
    for name in list(os.environ):
        if name.startswith("CME_") and name != "CME_TEST_POSTGRES":
            monkeypatch.delenv(name)
    home = tmp_path / "cme-home"
    monkeypatch.setenv("CME_HOME", str(home))
    monkeypatch.setenv("CME_TODAY", "2026-11-25")
    return home


@pytest.fixture(autouse=True, scope="module")
def prefect_services_end_with_their_module() -> Iterator[None]:
    """Prefect's background services (events, logs) started by a test module end with it.

    A connected events client sends websocket keep-alive pings that draw from the global
    `random` on Prefect's event-loop thread; left running, they made Hypothesis tests in later
    modules fail at random ("Do not use the random module inside strategies"). So each module
    that used Prefect in this process drains them (they start again on demand), and the check
    after that fails the module if one is still running.
    """
    yield
    services = sys.modules.get("prefect._internal.concurrency.services")
    if services is None or not services._QueueServiceBase._instances:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=30)
    alive = sorted({type(s).__name__ for s in services._QueueServiceBase._instances.values()})
    assert not alive, f"Prefect services left running after this module: {alive}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database made for this test session and dropped after it."""
    name = f"cme_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    # FORCE ends the pooled connections the tests left open.
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_postgres(url: str) -> None:
    from sqlalchemy import text

    from missing_education.persistence.database import ensure_schema
    from missing_education.persistence.tables import metadata

    engine = ensure_schema(url)
    with engine.begin() as connection:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A fresh, empty case database: a SQLite file, then the session's PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{isolated_home / 'cme.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_postgres(url)
    monkeypatch.setenv("CME_DATABASE_URL", url)
    return url
