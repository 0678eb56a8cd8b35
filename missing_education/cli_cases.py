"""The `cme` commands about cases and their decisions: cases, case show, decide, decisions,
and audit."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from missing_education import services
from missing_education.cli_support import JsonOption, orchestration
from missing_education.cli_support import fail as _fail
from missing_education.cli_support import open_uow as _uow
from missing_education.cli_support import parse_day as _parse_day
from missing_education.cli_support import print_json as _print_json
from missing_education.cli_support import settings_or_exit as _settings
from missing_education.cli_support import today_or_exit as _today
from missing_education.domain import CaseNotFound, DomainError, Status
from missing_education.domain.decision import VOCABULARY, DecisionKind
from missing_education.domain.email_address import email_problem
from missing_education.domain.limits import ID_LIMIT
from missing_education.services.decisions import answer_decision, awaiting_decisions


def cases_list(
    status: Annotated[
        Status | None, typer.Option(help="Only cases in this status.", case_sensitive=False)
    ] = None,
    attention: Annotated[
        bool,
        typer.Option(
            "--attention",
            help="Only cases that need attention (a step failed on them, or the child's date "
            "of birth is not known), with the reason.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List cases with their status, the date their current step is due, and any flag."""
    rows = services.list_cases(_uow(_settings()), status)
    if attention:
        rows = [r for r in rows if r["needs_attention"]]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No cases need attention." if attention else "No cases.")
        return
    typer.echo(f"{'case':>6}  {'reference':<11}  {'status':<19} {'due':<10}  step")
    for r in rows:
        flag = r["needs_attention"]
        typer.echo(
            f"{r['case_id']:>6}  {r['reference']:<11}  {r['status']:<19} "
            f"{r['deadline'] or '-':<10}  {r['deadline_step'] or ''}"
            + (f"  NEEDS ATTENTION ({flag['category']})" if flag else "")
        )
        if flag and attention:
            typer.echo(f"        since {flag['since']}, {flag['attempts']} runs: {flag['reason']}")
    flagged = sum(1 for r in rows if r["needs_attention"])
    typer.echo(
        f"{len(rows)} cases"
        + (f", {flagged} need attention (cme cases --attention)." if flagged else ".")
    )


def case_show(
    case_id: Annotated[
        int, typer.Argument(help="The case id (the number in CME-000123).", min=1, max=ID_LIMIT)
    ],
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
    if flag := details["needs_attention"]:
        typer.echo(
            f"  NEEDS ATTENTION ({flag['category']}, since {flag['since']}, "
            f"{flag['attempts']} runs): {flag['reason']}"
        )
    born = child["date_of_birth"] or "not known"
    typer.echo(f"  child: {child['forename']} {child['surname']}, born {born}")
    year = child["year_group"]
    typer.echo(f"  year group: {'not known' if year is None else year}  UPN: {child['upn'] or '-'}")
    csa = child["compulsory_school_age"]
    if csa["starts"] is None:
        typer.echo("  compulsory school age: not known until the date of birth is recorded")
    else:
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
            f"    {letter['created_at']}  {letter['type']} to {letter['recipient']} "
            f"({letter['channel']}, {letter['status']})  "
            + (f"sha256 {letter['sha256'][:12]}" if letter["sha256"] else "typesetting queued")
        )
    for d in details["decisions"]:
        answer = f"{d['answer']} by {d['decided_by']}" if d["answer"] else "waiting"
        if not d["answer"] and details["outcome"]:
            answer = "not answered: the case closed"
        typer.echo(f"  decision {d['decision']} (asked {d['asked_on']}): {answer}")


def answers_help() -> str:
    """Every decision with its answers, from the one vocabulary (missing_education.domain)."""
    lines = ["Decisions and their answers (code: meaning):\n\n"]
    for kind, spec in VOCABULARY.items():
        lines.append(f"{kind.value} ({spec.title.lower()}):\n\n")
        lines.extend(f"  {a.value}: {a.label}\n\n" for a in spec.offered)
    return "".join(lines)


