"""Benchmark a whole school term: 1,000 cases, notification to outcome, day by day.

    .venv/bin/python bench/term.py                 # 1,000 cases, about a minute
    .venv/bin/python bench/term.py --cases 200     # the size the integration test runs

The driver is the whole-term integration test's own (synthetic/simulation.py):
the clock moves from Monday 16 November 2026 to the end of the spring term 2027; every school
day the sweep runs and coordinators answer decisions on a seeded schedule that takes every
answer of every decision. As in that test, each letter's template is filled for real but not
typeset (the letters benchmark measures typesetting). SQLite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    REPO,
    Result,
    Row,
    peak_rss_mb,
    scratch_folder,
    seconds,
)

TARGET_SECONDS = 60.0


def simulate(folder: Path, cases: int) -> dict[str, Any]:
    """Run the term; returns elapsed seconds and what happened."""
    import missing_education.letters.batch as batch
    from missing_education.domain import NOTIFICATION_COLUMNS, OPEN_STATUSES
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.calendar import (
        CALENDAR_COLUMNS,
        import_calendar,
        load_calendar,
    )
    from missing_education.services.directory import (
        OFFICER_COLUMNS,
        SCHOOL_COLUMNS,
        import_officers,
        import_schools,
    )
    from missing_education.services.procedure import Procedure
    from missing_education.services.receiving import receive_file
    from missing_education.services.sweep import review_cases
    from missing_education.settings import load_settings
    from synthetic.council import (
        autumn_2026_calendar,
        synthetic_notifications,
        synthetic_officers,
        synthetic_schools,
        write_csv,
    )
    from synthetic.simulation import (
        END_OF_SPRING_TERM,
        EVERY_BRANCH,
        FIRST_DAY,
        SEED,
        Coordinators,
        post,
        school_days,
        typeset_later,
    )

    home = folder / "home"
    url = f"sqlite:///{home / 'cme.sqlite3'}"
    os.environ.update(CME_HOME=str(home), CME_DATABASE_URL=url, CME_TODAY=FIRST_DAY.isoformat())
    # As the test does: the renderer fills templates but typesets nothing, in this process.
    real_render = (batch.render_letter, batch.POOL_FROM)
    batch.render_letter = typeset_later  # type: ignore[assignment]
    batch.POOL_FROM = 10**9
    try:
        started = time.perf_counter()
        cpu = time.process_time()
        settings = load_settings()
        import_calendar(
            SqlUnitOfWork(url),
            write_csv(folder / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS),
        )
        import_schools(
            SqlUnitOfWork(url), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS)
        )
        import_officers(
            SqlUnitOfWork(url), write_csv(folder / "o.csv", synthetic_officers(), OFFICER_COLUMNS)
        )
        rows = synthetic_notifications(cases, seed=SEED, referral_date=FIRST_DAY)
        path = write_csv(folder / "notifications.csv", rows, NOTIFICATION_COLUMNS)
        intake = receive_file(
            SqlUnitOfWork(url), path, settings=settings, today=FIRST_DAY
        ).as_dict()
        intake_seconds = time.perf_counter() - started
        with SqlUnitOfWork(url) as uow:
            calendar = load_calendar(uow)
        coordinators = Coordinators(SEED)
        sweeps: Counter[str] = Counter()
        days = 0
        sweep_seconds = 0.0
        for day in school_days(calendar.is_school_day, FIRST_DAY, END_OF_SPRING_TERM):
            os.environ["CME_TODAY"] = day.isoformat()
            swept = time.perf_counter()
            sweeps.update(review_cases(SqlUnitOfWork(url), settings=settings, today=day).actions)
            sweep_seconds += time.perf_counter() - swept
            post(url, settings, day)
            with SqlUnitOfWork(url) as uow:
                coordinators.work(uow, Procedure(uow, settings, day), day)
            days += 1
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        batch.render_letter, batch.POOL_FROM = real_render

    with SqlUnitOfWork(url) as uow:
        summaries = uow.cases.summaries()
        letters = len(uow.letters.outbox())
        closed = sum(1 for s in summaries if s.status not in OPEN_STATUSES)
    missing = sorted(EVERY_BRANCH - set(coordinators.applied))
    return {
        "cases": len(summaries),
        "opened": intake["opened"],
        "school_days": days,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "intake_seconds": intake_seconds,
        "sweep_seconds": sweep_seconds,
        "closed": closed,
        "letters": letters,
        "decisions": sum(coordinators.applied.values()),
        "branches_taken": len(EVERY_BRANCH) - len(missing),
        "branches": len(EVERY_BRANCH),
        "branches_missing": [f"{kind}={answer}" for kind, answer in missing],
        "errors": coordinators.errors[:10],
        "sweep_actions": dict(sweeps),
    }


def main() -> None:
    """Simulate the term and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="200 cases")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.cases = 200
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    print(f"term: {arguments.cases:,} cases, school day by school day", flush=True)
    with scratch_folder("term") as folder:
        figures = simulate(folder, arguments.cases)
    print(f"  {seconds(figures['seconds'])}", flush=True)
    figures["peak_rss_mb"] = peak_rss_mb()
    every_branch = figures["branches_taken"] == figures["branches"] and not figures["errors"]
    out = Result("term")
    out.rows.append(
        Row(
            key="term",
            figure=(
                f"A whole term: {figures['opened']:,} cases over {figures['school_days']} school "
                "days, every branch (letters templated, not typeset)"
            ),
            measured=seconds(figures["seconds"]),
            target=f"<= {TARGET_SECONDS:.0f} s, every branch",
            baseline="",
            ratio=f"{figures['seconds'] / TARGET_SECONDS:.2f}x target",
            met=figures["seconds"] <= TARGET_SECONDS and every_branch,
            note=(
                f"{figures['branches_taken']} of {figures['branches']} decision answers taken"
                + (
                    f" (missing {', '.join(figures['branches_missing'])})"
                    if not every_branch
                    else ""
                )
                + f"; {figures['closed']:,} cases closed, {figures['letters']:,} letters, "
                f"{figures['decisions']:,} decisions; intake {seconds(figures['intake_seconds'])}, "
                f"daily sweeps {seconds(figures['sweep_seconds'])}, the rest coordinators' answers"
                + (f"; errors: {figures['errors']}" if figures["errors"] else "")
            ),
        )
    )
    out.details = figures
    out.write(arguments.json)


if __name__ == "__main__":
    main()
