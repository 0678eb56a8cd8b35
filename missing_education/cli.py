"""The `cme` command: what a CME coordinator types (every command has --help)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer

from missing_education import services
from missing_education.cli_reports import case_export, report_app
from missing_education.cli_support import JsonOption
from missing_education.cli_support import fail as _fail
from missing_education.cli_support import parse_day as _parse_day
from missing_education.cli_support import print_json as _print_json
from missing_education.cli_support import settings_or_exit as _settings
from missing_education.cli_support import today_or_exit as _today
from missing_education.cli_workspace import (
    case_address,
    case_correct,
    case_reopen,
    letters_cancel,
    users_app,
    visits_app,
    web,
)
from missing_education.delivery import SmtpTransport
from missing_education.domain import CaseNotFound, DomainError, Status
from missing_education.domain.decision import VOCABULARY, DecisionKind
from missing_education.domain.email_address import email_problem
from missing_education.domain.limits import ID_LIMIT
from missing_education.letters import LETTER_TYPES, LetterError, render_letter, sample_context
from missing_education.matching import MatchingInputError, Thresholds, match_files
from missing_education.persistence import SqlUnitOfWork, upgrade
from missing_education.ports import DecisionRuns, WriteConflict
from missing_education.private_files import OutputPathError, check_output_file, write_private
from missing_education.services import casework, checks, directory, outbox
from missing_education.services.calendar import load_calendar
from missing_education.services.casework import receive_file
from missing_education.services.decisions import NO_DECISION_RUNS, answer_decision
from missing_education.services.letters import letterhead
from missing_education.settings import Settings


class Orchestration(Protocol):
    """Runs the use cases as tracked flow runs; `flows.cme_command` wires Prefect in here."""

    def receive_file(self, path: Path) -> dict[str, Any]: ...
    def sweep(self) -> dict[str, Any]: ...
    def decision_runs(self) -> DecisionRuns: ...


# None: the services run in this process without Prefect (tests, `python -m`).
ORCHESTRATION: Orchestration | None = None

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
app.add_typer(report_app, name="report")
case_app.command("export")(case_export)
case_app.command("correct")(case_correct)
case_app.command("address")(case_address)
case_app.command("reopen")(case_reopen)
app.add_typer(users_app, name="users")
app.add_typer(visits_app, name="visits")


@app.command("web")
def web_command() -> None:
    """Start the case workspace on CME_WEB_HOST:CME_WEB_PORT (127.0.0.1:8400 by default).

    Decisions answered there finish their waiting Prefect runs, as `cme decide` does.
    """
    web(ORCHESTRATION.decision_runs() if ORCHESTRATION is not None else NO_DECISION_RUNS)


def _uow(settings: Settings) -> SqlUnitOfWork:
    return SqlUnitOfWork(settings.effective_database_url)


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
    try:
        if ORCHESTRATION is not None:
            report = ORCHESTRATION.receive_file(file.resolve())
        else:
            report = receive_file(_uow(settings), file, settings=settings, today=day)
    except services.IntakeFileError as error:
        raise _fail(str(error)) from None
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
    for warning in report.get("warnings", []):
        typer.echo(f"warning: {warning}")
    for rejection in report["rejections"]:
        typer.echo(f"  row {rejection['row']}: {rejection['reason']}")
    _report_attention(report)


@app.command("upload")
def upload(
    file: Annotated[Path, typer.Argument(help="A notification CSV file (columns: see README).")],
) -> None:
    """Hold a notification file for intake and print its id, for the `file` deployment.

    Prefect never sees the file's path or name (people name files after the child): run
    `prefect deployment run receive-notifications/file -p file_id=ID` with the id printed.
    """
    from missing_education.services import intake_files

    try:
        held = intake_files.hold(_settings(), file)
    except FileNotFoundError:
        raise _fail(f"cannot read {file}: no such file") from None
    except intake_files.HeldFileError as error:
        raise _fail(str(error)) from None
    typer.echo(held.id)


@app.command("cases")
def cases_list(
    status: Annotated[
        Status | None, typer.Option(help="Only cases in this status.", case_sensitive=False)
    ] = None,
    attention: Annotated[
        bool,
        typer.Option(
            "--attention", help="Only cases a step failed on (needs attention), with the reason."
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


@case_app.command("show")
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
            f"    {letter['created_at']}  {letter['type']} to {letter['recipient']} "
            f"({letter['channel']}, {letter['status']})  sha256 {letter['sha256'][:12]}  "
            f"{letter['path']}"
        )
    for d in details["decisions"]:
        answer = f"{d['answer']} by {d['decided_by']}" if d["answer"] else "waiting"
        if not d["answer"] and details["outcome"]:
            answer = "not answered: the case closed"
        typer.echo(f"  decision {d['decision']} (asked {d['asked_on']}): {answer}")


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


letters_app = typer.Typer(
    help="Letters: preview, outbox, sending and print batches.", no_args_is_help=True
)
officers_app = typer.Typer(
    help="Education welfare officers who make home visits.", no_args_is_help=True
)
schools_app = typer.Typer(help="Schools: where enquiry letters go.", no_args_is_help=True)
app.add_typer(letters_app, name="letters")
app.add_typer(officers_app, name="officers")
app.add_typer(schools_app, name="schools")
letters_app.command("cancel")(letters_cancel)


@app.command()
def sweep(as_json: JsonOption = False) -> None:
    """Review every case: remind, escalate, refer and monitor whatever is overdue today.

    Safe to run twice, or after days of downtime: each overdue step is acted on once.
    """
    settings = _settings()
    if ORCHESTRATION is not None:
        result = ORCHESTRATION.sweep()
    else:
        result = casework.sweep(_uow(settings), settings=settings, today=_today())
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


@app.command()
def investigate(
    case_id: Annotated[int, typer.Argument(help="The case id.", min=1, max=ID_LIMIT)],
    as_json: JsonOption = False,
) -> None:
    """Advance one case as far as it goes without a person (enquiry letters, home visit)."""
    settings = _settings()
    report = casework.investigate(_uow(settings), case_id, settings=settings, today=_today())
    if ORCHESTRATION is not None:
        ORCHESTRATION.decision_runs().ask([case_id])  # what it asked waits in the Prefect UI
    result = {"case_id": case_id, "actions": report.actions, "letters": report.letters}
    _print_json(result) if as_json else typer.echo(
        f"{case_id}: {report.actions or 'nothing to do'}"
    )


def _answers_help() -> str:
    """Every decision with its answers, from the one vocabulary (missing_education.domain)."""
    lines = ["Decisions and their answers (code: meaning):\n\n"]
    for kind, spec in VOCABULARY.items():
        lines.append(f"{kind.value} ({spec.title.lower()}):\n\n")
        lines.extend(f"  {a.value}: {a.label}\n\n" for a in spec.answers)
    return "".join(lines)


@app.command(epilog=_answers_help())
def decide(
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
        }.items()
        if v
    }
    runs = ORCHESTRATION.decision_runs() if ORCHESTRATION is not None else NO_DECISION_RUNS
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


@app.command()
def decisions(as_json: JsonOption = False) -> None:
    """Decisions waiting for a coordinator on open cases, oldest first, with when each is due.

    Answer them in the Prefect UI (the Suspended runs) or with `cme decide`.
    """
    rows = casework.waiting_decisions(_uow(_settings()), today=_today())
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


@letters_app.command("preview")
def letters_preview(
    letter_type: Annotated[
        str, typer.Argument(metavar="TYPE", help="A letter type, e.g. school_enquiry.")
    ],
    out: Annotated[Path | None, typer.Option(help="Where to write the PDF.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Render a letter with sample data and this council's letterhead, to check the wording."""
    settings = _settings()
    if letter_type not in LETTER_TYPES:
        raise _fail(f"unknown letter type {letter_type!r}; types: {', '.join(LETTER_TYPES)}", 2)
    target = out or Path(f"{letter_type}-preview.pdf")
    try:
        check_output_file(target, force=force)
        rendered = render_letter(letter_type, sample_context(letter_type), letterhead(settings))
        write_private(target, rendered.pdf, force=force)
    except (OutputPathError, LetterError) as error:
        raise _fail(str(error)) from None
    typer.echo(f"Wrote {target} ({rendered.pages} pages, template {rendered.template_version}).")


