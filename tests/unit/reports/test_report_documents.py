"""Charts are real images; the HTML escapes what it shows; the PDFs carry the figures as text."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
import pytest
from matplotlib.text import Text
from PIL import Image

from missing_education.domain import Case, Child, HistoryEntry, Outcome, Status
from missing_education.domain.check import DatabaseCheck
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.decision import DecisionRequest
from missing_education.domain.directory import HomeVisit, Officer
from missing_education.domain.letter import Channel, Delivery, LetterRecord
from missing_education.letters.typesetting import Typesetter, font_dirs, shared_typesetter
from missing_education.ports import NotificationRecord
from missing_education.reports import (
    CaseRecord,
    Period,
    ReportData,
    Table,
    case_record,
    case_record_pdf,
    weekly_figures,
    write_report,
    write_table,
)
from missing_education.reports.charts import EMPTY, draw, save_chart
from missing_education.rules.calendar import SchoolCalendar

PERIOD = Period(date(2026, 11, 16), date(2026, 11, 29))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_charts_of_an_empty_period_say_so(calendar: SchoolCalendar) -> None:
    figures = weekly_figures(ReportData((), (), (), (), calendar), PERIOD)
    for key in ("reengagement", "outcomes", "overdue-steps"):
        texts = [t.get_text() for t in draw(figures.section(key)).findobj(Text)]
        assert EMPTY in texts, key


def test_the_same_figures_draw_the_same_svg(weekly_data: ReportData, tmp_path: Path) -> None:
    section = weekly_figures(weekly_data, PERIOD).section("caseload")
    first = save_chart(section, tmp_path)[1].read_bytes()
    second = save_chart(section, tmp_path)[1].read_bytes()
    assert first == second


@pytest.fixture(scope="module")
def typesetter() -> Typesetter:
    return shared_typesetter(font_dirs())


def test_the_report_writes_real_images_html_pdf_and_csv_tables(
    weekly_data: ReportData, tmp_path: Path, typesetter: Typesetter
) -> None:
    # A reason typed into a notification file is shown as text, never as markup or code.
    hostile = replace(weekly_data.cases[0], reason='<script>alert(1)</script> #read("/x")')
    data = replace(weekly_data, cases=(hostile, *weekly_data.cases[1:]))
    figures = weekly_figures(data, PERIOD)
    files = write_report(
        figures, tmp_path, council="Synthetic County Council",
        generated_on=date(2026, 11, 30), typesetter=typesetter,
    )  # fmt: skip
    assert sorted(p.name for p in files.charts)[:2] == ["caseload.png", "caseload.svg"]
    assert len(files.charts) == 14
    for chart in files.charts:
        if chart.suffix == ".png":
            with Image.open(chart) as image:
                image.verify()
            with Image.open(chart) as image:
                assert image.format == "PNG" and image.size == (1350, 660)
        else:
            root = ElementTree.parse(chart).getroot()
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert {p.name for p in files.tables} >= {
        "caseload.csv", "new-and-closed.csv", "reengagement.csv", "reengagement-by-reason.csv",
        "outcomes.csv", "reasons.csv", "vulnerabilities.csv", "overdue-steps.csv",
        "officer-workload.csv", "headline.csv",
    }  # fmt: skip
    with (tmp_path / "new-and-closed.csv").open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["week_starting", "new", "closed", "open_at_week_end"],
            ["2026-11-16", "3", "2", "3"],
            ["2026-11-23", "1", "2", "2"],
        ]
    html = files.html.read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('src="data:image/png;base64,') == 7
    assert "2 cases open on 2026-11-29" in html
    text = pdf_text(files.pdf.read_bytes())
    assert "Children Missing Education: report" in text
    assert "2 cases open on 2026-11-29" in text
    assert '<script>alert(1)</script> #read("/x")' in text  # printed as typed
    assert "Sam Fletcher" not in html + text


def test_a_code_a_spreadsheet_would_calculate_is_written_as_text(tmp_path: Path) -> None:
    table = Table("reasons", "Reasons", ("reason", "cases"), (('=HYPERLINK("x")', 1),))
    with write_table(table, tmp_path / "r.csv").open(encoding="utf-8") as handle:
        assert list(csv.reader(handle))[1] == ['\'=HYPERLINK("x")', "1"]


def make_case() -> Case:
    at = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    return Case(
        id=42,
        status=Status.CLOSED,
        child=Child(
            forename='*Zoë* #read("/etc/passwd")',
            surname="Ahmed-Ó Briain",
            date_of_birth=date(2015, 3, 4),
            sex="F",
            upn="A123456789012",
            address_line1="1 Mill Road",
            town="Matlock",
            postcode="DE4 3AA",
        ),
        opened_on=date(2026, 11, 16),
        referral_date=date(2026, 11, 16),
        school_urn="112233",
        school_name="Matlock Primary School",
        parent_name="Amira Ahmed",
        reason="did_not_arrive",
        outcome=Outcome.ON_ROLL_HERE,
        closed_on=date(2026, 11, 20),
        history=[
            HistoryEntry(at, "system", None, Status.RECEIVED, "notification received"),
            HistoryEntry(at, "system", Status.RECEIVED, Status.INVESTIGATING, "triage"),
            HistoryEntry(
                datetime(2026, 11, 20, 14, 5, tzinfo=UTC),
                "Jo Coordinator",
                Status.INVESTIGATING,
                Status.CLOSED,
                "on_roll_here: home visit",
            ),
        ],
    )


def record_for(case: Case) -> CaseRecord:
    letter = LetterRecord(
        id=7, case_id=42, step_key="school_enquiry:1", letter_type="school_enquiry",
        recipient_role="school", recipient="Matlock Primary School", recipient_email="x@y.example",
        channel=Channel.EMAIL, template_version="abc123", sha256="f" * 64, pages=2, path="/p.pdf",
        created_at=datetime(2026, 11, 16, 9, 31, tzinfo=UTC), status=Delivery.SENT,
        sent_at=datetime(2026, 11, 16, 9, 40, tzinfo=UTC),
    )  # fmt: skip
    return case_record(
        case,
        notifications=[
            NotificationRecord(
                1, 42, "n.csv", 2, date(2026, 11, 16), "Matlock Primary", "J. Patel", "", "opened"
            )
        ],
        letters=[letter],
        checks=[
            DatabaseCheck(42, "school_census", "d" * 64, datetime(2026, 11, 16, 9, 32, tzinfo=UTC),
                          ("upn", "surname"), "none")
        ],
        decisions=[
            DecisionRequest(42, "home_visit", 1, date(2026, 11, 16), answer="on_roll",
                            details={"notes": "seen at home"}, decided_by="Jo Coordinator",
                            decided_at=datetime(2026, 11, 20, 14, 4, tzinfo=UTC))
        ],
        visits=[HomeVisit(42, 1, date(2026, 11, 16), officer_id=1, assigned_on=date(2026, 11, 16),
                          outcome="on_roll", visited_on=date(2026, 11, 19))],
        deadlines=[Deadline(42, Step.HOME_VISIT, date(2026, 11, 16), date(2026, 11, 23),
                            school_days=5, met_on=date(2026, 11, 20))],
        officers={1: Officer(1, "EWO1", "Sam Fletcher")},
        prepared_on=date(2027, 1, 15),
        prepared_by="Children Missing Education Service, Synthetic County Council",
    )  # fmt: skip


def test_the_case_record_puts_every_step_in_order_with_who() -> None:
    record = record_for(make_case())
    chronology = record.tables[0]
    assert chronology.title == "Chronology"
    events = [(row[0], row[1], row[2]) for row in chronology.rows]
    assert events == [
        ("16 Nov 2026", "Notification", "J. Patel"),
        ("16 Nov 2026 09:30", "Status", "system"),
        ("16 Nov 2026 09:30", "Status", "system"),
        ("16 Nov 2026 09:31", "Letter", "system"),
        ("16 Nov 2026 09:32", "Database check", "system"),
        ("16 Nov 2026", "Decision asked", "system"),
        ("16 Nov 2026", "Home visit asked for", "system"),
        ("16 Nov 2026", "Home visit assigned", "system"),
        ("19 Nov 2026", "Home visit made", "Sam Fletcher (EWO1)"),
        ("20 Nov 2026 14:04", "Decision", "Jo Coordinator"),
        ("20 Nov 2026 14:05", "Status", "Jo Coordinator"),
    ]
    assert chronology.rows[9][3] == "home visit: on roll (notes: seen at home)"


def test_the_case_record_pdf_prints_names_as_typed(typesetter: Typesetter) -> None:
    record = record_for(make_case())
    pdf = case_record_pdf(record, typesetter, created=date(2027, 1, 15))
    text = pdf_text(pdf)
    assert 'Zoë* #read("/etc/passwd") Ahmed-Ó Briain' in text
    assert "Record of reasonable enquiries CME-000042" in text
    assert "OFFICIAL-SENSITIVE" in text
    for expected in ("school enquiry to Matlock Primary School", "Jo Coordinator", "A123456789012"):
        assert expected in text
