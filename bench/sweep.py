"""Benchmark the daily case review: 100,000 open cases, 5% overdue, on SQLite and PostgreSQL.

    .venv/bin/python bench/sweep.py                       # both databases, about 3 minutes
    .venv/bin/python bench/sweep.py --quick               # 10,000 cases, SQLite, seconds
    .venv/bin/python bench/sweep.py --json out.json --profile bench-data/sweep-profile.txt
    .venv/bin/python bench/sweep.py --growth 10000,1000000  # and 1M: about 2 minutes more

The caseload is written straight into the tables (SQLAlchemy Core through the persistence
package: the intake benchmark measures the way cases normally arrive). Every overdue step
the sweep knows gets its share of the overdue cases, so every rule is applied: escalation
when a child is not located, school reminders and escalations to the team manager, overdue
visits, admissions and Fair Access referrals, handovers, s437 notices, monthly reviews and
closure past compulsory school age. Each database is built once and copied for every run.

The sweep records its letters and queues them; the renderer typesets them afterwards, in
batches on every core, and that is timed here too on the letters this sweep queued (one core
against all of them). At the main size PostgreSQL also runs two sweepers at once on one copy,
and other sizes (--growth) show how the time grows with the caseload. A size that is a multiple
of the main one (1,000,000) is grown from the main caseload in SQL, ten copies of it with their
unique columns made distinct (grow_caseload): generating it case by case would take minutes per
database.
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
    scratch_folder,
    seconds,
    server_cpu,
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
    from sqlalchemy import insert

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
    settle(url)  # statistics for the planner, as autovacuum would gather after a load this size
    engine.dispose()
    return expected


def _suffixes(copies: int) -> list[tuple[str, str]]:
    """A second surname for each copy after the first, and its folded form for identity keys.

    A child of copy k is the child of the first with a double-barrelled surname; no surname so
    made may be one of the first copy's or another copy's, so every identity key stays distinct.
    """
    from missing_education.persistence.repository import _fold
    from synthetic.council import SURNAMES

    plain = [s for s in SURNAMES if s.isalpha()]
    made: set[str] = {_fold(s) for s in SURNAMES}
    chosen: list[tuple[str, str]] = []
    for suffix in plain:
        if len(chosen) == copies - 1:
            break
        barrelled = {_fold(f"{surname}-{suffix}") for surname in SURNAMES}
        if barrelled & made or len(barrelled) < len(SURNAMES):
            continue
        made |= barrelled
        chosen.append((suffix, _fold(suffix)))
    if len(chosen) < copies - 1:
        raise ValueError(f"{copies} copies need more distinct second surnames than there are")
    return chosen


def most_copies() -> int:
    """The most copies grow_caseload makes (one UPN letter and second surname each)."""
    try:
        return min(len(_suffixes(25)) + 1, 25)
    except ValueError:
        return 1


def grow_caseload(url: str, cases: int, copies: int) -> dict[str, float]:
    """Repeat the caseload of cases 1..cases until there are `copies` times as many, in SQL.

    Copy k (from 1) is the first one's cases with their ids, and every record's case id, moved
    up by k * cases: same statuses, steps, due dates, letters and decisions, so the sweep does
    the same for each copy. What must stay unique differs: the surname is double-barrelled (so
    the identity key, made the way intake makes it), the UPN's letter, the notification's
    fingerprint. Written with INSERT ... SELECT, a table at a time in case order, far faster
    than making the rows in Python; the planner's statistics are gathered afterwards. Returns
    the seconds each table (and the statistics) took.
    """
    from sqlalchemy import Table, text

    from missing_education.persistence.database import engine_for
    from missing_education.persistence.tables import (
        case_history,
        deadlines,
        decisions,
        home_visits,
        letters,
        notifications,
    )
    from missing_education.persistence.tables import (
        cases as cases_table,
    )

    engine = engine_for(url)
    postgres = engine.dialect.name == "postgresql"
    offset = f"r.k * {int(cases)}"

    def padded(number: str) -> str:  # f"{number:06d}", as build_caseload names the letters
        if postgres:
            text6 = f"lpad(({number})::text, 6, '0')"
            return f"CASE WHEN {number} < 1000000 THEN {text6} ELSE ({number})::text END"
        return f"printf('%06d', {number})"

    def copy(table: Table, changed: dict[str, str], with_id: bool = False) -> tuple[str, str]:
        names = [c.name for c in table.columns if with_id or c.name != "id"]
        values = [changed.get(name, f't."{name}"') for name in names]
        columns = ", ".join(f'"{name}"' for name in names)
        return table.name, (
            f"INSERT INTO {table.name} ({columns}) SELECT {', '.join(values)} "
            f"FROM growth_copies AS r CROSS JOIN {table.name} AS t ORDER BY r.k, t.id"
        )

    moved = {"case_id": f"t.case_id + {offset}"}
    statements = [
        copy(
            cases_table,
            {
                "id": f"t.id + {offset}",
                "surname": "t.surname || '-' || r.suffix",
                "parent_name": "t.parent_name || '-' || r.suffix",
                "upn": "CASE WHEN t.upn = '' THEN '' ELSE r.letter || substr(t.upn, 2) END",
                # forename|surname|date of birth: the suffix goes before the date's 11 characters
                "identity_key": "substr(t.identity_key, 1, length(t.identity_key) - 11) || '-' "
                "|| r.folded || substr(t.identity_key, length(t.identity_key) - 10)",
            },
            with_id=True,
        ),
        copy(
            notifications,
            {
                **moved,
                "fingerprint": "substr(t.fingerprint, 1, 58) || r.tag",
                "row_number": f"t.row_number + {offset}",
            },
        ),
        copy(case_history, moved),
        copy(deadlines, moved),
        copy(
            letters,
            {
                **moved,
                "path": f"'/nonexistent/CME-' || {padded(f't.case_id + {offset}')} || '/' "
                "|| t.step_key || '.pdf'",
            },
        ),
        copy(decisions, moved),
        copy(home_visits, moved),
    ]
    suffixes = _suffixes(copies)
    took: dict[str, float] = {}
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TEMPORARY TABLE growth_copies (k INTEGER PRIMARY KEY, suffix "
                "VARCHAR(100), folded VARCHAR(100), letter VARCHAR(1), tag VARCHAR(6))"
            )
        )
        connection.execute(
            text("INSERT INTO growth_copies VALUES (:k, :suffix, :folded, :letter, :tag)"),
            [
                {
                    "k": k,
                    "suffix": suffix,
                    "folded": folded,
                    "letter": chr(ord("B") + k),
                    "tag": f"-{k:05d}",
                }
                for k, (suffix, folded) in enumerate(suffixes, start=1)
            ],
        )
        if postgres:
            # The rows copied are consistent already: no foreign-key trigger per row.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text("SET LOCAL work_mem = '256MB'"))
        else:
            connection.execute(text("PRAGMA cache_size = -400000"))  # 400 MB for the indexes
        for table, statement in statements:
            started = time.perf_counter()
            connection.execute(text(statement))
            took[table] = time.perf_counter() - started
        connection.execute(text("DROP TABLE growth_copies"))
    started = time.perf_counter()
    settle(url)
    took["analyze"] = time.perf_counter() - started
    engine.dispose()
    return took


# ---- copies, runs, profile ----------------------------------------------------------------


def settle(url: str) -> None:
    """Leave a freshly loaded database as one in service is: its case ids' sequence past the
    cases written, its statistics gathered, and on PostgreSQL vacuumed.

    A PostgreSQL database in service has been vacuumed by autovacuum: rows' commit status is
    recorded on their pages and the visibility map is set. Right after a bulk load neither is,
    so the first statements to read each page would write it back (on a copy too): work of the
    load, not of the sweep.
    """
    from sqlalchemy import text

    from missing_education.persistence.database import engine_for

    engine = engine_for(url)
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.execute(text("ANALYZE"))
        return
    with engine.begin() as connection:
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('cases', 'id'), max(id)) FROM cases")
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))


def quiet_postgres(url: str, timeout: float = 120.0) -> None:
    """Before a timed run: the server's dirty pages written, and no autovacuum still at work.

    Building and copying a caseload leaves a checkpoint and autovacuum due; either landing in
    the middle of a timed sweep takes a core from it on a 2-core machine.
    """
    from sqlalchemy import text

    from missing_education.persistence.database import engine_for

    with engine_for(url).connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("CHECKPOINT"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                )
            ).scalar_one()
            if not busy:
                return
            time.sleep(0.5)


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


def run_sweep(url: str, home: Path) -> dict[str, Any]:
    """Time one sweep over the copy (letters recorded and queued); seconds, actions, cases."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.sweep import review_cases

    settings = use(url, home)
    if url.startswith("postgresql"):
        quiet_postgres(url)
    with counting_statements(url) as counts, server_cpu(url) as server:
        started = time.perf_counter()
        cpu = time.process_time()
        report = review_cases(SqlUnitOfWork(url), settings=settings, today=TODAY)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        # PostgreSQL's own processes (None on SQLite, whose work is in cpu_seconds).
        "server_cpu_seconds": server.get("seconds"),
        "statements": counts["statements"],
        "commits": counts["commits"],
        "actions": dict(report.actions),
        "cases": report.cases,
        "case_ids": sorted(report.case_ids),
        "letters": report.letters,
        "failed": report.failed,
    }


