"""weekly-report: the Monday report for senior managers and the Education Planning Group."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from tasks.reports import write_management_report

# Each chart's headline figures, as the artifact lists them: numbers only, because reason
# and vulnerability codes come from notification files as typed.
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("Open caseload", "open_cases", "cases open at the end"),
    ("Open caseload", "not_located", "not located (escalated or monitoring)"),
    ("New and closed", "new_cases", "new cases"),
    ("New and closed", "closed_cases", "cases closed"),
    ("Re-engagement", "reengaged", "children back in education"),
    ("Re-engagement", "median_school_days_to_reengagement", "median school days to education"),
    ("Reasons and vulnerable groups", "cases_worked", "cases worked"),
    ("Overdue steps", "overdue_steps", "steps past their time limit"),
    ("Workload per officer", "visits_open", "home visits open at the end"),
    ("Workload per officer", "visits_waiting_for_officer", "home visits waiting for an officer"),
)


def report_markdown(report: dict[str, Any]) -> str:
    """The artifact: each chart's headline figures (counts only) and where the files are."""
    lines = [
        f"### CME report, {report['from']} to {report['to']}",
        "",
        "| chart | figure | value |",
        "|---|---|---|",
    ]
    for chart, key, label in HEADLINES:
        value = report["headline"].get(key)
        lines.append(f"| {chart} | {label} | {'none' if value is None else value} |")
    lines += ["", f"Files: `{report['folder']}` (report.html, report.pdf, charts, CSV tables)."]
    return "\n".join(lines)


@flow(name="weekly-report")
def weekly_report(start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Write the report (default: the twelve weeks up to yesterday) and publish its counts."""
    report = write_management_report(start, end)
    create_markdown_artifact(
        key="weekly-report",
        markdown=report_markdown(report),
        description="Headline figures of the weekly CME report (counts only).",
    )
    create_table_artifact(
        key="weekly-report-weeks",
        table=report["weeks"],
        description="New, closed and open cases per week (counts only).",
    )
    return {"headline": report["headline"], "folder": report["folder"]}