@letters_app.command("outbox")
def letters_outbox(as_json: JsonOption = False) -> None:
    """Every letter and where it is: queued, sending, sent, failed or posted."""
    rows = outbox.outbox_view(_uow(_settings()))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>6} {r['reference']} {r['type']:<24} {r['channel']:<5} "
            f"{r['status']:<8} {r['recipient']}"
            + (f"  ({r['last_error']})" if r["last_error"] else "")
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    typer.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "The outbox is empty.")


@letters_app.command("send")
def letters_send(
    resend_uncertain: Annotated[
        bool, typer.Option(help="Also re-send letters a crash left in 'sending' (same Message-ID).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Email every queued letter that is due, exactly once each; failures retry with back-off."""
    settings = _settings()
    report = outbox.send_queued(
        _uow(settings),
        SmtpTransport(settings.mail),
        settings=settings,
        resend_uncertain=resend_uncertain,
    )
    if as_json:
        _print_json(report.as_dict())
        return
    typer.echo(
        f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed, "
        f"{report.waiting} waiting for their retry time."
    )
    if report.uncertain:
        typer.echo(
            f"{len(report.uncertain)} letters may or may not have gone (a crash while "
            "sending): check, then run with --resend-uncertain."
        )


@letters_app.command("print-batch")
def letters_print_batch() -> None:
    """Put every queued postal letter into one PDF with a manifest CSV for the print room."""
    settings = _settings()
    made = outbox.make_up_post(_uow(settings), settings=settings, today=_today())
    for old_id, new_id in made.stale.remade:
        typer.echo(
            f"Letter {old_id} remade as letter {new_id}: its date had passed or was too close."
        )
    for letter_id, reason in made.stale.withdrawn:
        typer.echo(f"Letter {letter_id} withdrawn from the post: {reason}.")
    if made.stale.attention:
        typer.echo(
            f"{len(made.stale.attention)} cases need attention: a stale letter could not be "
            "remade (cme cases --attention)."
        )
    batch = made.batch
    if batch is None:
        typer.echo("No letters waiting to be posted.")
        return
    typer.echo(f"Print batch {batch.id}: {batch.letters} letters, {batch.pages} pages.")
    typer.echo(f"  PDF: {batch.pdf_path}\n  manifest: {batch.manifest_path}")
    typer.echo(f"When posted, run: cme letters confirm-batch {batch.id}")


@letters_app.command("confirm-batch")
def letters_confirm_batch(
    batch_id: Annotated[int, typer.Argument(help="The print batch id.", min=1, max=ID_LIMIT)],
    posted_on: Annotated[
        str | None,
        typer.Option(help="The day it went in the post, YYYY-MM-DD (default: today)."),
    ] = None,
) -> None:
    """Confirm a print batch went in the post: its letters are marked posted.

    Each letter is deemed served on the second business day after posting; the periods of
    s437(1) and s438 notices and school attendance orders run from that day.
    """
    settings = _settings()
    day = _parse_day(posted_on, "--posted-on") if posted_on else _today()
    if day > _today():
        raise _fail(f"--posted-on {day.isoformat()} is in the future")
    moved = outbox.confirm_print_batch(_uow(settings), batch_id, settings=settings, posted_on=day)
    typer.echo(f"Print batch {batch_id}: {moved} letters marked posted on {day:%d %B %Y}.")


@officers_app.command("import")
def officers_import(
    file: Annotated[Path, typer.Argument(help="CSV: code, name, email, phone, areas, capacity.")],
) -> None:
    """Add or update officers; `areas` lists postcode districts separated by ';' (or '*')."""
    try:
        result = directory.import_officers(_uow(_settings()), file)
    except directory.DirectoryFileError as error:
        raise _fail(str(error)) from None
    typer.echo(f"{result.rows} officers loaded.")


@officers_app.command("list")
def officers_list(as_json: JsonOption = False) -> None:
    """Officers with their open visits and capacity, and visits waiting for an officer."""
    rows = directory.officer_workload(_uow(_settings()))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['code']:<8} {r['name']:<24} {r['open_visits']:>3} / {r.get('capacity', '-')}"
        )


@schools_app.command("import")
def schools_import(
    file: Annotated[
        Path, typer.Argument(help="CSV: urn, name, email, address_line1, town, postcode.")
    ],
) -> None:
    """Add or replace schools by URN (enquiry letters go to their email address)."""
    try:
        result = directory.import_schools(_uow(_settings()), file)
    except directory.DirectoryFileError as error:
        raise _fail(str(error)) from None
    typer.echo(f"{result.rows} schools loaded.")


sources_app = typer.Typer(
    help="Council data sources searched for each child.", no_args_is_help=True
)
app.add_typer(sources_app, name="sources")


@sources_app.command("load")
def sources_load(
    name: Annotated[str, typer.Argument(help="e.g. school_census, ehe_register, social_care.")],
    file: Annotated[Path, typer.Argument(help="CSV or .xlsx with ref, forename, surname, ...")],
    allow_rejected: Annotated[
        int,
        typer.Option(
            "--allow-rejected",
            min=0,
            max=100,
            metavar="PERCENT",
            help="Refuse the load (keeping the old source) if more rows than this are rejected.",
        ),
    ] = round(checks.MAX_REJECTED_SHARE * 100),
    as_json: JsonOption = False,
) -> None:
    """Replace a named source with an extract, atomically (a failed load keeps the old one).

    Columns: ref, forename, surname (required), date_of_birth, sex, upn, address_line1,
    postcode, school_urn (optional); extra columns are kept. Bad rows are reported by their
    spreadsheet row (the header is row 1). A file with no usable row, or with more than
    --allow-rejected per cent rejected, is refused and the old source kept. Files over
    200 MB, workbooks unpacking past 500 MB, over 1,000,000 rows or 200 columns are refused.
    """
    try:
        loaded = checks.load_source(
            _uow(_settings()), name, file, max_rejected_share=allow_rejected / 100
        )
    except checks.SourceFileError as error:
        raise _fail(str(error)) from None
    result = {
        "name": loaded.info.name,
        "rows": loaded.info.rows,
        "sha256": loaded.info.file_sha256,
        "rejected": len(loaded.rejections),
        "rejections": [{"row": r, "reason": why} for r, why in loaded.rejections],
    }
    if as_json:
        _print_json(result)
        return
    typer.echo(f"{name}: {loaded.info.rows} rows loaded, {len(loaded.rejections)} rejected.")
    for row, why in loaded.rejections:
        typer.echo(f"  row {row}: {why}")


@sources_app.command("list")
def sources_list(as_json: JsonOption = False) -> None:
    """Each source with its rows, when it was loaded and its file hash."""
    rows = checks.list_sources(_uow(_settings()))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['name']:<24} {r['rows']:>9,} rows  loaded {r['loaded_at']}  {r['sha256'][:12]}"
        )
    if not rows:
        typer.echo("No sources loaded.")


