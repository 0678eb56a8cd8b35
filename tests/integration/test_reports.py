"""Reports from a simulated term of casework on SQLite, and the report commands end to end.

A term is simulated once for the module as the whole-term test does it: notifications in
two waves, the daily review every school day, and coordinators answering decisions on a
seeded schedule. Letters are filled in but not typeset (the journeys typeset every type).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner, Result

from missing_education.cli_reports import case_export, report_app
from missing_education.domain import NOTIFICATION_COLUMNS, DomainError, Outcome, Status
from missing_education.domain.decision import DECISIONS
from missing_education.persistence import SqlUnitOfWork
from missing_education.reports import DFE_REASONS
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar, load_calendar
from missing_education.services.directory import (
    OFFICER_COLUMNS,
    SCHOOL_COLUMNS,
    import_officers,
    import_schools,
)
from missing_education.services.procedure import Procedure
from missing_education.services.procedure.outcomes import whereabouts_unknown_refusal
from missing_education.services.receiving import receive_file
from missing_education.services.reports import case_facts, export_case, weekly_report
from missing_education.services.sweep import review_cases
from missing_education.settings import load_settings
from synthetic.council import (
    autumn_2026_calendar,
    synthetic_notifications,
    synthetic_officers,
    synthetic_schools,
    write_csv,
)
from synthetic.simulation import ANSWER_TIMES, skip_typesetting

FIRST_WAVE = date(2026, 11, 16)
SECOND_WAVE = date(2027, 1, 11)
LAST_DAY = date(2027, 3, 26)  # the end of the spring term
SEED = 2026_11_16


def simulate_term(folder: Path) -> None:
    """A term and a half of casework on the database named by CME_DATABASE_URL."""
    settings = load_settings()
    url = settings.effective_database_url
    import_calendar(
        SqlUnitOfWork(url),
        write_csv(folder / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS),
    )
    import_schools(
        SqlUnitOfWork(url), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS)
    )
    import_officers(
        SqlUnitOfWork(url), write_csv(folder / "o.csv", synthetic_officers(), OFFICER_COLUMNS)
    )
    waves = {
        FIRST_WAVE: synthetic_notifications(40, seed=SEED, referral_date=FIRST_WAVE),
        SECOND_WAVE: synthetic_notifications(20, seed=SEED + 1, referral_date=SECOND_WAVE),
    }
    turns = {kind: itertools.cycle(answers) for kind, answers in DECISIONS.items()}
    with SqlUnitOfWork(url) as uow:
        calendar = load_calendar(uow)
    day, worked = FIRST_WAVE, 0
    while day <= LAST_DAY:
        if not calendar.is_school_day(day):
            day += timedelta(days=1)
            continue
        os.environ["CME_TODAY"] = day.isoformat()
        if day in waves:
            path = write_csv(folder / f"n-{day}.csv", waves[day], NOTIFICATION_COLUMNS)
            receive_file(SqlUnitOfWork(url), path, settings=settings, today=day)
        review_cases(SqlUnitOfWork(url), settings=settings, today=day)
        worked += 1
        with SqlUnitOfWork(url) as uow:
            procedure = Procedure(uow, settings, day)
            for request in uow.decisions.waiting():
                low, high, never = ANSWER_TIMES.get(request.kind, (1, 5, 0.0))
                rng = random.Random(f"{SEED}-{request.case_id}-{request.kind}-{request.round}")
                if rng.random() < never or (day - request.requested_on).days < rng.randint(
                    low, high
                ):
                    continue
                if not uow.cases.get(request.case_id).is_open:
                    continue
                answer = next(turns[request.kind])
                details = {"notes": f"seeded {request.kind}"}
                if answer == "moved_other_council":
                    details = {"other_council": "Sheffield", "other_council_email": "c@s.example"}
                try:
                    procedure.decide(
                        request.case_id, request.kind, answer, who="sim", details=details
                    )
                except DomainError:
                    uow.rollback()
                    continue
                uow.commit()
            # Closed "whereabouts unknown" only once the escalation steps are done (issue 14).
            escalated = [
                s.case_id
                for s in uow.cases.summaries()
                if s.status in (Status.ESCALATED, Status.MONITORING)
                and whereabouts_unknown_refusal(uow, uow.cases.get(s.case_id)) is None
            ]
            if escalated and worked % 4 == 0:
                procedure.decide(
                    escalated[0], "closure", "whereabouts_unknown", who="sim", details={}
                )
                uow.commit()
        day += timedelta(days=1)


@pytest.fixture(scope="module")
def term_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a SQLite case database holding the simulated term."""
    folder = tmp_path_factory.mktemp("simulated-term")
    url = f"sqlite:///{folder / 'cme.sqlite3'}"
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("CME_") and n != "CME_TEST_POSTGRES"]:
            env.delenv(name)
        env.setenv("CME_HOME", str(folder))
        env.setenv("CME_DATABASE_URL", url)
        env.setenv("CME_TODAY", FIRST_WAVE.isoformat())
        skip_typesetting(env.setattr)
        simulate_term(folder)
    yield url


