"""The `cme` commands about the case database, the school calendar and school age."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from missing_education import services
from missing_education.cli_support import JsonOption
from missing_education.cli_support import open_uow as _uow
from missing_education.cli_support import parse_day as _parse_day
from missing_education.cli_support import print_json as _print_json
from missing_education.cli_support import settings_or_exit as _settings
from missing_education.cli_support import today_or_exit as _today
from missing_education.persistence import upgrade
from missing_education.services.calendar import load_calendar


def db_upgrade() -> None:
    """Create the case database or bring it up to the newest schema (also done on first use)."""
    settings = _settings()
    before, after = upgrade(settings.effective_database_url)
    if before == after:
        typer.echo(f"The case database is up to date (revision {after}).")
    else:
        typer.echo(f"The case database was upgraded from {before or 'empty'} to {after}.")


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
    result = services.import_calendar(_uow(settings), file)  # a bad file: every problem said
    who = ", ".join(u or "council default" for u in result.schools)
    typer.echo(
        f"Loaded {result.periods} periods for {who}; {result.deadlines_moved} open deadlines moved."
    )


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


def school_age(
    date_of_birth: Annotated[str, typer.Argument(metavar="DOB", help="Date of birth, YYYY-MM-DD.")],
    on: Annotated[str | None, typer.Option(help="Also say whether of CSA on this date.")] = None,
    as_json: JsonOption = False,
) -> None:
    """When compulsory school age starts and ends for a date of birth, and the year group."""
    born = _parse_day(date_of_birth, "DOB")
    settings = _settings()
    report = services.school_age_report(
        born, on=_parse_day(on, "--on") if on else None, today=_today(), uow=_uow(settings)
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
