"""Reports over the case database: the weekly management report, the DfE return, a case record.

Each reads the database in one transaction through the unit of work, turns what it needs
into plain facts, and hands them to `missing_education.reports` for figures and files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from missing_education.clock import LONDON
from missing_education.domain import Case
from missing_education.letters.rendering import printable_context
from missing_education.letters.typesetting import count_pages, font_dirs, shared_typesetter
from missing_education.ports import UnitOfWork
from missing_education.private_files import check_output_dir, check_output_file, write_private
from missing_education.reports import (
    DFE_COLUMNS,
    CaseFacts,
    DfeReturn,
    Period,
    ReportData,
    ReportFigures,
    ReportFiles,
    Table,
    case_record,
    case_record_pdf,
    csv_text,
    dfe_return,
    term_dates,
    weekly_figures,
    write_report,
    write_table,
)
from missing_education.services.calendar import load_calendar
from missing_education.settings import Settings

# The default report covers twelve weeks, Monday to the day of the report.
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class WeeklyReport:
    """A report run: its figures and the files written."""

    figures: ReportFigures
    files: ReportFiles

    def summary(self) -> dict[str, Any]:
        """Counts, headlines and file paths (no personal data): for the CLI and Prefect."""
        weeks = self.figures.section("new-and-closed").tables[0]
        return {
            "from": self.figures.period.start.isoformat(),
            "to": self.figures.period.end.isoformat(),
            "headline": self.figures.headline,
            "charts": {s.key: s.headline for s in self.figures.sections},
            "weeks": [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}
                for r in weeks.records()
            ],
            "folder": str(self.files.folder),
            "html": str(self.files.html),
            "pdf": str(self.files.pdf),
            "charts_written": len(self.files.charts),
            "tables_written": len(self.files.tables),
        }


@dataclass(frozen=True)
class DfeReturnFiles:
    """A DfE return and where its rows and summary were written."""

    result: DfeReturn
    rows_csv: Path
    summary_csv: Path


@dataclass(frozen=True)
class CaseExport:
    """A case record written for a court, an inspection or a subject access request."""

    reference: str
    path: Path
    pages: int
    events: int


def default_period(today: date) -> Period:
    """Twelve weeks: from the Monday eleven weeks before this week's Monday, to today."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=DEFAULT_WEEKS - 1), today)


def case_facts(case: Case) -> CaseFacts:
    """What the reports need of a case, its history as the day each status began."""
    statuses = tuple(
        (entry.at.astimezone(LONDON).date(), entry.to_status) for entry in case.history
    )
    return CaseFacts(
        case_id=case.id,
        reference=case.reference,
        referral_date=case.referral_date,
        opened_on=case.opened_on,
        status=case.status,
        statuses=statuses or ((case.opened_on, case.status),),
        outcome=case.outcome,
        closed_on=case.closed_on,
        reason=case.reason,
        vulnerabilities=case.vulnerabilities,
        sex=case.child.sex,
        date_of_birth=case.child.date_of_birth,
        date_last_attended=case.date_last_attended,
        child_key=child_key(case),
    )


