"""`cme users`, `cme web` and the corrections (`cme case correct`, `cme visits reassign`, ...)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from missing_education.cli_support import (
    JsonOption,
    fail,
    orchestration,
    print_json,
    settings_or_exit,
    today_or_exit,
)
from missing_education.domain import DomainError
from missing_education.domain.workspace import CORRECTABLE, Role
from missing_education.persistence import SqlUnitOfWork
from missing_education.ports import DecisionRuns
from missing_education.services import accounts, corrections, merging
from missing_education.services.decisions import NO_DECISION_RUNS

# Ids the databases can hold: a bigger number is refused by the command line, not the driver.
MAX_ID = 2_147_483_647

users_app = typer.Typer(help="People who sign in to the case workspace.", no_args_is_help=True)
visits_app = typer.Typer(help="Home visits.", no_args_is_help=True)


def _uow() -> SqlUnitOfWork:
    return SqlUnitOfWork(settings_or_exit().effective_database_url)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="What they sign in with, e.g. a.morgan.")],
    full_name: Annotated[str, typer.Option("--full-name", help="Their name as shown.")],
    role: Annotated[Role, typer.Option(help="What they may do.", case_sensitive=False)],
    officer: Annotated[
        str, typer.Option(help="An officer's code (role officer: they see their own cases).")
    ] = "",
) -> None:
    """Add a user; the password is asked for (or read from standard input when piped)."""
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = accounts.add_user(
            _uow(), name, full_name=full_name, role=role, password=password, officer_code=officer
        )
    except DomainError as error:
        raise fail(str(error)) from None
    typer.echo(f"Added {user.name} ({user.full_name}), {user.role.value}.")


@users_app.command("list")
def users_list(as_json: JsonOption = False) -> None:
    """Every workspace user and their role."""
    rows = [
        {"name": u.name, "full_name": u.full_name, "role": u.role.value, "officer": u.officer_code}
        for u in accounts.list_users(_uow())
    ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['name']:<20} {r['role']:<12} {r['full_name']}  {r['officer']}")
    typer.echo(f"{len(rows)} users.")


def web(runs: DecisionRuns = NO_DECISION_RUNS) -> None:
    """Start the case workspace on CME_WEB_HOST:CME_WEB_PORT (127.0.0.1:8400 by default)."""
    import uvicorn

    from missing_education.web import create_app

    settings = settings_or_exit()
    url = settings.effective_database_url
    # Answers given here finish their Prefect runs, as `cme decide` does (when wired to Prefect).
    app = create_app(lambda: SqlUnitOfWork(url), settings, runs)
    typer.echo(f"The case workspace is at {settings.web.base_url} (Ctrl-C stops it).")
    # Behind the reverse proxy the proxy speaks HTTPS: trust its forwarded scheme (cookies Secure).
    uvicorn.run(
        app,
        host=settings.web.host,
        port=settings.web.port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="warning",
        access_log=False,  # URLs carry case references only, but searches carry names
    )


def case_correct(
    case_id: Annotated[
        int, typer.Argument(help="The case id (the number in CME-000123).", min=1, max=MAX_ID)
    ],
    field: Annotated[str, typer.Argument(help="One of: " + ", ".join(CORRECTABLE) + ".")],
    value: Annotated[str, typer.Argument(help="The correct value (dates YYYY-MM-DD).")],
    by: Annotated[str, typer.Option("--by", help="Who is correcting it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")],
    as_json: JsonOption = False,
) -> None:
    """Correct a child's, parent's or school's detail; kept in the history with who and why.

    A corrected date of birth recomputes compulsory school age; a child it puts outside
    compulsory school age today has the case closed (with the closure letters). Recording a
    date of birth the notification did not give clears the case's "needs attention" flag.
    """
    settings = settings_or_exit()
    try:
        result = corrections.correct_case(
            _uow(),
            case_id,
            field,
            value,
            by=by,
            reason=reason,
            settings=settings,
            today=today_or_exit(),
        )
    except DomainError as error:
        raise fail(str(error)) from None
    if as_json:
        print_json(result)
        return
    typer.echo(f"Corrected {CORRECTABLE[field]} on case {case_id}.")
    if "compulsory_school_age" in result:
        csa = result["compulsory_school_age"]
        typer.echo(f"Compulsory school age now {csa['starts']} to {csa['ends']}.")
    if result["closed"]:
        typer.echo(f"The case was closed: {result['closed'].replace('_', ' ')}.")


def case_address(
    case_id: Annotated[int, typer.Argument(help="The case id.", min=1, max=MAX_ID)],
    line1: Annotated[str, typer.Option("--line1", help="First line of the new address.")],
    by: Annotated[str, typer.Option("--by", help="Who is recording it.")],
    source: Annotated[str, typer.Option("--source", help="How it is known (kept in history).")],
    line2: Annotated[str, typer.Option("--line2", help="Second line.")] = "",
    town: Annotated[str, typer.Option("--town", help="Town.")] = "",
    postcode: Annotated[str, typer.Option("--postcode", help="Postcode.")] = "",
) -> None:
    """Record a family's new address (the old one stays in the history; not a correction)."""
    try:
        corrections.record_new_address(
            _uow(),
            case_id,
            address_line1=line1,
            address_line2=line2,
            town=town,
            postcode=postcode,
            by=by,
            source=source,
        )
    except DomainError as error:
        raise fail(str(error)) from None
    typer.echo(f"New address recorded on case {case_id}.")