@pytest.fixture
def term(term_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test reads the simulated term as of its last day."""
    monkeypatch.setenv("CME_DATABASE_URL", term_database)
    monkeypatch.setenv("CME_TODAY", LAST_DAY.isoformat())
    return term_database


@pytest.fixture
def plain_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank charts, for tests about something else (drawing seven charts takes seconds)."""

    def save_chart(section: Any, folder: Path) -> tuple[Path, Path]:
        png, svg = folder / f"{section.key}.png", folder / f"{section.key}.svg"
        Image.new("RGB", (4, 2), "white").save(png)
        svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"/>')
        return png, svg

    monkeypatch.setattr("missing_education.reports.documents.save_chart", save_chart)


def run(*args: str) -> Result:
    app = typer.Typer()
    app.add_typer(report_app, name="report")
    case_app = typer.Typer()
    case_app.command("export")(case_export)
    case_app.command("noop")(lambda: None)  # a group of one command would swallow its name
    app.add_typer(case_app, name="case")
    return CliRunner().invoke(app, list(args))


def run_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_report_renders_from_a_simulated_term(term: str, tmp_path: Path) -> None:
    out = tmp_path / "report"
    summary = run_json("report", "--from", "2026-11-16", "--to", "2027-03-26", "--out", str(out))
    assert summary["from"] == "2026-11-16" and summary["to"] == "2027-03-26"

    for key in (
        "caseload",
        "new-and-closed",
        "reengagement",
        "outcomes",
        "reasons-and-vulnerabilities",
        "overdue-steps",
        "officer-workload",
    ):
        with Image.open(out / f"{key}.png") as image:
            image.verify()
        with Image.open(out / f"{key}.png") as image:
            assert image.format == "PNG" and image.width >= 1000
        assert (out / f"{key}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")

    # The tables against the database, counted here another way.
    with SqlUnitOfWork(term) as uow:
        cases = [uow.cases.get(s.case_id) for s in uow.cases.summaries()]
    closed = [c for c in cases if c.closed_on is not None]
    outcomes = {r["outcome"]: int(r["cases"]) for r in read_csv(out / "outcomes.csv")}
    assert {k: v for k, v in outcomes.items() if v} == dict(
        Counter(c.outcome.value for c in closed if c.outcome)
    )
    weeks = read_csv(out / "new-and-closed.csv")
    assert sum(int(w["new"]) for w in weeks) == len(cases)
    assert sum(int(w["closed"]) for w in weeks) == len(closed)
    assert {w["week_starting"] for w in weeks if int(w["new"])} == {"2026-11-16", "2027-01-11"}
    caseload = read_csv(out / "caseload.csv")
    assert len(caseload) == (LAST_DAY - FIRST_WAVE).days + 1
    assert int(caseload[-1]["open"]) == sum(1 for c in cases if c.is_open)
    reengaged = read_csv(out / "reengagement.csv")
    assert {r["case_reference"] for r in reengaged} == {
        c.reference
        for c in closed
        if c.outcome
        in (
            Outcome.ON_ROLL_HERE,
            Outcome.ON_ROLL_ELSEWHERE,
            Outcome.ALTERNATIVE_PROVISION,
            Outcome.EHE,
        )
    }
    assert all(0 <= int(r["school_days"]) <= int(r["calendar_days"]) for r in reengaged)
    headline = {r["figure"]: r["value"] for r in read_csv(out / "headline.csv")}
    assert headline["open_cases"] == str(summary["headline"]["open_cases"])
    assert int(headline["overdue_steps"]) > 0

    html = (out / "report.html").read_text(encoding="utf-8")
    pdf = pypdf.PdfReader(io.BytesIO((out / "report.pdf").read_bytes()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    for headline_sentence in summary["charts"].values():
        assert headline_sentence in html
    assert summary["charts"]["outcomes"] in text.replace("\n", " ")
    # Counts and case references only: no child's name reaches the report.
    names = {f"{c.child.forename} {c.child.surname}" for c in cases}
    assert not [n for n in names if n in html or n in " ".join(text.split())]


def test_the_dfe_return_counts_the_children_missing_education_on_the_census_date(
    term: str, tmp_path: Path
) -> None:
    census = date(2026, 12, 3)
    out = tmp_path / "autumn.csv"
    summary = run_json(
        "report", "dfe-return", "--term", "autumn-2026", "--census-date", census.isoformat(),
        "--out", str(out),
    )  # fmt: skip
    assert (summary["term_start"], summary["term_end"]) == ("2026-09-03", "2026-12-18")
    assert summary["census_date"] == census.isoformat()
    rows = read_csv(out)
    assert out.stat().st_mode & 0o777 == 0o600  # a row per child: owner-only
    with SqlUnitOfWork(term) as uow:
        cases = [uow.cases.get(s.case_id) for s in uow.cases.summaries()]

    # Counted: open in the procedure on the census date (not received, closed or handed
    # over), never closed as not CME or as living elsewhere; every synthetic child is of
    # compulsory school age.
    expected = {
        c.reference
        for c in cases
        if c.outcome not in (Outcome.NOT_CME, Outcome.OUT_OF_AREA)
        and case_facts(c).status_on(census)
        not in (None, Status.RECEIVED, Status.CLOSED, Status.HANDOVER)
    }
    assert {r["case_reference"] for r in rows} == expected
    assert summary["cme_at_census_date"] == len(expected) > 10
    assert list(rows[0]) == [
        "case_reference",
        "sex",
        "year_group",
        "length_of_time_missing",
        "primary_reason",
        "cme_since",
        "cme_since_from",
        "stage_on_census_date",
    ]
    for row in rows:
        assert row["sex"] in {"M", "F", "U"}
        assert 0 <= int(row["year_group"]) <= 11
        assert row["primary_reason"] in DFE_REASONS
        assert date.fromisoformat(row["cme_since"]) <= census
    for group in ("by_sex", "by_length_of_time_missing", "by_primary_reason"):
        assert sum(summary[group].values()) == len(expected)
    # Each child once in the year, and everyone missing on the day was missing in the year.
    assert summary["cme_in_year_so_far"] >= summary["cme_at_census_date"]
    groups = Counter(r["group"] for r in read_csv(out.with_name("autumn-summary.csv")))
    assert groups["length_of_time_missing"] == 5 and groups["excluded"] == 6


def test_the_spring_return_counts_children_still_missing_from_the_autumn(
    term: str, tmp_path: Path
) -> None:
    summary = run_json(
        "report", "dfe-return", "--term", "spring-2027", "--out", str(tmp_path / "s.csv")
    )
    assert summary["cme_in_year_so_far"] >= summary["cme_at_census_date"] > 0
    assert summary["academic_year_from"] == "2026-09-01"


def test_the_case_export_holds_every_letter_and_decision_with_who(
    term: str, tmp_path: Path
) -> None:
    with SqlUnitOfWork(term) as uow:
        busiest = max(
            (s.case_id for s in uow.cases.summaries()),
            key=lambda i: (
                len(uow.letters.for_case(i)),
                sum(1 for d in uow.decisions.for_case(i) if d.answer),
            ),
        )
        case = uow.cases.get(busiest)
        letters = uow.letters.for_case(busiest)
        answered = [d for d in uow.decisions.for_case(busiest) if d.answer]
    out = tmp_path / "record.pdf"
    result = run_json("case", "export", str(busiest), "--out", str(out))
    assert result["reference"] == case.reference and result["pages"] >= 2
    assert out.stat().st_mode & 0o777 == 0o600
    text = " ".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages
    )
    text = " ".join(text.split())
    assert case.reference in text
    assert f"{case.child.forename} {case.child.surname}" in text
    for letter in letters:
        assert f"{letter.letter_type.replace('_', ' ')} to {letter.recipient}" in text
    for decision in answered:
        assert f"{decision.kind.replace('_', ' ')}: {decision.answer.replace('_', ' ')}" in text
    assert "sim" in text


def test_commands_refuse_bad_input_with_the_right_exit_status(term: str) -> None:
    assert run("report", "--from", "16/11/2026").exit_code == 2
    assert run("report", "--from", "2027-01-02", "--to", "2027-01-01").exit_code == 2
    unknown = run("report", "dfe-return", "--term", "winter-2026")
    assert unknown.exit_code == 1 and "autumn-YYYY" in unknown.output
    missing = run("report", "dfe-return", "--term", "autumn-2030")
    assert missing.exit_code == 1 and "cme calendar import" in missing.output
    assert run("case", "export", "99999").exit_code == 1
    for command in (["report"], ["report", "dfe-return"], ["case", "export"]):
        help_text = run(*command, "--help")
        assert help_text.exit_code == 0 and "--json" in help_text.output


def test_the_weekly_report_task_hands_prefect_counts_only(term: str, plain_charts: None) -> None:
    from flows.weekly_report import report_markdown
    from tasks.reports import write_management_report

    result = write_management_report.fn()  # the flow's default: twelve weeks to yesterday
    assert result["to"] == (LAST_DAY - timedelta(days=1)).isoformat()
    assert "charts" not in result
    markdown = report_markdown(result)
    assert f"| Open caseload | cases open at the end | {result['headline']['open_cases']} |" in (
        markdown
    )
    with SqlUnitOfWork(term) as uow:
        cases = [uow.cases.get(s.case_id) for s in uow.cases.summaries()]
    published = markdown + json.dumps(result, default=str)
    assert not [c for c in cases if c.child.forename in published or c.reason in published]


def test_reports_read_the_same_on_postgresql_as_on_sqlite(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plain_charts: None
) -> None:
    skip_typesetting(monkeypatch.setattr)
    settings = load_settings()
    path = write_csv(
        tmp_path / "n.csv",
        synthetic_notifications(10, seed=7, referral_date=date(2026, 11, 20)),
        NOTIFICATION_COLUMNS,
    )
    day = date(2026, 11, 25)
    intake = receive_file(SqlUnitOfWork(database_url), path, settings=settings, today=day)
    made = weekly_report(
        SqlUnitOfWork(database_url),
        start=date(2026, 11, 16),
        end=day,
        out=tmp_path / "r",
        settings=settings,
        today=day,
    )
    assert made.figures.headline["new_cases"] == intake.intake.opened
    assert made.figures.headline["closed_cases"] == intake.intake.not_cme
    export = export_case(
        SqlUnitOfWork(database_url), 1, out=tmp_path / "1.pdf", settings=settings, today=day
    )
    assert export.pages >= 1 and export.events >= 3
