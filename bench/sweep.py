"""Benchmark the daily case review: 100,000 open cases, 5% overdue, on SQLite and PostgreSQL.

    .venv/bin/python bench/sweep.py                       # both databases, about 3 minutes
    .venv/bin/python bench/sweep.py --quick               # 10,000 cases, SQLite, seconds
    .venv/bin/python bench/sweep.py --json out.json --profile bench-data/sweep-profile.txt

The caseload is written straight into the tables (SQLAlchemy Core through the persistence
package: the intake benchmark measures the way cases normally arrive). Every overdue step
the sweep knows gets its share of the overdue cases, so every rule is applied: escalation
when a child is not located, school reminders and escalations to the team manager, overdue
visits, admissions and Fair Access referrals, handovers, s437 notices, monthly reviews and
closure past compulsory school age. Each database is built once and copied for every run.

The target is for the sweep with its letters queued (their rendering counts in the letters
benchmark); today the sweep renders each letter as it goes, so it is timed twice: with
rendering replaced by a stub that returns fixed letters, and as it is.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    Result,
    Row,
    counting_statements,
    create_postgres_database,
    drop_postgres_database,
    peak_rss_mb,
    profiled,
    rendering_stubbed,
    scratch_folder,
    seconds,
)

from missing_education.domain import Status
from missing_education.domain.deadline import Step
from missing_education.rules.school_age import compulsory_school_age

TODAY = date(2026, 11, 25)  # a Wednesday in the autumn term
SEED = 20261125
TARGET_SECONDS = 10.0
CHUNK = 10_000


@dataclass(frozen=True)
class Overdue:
    """One kind of overdue step: the case's status, the step, and what the sweep does."""

    name: str
    status: Status
    step: Step
    share: float
    action: str
    round: int = 1
    past_school_age: bool = False


# Shares of the overdue cases; together they take every rule of services/sweep.py.
OVERDUE = (
    Overdue("not located", Status.INVESTIGATING, Step.LOCATE_CHILD, 0.30, "escalated_not_located"),
    Overdue("school reply", Status.INVESTIGATING, Step.SCHOOL_REPLY, 0.20, "school_reminded"),
    Overdue(
        "school reply after reminder",
        Status.INVESTIGATING,
        Step.SCHOOL_REPLY,
        0.10,
        "escalated_to_manager",
        round=2,
    ),
    Overdue("home visit", Status.INVESTIGATING, Step.HOME_VISIT, 0.10, "escalated_to_manager"),
    Overdue("secure a place", Status.LOCATED, Step.SECURE_PLACE, 0.08, "referred_to_admissions"),
    Overdue(
        "admissions decision",
        Status.AWAITING_ADMISSION,
        Step.ADMISSIONS_DECISION,
        0.07,
        "escalated_to_manager",
    ),
    Overdue(
        "Fair Access place",
        Status.FAIR_ACCESS,
        Step.FAIR_ACCESS_PLACE,
        0.05,
        "escalated_to_manager",
    ),
    Overdue("handover", Status.HANDOVER, Step.HANDOVER_CONFIRMATION, 0.04, "escalated_to_manager"),
    Overdue("s437 notice", Status.S437_ISSUED, Step.S437_COMPLIANCE, 0.03, "escalated_to_manager"),
    Overdue("monthly review", Status.MONITORING, Step.MONITORING_REVIEW, 0.02, "monitoring_review"),
    Overdue(
        "monthly review, past school age",
        Status.MONITORING,
        Step.MONITORING_REVIEW,
        0.01,
        "closed_past_csa",
        past_school_age=True,
    ),
)


# ---- the caseload ---------------------------------------------------------------------------


