"""The `cme` command: what a CME coordinator types (every command has --help).

This module builds the command from the commands of each role (cli_intake, cli_cases,
cli_calendar, cli_letters, cli_directory, cli_reports, cli_workspace), in the order `--help`
lists them, and `main` runs it with the orchestration it is given.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from missing_education.cli_calendar import calendar_import, calendar_show, db_upgrade, school_age
from missing_education.cli_cases import (
    answers_help,
    audit,
    case_show,
    cases_list,
    decide,
    decisions,
)
from missing_education.cli_directory import (
    match,
    officers_import,
    officers_list,
    schools_import,
    sources_list,
    sources_load,
)
from missing_education.cli_intake import ingest, investigate, sweep, upload
from missing_education.cli_letters import (
    letters_confirm_batch,
    letters_outbox,
    letters_preview,
    letters_print_batch,
    letters_send,
)
from missing_education.cli_reports import case_export, report_app
from missing_education.cli_support import InProcess, Orchestration, orchestration
from missing_education.cli_workspace import (
    case_address,
    case_correct,
    case_merge,
    case_reopen,
    letters_cancel,
    users_app,
    visits_app,
    web,
)
from missing_education.domain import DomainError
from missing_education.domain.errors import InputFileRefused
from missing_education.ports import WriteConflict

__all__ = ["InProcess", "Orchestration", "app", "main"]


class CmeCommand(TyperGroup):
    """The root command: a file refused whole is said here, once for every command."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a refused file prints each reason as an `error:` line, exit 1."""
        try:
            return super().invoke(ctx)
        except InputFileRefused as error:
            for line in error.lines():
                typer.secho(f"error: {line}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=CmeCommand,
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
letters_app = typer.Typer(
    help="Letters: preview, outbox, sending and print batches.", no_args_is_help=True
)
officers_app = typer.Typer(
    help="Education welfare officers who make home visits.", no_args_is_help=True
)
schools_app = typer.Typer(help="Schools: where enquiry letters go.", no_args_is_help=True)
sources_app = typer.Typer(
    help="Council data sources searched for each child.", no_args_is_help=True
)


def web_command(ctx: typer.Context) -> None:
    """Start the case workspace on CME_WEB_HOST:CME_WEB_PORT (127.0.0.1:8400 by default).

    Decisions answered there finish their waiting Prefect runs, as `cme decide` does.
    """
    web(orchestration(ctx).decision_runs())


# Commands first, then groups, each in the order `cme --help` lists them.
app.command("web")(web_command)
app.command()(ingest)
app.command("upload")(upload)
app.command("cases")(cases_list)
app.command("school-age")(school_age)
app.command()(sweep)
app.command()(investigate)
app.command(epilog=answers_help())(decide)
app.command()(decisions)
app.command("match")(match)
app.command("audit")(audit)

app.add_typer(db_app, name="db")
db_app.command("upgrade")(db_upgrade)
app.add_typer(calendar_app, name="calendar")
calendar_app.command("import")(calendar_import)
calendar_app.command("show")(calendar_show)
app.add_typer(case_app, name="case")
case_app.command("export")(case_export)
case_app.command("correct")(case_correct)
case_app.command("address")(case_address)
case_app.command("reopen")(case_reopen)
case_app.command("merge")(case_merge)
case_app.command("show")(case_show)
app.add_typer(report_app, name="report")
app.add_typer(users_app, name="users")
app.add_typer(visits_app, name="visits")
app.add_typer(letters_app, name="letters")
letters_app.command("cancel")(letters_cancel)
letters_app.command("preview")(letters_preview)
letters_app.command("outbox")(letters_outbox)
letters_app.command("send")(letters_send)
letters_app.command("print-batch")(letters_print_batch)
letters_app.command("confirm-batch")(letters_confirm_batch)
app.add_typer(officers_app, name="officers")
officers_app.command("import")(officers_import)
officers_app.command("list")(officers_list)
app.add_typer(schools_app, name="schools")
schools_app.command("import")(schools_import)
app.add_typer(sources_app, name="sources")
sources_app.command("load")(sources_load)
sources_app.command("list")(sources_list)


def main(orchestration: Orchestration | None = None) -> None:
    """Entry point that turns every error into a one-line message rather than a traceback.

    The composition root: every command finds `orchestration` on its context (in this process
    when none is given; `flows.cme_command` gives Prefect's).
    """
    try:
        # Not standalone: click's usage errors come back here, to be said in one line too.
        returned = app(standalone_mode=False, obj=orchestration or InProcess())
    except typer.Abort:
        _exit_with("interrupted; nothing after the last commit was kept", 130)
    except typer.TyperException as error:  # click's errors, as Typer carries them
        code = int(getattr(error, "exit_code", 1))
        context = getattr(error, "ctx", None)
        where = f" (see `{context.command_path} --help`)" if code == 2 and context else ""
        _exit_with(f"{getattr(error, 'format_message', error.__str__)()}{where}", code)
    except DomainError as error:
        _exit_with(str(error))
    except WriteConflict:
        _exit_with("another process changed the same records at the same time; run it again")
    except KeyboardInterrupt:
        _exit_with("interrupted; nothing after the last commit was kept", 130)
    except OSError as error:
        _exit_with(f"{error.strerror or type(error).__name__} ({type(error).__name__})")
    except Exception as error:  # no `cme` command ever shows a traceback (issue 15)
        first = (str(error).strip().splitlines() or [""])[0][:200]
        _exit_with(f"unexpected {type(error).__name__}: {first}; nothing after it was kept")
    else:
        # `raise typer.Exit(code)` and --help come back as an exit code when not standalone.
        sys.exit(returned if isinstance(returned, int) else 0)


def _exit_with(message: str, code: int = 1) -> None:
    typer.secho(f"error: {' '.join(message.split())}", err=True, fg=typer.colors.RED)
    sys.exit(code)