def _cpu_with_workers() -> float:
    """CPU seconds of this process and of its child processes that have ended."""
    import resource

    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_typesetting(url: str, home: Path, letters: int) -> dict[str, Any]:
    """Typeset queued letters the sweep made: one core against every core, same mix of letters.

    Alternate queued letters go to each run (one worker, then one per core), so both typeset
    the same kinds of letter; each keeps its PDFs in the database and records its hashes.
    """
    from missing_education.letters.batch import usable_cores
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.typesetting import typeset_letters

    settings = use(url, home)
    with SqlUnitOfWork(url) as uow:
        queued = [q.id for q in uow.letters.untypeset(limit=letters * 2)]
    figures: dict[str, Any] = {"cores": usable_cores()}
    for label, ids, workers in (
        ("one_core", queued[0::2], 1),
        ("all_cores", queued[1::2], 0),
    ):
        started = time.perf_counter()
        cpu = _cpu_with_workers()
        report = typeset_letters(
            SqlUnitOfWork(url), settings=settings, today=TODAY, letter_ids=ids, workers=workers
        )
        elapsed = time.perf_counter() - started
        figures[label] = {
            "letters": report.typeset,
            "pages": report.pages,
            "failed": report.failed,
            "seconds": elapsed,
            # This process and its typesetting workers: steadier than wall time on a busy machine.
            "cpu_seconds": _cpu_with_workers() - cpu,
            "load_average": os.getloadavg()[0],
            "pages_per_second": report.pages / elapsed if elapsed else 0.0,
        }
    return figures