def set_up_council(url: str, folder: Path) -> None:
    """Term dates, schools and officers, through the services, as a council loads them."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar
    from missing_education.services.directory import (
        OFFICER_COLUMNS,
        SCHOOL_COLUMNS,
        import_officers,
        import_schools,
    )
    from synthetic.council import (
        autumn_2026_calendar,
        synthetic_officers,
        synthetic_schools,
        write_csv,
    )

    import_calendar(
        SqlUnitOfWork(url),
        write_csv(folder / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS),
    )
    import_schools(
        SqlUnitOfWork(url),
        write_csv(folder / "schools.csv", synthetic_schools(), SCHOOL_COLUMNS),
    )
    import_officers(
        SqlUnitOfWork(url),
        write_csv(folder / "officers.csv", synthetic_officers(), OFFICER_COLUMNS),
    )


@functools.cache
def _school_age(born: date) -> tuple[date, date, bool]:
    span = compulsory_school_age(born)
    return span.starts, span.ends, span.needs_review


def _kinds(cases: int, overdue_share: float, rng: random.Random) -> list[Overdue | None]:
    """For each case, its overdue step (None for the cases with nothing overdue)."""
    overdue = round(cases * overdue_share)
    kinds: list[Overdue | None] = []
    for kind in OVERDUE:
        kinds += [kind] * round(overdue * kind.share)
    kinds = kinds[:overdue] + [None] * (cases - min(len(kinds), overdue))
    rng.shuffle(kinds)
    return kinds


def build_caseload(url: str, cases: int, overdue_share: float, seed: int) -> Counter[str]:
    """Write the open cases and their records; return the actions the sweep should take."""
    from sqlalchemy import insert, text

    from missing_education.persistence.database import engine_for, ensure_schema
    from missing_education.persistence.repository import identity_key
    from missing_education.persistence.tables import (
        case_history,
        deadlines,
        decisions,
        home_visits,
        letters,
        notifications,
    )
    from missing_education.persistence.tables import cases as cases_table
    from synthetic.council import FORENAMES, REFERRERS, STREETS, SURNAMES, TOWNS

    ensure_schema(url)
    engine = engine_for(url)
    rng = random.Random(seed)
    created = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    schools = [r for r in REFERRERS if r[2]]
    expected: Counter[str] = Counter()
    identities: set[str] = set()
    rows: dict[str, list[dict[str, Any]]] = {
        "cases": [],
        "notifications": [],
        "history": [],
        "deadlines": [],
        "letters": [],
        "decisions": [],
        "visits": [],
    }

    def letter(
        case_id: int, step_key: str, letter_type: str, role: str, to: str, email: str
    ) -> None:
        rows["letters"].append(
            {
                "case_id": case_id,
                "step_key": step_key,
                "letter_type": letter_type,
                "recipient_role": role,
                "recipient": to,
                "recipient_email": email,
                "channel": "email",
                "template_version": "benchmark",
                "sha256": "0" * 64,
                "pages": 1,
                "path": f"/nonexistent/CME-{case_id:06d}/{step_key}.pdf",
                "created_at": created,
                "status": "sent",
            }
        )

    def deadline(case_id: int, step: Step, due: date, round: int = 1, days: int = 10) -> None:
        rows["deadlines"].append(
            {
                "case_id": case_id,
                "step": step.value,
                "round": round,
                "base_date": due - timedelta(days=days + days // 5 * 2),
                "school_days": None if step is Step.MONITORING_REVIEW else days,
                "calendar_days": days if step is Step.MONITORING_REVIEW else None,
                "school_urn": "",
                "due": due,
                "met_on": None,
                "acted_on": None,
            }
        )

    def flush(final: bool = False) -> None:
        order = (
            ("cases", cases_table),
            ("notifications", notifications),
            ("history", case_history),
            ("deadlines", deadlines),
            ("letters", letters),
            ("decisions", decisions),
            ("visits", home_visits),
        )
        if not final and len(rows["cases"]) < CHUNK:
            return
        with engine.begin() as connection:
            for key, table in order:
                if rows[key]:
                    connection.execute(insert(table), rows[key])
                    rows[key].clear()

    for case_id, kind in enumerate(_kinds(cases, overdue_share, rng), start=1):
        referral = TODAY - timedelta(days=rng.randint(5, 40))
        age_days = rng.randint(5 * 365 + 60, 15 * 365 + 300)
        if kind is not None and kind.past_school_age:
            age_days = 17 * 365
        forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
        born = referral - timedelta(days=age_days)
        while (key := identity_key(forename, surname, born)) in identities:
            born -= timedelta(days=1)  # one open case per child: no two alike
        identities.add(key)
        starts, ends, review = _school_age(born)
        town, district = rng.choice(TOWNS)
        referrer, referrer_email, urn = rng.choice(REFERRERS)
        school = rng.choice(schools) if urn or rng.random() < 0.5 else None
        if kind is not None and kind.step is Step.SCHOOL_REPLY:
            school = school or schools[0]
        status = kind.status if kind is not None else Status.INVESTIGATING
        # Distinct by construction: the case number is part of the UPN.
        upn = f"B{rng.randrange(10**6):06d}{case_id:06d}" if rng.random() < 0.7 else ""
        rows["cases"].append(
            {
                "id": case_id,
                "status": status.value,
                "forename": forename,
                "surname": surname,
                "date_of_birth": born,
                "sex": rng.choice("MF"),
                "upn": upn,
                "address_line1": f"{rng.randint(1, 180)} {rng.choice(STREETS)} Road",
                "address_line2": "",
                "town": town,
                "postcode": f"{district} {rng.randint(1, 9)}AB",
                "parent_name": f"{rng.choice(FORENAMES)} {surname}",
                "parent_phone": f"07{rng.randint(100000000, 999999999)}",
                "parent_email": "",
                "school_urn": school[2] if school else "",
                "school_name": school[0] if school else "",
                "date_last_attended": referral - timedelta(days=30) if school else None,
                "reason": "did_not_arrive",
                "vulnerabilities": rng.choice(("", "", "", "sen", "young_carer")),
                "safeguarding": False,
                "referrer_name": "J. Patel",
                "referrer_organisation": referrer,
                "referrer_email": referrer_email,
                "identity_key": key,
                "referral_date": referral,
                "opened_on": referral,
                "csa_starts": starts,
                "csa_ends": ends,
                "csa_needs_review": review,
                "notes": "",
                "created_at": created,
            }
        )
        rows["notifications"].append(
            {
                "case_id": case_id,
                "fingerprint": hashlib.sha256(f"{seed}-{case_id}".encode()).hexdigest(),
                "source": "benchmark.csv",
                "row_number": case_id + 1,
                "received_at": created,
                "referral_date": referral,
                "referrer_organisation": referrer,
                "referrer_name": "J. Patel",
                "referrer_email": referrer_email,
                "disposition": "opened",
                "extra": "{}",
            }
        )
        for from_status, to_status in ((None, Status.RECEIVED), (Status.RECEIVED, status)):
            rows["history"].append(
                {
                    "case_id": case_id,
                    "at": created,
                    "who": "system",
                    "from_status": from_status.value if from_status else None,
                    "to_status": to_status.value,
                    "why": "benchmark caseload",
                }
            )
        letter(
            case_id, "acknowledgement:1", "acknowledgement", "referrer", referrer, referrer_email
        )
        # Every case has a step still to come; overdue ones also have one already past.
        deadline(case_id, Step.LOCATE_CHILD, TODAY + timedelta(days=rng.randint(0, 27)), days=20)
        if school is not None:
            letter(case_id, "school_enquiry:1", "school_enquiry", "school", school[0], school[1])
            rows["decisions"].append(
                {"case_id": case_id, "kind": "school_reply", "round": 1, "requested_on": referral}
            )
        if kind is None:
            continue
        expected[kind.action] += 1
        due = TODAY - timedelta(days=rng.randint(1, 10))
        if kind.step is Step.LOCATE_CHILD:
            rows["deadlines"].pop()  # its locate deadline is the overdue one
            deadline(case_id, Step.LOCATE_CHILD, due, days=20)
        elif kind.step is Step.SCHOOL_REPLY:
            if kind.round == 2:
                deadline(case_id, Step.SCHOOL_REPLY, due - timedelta(days=7), round=1)
                rows["deadlines"][-1]["acted_on"] = due - timedelta(days=6)
                letter(
                    case_id,
                    "school_enquiry_reminder:1",
                    "school_enquiry_reminder",
                    "school",
                    school[0] if school else "",
                    school[1] if school else "",
                )
            deadline(case_id, Step.SCHOOL_REPLY, due, round=kind.round, days=5 * kind.round)
        elif kind.step is Step.HOME_VISIT:
            rows["visits"].append(
                {
                    "case_id": case_id,
                    "round": 1,
                    "officer_id": 1 + case_id % 2,
                    "requested_on": due - timedelta(days=9),
                    "assigned_on": due - timedelta(days=7),
                }
            )
            deadline(case_id, Step.HOME_VISIT, due, days=5)
        else:
            deadline(case_id, kind.step, due)
        flush()
    flush(final=True)
    # Statistics for the planner, as autovacuum would gather after a load this size.
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('cases', 'id'), max(id)) FROM cases")
            )
            connection.execute(text("ANALYZE"))
    elif engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return expected


# ---- copies, runs, profile ----------------------------------------------------------------


def copy_database(url: str, folder: Path, name: str) -> str:
    """A copy of a built database, so each run starts from the same caseload."""
    from missing_education.persistence.database import engine_for

    engine_for(url).dispose()
    if url.startswith("sqlite"):
        source = Path(url.split("///", 1)[1])
        target = folder / f"{name}.sqlite3"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    return create_postgres_database(template=url.rsplit("/", 1)[1])


def use(url: str, home: Path) -> Any:
    """Point the settings at this database and CME_HOME, as of TODAY; return the settings."""
    from missing_education.persistence.database import ensure_schema
    from missing_education.settings import load_settings

    os.environ["CME_HOME"] = str(home)
    os.environ["CME_DATABASE_URL"] = url
    os.environ["CME_TODAY"] = TODAY.isoformat()
    ensure_schema(url)  # the schema check, once per process, is not the sweep's work
    return load_settings()


def run_sweep(url: str, home: Path, *, render: bool) -> dict[str, Any]:
    """Time one sweep over the copy; returns seconds, actions and letters."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.sweep import review_cases

    settings = use(url, home)
    with rendering_stubbed(not render), counting_statements(url) as counts:
        started = time.perf_counter()
        cpu = time.process_time()
        report = review_cases(SqlUnitOfWork(url), settings=settings, today=TODAY)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "statements": counts["statements"],
        "commits": counts["commits"],
        "actions": dict(report.actions),
        "cases": report.cases,
        "letters": report.letters,
    }


