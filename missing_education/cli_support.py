"""What every `cme` command shares: error exits, settings, the clock, JSON output, dates."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from missing_education.clock import ClockError, today
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