@app.command("match")
def match(
    notifications: Annotated[Path, typer.Argument(help="People to find (register columns).")],
    register: Annotated[Path, typer.Argument(help="The list to search (register columns).")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV.")],
    match_threshold: Annotated[
        float | None,
        typer.Option(
            "--match-threshold",
            help="Score at or above which a candidate is linked (default: setting "
            "matching.match_threshold, 0.85).",
        ),
    ] = None,
    possible_threshold: Annotated[
        float | None,
        typer.Option(
            "--possible-threshold",
            help="Score at or above which a person is asked to look (default: setting "
            "matching.possible_threshold, 0.05).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Batch linkage: the best candidate for every row of NOTIFICATIONS in REGISTER.

    Output columns: notification_ref, register_ref (empty when none), score, decision
    (match, possible or none), one row per notification. How sure each field makes the
    matcher (its m values) is learnt from the notifications themselves; --json shows it.
    """
    configured = _settings().matching
    try:
        thresholds = Thresholds(
            match=configured.match_threshold if match_threshold is None else match_threshold,
            possible=configured.possible_threshold
            if possible_threshold is None
            else possible_threshold,
        )
        check_output_file(out, force=force)
        summary = match_files(notifications, register, out, thresholds, force=force)
    except (MatchingInputError, OutputPathError, ValueError) as error:
        raise _fail(str(error)) from None
    result: dict[str, Any] = {
        "notifications": summary.notifications,
        "register_rows": summary.register_rows,
        "match": summary.matches,
        "possible": summary.possibles,
        "none": summary.nones,
        "thresholds": {"match": thresholds.match, "possible": thresholds.possible},
        "scored_with_missing_fields": {
            "notifications": {str(n): rows for n, rows in summary.notifications_missing.items()},
            "register": {str(n): rows for n, rows in summary.register_missing.items()},
        },
        "learning": summary.learnt.as_dict() if summary.learnt else None,
        "rejected": [
            {"file": which, "row": r.row, "reason": r.reason}
            for which, rows in (
                ("notifications", summary.notification_rejections),
                ("register", summary.register_rejections),
            )
            for r in rows
        ],
    }
    if as_json:
        _print_json(result)
        return
    typer.echo(
        f"Wrote {out}: {summary.notifications} notifications against {summary.register_rows} "
        f"register rows: {summary.matches} match, {summary.possibles} possible, "
        f"{summary.nones} none (match at score >= {thresholds.match}, possible at "
        f">= {thresholds.possible})."
    )
    for one, many, missing in (
        ("notification", "notifications", summary.notifications_missing),
        ("register row", "register rows", summary.register_missing),
    ):
        for n, rows in missing.items():
            fields = "field" if n == 1 else "fields"
            typer.echo(f"  {rows} {one if rows == 1 else many} scored with {n} {fields} missing")
    if summary.learnt is not None:
        typer.echo(
            f"  m values learnt from the notifications ({summary.learnt.iterations} rounds)"
            if summary.learnt.learnt
            else f"  m values not learnt: {summary.learnt.reason}"
        )
    for r in result["rejected"]:
        typer.echo(f"  {r['file']} row {r['row']}: {r['reason']}")


@app.command("audit")
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


def main() -> None:
    """Entry point that turns every error into a one-line message rather than a traceback."""
    try:
        # Not standalone: click's usage errors come back here, to be said in one line too.
        returned = app(standalone_mode=False)
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