def profile_sweep(url: str, home: Path, output: Path | None) -> dict[str, Any]:
    """Profile the stubbed sweep on a copy; top hotspots."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.sweep import review_cases

    settings = use(url, home)
    with rendering_stubbed():
        return profiled(
            lambda: review_cases(SqlUnitOfWork(url), settings=settings, today=TODAY), output
        )


# ---- main -------------------------------------------------------------------------------------


def _check(run: dict[str, Any], expected: Counter[str]) -> str:
    """'' when the sweep did exactly the expected actions, otherwise what differed."""
    if run["actions"] == dict(expected):
        return ""
    return f"actions {run['actions']} differ from the expected {dict(expected)}"


def measure(
    database: str, folder: Path, arguments: argparse.Namespace, rendered_on: set[str]
) -> dict[str, Any]:
    """Build one database, time the sweep on copies of it, profile it (SQLite)."""
    from missing_education.persistence.database import engine_for

    print(f"sweep: building {arguments.cases:,} cases on {database}", flush=True)
    started = time.perf_counter()
    if database == "sqlite":
        built = f"sqlite:///{folder / 'built.sqlite3'}"
    else:
        built = create_postgres_database()
    copies: list[str] = []
    try:
        set_up_council(built, folder)
        expected = build_caseload(built, arguments.cases, arguments.overdue, SEED)
        figures: dict[str, Any] = {
            "build_seconds": time.perf_counter() - started,
            "expected": dict(expected),
        }
        variants = [("stubbed", False)]
        if database in rendered_on:
            variants.append(("rendered", True))
        for label, render in variants:
            copy = copy_database(built, folder, f"{database}-{label}")
            copies.append(copy)
            print(f"sweep: {database}, rendering {label}", flush=True)
            run = run_sweep(copy, folder / f"home-{database}-{label}", render=render)
            run["problem"] = _check(run, expected)
            figures[label] = run
            print(
                f"  {seconds(run['seconds'])}, {run['letters']:,} letters, "
                f"{sum(run['actions'].values()):,} actions",
                flush=True,
            )
        if arguments.profile and database == "sqlite":
            copy = copy_database(built, folder, "sqlite-profile")
            copies.append(copy)
            print("sweep: profiling the stubbed SQLite sweep", flush=True)
            figures["profile"] = profile_sweep(copy, folder / "home-profile", arguments.profile)
        return figures
    finally:
        for url in [*copies, built]:
            engine_for(url).dispose()
            if not url.startswith("sqlite"):
                drop_postgres_database(url)


def main() -> None:
    """Build each database once, time the sweep with and without rendering, profile it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="open cases")
    parser.add_argument("--overdue", type=float, default=0.05, help="share of cases overdue")
    parser.add_argument("--quick", action="store_true", help="10,000 cases, SQLite only")
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres"
    )
    parser.add_argument(
        "--rendered-on",
        default="sqlite",
        help="databases also timed with real rendering (comma-separated, or 'none')",
    )
    parser.add_argument("--profile", type=Path, help="profile the stubbed SQLite sweep here")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.cases, arguments.databases = 10_000, "sqlite"
    databases = [d for d in arguments.databases.split(",") if d]
    rendered_on = {d for d in arguments.rendered_on.split(",") if d and d != "none"}
    result = Result("sweep")
    details: dict[str, Any] = {"cases": arguments.cases, "overdue_share": arguments.overdue}
    overdue_cases = round(arguments.cases * arguments.overdue)

    with scratch_folder("sweep") as folder:
        for database in databases:
            try:
                details[database] = measure(database, folder, arguments, rendered_on)
            except Exception as error:  # one database failing must not lose the other's figures
                print(f"sweep: {database} failed: {error}", flush=True)
                details[database] = {"error": f"{type(error).__name__}: {error}"[:400]}

    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    for database in databases:
        figures = details[database]
        if "error" in figures:
            result.rows.append(
                Row(
                    key=f"sweep {database}",
                    figure=f"Sweep, {arguments.cases:,} open cases, {names[database]}",
                    measured="failed",
                    target=f"<= {TARGET_SECONDS:.0f} s",
                    met=False,
                    note=figures["error"],
                )
            )
            continue
        stubbed, rendered = figures["stubbed"], figures.get("rendered")
        on_sqlite = details.get("sqlite", {}).get("stubbed") if database != "sqlite" else None
        problems = "; ".join(p for p in (stubbed["problem"], (rendered or {}).get("problem")) if p)
        result.rows.append(
            Row(
                key=f"sweep {database}",
                figure=(
                    f"Sweep, {arguments.cases:,} open cases, {overdue_cases:,} overdue, "
                    f"{names[database]}: letters queued (rendering stubbed)"
                ),
                measured=seconds(stubbed["seconds"]),
                target=f"<= {TARGET_SECONDS:.0f} s",
                baseline=(
                    f"{seconds(rendered['seconds'])} rendering as now"
                    if rendered
                    else f"{seconds(on_sqlite['seconds'])} on SQLite"
                    if on_sqlite
                    else ""
                ),
                ratio=(
                    f"{rendered['seconds'] / stubbed['seconds']:.1f}x"
                    if rendered
                    else f"{stubbed['seconds'] / on_sqlite['seconds']:.1f}x"
                    if on_sqlite
                    else ""
                ),
                met=stubbed["seconds"] <= TARGET_SECONDS and not problems,
                note=(
                    f"{sum(stubbed['actions'].values()):,} rules applied on "
                    f"{stubbed['cases']:,} cases, {stubbed['letters']:,} letters; "
                    f"{stubbed['statements']:,} SQL statements and {stubbed['commits']:,} "
                    f"commits; CPU {seconds(stubbed['cpu_seconds'])}; caseload built in "
                    f"{seconds(figures['build_seconds'])}" + (f"; {problems}" if problems else "")
                ),
            )
        )
        if rendered:
            extra = rendered["seconds"] - stubbed["seconds"]
            per_letter = extra / max(rendered["letters"], 1) * 1000
            result.rows.append(
                Row(
                    key=f"sweep {database} as is",
                    figure=f"Sweep as it is today, {names[database]}: every letter rendered",
                    measured=seconds(rendered["seconds"]),
                    target=f"<= {TARGET_SECONDS:.0f} s",
                    baseline=f"{seconds(stubbed['seconds'])} stubbed",
                    ratio=f"{rendered['seconds'] / stubbed['seconds']:.1f}x",
                    met=rendered["seconds"] <= TARGET_SECONDS and not rendered["problem"],
                    note=(
                        f"{rendered['letters']:,} letters typeset during the sweep, "
                        f"{per_letter:.0f} ms each on top of the stubbed run"
                    ),
                )
            )
        if "profile" in figures:
            details["profile"] = figures["profile"]
    details["peak_rss_mb"] = peak_rss_mb()
    result.details = details
    result.write(arguments.json)


if __name__ == "__main__":
    main()
