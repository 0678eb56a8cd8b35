"""Benchmark the case workspace: the caseload page and search over 100,000 cases (5,000 open).

    .venv/bin/python bench/workspace.py            # 100,000 cases, SQLite then PostgreSQL
    .venv/bin/python bench/workspace.py --quick    # 10,000 cases, SQLite

Cases and their deadlines are written straight into the tables; pages are asked for through
the app in process (FastAPI's test client, signed in as a coordinator), so each figure is the
server's time to answer, rendering included. The baseline, measured beside them in the same
run, is the sign-in page: the framework's own cost with no case data.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    REPO,
    Result,
    Row,
    create_postgres_database,
    drop_postgres_database,
    peak_rss_mb,
    scratch_folder,
)

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TODAY = date(2026, 11, 25)
TARGET_MS = 100.0
SURNAMES = ("Smith", "Jones", "Khan", "Taylor", "Brown", "Wilson", "Patel", "Evans", "Wright")
FORENAMES = ("Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Mia", "Arlo", "Ivy", "Theo")
PASSWORD = "benchmark password 1"


def build(url: str, total: int, open_cases: int) -> None:
    """Write `total` cases, `open_cases` of them open with a deadline each, straight in."""
    from sqlalchemy import insert

    from missing_education.persistence.database import ensure_schema
    from missing_education.persistence.tables import cases, deadlines

    engine = ensure_schema(url)
    rng = random.Random(20261125)
    created = datetime(2026, 9, 1, tzinfo=UTC)
    rows, due_rows = [], []
    for case_id in range(1, total + 1):
        is_open = case_id % (total // open_cases) == 0
        born = date(2010, 1, 1) + timedelta(days=rng.randrange(3650))
        forename, surname = rng.choice(FORENAMES), f"{rng.choice(SURNAMES)}{case_id}"
        rows.append(
            {
                "id": case_id,
                "status": "investigating" if is_open else "closed",
                "forename": forename,
                "surname": surname,
                "date_of_birth": born,
                "sex": "F",
                "upn": "",
                "address_line1": "1 High Street",
                "address_line2": "",
                "town": "Matlock",
                "postcode": "DE4 3AB",
                "parent_name": "",
                "parent_phone": "",
                "parent_email": "",
                "school_urn": "112233",
                "school_name": "Matlock Primary School",
                "reason": "",
                "vulnerabilities": "",
                "safeguarding": case_id % 7 == 0,
                "referrer_name": "",
                "referrer_organisation": "School",
                "referrer_email": "",
                "identity_key": f"{forename}|{surname}|{born}".lower(),
                "referral_date": date(2026, 9, 1),
                "opened_on": date(2026, 9, 1),
                "csa_starts": date(2015, 1, 1),
                "csa_ends": date(2027, 6, 25),
                "csa_needs_review": False,
                "notes": "",
                "created_at": created,
                "closed_on": None if is_open else date(2026, 10, 1),
                "outcome": None if is_open else "not_cme",
            }
        )
        if is_open:
            due_rows.append(
                {
                    "case_id": case_id,
                    "step": "home_visit",
                    "round": 1,
                    "base_date": date(2026, 11, 1),
                    "school_days": 5,
                    "school_urn": "",
                    "due": TODAY + timedelta(days=rng.randrange(-20, 20)),
                }
            )
    with engine.begin() as connection:
        for start in range(0, len(rows), 5_000):
            connection.execute(insert(cases), rows[start : start + 5_000])
        connection.execute(insert(deadlines), due_rows)
    if not url.startswith("sqlite"):
        # A live database has planner statistics (autovacuum); a bulk load has none yet.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


def median_ms(client: object, path: str, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings)


def measure(url: str, runs: int) -> dict[str, float]:
    """Sign in as a coordinator and time the caseload and searches against a sign-in page."""
    from fastapi.testclient import TestClient

    from missing_education.domain.workspace import Role
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services import accounts
    from missing_education.settings import load_settings
    from missing_education.web import create_app

    accounts.add_user(
        SqlUnitOfWork(url), "bench", full_name="Bench", role=Role.COORDINATOR, password=PASSWORD
    )
    client = TestClient(create_app(lambda: SqlUnitOfWork(url), load_settings()))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
    assert token is not None
    client.post(
        "/sign-in", data={"csrf_token": token.group(1), "name": "bench", "password": PASSWORD}
    )
    return {
        "sign_in_median_ms": median_ms(client, "/sign-in", runs),
        "caseload_median_ms": median_ms(client, "/caseload", runs),
        "search_name_median_ms": median_ms(client, "/search?q=khan4", runs),
        "search_birth_median_ms": median_ms(client, "/search?q=2015-06-01", runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10,000 cases, 500 open")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.cases, arguments.open, arguments.runs = 10_000, 500, 10
    os.environ["CME_TODAY"] = TODAY.isoformat()
    out = Result("workspace")
    databases = ["sqlite"] if arguments.quick else ["sqlite", "postgres"]
    for database in databases:
        with scratch_folder("workspace") as folder:
            os.environ["CME_HOME"] = str(folder)
            url = (
                f"sqlite:///{folder / 'cme.sqlite3'}"
                if database == "sqlite"
                else create_postgres_database()
            )
            try:
                print(
                    f"workspace on {database}: {arguments.cases:,} cases, {arguments.open:,} open",
                    flush=True,
                )
                build(url, arguments.cases, arguments.open)
                figures = measure(url, arguments.runs)
            finally:
                if database == "postgres":
                    drop_postgres_database(url)
        print(figures, flush=True)
        out.details[database] = figures
        for key, label, value in (
            ("workspace caseload", "caseload page (200 rows, overdue first)", "caseload_median_ms"),
            ("workspace search", "search by name (prefix of a surname)", "search_name_median_ms"),
            ("workspace search dob", "search by date of birth", "search_birth_median_ms"),
        ):
            out.rows.append(
                Row(
                    key=f"{key} {database}",
                    figure=(
                        f"Case workspace on {database}: {label}, {arguments.cases:,} cases "
                        f"({arguments.open:,} open), median"
                    ),
                    measured=f"{figures[value]:.1f} ms",
                    target=f"< {TARGET_MS:.0f} ms",
                    baseline=f"{figures['sign_in_median_ms']:.1f} ms sign-in page",
                    ratio=f"{figures[value] / figures['sign_in_median_ms']:.1f}x",
                    met=figures[value] < TARGET_MS,
                    note=f"in process, signed in, {arguments.runs} requests",
                )
            )
    out.details["peak_rss_mb"] = peak_rss_mb()
    out.write(arguments.json)


if __name__ == "__main__":
    main()