def _one_sweeper(url: str, home: str, ready: Any, go: Any, results: Any) -> None:
    """A sweeper process: ready, wait for the word, sweep, report (for two at once)."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.sweep import review_cases

    settings = use(url, Path(home))
    ready.set()
    go.wait()
    started = time.perf_counter()
    report = review_cases(SqlUnitOfWork(url), settings=settings, today=TODAY)
    results.put(
        {
            "seconds": time.perf_counter() - started,
            "actions": dict(report.actions),
            "case_ids": sorted(report.case_ids),
            "failed": report.failed,
        }
    )


def run_two_sweepers(url: str, home: Path) -> dict[str, Any]:
    """Two sweeper processes started at the same moment on one database."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    go = context.Event()
    results = context.Queue()
    workers = []
    for number in (1, 2):
        ready = context.Event()
        worker = context.Process(
            target=_one_sweeper, args=(url, str(home / f"sweeper-{number}"), ready, go, results)
        )
        worker.start()
        ready.wait(120)
        workers.append(worker)
    quiet_postgres(url)
    started = time.perf_counter()
    go.set()
    runs = [results.get(timeout=600) for _ in workers]
    wall = time.perf_counter() - started
    for worker in workers:
        worker.join()
    first, second = runs
    both = set(first["case_ids"]) & set(second["case_ids"])
    actions: Counter[str] = Counter(first["actions"]) + Counter(second["actions"])
    return {
        "seconds": wall,
        "runs": [{k: v for k, v in run.items() if k != "case_ids"} for run in runs],
        "cases_each": [len(run["case_ids"]) for run in runs],
        "acted_on_twice": len(both),
        "actions": dict(actions),
    }


