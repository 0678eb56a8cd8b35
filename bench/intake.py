"""Benchmark intake: notifications become acknowledged cases, with and without Prefect.

    .venv/bin/python bench/intake.py                      # 10,000 notifications, about 3 minutes
    .venv/bin/python bench/intake.py --quick              # 1,000 notifications
    PREFECT_API_URL=http://127.0.0.1:4200/api .venv/bin/python bench/intake.py --json out.json

The same seeded notification file (with its duplicate, linked, out-of-age and bad rows) is
taken in twice, each time into a fresh SQLite database:

* directly: the receive-notifications flow's tasks' functions (`.fn`: intake,
  acknowledgements, each investigation's start, the decisions' queue, the renderer pass and
  the file's release) called one after the other, with the intake progress artifact calls
  made no-ops and the decision runs' Prefect client answering offline as this script's server
  does (no `decide-*` deployments, so no runs to make), so nothing of Prefect runs;
* through Prefect: the `receive-notifications` flow, called in this process against a
  Prefect server that is already running (the one PREFECT_API_URL names, or one this
  script starts with its own PREFECT_HOME before timing anything).

Prefect's share of the wall time is (flow - direct) / flow. A second estimate comes from
the flow run alone: its wall time outside the tasks' functions, plus the Prefect calls made
inside them, over its wall time. The larger of the two is reported. The rate is the
notifications over the time of the first two tasks' functions in the direct run.

The tasks' functions are also timed on PostgreSQL (a throwaway database), for its rate.

Letters are recorded and queued by the steps and typeset afterwards by the renderer; the flow
runs the renderer at its end (and then forgets the uploaded file), and so does the direct run
with investigations, the renderer's task function called like the others. In both, typesetting
itself is replaced by a stub returning a fixed PDF, so both runs do the same work (the
renderer's reads and writes included; bench/sweep.py and bench/letters.py time typesetting).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
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
    prefect_server,
    profiled,
    rendering_stubbed,
    scratch_folder,
    seconds,
)

TODAY = date(2026, 11, 16)
SEED = 20261116
RATE_TARGET = 2000.0  # notifications per second, intake and acknowledgements
SHARE_TARGET = 0.10  # Prefect's share of the flow's wall time
COUNTS = ("received", "opened", "linked", "duplicates", "not_cme", "rejected")
PROFILE_ROWS = 2_000  # enough to show where each row's time goes


class PhaseTimer:
    """Wall time inside the flow's tasks' own functions, and inside Prefect calls they make."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        # CPU time of this process in each phase: the machine is shared, wall time is not ours.
        self.cpu_seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def installed(self, *, prefect_calls: bool) -> Iterator[None]:
        """Wrap every task's function (Prefect's engine calls `task.fn`) and the Prefect calls.

        Without `prefect_calls` the artifact calls become no-ops and the decision runs' client
        answers offline as this benchmark's server does: the baseline is the tasks' functions
        with nothing of Prefect in them.
        """
        import tasks.decision_runs as decision_tasks
        import tasks.intake as intake_tasks
        import tasks.letters as letter_tasks

        phases = {
            "intake": intake_tasks.ingest_notification_file,
            "acknowledge": intake_tasks.acknowledge_notifications,
            "investigate": intake_tasks.investigate_cases,
            "decision runs": decision_tasks.sync_decision_runs,
            "typeset": letter_tasks.typeset_queued_letters,
            "release": intake_tasks.release_uploaded_file,
        }
        originals: list[tuple[Any, str, Any]] = [
            (task, "fn", task.fn) for task in phases.values()
        ] + [
            (intake_tasks, name, getattr(intake_tasks, name))
            for name in ("create_progress_artifact", "update_progress_artifact")
        ]
        for phase, task in phases.items():
            task.fn = self._timed(phase, task.fn)
        for _, name, function in originals[len(phases) :]:
            replacement = self._timed("prefect calls", function) if prefect_calls else _no_op
            setattr(intake_tasks, name, replacement)
        real_client = decision_tasks.get_client
        originals.append((decision_tasks, "get_client", real_client))
        decision_tasks.get_client = (  # type: ignore[assignment]
            functools.partial(_TimedClient, real_client, self) if prefect_calls else _OfflineClient
        )
        try:
            yield
        finally:
            for owner, name, function in originals:
                setattr(owner, name, function)

    def _timed(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started
                self.cpu_seconds[phase] += time.process_time() - cpu

        return timed


def _no_op(*args: Any, **kwargs: Any) -> uuid.UUID:
    return uuid.uuid4()


class _TimedClient:
    """The decision runs' Prefect client, each call (opening and closing it too) timed."""

    def __init__(self, get_client: Callable[..., Any], timer: PhaseTimer, **options: Any) -> None:
        self._opened = timer._timed("prefect calls", get_client)(**options)
        self._timer = timer

    def __enter__(self) -> Any:
        self._client = self._timer._timed("prefect calls", self._opened.__enter__)()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._timer._timed("prefect calls", self._opened.__exit__)(*exc)

    def __getattr__(self, name: str) -> Any:
        return self._timer._timed("prefect calls", getattr(self._client, name))


class _OfflineClient:
    """The decision runs' client with no server, answering as this benchmark's server does.

    That server has no `decide-*` deployments and so no decision runs; artifacts are dropped.
    """

    def __init__(self, **options: Any) -> None:
        pass

    def __enter__(self) -> _OfflineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read_flow_runs(self, **filters: Any) -> list[Any]:
        return []

    def read_deployment_by_name(self, name: str) -> Any:
        from prefect.exceptions import ObjectNotFound

        raise ObjectNotFound(http_exc=Exception(name))

    def create_artifact(self, artifact: Any) -> None:
        return None


def prepare(folder: Path, notifications: int) -> Path:
    """The notification file, the same for both runs."""
    from missing_education.domain import NOTIFICATION_COLUMNS
    from synthetic.council import synthetic_notifications, write_csv

    rows = synthetic_notifications(notifications, seed=SEED, referral_date=TODAY)
    return write_csv(folder / "notifications.csv", rows, NOTIFICATION_COLUMNS)


def fresh_council(home: Path, database: str = "sqlite") -> str:
    """A new CME_HOME with its database, term dates, schools and officers; the database URL."""
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

    home.mkdir(parents=True, exist_ok=True)
    url = (
        f"sqlite:///{home / 'cme.sqlite3'}" if database == "sqlite" else create_postgres_database()
    )
    os.environ.update(CME_HOME=str(home), CME_DATABASE_URL=url, CME_TODAY=TODAY.isoformat())
    import_calendar(
        SqlUnitOfWork(url),
        write_csv(home / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS),
    )
    import_schools(
        SqlUnitOfWork(url), write_csv(home / "schools.csv", synthetic_schools(), SCHOOL_COLUMNS)
    )
    import_officers(
        SqlUnitOfWork(url), write_csv(home / "officers.csv", synthetic_officers(), OFFICER_COLUMNS)
    )
    return url


def letters_recorded(url: str) -> int:
    """How many letters the run recorded and queued."""
    from missing_education.persistence import SqlUnitOfWork

    with SqlUnitOfWork(url) as uow:
        return len(uow.letters.outbox())


def run_direct(
    home: Path, path: Path, database: str = "sqlite", *, investigate: bool = True
) -> dict[str, Any]:
    """The flow's tasks' functions called directly (`.fn`), with no Prefect in them.

    Without `investigate`, the third (each investigation's start) is left out: it is not in
    the rate, and on PostgreSQL it would take longer than the rest of the benchmark.
    """
    import tasks.decision_runs as decision_tasks
    import tasks.intake as intake_tasks
    import tasks.letters as letter_tasks
    from missing_education.cli_support import open_uow
    from missing_education.services import intake_files
    from missing_education.settings import load_settings

    url = fresh_council(home, database)
    timer = PhaseTimer()
    counted: dict[str, int] = {}
    settings = load_settings()
    file_id = intake_files.hold(open_uow(settings), settings, path).id  # an id, not a path
    with rendering_stubbed(), timer.installed(prefect_calls=False):
        started, cpu = time.perf_counter(), time.process_time()
        with counting_statements(url) as counts:
            intake = intake_tasks.ingest_notification_file.fn(file_id)
            intake_tasks.acknowledge_notifications.fn(intake["to_acknowledge"])
            counted = dict(counts)
        if investigate:
            investigation = intake_tasks.investigate_cases.fn(intake["to_investigate"])
            # The rest of the flow: the decisions' queue (its database work; the Prefect client
            # answers offline), the renderer pass over the letters queued, and the release.
            decision_tasks.sync_decision_runs.fn(investigation["case_ids"])
            letter_tasks.typeset_queued_letters.fn()
            intake_tasks.release_uploaded_file.fn(file_id)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "statements": counted.get("statements", 0),
        "commits": counted.get("commits", 0),
        "phases": dict(timer.seconds),
        "phases_cpu": dict(timer.cpu_seconds),
        "report": {k: v for k, v in intake.items() if k in COUNTS},
        "letters": letters_recorded(url),
        "database": database,
        "url": url,
    }