def child_key(case: Case) -> str:
    """One key per child across cases, with nothing readable in it: counted once in a year."""
    child = case.child
    if not child.upn and child.date_of_birth is None:
        # A name alone identifies nobody: two such children are never counted as one.
        return hashlib.sha256(f"case|{case.id}".encode()).hexdigest()
    identity = child.upn or "|".join(
        (
            " ".join(child.forename.casefold().split()),
            " ".join(child.surname.casefold().split()),
            child.date_of_birth.isoformat() if child.date_of_birth else "",
        )
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def read_report_data(uow: UnitOfWork) -> ReportData:
    """Every case, time limit, home visit and officer, inside the caller's transaction."""
    cases, deadlines = [], []
    for summary in uow.cases.summaries():
        cases.append(case_facts(uow.cases.get(summary.case_id)))
        deadlines.extend(uow.deadlines.for_case(summary.case_id))
    return ReportData(
        cases=tuple(cases),
        deadlines=tuple(deadlines),
        visits=tuple(uow.directory.visits()),
        officers=tuple(uow.directory.officers()),
        calendar=load_calendar(uow),
    )


class PrintableTypesetter:
    """The shared typesetter; text in a document's data that no font has is shown as U+FFFD."""

    def __init__(self) -> None:
        self.inner = shared_typesetter(font_dirs())

    def typeset(self, source: str, *, root: Path, created: date) -> bytes:
        """Make the data (root/data.json) printable, then typeset as usual."""
        data_file = root / "data.json"
        if data_file.is_file():
            data = json.loads(data_file.read_text(encoding="utf-8"))
            cleaned = printable_context({"data": data}, self.inner)["data"]
            data_file.write_text(json.dumps(cleaned, ensure_ascii=False), encoding="utf-8")
        return self.inner.typeset(source, root=root, created=created)


def weekly_report(
    uow: UnitOfWork,
    *,
    start: date | None,
    end: date | None,
    out: Path | None,
    settings: Settings,
    today: date,
    force: bool = False,
) -> WeeklyReport:
    """Charts, tables, HTML and PDF over a period (default: twelve weeks to today)."""
    if out is not None:
        check_output_dir(out, force=force)  # a folder a person named: refused before any work
    default = default_period(end or today)
    period = Period(start or default.start, end or default.end)
    with uow:
        data = read_report_data(uow)
    figures = weekly_figures(data, period)
    folder = out or settings.home / "reports" / f"report-{period.end.isoformat()}"
    files = write_report(
        figures,
        folder,
        council=settings.council.council_name,
        generated_on=today,
        typesetter=PrintableTypesetter(),
    )
    return WeeklyReport(figures=figures, files=files)


def dfe_termly_return(
    uow: UnitOfWork,
    *,
    term: str,
    out: Path | None,
    settings: Settings,
    today: date,
    census_date: date | None = None,
    force: bool = False,
) -> DfeReturnFiles:
    """The DfE termly CME return from case states; rows and a summary as CSV files.

    Counted up to the end of the term, or up to `census_date` or today if earlier.
    """
    if out is not None:
        check_output_file(out, force=force)
        check_output_file(out.with_name(f"{out.stem}-summary.csv"), force=force)
    with uow:
        periods = uow.calendar.periods()
        data = read_report_data(uow)
    dates = term_dates(term, periods)
    as_of = min(census_date, today) if census_date else today
    result = dfe_return(data.cases, dates, data.calendar, as_of=as_of)
    rows_csv = out or settings.home / "reports" / f"dfe-return-{dates.name}.csv"
    rows = Table("dfe-return", "DfE return", DFE_COLUMNS, tuple(r.cells() for r in result.rows))
    # A row per child (sex, year group, reason): owner-only, as the case database is.
    write_private(rows_csv, csv_text(rows).encode("utf-8"), force=force or out is None)
    summary_csv = write_table(
        Table(
            "dfe-return-summary",
            "DfE return summary",
            ("group", "item", "value"),
            tuple(result.summary_rows()),
        ),
        rows_csv.with_name(f"{rows_csv.stem}-summary.csv"),
    )
    return DfeReturnFiles(result=result, rows_csv=rows_csv, summary_csv=summary_csv)


def export_case(
    uow: UnitOfWork,
    case_id: int,
    *,
    out: Path | None,
    settings: Settings,
    today: date,
    force: bool = False,
) -> CaseExport:
    """The record of reasonable enquiries on one case as a PDF readable by its owner only."""
    if out is not None:
        check_output_file(out, force=force)  # never a device, folder, link or another file
    with uow:
        case = uow.cases.get(case_id)
        record = case_record(
            case,
            notifications=uow.notifications.for_case(case_id),
            letters=uow.letters.for_case(case_id),
            checks=uow.sources.checks(case_id),
            decisions=uow.decisions.for_case(case_id),
            visits=uow.directory.visits(case_id),
            deadlines=uow.deadlines.for_case(case_id),
            officers={o.id: o for o in uow.directory.officers()},
            prepared_on=today,
            prepared_by=f"{settings.council.service_name}, {settings.council.council_name}",
        )
    pdf = case_record_pdf(record, PrintableTypesetter(), created=today)
    path = out or settings.home / "exports" / f"{case.reference}-enquiries.pdf"
    write_private(path, pdf, force=force or out is None)
    return CaseExport(
        reference=case.reference,
        path=path,
        pages=count_pages(pdf),
        events=len(record.tables[0].rows),
    )