def profile_sweep(url: str, home: Path, output: Path | None) -> dict[str, Any]:
    """Profile the sweep on a copy; top hotspots."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.sweep import review_cases

    settings = use(url, home)
    return profiled(
        lambda: review_cases(SqlUnitOfWork(url), settings=settings, today=TODAY), output
    )


# ---- main -------------------------------------------------------------------------------------


def _check(run: dict[str, Any], expected: Counter[str]) -> str:
    """'' when the sweep did exactly the expected actions, otherwise what differed."""
    if run["actions"] == dict(expected):
        return ""
    return f"actions {run['actions']} differ from the expected {dict(expected)}"


@dataclass(frozen=True)
class Built:
    """A caseload built and kept, to grow a larger one from: its database and what it expects."""

    url: str
    cases: int
    expected: Counter[str]


def measure(
    database: str,
    cases: int,
    folder: Path,
    arguments: argparse.Namespace,
    main_size: bool,
    grow_from: Built | None = None,
    keep: bool = False,
) -> tuple[dict[str, Any], Built | None]:
    """Build one caseload, time the sweep on copies of it (and, at the main size, the rest).

    With `grow_from`, the caseload is that one's copy repeated (grow_caseload); with `keep`,
    the built database is kept, and returned, for a larger size to grow from.
    """
    started, cpu = time.perf_counter(), time.process_time()
    built = ""
    copies: list[str] = []
    kept: Built | None = None
    grow_seconds: dict[str, float] = {}
    try:
        if grow_from is not None:
            times = cases // grow_from.cases
            print(
                f"sweep: growing {cases:,} cases on {database} from {times} copies of "
                f"{grow_from.cases:,}",
                flush=True,
            )
            built = copy_database(grow_from.url, folder, f"built-{cases}")
            grow_seconds = grow_caseload(built, grow_from.cases, times)
            expected = Counter({k: v * times for k, v in grow_from.expected.items()})
        else:
            print(f"sweep: building {cases:,} cases on {database}", flush=True)
            if database == "sqlite":
                built = f"sqlite:///{folder / f'built-{cases}.sqlite3'}"
            else:
                built = create_postgres_database()
            set_up_council(built, folder)
            expected = build_caseload(built, cases, arguments.overdue, SEED)
        figures: dict[str, Any] = {
            "build_seconds": time.perf_counter() - started,
            "build_cpu_seconds": time.process_time() - cpu,  # SQLite: all of it
            "expected": dict(expected),
            "grown_from": grow_from.cases if grow_from is not None else None,
            "grow_seconds": grow_seconds,
        }
        print(f"  built in {seconds(figures['build_seconds'])}", flush=True)
        copy = copy_database(built, folder, f"{database}-{cases}-queued")
        copies.append(copy)
        print(f"sweep: {database}, {cases:,} cases, letters queued", flush=True)
        run = run_sweep(copy, folder / f"home-{database}-{cases}")
        run["problem"] = _check(run, expected)
        figures["queued"] = run
        print(
            f"  {seconds(run['seconds'])}, {run['letters']:,} letters queued, "
            f"{sum(run['actions'].values()):,} actions, {run['statements']:,} statements",
            flush=True,
        )
        if main_size and database == "sqlite" and arguments.typeset_letters:
            print("sweep: typesetting the letters it queued", flush=True)
            figures["typeset"] = run_typesetting(
                copy, folder / "home-typeset", arguments.typeset_letters
            )
        if main_size and database == "postgres":
            copy = copy_database(built, folder, f"{database}-{cases}-two")
            copies.append(copy)
            print("sweep: two sweepers at once", flush=True)
            two = run_two_sweepers(copy, folder / "home-two")
            two["problem"] = _check(two, expected)
            figures["two"] = two
            print(f"  {seconds(two['seconds'])}, each {two['cases_each']}", flush=True)
        if arguments.profile and main_size and database == "sqlite":
            copy = copy_database(built, folder, "sqlite-profile")
            copies.append(copy)
            print("sweep: profiling the SQLite sweep", flush=True)
            figures["profile"] = profile_sweep(copy, folder / "home-profile", arguments.profile)
        if keep:
            kept = Built(built, cases, expected)
        return figures, kept
    finally:
        for url in [*copies, built]:
            if url and (kept is None or url != kept.url):
                discard(url)


def discard(url: str) -> None:
    """Remove a database this benchmark made."""
    from missing_education.persistence.database import engine_for

    engine_for(url).dispose()
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
    else:
        drop_postgres_database(url)


NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
TARGETS = {"sqlite": 2.0, "postgres": 3.0}


def _growth(per_size: dict[str, Any]) -> str:
    """Each size's sweep and its cost per overdue case; how the grown caseloads were made.

    "10,000 open: 325 ms (0.65 ms per overdue case, CPU 300 ms); 100,000: ...", then, for a
    size grown in SQL, from what and in how long.
    """
    if len(per_size) < 2:
        return ""
    parts, grown = [], []
    for number, (size, figures) in enumerate(sorted(per_size.items(), key=lambda s: int(s[0]))):
        label = f"{int(size):,}" + (" open" if number == 0 else "")
        if "queued" not in figures:
            parts.append(f"{label}: failed ({figures.get('error', 'not measured')})")
            continue
        run = figures["queued"]
        overdue = max(sum(figures["expected"].values()), 1)
        parts.append(
            f"{label}: {seconds(run['seconds'])} ({run['seconds'] / overdue * 1000:.2f} ms per "
            f"overdue case, CPU {seconds(run['cpu_seconds'])}"
            + (
                f" + server {seconds(run['server_cpu_seconds'])}"
                if run.get("server_cpu_seconds") is not None
                else ""
            )
            + ")"
            + (f", {run['problem']}" if run["problem"] else "")
        )
        if figures.get("grown_from"):
            grown.append(
                f"the {int(size):,} caseload is {int(size) // figures['grown_from']} copies of "
                f"the {figures['grown_from']:,} one, made in SQL in "
                f"{seconds(figures['build_seconds'])}"
            )
    return "; ".join([*parts, *grown])


def _rows(details: dict[str, Any], arguments: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    main = arguments.cases
    for database in arguments.database_list:
        per_size = details[database]
        figures = per_size.get(str(main), {})
        if "error" in figures or "queued" not in figures:
            rows.append(
                Row(
                    key=f"sweep {database}",
                    figure=f"Sweep, {main:,} open cases, {NAMES[database]}",
                    measured="failed",
                    target=f"<= {TARGETS[database]:.0f} s",
                    met=False,
                    note=str(figures.get("error", "not measured")),
                )
            )
            continue
        run = figures["queued"]
        overdue = sum(figures["expected"].values())
        growth = _growth(per_size)
        other = "postgres" if database == "sqlite" else "sqlite"
        other_run = details.get(other, {}).get(str(main), {}).get("queued")
        rows.append(
            Row(
                key=f"sweep {database}",
                figure=(
                    f"Sweep, {main:,} open cases, {overdue:,} overdue, {NAMES[database]}: "
                    "letters queued"
                ),
                measured=seconds(run["seconds"]),
                target=f"<= {TARGETS[database]:.0f} s",
                baseline=f"{seconds(other_run['seconds'])} on {NAMES[other]}" if other_run else "",
                ratio=f"{run['seconds'] / other_run['seconds']:.2f}x" if other_run else "",
                met=run["seconds"] <= TARGETS[database] and not run["problem"],
                note=(
                    f"{sum(run['actions'].values()):,} rules applied on {run['cases']:,} cases, "
                    f"{run['letters']:,} letters queued; {run['statements']:,} SQL statements "
                    f"and {run['commits']:,} commits; CPU {seconds(run['cpu_seconds'])}; "
                    f"caseload built in {seconds(figures['build_seconds'])}"
                    + (f"; growth: {growth}" if growth else "")
                    + (f"; {run['problem']}" if run["problem"] else "")
                ),
            )
        )
        if "two" in figures:
            two = figures["two"]
            ratio = two["seconds"] / run["seconds"]
            rows.append(
                Row(
                    key=f"sweep {database} two sweepers",
                    figure=f"Two sweepers at once on {NAMES[database]}, same caseload",
                    measured=f"{seconds(two['seconds'])}, {two['acted_on_twice']} acted on twice",
                    target="each case once; <= 0.7x one sweeper",
                    baseline=f"{seconds(run['seconds'])} one sweeper",
                    ratio=f"{ratio:.2f}x",
                    met=ratio <= 0.7 and two["acted_on_twice"] == 0 and not two["problem"],
                    note=(
                        f"cases each: {two['cases_each'][0]:,} and {two['cases_each'][1]:,}; "
                        "actions together as one sweeper's"
                        + (f"; {two['problem']}" if two["problem"] else "")
                    ),
                )
            )
        if "typeset" in figures:
            typeset = figures["typeset"]
            one, every = typeset["one_core"], typeset["all_cores"]
            rows.append(
                Row(
                    key="typeset queued letters",
                    figure=(
                        "Typesetting queued letters in batches, PDFs into the database "
                        f"({every['letters']:,} letters the sweep queued)"
                    ),
                    measured=f"{every['pages_per_second']:.0f} pages/s",
                    target=">= 300 pages/s",
                    baseline=f"{one['pages_per_second']:.0f} pages/s on one core",
                    ratio=f"{every['pages_per_second'] / max(one['pages_per_second'], 1):.2f}x",
                    met=every["pages_per_second"] >= 300 and not every["failed"],
                    note=(
                        f"{typeset['cores']} typesetting processes; {every['pages']:,} pages in "
                        f"{seconds(every['seconds'])}, CPU {seconds(every['cpu_seconds'])}; one "
                        f"core: {one['letters']:,} other letters of the same mix, "
                        f"{one['pages']:,} pages in {seconds(one['seconds'])}, CPU "
                        f"{seconds(one['cpu_seconds'])}; load average "
                        f"{every['load_average']:.1f}"
                    ),
                )
            )
        if "profile" in figures:
            details["profile"] = figures["profile"]
    return rows


def main() -> None:
    """Build each caseload once, time the sweep at each size, two sweepers, typesetting."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="open cases (the target size)")
    parser.add_argument(
        "--growth",
        default="10000",
        help="other sizes timed to show the growth (comma-separated, e.g. 10000,1000000)",
    )
    parser.add_argument(
        "--generate",
        action="store_true",
        help="generate every size case by case (slow); by default a multiple of --cases is "
        "grown from that caseload in SQL",
    )
    parser.add_argument("--overdue", type=float, default=0.05, help="share of cases overdue")
    parser.add_argument("--quick", action="store_true", help="10,000 cases, SQLite only")
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres"
    )
    parser.add_argument(
        "--typeset-letters", type=int, default=800, help="letters typeset per core count (0: none)"
    )
    parser.add_argument("--profile", type=Path, help="profile the SQLite sweep here")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.cases, arguments.databases, arguments.growth = 10_000, "sqlite", ""
        arguments.typeset_letters = min(arguments.typeset_letters, 100)
    arguments.database_list = [d for d in arguments.databases.split(",") if d]
    sizes = [int(n) for n in arguments.growth.split(",") if n.strip()]
    all_sizes = sorted({arguments.cases, *sizes})
    # Larger sizes that are a multiple of the main one are grown from its caseload in SQL.
    grown = {
        size
        for size in all_sizes
        if not arguments.generate
        and size > arguments.cases
        and size % arguments.cases == 0
        and size // arguments.cases <= most_copies()
    }
    result = Result("sweep")
    details: dict[str, Any] = {"cases": arguments.cases, "overdue_share": arguments.overdue}

    with scratch_folder("sweep") as folder:
        for database in arguments.database_list:
            details[database] = {}
            main_built: Built | None = None
            try:
                for size in all_sizes:
                    try:
                        details[database][str(size)], kept = measure(
                            database,
                            size,
                            folder,
                            arguments,
                            size == arguments.cases,
                            grow_from=main_built if size in grown else None,
                            keep=size == arguments.cases and bool(grown),
                        )
                        main_built = main_built or kept
                    except Exception as error:  # one database failing must not lose the other's
                        print(f"sweep: {database} {size} failed: {error}", flush=True)
                        details[database][str(size)] = {
                            "error": f"{type(error).__name__}: {error}"[:400]
                        }
            finally:
                if main_built is not None:
                    discard(main_built.url)
    result.rows = _rows(details, arguments)
    details["peak_rss_mb"] = peak_rss_mb()
    result.details = details
    result.write(arguments.json)


if __name__ == "__main__":
    main()