def run_flow(home: Path, path: Path) -> dict[str, Any]:
    """The receive-notifications flow against the running Prefect server."""
    from flows.receive_notifications import receive_notifications
    from missing_education.cli_support import open_uow
    from missing_education.services import intake_files
    from missing_education.settings import load_settings

    url = fresh_council(home)
    timer = PhaseTimer()
    settings = load_settings()
    file_id = intake_files.hold(open_uow(settings), settings, path).id  # an id, not a path
    with rendering_stubbed(), timer.installed(prefect_calls=True):
        started, cpu = time.perf_counter(), time.process_time()
        report = receive_notifications(file_id)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "phases": dict(timer.seconds),
        "phases_cpu": dict(timer.cpu_seconds),
        "report": {k: v for k, v in report.items() if k in COUNTS},
        "letters": letters_recorded(url),
    }


def profile_intake(home: Path, path: Path, rows: int, output: Path | None) -> dict[str, Any]:
    """Profile intake and acknowledgements (no investigations) on the file's first rows."""
    from missing_education.persistence import SqlUnitOfWork
    from missing_education.services import ingest_file
    from missing_education.services.batches import in_batches
    from missing_education.services.procedure import Procedure
    from missing_education.settings import load_settings

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    part = path.with_name("profiled.csv")
    part.write_text("".join(lines[: rows + 1]), encoding="utf-8")
    url = fresh_council(home)
    settings = load_settings()

    def intake_and_acknowledgements() -> None:
        report = ingest_file(SqlUnitOfWork(url), part, settings=settings, today=TODAY)
        uow = SqlUnitOfWork(url)
        with uow:
            # As the acknowledgement task does: a batch of cases per commit.
            in_batches(
                Procedure(uow, settings, TODAY),
                report.opened_case_ids + report.linked_case_ids,
                lambda p, i: p.acknowledge([i]),
            )

    with rendering_stubbed():
        figures = profiled(intake_and_acknowledgements, output)
    figures["rows"] = rows
    return figures


