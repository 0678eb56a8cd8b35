"""The `cme` command: what a CME coordinator types (every command has --help)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from missing_education import services
from missing_education.clock import ClockError, today
from missing_education.domain import CaseNotFound, DomainError, Status
from missing_education.persistence import SqlUnitOfWork, upgrade
from missing_education.services.calendar import load_calendar
from missing_education.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help=(
        "Children Missing Education casework: take in notifications, follow every case to a "
        "safe outcome on the school calendar, and keep the evidence.\n\n"
        "Settings come from CME_* environment variables and CME_HOME/cme.toml (see README). "
        "CME_TODAY=YYYY-MM-DD makes every command act as of that day."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The case database.", no_args_is_help=True)
calendar_app = typer.Typer(help="Term dates and closure (INSET) days.", no_args_is_help=True)
case_app = typer.Typer(help="One case.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(calendar_app, name="calendar")
app.add_typer(case_app, name="case")

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise _fail(str(error), 2) from None


def _today() -> date:
    try:
        return today()
    except ClockError as error:
        raise _fail(str(error), 2) from None


def _uow(settings: Settings) -> SqlUnitOfWork:
    return SqlUnitOfWork(settings.effective_database_url)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} must be a date written YYYY-MM-DD, not {value!r}", 2) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the case database or bring it up to the newest schema (also done on first use)."""
    settings = _settings()
    before, after = upgrade(settings.effective_database_url)
    if before == after:
        typer.echo(f"The case database is up to date (revision {after}).")
    else:
        typer.echo(f"The case database was upgraded from {before or 'empty'} to {after}.")


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="A notification CSV file (columns: see README).")],
    as_json: JsonOption = False,
) -> None:
    """Take in a file of notifications: each row opens a case, joins an open case, or is rejected.

    Rows already taken in before are not taken in again. Exit status 0 means the file was
    processed, even if some rows were rejected (each with its row number and reason); a file
    missing a required column is refused whole with exit status 1 and nothing written.
    """
    settings = _settings()
    day = _today()

    def progress(done: int, total: int) -> None:
        if total >= 2000:
            typer.echo(f"  {done:,} of {total:,} notifications", err=True)

    try:
        report = services.ingest_file(
            _uow(settings), file, settings=settings, today=day, progress=progress
        )
    except services.IntakeFileError as error:
        raise _fail(str(error)) from None
    if as_json:
        _print_json(report.as_dict())
        return
    typer.echo(
        f"{file.name}: {report.received} received, {report.opened} opened, "
        f"{report.linked} linked to open cases, {report.duplicates} already taken in, "
        f"{report.not_cme} closed as not CME, {report.rejected} rejected."
    )
    for warning in report.warnings:
        typer.echo(f"warning: {warning}")
    for rejection in report.rejections:
        typer.echo(f"  row {rejection.row}: {rejection.reason}")


