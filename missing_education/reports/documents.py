"""The report as files: CSV tables, PNG and SVG charts, an HTML page and a PDF; the case record PDF.

HTML comes from a Jinja template with autoescaping on. PDFs come from static Typst templates
that read their data from a JSON file in a private temporary folder, so no value is ever
Typst markup; the typesetter (fonts, PDF/A) is handed in by the caller.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import jinja2

from missing_education.domain.csv_safety import neutralise_formula
from missing_education.private_files import (
    PRIVATE_DIR,
    PRIVATE_FILE,
    make_private_dir,
    write_private,
)
from missing_education.reports.case_record import CaseRecord
from missing_education.reports.charts import save_chart
from missing_education.reports.figures import Cell, ReportFigures, Table

# Tables longer than this are in the PDF as a pointer to their CSV file.
PDF_TABLE_ROWS = 25
PRIVACY = (
    "Counts and case references only: this report holds no child's name, date of birth or "
    "address. The tables behind every chart are in the CSV files beside it."
)
HEADLINE_LABELS: dict[str, str] = {
    "open_cases": "Cases open at the end of the period",
    "new_cases": "New cases in the period",
    "closed_cases": "Cases closed in the period",
    "reengaged": "Children back in education",
    "median_school_days_to_reengagement": "Median school days from notification to education",
    "not_located": "Children not located (escalated or monitoring) at the end",
    "overdue_steps": "Steps that went past their time limit",
    "cases_worked": "Cases worked in the period",
    "visits_open": "Home visits open at the end",
    "visits_waiting_for_officer": "Home visits waiting for an officer",
}


class Typesetter(Protocol):
    """Turns Typst source into PDF; files it reads must be under `root`."""

    def typeset(self, source: str, *, root: Path, created: date) -> bytes: ...


@dataclass(frozen=True)
class ReportFiles:
    """What a report run wrote."""

    folder: Path
    html: Path
    pdf: Path
    charts: list[Path]
    tables: list[Path]


def templates_dir() -> Path:
    """The report templates: `templates/reports/` beside the package."""
    return Path(__file__).resolve().parents[2] / "templates" / "reports"


def cell_text(value: Cell) -> str:
    """A table cell as text: dates ISO, numbers plain, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def write_csv(table: Table, folder: Path) -> Path:
    """Write a table as `<name>.csv` in `folder`."""
    return write_table(table, folder / f"{table.name}.csv")


def csv_text(table: Table) -> str:
    """A table as CSV text: a header row, then the rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    # Codes come from notification files as typed: none may run as a spreadsheet formula.
    writer.writerows([neutralise_formula(cell_text(c)) for c in row] for row in table.rows)
    return buffer.getvalue()


def write_table(table: Table, path: Path) -> Path:
    """Write a table as CSV (UTF-8) to `path`, owner-only."""
    write_private(path, csv_text(table).encode("utf-8"))
    return path


def _breakable(text: str) -> str:
    # A zero-width space after each underscore lets a long code wrap in a narrow PDF column.
    return text.replace("_", "_\u200b")


def headline_rows(figures: ReportFigures) -> list[tuple[str, str]]:
    """The headline figures as (label, value) text."""
    return [
        (HEADLINE_LABELS.get(key, key), "none" if value is None else f"{value:g}")
        for key, value in figures.headline.items()
    ]


def _document(
    figures: ReportFigures, *, council: str, generated_on: date, pdf: bool
) -> dict[str, Any]:
    period = f"{figures.period.start.isoformat()} to {figures.period.end.isoformat()}"
    sections = []
    for section in figures.sections:
        tables = [
            {
                "title": t.title,
                "columns": list(t.columns),
                "rows": [
                    [_breakable(cell_text(c)) if pdf else cell_text(c) for c in row]
                    for row in t.rows
                ]
                if not pdf or len(t.rows) <= PDF_TABLE_ROWS
                else [],
                "count": len(t.rows),
                "csv": f"{t.name}.csv",
                "shown": len(t.rows) <= PDF_TABLE_ROWS,
            }
            for t in section.tables
        ]
        sections.append(
            {
                "key": section.key,
                "title": section.title,
                "explains": section.explains,
                "headline": section.headline,
                "alt": f"Chart: {section.title}. {section.headline}",
                "image": f"{section.key}.svg",
                "tables": tables,
            }
        )
    return {
        "title": "Children Missing Education: report",
        "council": council,
        "period": period,
        "generated": f"generated {generated_on.isoformat()}",
        "privacy": PRIVACY,
        "headline": [list(row) for row in headline_rows(figures)],
        "sections": sections,
    }


def report_html(
    figures: ReportFigures, *, council: str, generated_on: date, charts: Mapping[str, Path]
) -> str:
    """The report as one self-contained HTML page (charts embedded as PNG)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    document = _document(figures, council=council, generated_on=generated_on, pdf=False)
    for section in document["sections"]:
        png = charts[section["key"]].read_bytes()
        section["png_base64"] = base64.b64encode(png).decode("ascii")
    return environment.get_template("report.html.j2").render(document)