def measure(
    folder: Path, notifications: int, api_url: str, profile: Path | None = None
) -> dict[str, Any]:
    """Both runs on the same file (then a profile); Prefect settings point at `api_url`."""
    os.environ.update(
        PREFECT_API_URL=api_url,
        PREFECT_HOME=str(folder / "prefect-client"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    path = prepare(folder, notifications)
    import flows.receive_notifications  # noqa: F401 (Prefect imported before any clock starts)

    print(f"intake: {notifications:,} notifications, the tasks' functions alone", flush=True)
    direct = run_direct(folder / "direct", path)
    print(f"  {seconds(direct['wall_seconds'])}  {direct['phases']}", flush=True)
    print("intake: the same on PostgreSQL", flush=True)
    try:
        on_postgres = run_direct(folder / "direct-postgres", path, "postgres", investigate=False)
        print(f"  {seconds(on_postgres['wall_seconds'])}  {on_postgres['phases']}", flush=True)
    finally:
        from missing_education.persistence.database import engine_for

        url = os.environ["CME_DATABASE_URL"]
        if url.startswith("postgresql"):
            engine_for(url).dispose()
            drop_postgres_database(url)
    print("intake: the same through the receive-notifications flow", flush=True)
    flow = run_flow(folder / "flow", path)
    print(f"  {seconds(flow['wall_seconds'])}  {flow['phases']}", flush=True)
    _send_what_prefect_holds()
    figures = {
        "notifications": notifications,
        "direct": direct,
        "postgres": on_postgres,
        "flow": flow,
    }
    if profile is not None:
        rows = min(notifications, PROFILE_ROWS)
        print(f"intake: profiling intake and acknowledgements of {rows:,} rows", flush=True)
        figures["intake_profile"] = profile_intake(folder / "profile", path, rows, profile)
    return figures


def _send_what_prefect_holds() -> None:
    """Let Prefect's log and event workers finish while the server still answers."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):  # untimed housekeeping: never fail the benchmark
            worker.drain_all(timeout=15)


def result(figures: dict[str, Any]) -> Result:
    """The table rows and notes from the measured figures."""
    direct, flow = figures["direct"], figures["flow"]
    received = direct["report"]["received"]
    phases = direct["phases"]
    cpu = direct.get("phases_cpu", {})
    intake_ack = phases.get("intake", 0.0) + phases.get("acknowledge", 0.0)
    rate = received / intake_ack if intake_ack else 0.0
    in_flow = flow["phases"].get("intake", 0.0) + flow["phases"].get("acknowledge", 0.0)
    flow_rate = received / in_flow if in_flow else 0.0
    difference = (flow["wall_seconds"] - direct["wall_seconds"]) / flow["wall_seconds"]
    in_tasks = sum(v for k, v in flow["phases"].items() if k != "prefect calls")
    prefect_calls = flow["phases"].get("prefect calls", 0.0)
    outside = flow["wall_seconds"] - in_tasks + prefect_calls
    accounted = outside / flow["wall_seconds"]
    # The same accounting in this process's CPU time, which other work on the machine does not
    # inflate (the server's own work and the waits for it are not in it).
    flow_cpu = flow.get("phases_cpu", {})
    outside_cpu = (
        flow["cpu_seconds"]
        - sum(v for k, v in flow_cpu.items() if k != "prefect calls")
        + flow_cpu.get("prefect calls", 0.0)
    )
    # Two runs on a shared machine differ by more than Prefect costs; the accounting within
    # the flow run cannot see Prefect slowing the tasks down. Show the larger.
    share = max(difference, accounted)
    same = all(direct["report"][k] == flow["report"][k] for k in COUNTS)
    same = same and direct["letters"] == flow["letters"]
    check = "" if same else f"; runs differ: {direct['report']} / {flow['report']}"
    out = Result("intake")
    pg = figures["postgres"]
    pg_phases = pg["phases"]
    pg_time = pg_phases.get("intake", 0.0) + pg_phases.get("acknowledge", 0.0)
    pg_rate = received / pg_time if pg_time else 0.0
    out.rows.append(
        Row(
            key="intake rate",
            figure=(
                f"Intake, {received:,} notifications to open cases with acknowledgement "
                "records, SQLite (letters queued)"
            ),
            measured=f"{rate:,.0f} notifications/s",
            target=f">= {RATE_TARGET:,.0f} notifications/s",
            baseline=f"{flow_rate:,.0f}/s inside the flow",
            ratio=f"{rate / RATE_TARGET:.2f}x target",
            met=rate >= RATE_TARGET,
            note=(
                f"intake {seconds(phases.get('intake', 0.0))} ({direct['report']['opened']:,} "
                f"opened, {direct['report']['linked']} linked, {direct['report']['duplicates']} "
                f"duplicate, {direct['report']['not_cme']} not CME, "
                f"{direct['report']['rejected']} rejected) + acknowledgements "
                f"{seconds(phases.get('acknowledge', 0.0))}: "
                f"{direct['statements'] / received:.1f} SQL statements per notification; "
                f"CPU {seconds(cpu.get('intake', 0.0))} + "
                f"{seconds(cpu.get('acknowledge', 0.0))}; the investigations that follow, a "
                f"batch of cases per commit ({seconds(phases.get('investigate', 0.0))}, CPU "
                f"{seconds(cpu.get('investigate', 0.0))}), are not in this figure"
            ),
        )
    )
    out.rows.append(
        Row(
            key="intake rate postgres",
            figure=(
                f"Intake, {received:,} notifications to open cases with acknowledgement "
                "records, PostgreSQL"
            ),
            measured=f"{pg_rate:,.0f} notifications/s",
            target=f">= {RATE_TARGET:,.0f} notifications/s",
            baseline=f"{rate:,.0f}/s on SQLite",
            ratio=f"{pg_rate / RATE_TARGET:.2f}x target",
            met=pg_rate >= RATE_TARGET and pg["report"] == direct["report"],
            note=(
                f"intake {seconds(pg_phases.get('intake', 0.0))} + acknowledgements "
                f"{seconds(pg_phases.get('acknowledge', 0.0))}: "
                f"{pg['statements'] / received:.1f} SQL statements per notification "
                f"({pg['commits']:,} commits); CPU in this process "
                f"{seconds(pg.get('phases_cpu', {}).get('intake', 0.0))} + "
                f"{seconds(pg.get('phases_cpu', {}).get('acknowledge', 0.0))}; the same file "
                "and counts as on SQLite (investigations not run)"
            ),
        )
    )
    out.rows.append(
        Row(
            key="intake prefect share",
            figure="Intake: Prefect's share of the receive-notifications flow's wall time",
            measured=f"{share * 100:.1f} %",
            target=f"<= {SHARE_TARGET * 100:.0f} %",
            baseline=f"{seconds(direct['wall_seconds'])} without Prefect",
            ratio=(
                f"{flow['wall_seconds'] / direct['wall_seconds']:.2f}x "
                f"({seconds(flow['wall_seconds'])} flow)"
            ),
            met=share <= SHARE_TARGET and same,
            note=(
                f"intake, acknowledgements and {direct['report']['opened']:,} investigations, "
                f"{flow['letters']:,} letters recorded (rendering stubbed) both ways; the "
                "baseline calls the flow's six tasks' functions (`.fn`) with no Prefect in "
                f"them. By difference {difference * 100:.1f} %; by accounting within the flow "
                f"run {accounted * 100:.1f} % ({seconds(outside)} outside the tasks' functions "
                f"or in Prefect calls they make); the larger is shown. In the flow run: "
                + ", ".join(f"{k} {seconds(v)}" for k, v in flow["phases"].items())
                + f". CPU in this process: Prefect's {seconds(outside_cpu)} by the same "
                "accounting; "
                f"flow {seconds(flow['cpu_seconds'])}, tasks' functions alone "
                f"{seconds(direct['cpu_seconds'])}" + check
            ),
        )
    )
    out.details = figures
    return out


def main() -> None:
    """Take the file in both ways and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 notifications")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--profile", type=Path, help="profile intake; the report goes here")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.notifications = 1_000
    with scratch_folder("intake") as folder:
        api_url = os.environ.get("PREFECT_API_URL", "")
        if api_url:
            figures = measure(folder, arguments.notifications, api_url, arguments.profile)
            figures["prefect_server"] = "already running (PREFECT_API_URL)"
        else:
            print("intake: starting a Prefect server of its own", flush=True)
            with prefect_server() as server:
                print(f"  ready in {seconds(server.started_in)}", flush=True)
                figures = measure(
                    folder, arguments.notifications, server.api_url, arguments.profile
                )
            figures["prefect_server"] = f"started by bench/intake.py in {server.started_in:.0f} s"
    figures["peak_rss_mb"] = peak_rss_mb()
    result(figures).write(arguments.json)


if __name__ == "__main__":
    main()