def decide(
    ctx: typer.Context,
    case_id: Annotated[
        int,
        typer.Argument(help="The case id (the number in CME-000123).", min=1, max=ID_LIMIT),
    ],
    decision: Annotated[
        DecisionKind,
        typer.Argument(help="The decision pending on the case (see `cme decisions`)."),
    ],
    answer: Annotated[str, typer.Argument(help="The answer's code (listed below).")],
    by: Annotated[
        str,
        typer.Option(
            "--by", help="Who decided: your name or staff id (one line, at most 100 characters)."
        ),
    ],
    visited_on: Annotated[
        str | None,
        typer.Option(help="Home visit: the day of the visit, YYYY-MM-DD (default: today)."),
    ] = None,
    other_council: Annotated[str, typer.Option(help="Moved: the receiving council.")] = "",
    other_council_email: Annotated[str, typer.Option(help="Moved: its CME email.")] = "",
    school_urn: Annotated[
        str,
        typer.Option(
            help="Attendance order: the URN of the school to name (s437: default the last "
            "known school; s438 parent_chose_school: the parent's choice)."
        ),
    ] = "",
    notes: Annotated[str, typer.Option(help="Anything to add to the case record.")] = "",
    school: Annotated[
        str,
        typer.Option(help="s437 school_place_shown: the school (or independent school) named."),
    ] = "",
    new_address: Annotated[
        str,
        typer.Option(
            help="School reply new_address: the address, 'first line, town, postcode'; a home "
            "visit is asked there."
        ),
    ] = "",
    destination: Annotated[
        str,
        typer.Option(help="Moved: where the family went (required for a Traveller family)."),
    ] = "",
    visited_at: Annotated[
        str,
        typer.Option(
            help="Home visit: when the officer called (14:30, or 2026-11-24 14:30); the "
            "calling card prints it."
        ),
    ] = "",
    as_json: JsonOption = False,
) -> None:
    """Answer a decision pending on a case and run the steps that follow (letters, closure).

    Only a decision the case is waiting for is taken (closure: on any open case); anything
    else is refused with what the case is waiting for. An answer given twice is applied once.
    """
    # Checked at the door too, so a bad address is refused whatever the case is waiting for.
    if other_council_email and (problem := email_problem(other_council_email)):
        raise _fail(f"--other-council-email {problem}")
    settings = _settings()
    day = _today()
    details: dict[str, Any] = {
        k: v
        for k, v in {
            "visited_on": _parse_day(visited_on, "--visited-on").isoformat() if visited_on else "",
            "other_council": other_council,
            "other_council_email": other_council_email,
            "notes": notes,
            "visited_at": visited_at,
            "named_school_urn": school_urn,
            "school": school,
            "new_address": new_address,
            "destination": destination,
        }.items()
        if v
    }
    runs = orchestration(ctx).decision_runs()
    try:
        result = answer_decision(
            _uow(settings),
            case_id,
            decision.value,
            answer,
            who=by,
            details=details,
            settings=settings,
            today=day,
            runs=runs,
        )
    except DomainError as error:
        raise _fail(str(error)) from None
    if as_json:
        _print_json(result.as_dict())
        return
    typer.echo(result.message)


def decisions(as_json: JsonOption = False) -> None:
    """Decisions waiting for a coordinator on open cases, oldest first, with when each is due.

    Answer them in the Prefect UI (the Suspended runs) or with `cme decide`.
    """
    rows = [d.as_dict() for d in awaiting_decisions(_uow(_settings()), today=_today())]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        flags = ("  OVERDUE" if r["overdue"] else "") + (
            "  safeguarding" if r["safeguarding"] else ""
        )
        typer.echo(
            f"{r['case_id']:>6}  {r['reference']}  {r['decision']:<20} asked {r['asked_on']}  "
            f"due {r['due_by'] or '-':<10}{flags}"
        )
    typer.echo(f"{len(rows)} decisions waiting.")


def audit(
    case: Annotated[
        int | None, typer.Option("--case", help="Only this case (its id).", min=1, max=ID_LIMIT)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Who did what and when: every move, decision (with who decided) and letter, oldest first."""
    from missing_education.services.audit import audit_trail

    try:
        rows = audit_trail(_uow(_settings()), case)
    except CaseNotFound as error:
        raise _fail(str(error)) from None
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['at']}  {r['reference']}  {r['who']:<20} {r['action']}  ({r['detail']})")
    typer.echo(f"{len(rows)} entries.")