def typeset_document(
    template: str,
    data: Mapping[str, Any],
    typesetter: Typesetter,
    *,
    created: date,
    files: Sequence[Path] = (),
) -> bytes:
    """Typeset a report template with its data, in a private temporary folder."""
    folder = templates_dir()
    source = (folder / "common.typ").read_text(encoding="utf-8") + "\n"
    source += (folder / template).read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="cme-typeset-") as temporary:
        root = Path(temporary)
        (root / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for path in files:
            shutil.copyfile(path, root / path.name)
        return typesetter.typeset(source, root=root, created=created)


def report_pdf(
    figures: ReportFigures,
    *,
    council: str,
    generated_on: date,
    charts: Mapping[str, Path],
    typesetter: Typesetter,
) -> bytes:
    """The report as a PDF (charts as vector SVG)."""
    document = _document(figures, council=council, generated_on=generated_on, pdf=True)
    return typeset_document(
        "report.typ", document, typesetter, created=generated_on, files=list(charts.values())
    )


def write_report(
    figures: ReportFigures,
    folder: Path,
    *,
    council: str,
    generated_on: date,
    typesetter: Typesetter,
) -> ReportFiles:
    """Write every chart, table, the HTML page and the PDF into `folder` (all owner-only)."""
    # Figures derive from children's records: the folder and every file are owner-only.
    make_private_dir(folder)
    os.chmod(folder, PRIVATE_DIR)
    pngs: dict[str, Path] = {}
    svgs: dict[str, Path] = {}
    for section in figures.sections:
        pngs[section.key], svgs[section.key] = save_chart(section, folder)
    tables = [write_csv(t, folder) for t in figures.tables()]
    headline = Table(
        "headline",
        "Headline figures",
        ("figure", "value"),
        tuple((k, v) for k, v in figures.headline.items()),
    )
    tables.append(write_csv(headline, folder))
    for chart in [*pngs.values(), *svgs.values()]:
        os.chmod(chart, PRIVATE_FILE)
    html = folder / "report.html"
    write_private(
        html,
        report_html(figures, council=council, generated_on=generated_on, charts=pngs).encode(),
    )
    pdf = folder / "report.pdf"
    write_private(
        pdf,
        report_pdf(
            figures, council=council, generated_on=generated_on, charts=svgs, typesetter=typesetter
        ),
    )
    charts = [p for key in pngs for p in (pngs[key], svgs[key])]
    return ReportFiles(folder=folder, html=html, pdf=pdf, charts=charts, tables=tables)


def case_record_pdf(record: CaseRecord, typesetter: Typesetter, *, created: date) -> bytes:
    """The record of reasonable enquiries as a PDF."""
    return typeset_document("case_record.typ", record.as_json(), typesetter, created=created)