@app.command("cases")
def cases_list(
    status: Annotated[
        Status | None, typer.Option(help="Only cases in this status.", case_sensitive=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List cases with their status and the date their current step is due."""
    rows = services.list_cases(_uow(_settings()), status)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No cases.")
        return
    typer.echo(f"{'case':>6}  {'reference':<11}  {'status':<19} {'due':<10}  step")
    for r in rows:
        typer.echo(
            f"{r['case_id']:>6}  {r['reference']:<11}  {r['status']:<19} "
            f"{r['deadline'] or '-':<10}  {r['deadline_step'] or ''}"
        )
    typer.echo(f"{len(rows)} cases.")


@case_app.command("show")
def case_show(
    case_id: Annotated[int, typer.Argument(help="The case id (the number in CME-000123).")],
    as_json: JsonOption = False,
) -> None:
    """Show one case: child, status, deadlines, history, notifications and letters."""
    settings = _settings()
    try:
        details = services.case_details(_uow(settings), case_id, today=_today())
    except CaseNotFound as error:
        raise _fail(str(error)) from None
    if as_json:
        _print_json(details)
        return
    child = details["child"]
    typer.echo(f"{details['reference']}  status: {details['status']}")
    typer.echo(f"  child: {child['forename']} {child['surname']}, born {child['date_of_birth']}")
    typer.echo(f"  year group: {child['year_group']}  UPN: {child['upn'] or '-'}")
    csa = child["compulsory_school_age"]
    typer.echo(f"  compulsory school age: {csa['starts']} to {csa['ends']}")
    typer.echo(f"  deadline: {details['deadline'] or '-'} ({details['deadline_step'] or '-'})")
    if details["outcome"]:
        typer.echo(f"  outcome: {details['outcome']} on {details['closed_on']}")
    typer.echo("  history:")
    for h in details["history"]:
        typer.echo(f"    {h['at']}  {h['who']}: {h['from'] or '-'} -> {h['to']}  ({h['why']})")
    typer.echo("  letters:" if details["letters"] else "  letters: none yet")
    for letter in details["letters"]:
        typer.echo(
            f"    {letter['created_at']}  {letter['type']} to {letter['recipient']}  "
            f"{letter['path']}  sha256 {letter['sha256'][:12]}"
        )


@calendar_app.command("import")
def calendar_import(
    file: Annotated[
        Path,
        typer.Argument(help="CSV with school_urn (blank = council), start_date, end_date, kind."),
    ],
) -> None:
    """Load term and closure dates; replaces those of each school in the file.

    Open deadlines are recomputed from the new calendar. Any bad row refuses the whole file.
    """
    settings = _settings()
    try:
        result = services.import_calendar(_uow(settings), file)
    except services.CalendarFileError as error:
        for problem in error.problems:
            typer.secho(f"error: {problem}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    who = ", ".join(u or "council default" for u in result.schools)
    typer.echo(
        f"Loaded {result.periods} periods for {who}; {result.deadlines_moved} open deadlines moved."
    )


@calendar_app.command("show")
def calendar_show(
    school: Annotated[str | None, typer.Option(help="A school's URN (default: council).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the terms and closure days that apply to the council or one school."""
    settings = _settings()
    uow = _uow(settings)
    with uow:
        calendar = load_calendar(uow)
    periods = [
        {
            "school_urn": p.school_urn or "",
            "start_date": p.start_date.isoformat(),
            "end_date": p.end_date.isoformat(),
            "kind": p.kind,
        }
        for p in calendar.periods(school)
    ]
    if as_json:
        _print_json(periods)
        return
    if not periods:
        typer.echo("No calendar loaded: every weekday that is not a bank holiday counts.")
    for p in periods:
        typer.echo(f"{p['kind']:<8} {p['start_date']} to {p['end_date']}  {p['school_urn']}")


@app.command("school-age")
def school_age(
    date_of_birth: Annotated[str, typer.Argument(metavar="DOB", help="Date of birth, YYYY-MM-DD.")],
    on: Annotated[str | None, typer.Option(help="Also say whether of CSA on this date.")] = None,
    as_json: JsonOption = False,
) -> None:
    """When compulsory school age starts and ends for a date of birth, and the year group."""
    born = _parse_day(date_of_birth, "DOB")
    report = services.school_age_report(
        born, on=_parse_day(on, "--on") if on else None, today=_today()
    )
    if as_json:
        _print_json(report)
        return
    typer.echo(f"Compulsory school age starts {report['starts']} and ends {report['ends']}.")
    typer.echo(f"National curriculum year group: {report['year_group']} (0 = Reception).")
    if "of_compulsory_school_age" in report:
        word = "is" if report["of_compulsory_school_age"] else "is not"
        typer.echo(f"On {report['on']} the child {word} of compulsory school age.")
    if report.get("review_reason"):
        typer.echo(f"Review: {report['review_reason']}")


def main() -> None:
    """Entry point that turns domain errors into messages rather than tracebacks."""
    try:
        app()
    except DomainError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(1)
