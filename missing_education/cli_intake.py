"""The `cme` commands that take notifications in and move cases on: ingest, upload, sweep,
investigate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from missing_education.cli_support import JsonOption, orchestration
from missing_education.cli_support import fail as _fail
from missing_education.cli_support import open_uow as _uow
from missing_education.cli_support import print_json as _print_json
from missing_education.cli_support import settings_or_exit as _settings
from missing_education.cli_support import today_or_exit as _today
from missing_education.domain.limits import ID_LIMIT
from missing_education.services import intake_files, receiving


def ingest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A notification CSV file (columns: see README).")],
    as_json: JsonOption = False,
) -> None:
    """Take in a file of notifications: each row opens a case, joins an open case, or is rejected.

    Rows already taken in before are not taken in again. Exit status 0 means the file was
    processed, even if some rows were rejected (each with its row number and reason); a file
    missing a required column is refused whole with exit status 1 and nothing written.
    """
    settings = _settings()
    report = orchestration(ctx).receive_file(file, settings=settings, today=_today())
    if as_json:
        _print_json(report)
        return
    typer.echo(
        f"{file.name}: {report['received']} received, {report['opened']} opened, "
        f"{report['linked']} linked to open cases, {report['duplicates']} already taken in, "
        f"{report['not_cme']} closed as not CME, "
        f"{report.get('out_of_area', 0)} handed to the council where the child lives, "
        f"{report['rejected']} rejected."
    )
    if without := report.get("without_date_of_birth", 0):
        typer.echo(
            f"{without} notification{'s' if without != 1 else ''} taken without a date of birth: "
            "their cases need one recorded (cme cases --attention)."
        )
    for blanks, rows in report.get("with_fields_missing", {}).items():
        typer.echo(
            f"{rows} taken and scored with {blanks} field{'s' if blanks != '1' else ''} "
            "missing (forename, surname, date of birth)."
        )
    for warning in report.get("warnings", []):
        typer.echo(f"warning: {warning}")
    for rejection in report["rejections"]:
        typer.echo(f"  row {rejection['row']}: {rejection['reason']}")
    _report_attention(report)


def upload(
    file: Annotated[Path, typer.Argument(help="A notification CSV file (columns: see README).")],
) -> None:
    """Hold a notification file for intake and print its id, for the `file` deployment.

    Prefect never sees the file's path or name (people name files after the child): run
    `prefect deployment run receive-notifications/file -p file_id=ID` with the id printed.
    """
    try:
        settings = _settings()
        held = intake_files.hold(_uow(settings), settings, file)
    except FileNotFoundError:
        raise _fail(f"cannot read {file}: no such file") from None
    typer.echo(held.id)


def sweep(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Review every case: remind, escalate, refer and monitor whatever is overdue today.

    Safe to run twice, or after days of downtime: each overdue step is acted on once.
    """
    result = orchestration(ctx).sweep(settings=_settings(), today=_today())
    if as_json:
        _print_json(result)
        return
    if not result["actions"] and not result["failed"]:
        typer.echo("Nothing overdue.")
    for action, count in sorted(result["actions"].items()):
        typer.echo(f"  {action.replace('_', ' ')}: {count}")
    typer.echo(f"{result['letters']} letters queued.")
    _report_attention(result)


def _report_attention(result: dict[str, Any]) -> None:
    """Say how many cases a run could not finish, and why (categories), then exit 1."""
    if not result.get("failed"):
        return
    total = sum(result["failed"].values())
    reasons = ", ".join(f"{c}: {n}" for c, n in sorted(result["failed"].items()))
    typer.secho(
        f"{total} {'case needs' if total == 1 else 'cases need'} attention ({reasons}): "
        f"{', '.join(result['attention'])}; every other case was processed. "
        "See cme cases --attention.",
        err=True,
        fg=typer.colors.RED,
    )
    raise typer.Exit(1)


def investigate(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="The case id.", min=1, max=ID_LIMIT)],
    as_json: JsonOption = False,
) -> None:
    """Advance one case as far as it goes without a person (enquiry letters, home visit)."""
    settings = _settings()
    report = receiving.investigate_case(_uow(settings), case_id, settings=settings, today=_today())
    orchestration(ctx).decision_runs().ask([case_id])  # under Prefect: a run waits in its UI
    result = {"case_id": case_id, "actions": report.actions, "letters": report.letters}
    _print_json(result) if as_json else typer.echo(
        f"{case_id}: {report.actions or 'nothing to do'}"
    )