def case_merge(
    ctx: typer.Context,
    keep_id: Annotated[
        int,
        typer.Argument(help="The case to keep (the child's case from now on).", min=1, max=MAX_ID),
    ],
    duplicate_id: Annotated[
        int, typer.Argument(help="The duplicate, closed into the kept one.", min=1, max=MAX_ID)
    ],
    by: Annotated[str, typer.Option("--by", help="Who is merging them.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in both cases' histories).")],
    as_json: JsonOption = False,
) -> None:
    """Merge a duplicate case of the same child into the case kept for them.

    Both must be open and look like the same child (same UPN, or the same date of birth and
    forename or surname). The kept case takes the duplicate's notifications, notes and risk
    flags; the duplicate closes as not CME with no closure letters, its queued letters are
    cancelled, and its letters and history stay on it. Merging again changes nothing.
    """
    try:
        result = merging.merge_cases(
            _uow(),
            keep_id,
            duplicate_id,
            by=by,
            reason=reason,
            today=today_or_exit(),
            runs=orchestration(ctx).decision_runs(),
        )
    except DomainError as error:
        raise fail(str(error)) from None
    if as_json:
        print_json(result)
        return
    if result["already_merged"]:
        typer.echo(
            f"{result['duplicate']} was merged into {result['kept']} already; nothing changed."
        )
        return
    moved = result["moved"]
    typer.echo(
        f"{result['duplicate']} merged into {result['kept']}: {moved['notifications']} "
        f"notifications and {moved['notes']} notes moved, {result['letters_cancelled']} queued "
        f"letters cancelled; {result['duplicate']} is closed."
    )


def case_reopen(
    case_id: Annotated[int, typer.Argument(help="The closed case's id.", min=1, max=MAX_ID)],
    by: Annotated[str, typer.Option("--by", help="Who is reopening it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in both cases' records).")],
    as_json: JsonOption = False,
) -> None:
    """Reopen a closed case: the child is taken in again as a new case, linked to the old one.

    The closed case keeps its outcome; the new one goes through intake (school age, an open
    case of the same child, safeguarding) and investigation like any notification.
    """
    settings = settings_or_exit()
    try:
        result = corrections.reopen_case(
            _uow(), case_id, by=by, reason=reason, settings=settings, today=today_or_exit()
        )
    except DomainError as error:
        raise fail(str(error)) from None
    if as_json:
        print_json(result)
        return
    words = {
        "opened": "reopened as case",
        "linked": "linked to the child's open case",
        "not_cme": "taken in and closed as not CME (outside compulsory school age):",
        "already_reopened": "already reopened today as case",
    }
    typer.echo(f"Case {case_id} {words[result['disposition']]} {result['case_id']}.")


@visits_app.command("reassign")
def visits_reassign(
    case_id: Annotated[int, typer.Argument(help="The case id.", min=1, max=MAX_ID)],
    officer: Annotated[str, typer.Argument(help="The officer's code.")],
    by: Annotated[str, typer.Option("--by", help="Who is reassigning it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
) -> None:
    """Give a case's waiting home visit to another officer (refused if they are full)."""
    settings = settings_or_exit()
    try:
        corrections.reassign_visit(
            _uow(), case_id, officer, by=by, reason=reason, settings=settings, today=today_or_exit()
        )
    except DomainError as error:
        raise fail(str(error)) from None
    typer.echo(f"The home visit on case {case_id} is now {officer}'s.")


def letters_cancel(
    letter_id: Annotated[
        int, typer.Argument(help="The letter id (see `cme letters outbox`).", min=1, max=MAX_ID)
    ],
    by: Annotated[str, typer.Option("--by", help="Who is cancelling it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
) -> None:
    """Cancel a queued postal letter before it goes into a print batch."""
    try:
        corrections.cancel_letter(_uow(), letter_id, by=by, reason=reason)
    except DomainError as error:
        raise fail(str(error)) from None
    typer.echo(f"Letter {letter_id} cancelled.")
