"""What every `cme` command shares: error exits, settings, the clock, JSON output, dates, and
the orchestration the command was built with (its composition root is `cli.main`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer

from missing_education.clock import ClockError, today
from missing_education.persistence import SqlUnitOfWork
from missing_education.ports import DecisionRuns
from missing_education.services.attention import step_summary
from missing_education.services.decisions import NO_DECISION_RUNS
from missing_education.services.receiving import receive_file
from missing_education.services.sweep import review_and_typeset
from missing_education.settings import Settings, SettingsError, load_settings

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error in red on stderr; raise the returned Exit with the given status."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """The settings, or exit 2 with the reason."""
    try:
        return load_settings()
    except SettingsError as error:
        raise fail(str(error), 2) from None


def today_or_exit() -> date:
    """Today from the clock, or exit 2 when CME_TODAY is not a date."""
    try:
        return today()
    except ClockError as error:
        raise fail(str(error), 2) from None


def print_json(value: Any) -> None:
    """Machine-readable output for --json."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def parse_day(value: str, option: str) -> date:
    """A YYYY-MM-DD date from the command line, or exit 2 naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date written YYYY-MM-DD, not {value!r}", 2) from None


def open_uow(settings: Settings) -> SqlUnitOfWork:
    """A unit of work on the case database the settings name."""
    return SqlUnitOfWork(settings.effective_database_url)


class Orchestration(Protocol):
    """How the commands that run a flow run it: in this process, or as Prefect flow runs.

    `cli.main` is handed one (`flows.cme_command` hands it Prefect's) and every command finds
    it on its Typer context; nothing is patched in afterwards.
    """

    def receive_file(self, path: Path, *, settings: Settings, today: date) -> dict[str, Any]:
        """Take in a notification file, acknowledge and start investigating (a summary)."""
        ...

    def sweep(self, *, settings: Settings, today: date) -> dict[str, Any]:
        """The daily case review (a summary)."""
        ...

    def decision_runs(self) -> DecisionRuns:
        """Where each waiting decision gets its run (nowhere, without an orchestrator)."""
        ...


class InProcess:
    """The services run in this process, without Prefect (tests, CME_WITHOUT_PREFECT=1)."""

    def receive_file(self, path: Path, *, settings: Settings, today: date) -> dict[str, Any]:
        """Intake and its follow-up in this process."""
        return receive_file(open_uow(settings), path, settings=settings, today=today).as_dict()

    def sweep(self, *, settings: Settings, today: date) -> dict[str, Any]:
        """The daily case review in this process."""
        return step_summary(review_and_typeset(open_uow(settings), settings=settings, today=today))

    def decision_runs(self) -> DecisionRuns:
        """No orchestrator: decisions are answered with `cme decide` or the case workspace."""
        return NO_DECISION_RUNS


def orchestration(ctx: typer.Context) -> Orchestration:
    """The orchestration this command was started with (in this process by default)."""
    chosen: Orchestration | None = ctx.obj
    return chosen if chosen is not None else InProcess()
