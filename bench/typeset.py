"""Time the renderer alone: the letters a sweep queued, typeset in batches, wall and CPU time.

    .venv/bin/python bench/typeset.py                      # 20,000 cases, SQLite, ~1,000 letters
    .venv/bin/python bench/typeset.py --databases sqlite,postgres --letters 600
    .venv/bin/python bench/typeset.py --profile bench-data/typeset-profile.txt

bench/sweep.py times the same thing as one figure among many; this one isolates it, so that a
change to the renderer can be judged on a busy machine. It builds the sweep benchmark's
caseload, runs the sweep (which queues letters), then typesets alternate queued letters twice:
on one core, then on every core, each run on its own copy of the queue. Besides wall time it
reports CPU seconds of this process and of its worker processes together (steadier than wall
time when other work shares the machine) and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    Result,
    Row,
    create_postgres_database,
    drop_postgres_database,
    profiled,
    scratch_folder,
)
from sweep import SEED, TODAY, build_caseload, run_sweep, set_up_council, use


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def typeset_run(url: str, home: Path, ids: list[int], workers: int) -> dict[str, Any]:
    """Typeset these queued letters with this many workers (0: one per core); the figures."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services.typesetting import typeset_letters

    settings = use(url, home)
    load = os.getloadavg()[0]
    cpu = _cpu()
    started = time.perf_counter()
    report = typeset_letters(
        SqlUnitOfWork(url), settings=settings, today=TODAY, letter_ids=ids, workers=workers
    )
    elapsed = time.perf_counter() - started
    cpu = _cpu() - cpu
    return {
        "letters": report.typeset,
        "pages": report.pages,
        "failed": report.failed,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "pages_per_second": report.pages / elapsed if elapsed else 0.0,
        "pages_per_cpu_second": report.pages / cpu if cpu else 0.0,
        "load_before": load,
        "load_after": os.getloadavg()[0],
    }


def measure(database: str, arguments: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Build the caseload, sweep it, typeset its letters on one core and on every core."""
    from missing_education.letters.batch import usable_cores
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.persistence.database import engine_for

    if database == "sqlite":
        built = f"sqlite:///{folder / 'built.sqlite3'}"
    else:
        built = create_postgres_database()
    try:
        print(f"typeset: building {arguments.cases:,} cases on {database}", flush=True)
        set_up_council(built, folder)
        build_caseload(built, arguments.cases, 0.05, SEED)
        print("typeset: sweeping (letters queued)", flush=True)
        run_sweep(built, folder / f"home-{database}-sweep")
        with SqlUnitOfWork(built) as uow:
            queued = [q.id for q in uow.letters.untypeset(limit=arguments.letters * 2)]
        figures: dict[str, Any] = {"cores": usable_cores(), "queued": len(queued)}
        runs = (("one_core", queued[0::2], 1), ("all_cores", queued[1::2], 0))
        for label, ids, workers in runs:
            print(f"typeset: {database}, {len(ids)} letters, {label}", flush=True)
            home = folder / f"home-{database}-{label}"
            if arguments.profile and label == "one_core":
                kept: dict[str, Any] = {}

                def work(
                    ids: list[int] = ids, home: Path = home, kept: dict[str, Any] = kept
                ) -> None:
                    kept.update(typeset_run(built, home, ids, 1))

                figures["profile"] = profiled(work, arguments.profile)
                figures[label] = kept
            else:
                figures[label] = typeset_run(built, home, ids, workers)
            run = figures[label]
            print(
                f"  {run['pages']} pages in {run['seconds']:.2f} s ({run['pages_per_second']:.0f}"
                f" pages/s), CPU {run['cpu_seconds']:.2f} s ({run['pages_per_cpu_second']:.0f}"
                f" pages per CPU second), load {run['load_before']:.1f}",
                flush=True,
            )
        return figures
    finally:
        engine_for(built).dispose()
        if database != "sqlite":
            drop_postgres_database(built)


def main() -> None:
    """Typeset the sweep's queued letters on each database; print and keep the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="open cases (5%% overdue)")
    parser.add_argument(
        "--letters", type=int, default=500, help="letters typeset per run (one core, every core)"
    )
    parser.add_argument("--databases", default="sqlite", help="comma-separated: sqlite, postgres")
    parser.add_argument("--profile", type=Path, help="profile the one-core run, written here")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    arguments = parser.parse_args()
    result = Result("typeset")
    with scratch_folder("typeset") as folder:
        for database in [d for d in arguments.databases.split(",") if d]:
            figures = measure(database, arguments, folder)
            result.details[database] = figures
            every, one = figures["all_cores"], figures["one_core"]
            result.rows.append(
                Row(
                    key=f"typeset {database}",
                    figure=f"Typesetting queued letters ({database}), every core",
                    measured=f"{every['pages_per_second']:.0f} pages/s",
                    target=">= 300 pages/s",
                    baseline=f"{one['pages_per_second']:.0f} pages/s on one core",
                    met=every["pages_per_second"] >= 300,
                    note=(
                        f"{every['pages_per_cpu_second']:.0f} pages per CPU second on every "
                        f"core, {one['pages_per_cpu_second']:.0f} on one"
                    ),
                )
            )
    result.write(arguments.json)


if __name__ == "__main__":
    main()
