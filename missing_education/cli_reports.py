"""`cme report` (the management report and the DfE termly return) and `cme case export`.

The report modules load matplotlib, so they are imported when a command runs, not when
`cme` starts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from missing_education.cli_support import JsonOption, parse_day
from missing_education.cli_support import fail as _fail
from missing_education.cli_support import print_json as _print_json
from missing_education.cli_support import settings_or_exit as _settings
from missing_education.cli_support import today_or_exit as _today
from missing_education.domain import CaseNotFound
from missing_education.domain.limits import ID_LIMIT
from missing_education.letters import LetterError
from missing_education.persistence import SqlUnitOfWork
from missing_education.private_files import OutputPathError

report_app = typer.Typer(
    help=(
        "Reports for managers and the DfE: counts and case references only, no child's "
        "details.\n\nWithout a sub-command: the management report over a period, as charts "
        "(PNG and SVG), the table behind each chart (CSV), an HTML page and a PDF."
    ),
    invoke_without_command=True,
)


def _day(value: str | None, option: str) -> date | None:
    return None if value is None else parse_day(value, option)


@report_app.callback(invoke_without_command=True)
def report(
    context: typer.Context,
    start: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="DATE", help="First day (default: Monday eleven weeks before --to's)."
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Last day (default: today).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Folder (default: CME_HOME/reports/report-TO)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace what is already at --out.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The management report over a period (default: twelve weeks to today).

    Charts: open caseload over time; new and closed per week; time from notification to
    re-engagement; outcomes; reasons and vulnerable groups; overdue steps by stage; workload
    per officer. Each chart is written as PNG and SVG with its table as CSV, and all of them
    as report.html and report.pdf. Sub-command `dfe-return` writes the DfE termly return.
    """
    if context.invoked_subcommand is not None:
        return
    from missing_education.services.reports import weekly_report

    settings = _settings()
    first, last = _day(start, "--from"), _day(end, "--to")
    if first and last and first > last:
        raise _fail("--from must not be after --to", 2)
    try:
        made = weekly_report(
            SqlUnitOfWork(settings.effective_database_url),
            start=first,
            end=last,
            out=out,
            settings=settings,
            today=_today(),
            force=force,
        )
    except (LetterError, ValueError) as error:
        raise _fail(str(error)) from None
    summary = made.summary()
    if as_json:
        _print_json(summary)
        return
    typer.echo(
        f"Report for {summary['from']} to {summary['to']} in {summary['folder']}: report.html, "
        f"report.pdf, {summary['charts_written']} chart files, {summary['tables_written']} "
        "CSV tables."
    )
    for headline in summary["charts"].values():
        typer.echo(f"  {headline}")


@report_app.command("dfe-return")
def dfe_return(
    term: Annotated[
        str, typer.Option("--term", help="The term: autumn-2026, spring-2027 or summer-2027.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE.csv",
            help="Rows file (default: CME_HOME/reports/dfe-return-TERM.csv); the summary "
            "goes beside it as FILE-summary.csv.",
        ),
    ] = None,
    census_date: Annotated[
        str | None,
        typer.Option(
            "--census-date",
            metavar="DATE",
            help="The DfE census date to count on (default: today, or the term's last day "
            "if it has ended).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace what is already at --out.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The DfE CME return, derived from case states (docs/reports.md: who counts).

    Children missing education on the census date, by sex, year group, length of time
    missing and primary reason (DfE), and children missing education at any time in the
    academic year so far, each counted once. The rows file holds one line per child counted
    on the census date (case reference, no name or date of birth). Term dates come from the
    council calendar (`cme calendar import`).
    """
    from missing_education.reports import TermError
    from missing_education.services.reports import dfe_termly_return

    settings = _settings()
    try:
        made = dfe_termly_return(
            SqlUnitOfWork(settings.effective_database_url),
            term=term,
            out=out,
            settings=settings,
            today=_today(),
            census_date=_day(census_date, "--census-date"),
            force=force,
        )
    except (TermError, OutputPathError) as error:
        raise _fail(str(error)) from None
    summary = made.result.summary()
    if as_json:
        _print_json(
            {**summary, "rows_csv": str(made.rows_csv), "summary_csv": str(made.summary_csv)}
        )
        return
    typer.echo(
        f"DfE return {summary['term']} ({summary['term_start']} to {summary['term_end']}), "
        f"census date {summary['census_date']}: {summary['cme_at_census_date']} children "
        f"missing education on the census date; {summary['cme_in_year_so_far']} at any time "
        f"since {summary['academic_year_from']} (each child once)."
    )
    typer.echo(f"  rows: {made.rows_csv}\n  summary: {made.summary_csv}")
    for group in ("by_sex", "by_length_of_time_missing", "by_primary_reason"):
        counted = {k: n for k, n in summary[group].items() if n}
        if counted:
            words = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in counted.items())
            typer.echo(f"  {group.removeprefix('by_').replace('_', ' ')}: {words}")
    if summary["start_taken_from_referral_date"]:
        typer.echo(
            f"  {summary['start_taken_from_referral_date']} with no date last attended: time "
            "missing counted from the referral date (add it to the notification to correct)"
        )
    left_out = {rule: n for rule, n in summary["excluded"].items() if n}
    if left_out:
        typer.echo(
            "Not counted: " + ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in left_out.items())
        )


def case_export(
    case_id: Annotated[
        int, typer.Argument(help="The case id (the number in CME-000123).", min=1, max=ID_LIMIT)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE.pdf",
            help="Where to write it (default: CME_HOME/exports/CME-…-enquiries.pdf).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace what is already at --out.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The record of reasonable enquiries on one case, as a PDF.

    Every notification, status change, database check, letter, home visit, decision and
    time limit, with dates and who: for a court, an Ofsted inspection or a subject access
    request. It holds the child's details, so the file is readable by its owner only.
    """
    from missing_education.services.reports import export_case

    settings = _settings()
    try:
        made = export_case(
            SqlUnitOfWork(settings.effective_database_url),
            case_id,
            out=out,
            settings=settings,
            today=_today(),
            force=force,
        )
    except (CaseNotFound, OutputPathError) as error:
        raise _fail(str(error)) from None
    except LetterError as error:
        raise _fail(f"{case_id}: {error}") from None
    result = {
        "case_id": case_id,
        "reference": made.reference,
        "path": str(made.path),
        "pages": made.pages,
        "events": made.events,
    }
    if as_json:
        _print_json(result)
        return
    typer.echo(
        f"Wrote {made.path} ({made.pages} pages, {made.events} events); it holds the child's "
        "details: share it only with those entitled to them."
    )
