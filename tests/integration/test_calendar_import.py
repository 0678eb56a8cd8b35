"""Importing term and closure dates, school overrides, and deadlines that follow the calendar."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from missing_education import services
from missing_education.cli import app
from missing_education.persistence import SqlUnitOfWork
from missing_education.settings import load_settings

TODAY = date(2026, 11, 25)
ACADEMY = "123456"
COUNCIL = """school_urn,start_date,end_date,kind
,2026-09-01,2026-10-23,term
,2026-11-02,2026-12-18,term
,2027-01-05,2027-02-12,term
,2026-09-01,2026-09-01,closure
"""
# The academy keeps its own terms and an INSET day of its own.
ACADEMY_TERMS = f"""school_urn,start_date,end_date,kind
{ACADEMY},2026-09-07,2026-12-16,term
{ACADEMY},2027-01-06,2027-03-26,term
{ACADEMY},2026-11-27,2026-11-27,closure
"""
# The council moves the end of the autumn term a week earlier.
COUNCIL_MOVED = """school_urn,start_date,end_date,kind
,2026-09-01,2026-10-23,term
,2026-11-02,2026-12-11,term
,2027-01-05,2027-02-12,term
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_calendar(url: str, path: Path) -> services.calendar.CalendarImport:
    return services.import_calendar(SqlUnitOfWork(url), path)


def stored_periods(url: str, school: str | None = None) -> list[tuple[str, str, str]]:
    uow = SqlUnitOfWork(url)
    with uow:
        calendar = services.load_calendar(uow)
    return [
        (p.start_date.isoformat(), p.end_date.isoformat(), p.kind) for p in calendar.periods(school)
    ]


def open_a_case(url: str, tmp_path: Path, referral_date: str = "2026-11-20") -> None:
    path = write(
        tmp_path,
        "n.csv",
        "forename,surname,date_of_birth,referral_date,referrer_organisation\n"
        f"Amira,Khan,2015-03-04,{referral_date},Matlock Primary\n"
        f"Old,Enough,2009-06-01,{referral_date},Matlock Primary\n",
    )
    report = services.ingest_file(SqlUnitOfWork(url), path, settings=load_settings(), today=TODAY)
    assert (report.opened, report.not_cme) == (2, 1)


def test_a_council_calendar_is_imported(database_url: str, tmp_path: Path) -> None:
    result = import_calendar(database_url, write(tmp_path, "council.csv", COUNCIL))
    assert (result.periods, result.schools, result.deadlines_moved) == (4, [""], 0)
    assert stored_periods(database_url) == [
        ("2026-09-01", "2026-09-01", "closure"),
        ("2026-09-01", "2026-10-23", "term"),
        ("2026-11-02", "2026-12-18", "term"),
        ("2027-01-05", "2027-02-12", "term"),
    ]


def test_a_school_override_sits_beside_the_council_calendar(
    database_url: str, tmp_path: Path
) -> None:
    import_calendar(database_url, write(tmp_path, "council.csv", COUNCIL))
    result = import_calendar(database_url, write(tmp_path, "academy.csv", ACADEMY_TERMS))
    assert (result.periods, result.schools) == (3, [ACADEMY])
    assert len(stored_periods(database_url)) == 4
    assert stored_periods(database_url, ACADEMY) == [
        ("2026-09-07", "2026-12-16", "term"),
        ("2026-11-27", "2026-11-27", "closure"),
        ("2027-01-06", "2027-03-26", "term"),
    ]
    uow = SqlUnitOfWork(database_url)
    with uow:
        calendar = services.load_calendar(uow)
    assert calendar.is_school_day(date(2026, 12, 17))
    assert not calendar.is_school_day(date(2026, 12, 17), ACADEMY)
    assert not calendar.is_school_day(date(2026, 11, 27), ACADEMY)


def test_reimporting_a_schools_calendar_replaces_only_that_school(
    database_url: str, tmp_path: Path
) -> None:
    import_calendar(database_url, write(tmp_path, "council.csv", COUNCIL))
    import_calendar(database_url, write(tmp_path, "academy.csv", ACADEMY_TERMS))
    import_calendar(database_url, write(tmp_path, "academy.csv", ACADEMY_TERMS))
    assert len(stored_periods(database_url, ACADEMY)) == 3
    import_calendar(database_url, write(tmp_path, "council.csv", COUNCIL_MOVED))
    assert len(stored_periods(database_url)) == 3
    assert len(stored_periods(database_url, ACADEMY)) == 3


def test_calendar_show_prints_the_council_and_a_schools_periods(
    database_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["calendar", "show"])
    assert empty.exit_code == 0
    assert "No calendar loaded" in empty.stdout
    imported = runner.invoke(app, ["calendar", "import", str(write(tmp_path, "c.csv", COUNCIL))])
    assert imported.exit_code == 0, imported.output
    assert "Loaded 4 periods for council default" in imported.stdout
    runner.invoke(app, ["calendar", "import", str(write(tmp_path, "a.csv", ACADEMY_TERMS))])
    council = runner.invoke(app, ["calendar", "show"])
    assert council.exit_code == 0
    assert "term     2026-11-02 to 2026-12-18" in council.stdout
    academy = json.loads(
        runner.invoke(app, ["calendar", "show", "--school", ACADEMY, "--json"]).stdout
    )
    assert academy[0] == {
        "school_urn": ACADEMY,
        "start_date": "2026-09-07",
        "end_date": "2026-12-16",
        "kind": "term",
    }
    assert {p["school_urn"] for p in academy} == {ACADEMY}


def test_a_reimport_that_moves_term_dates_recomputes_open_deadlines(
    database_url: str, tmp_path: Path
) -> None:
    import_calendar(database_url, write(tmp_path, "council.csv", COUNCIL))
    open_a_case(database_url, tmp_path)
    before = services.case_details(SqlUnitOfWork(database_url), 1, today=TODAY)
    # Referred Friday 20 November: the 20th school day is the last day of term.
    assert (before["deadline"], before["deadline_step"]) == ("2026-12-18", "locate_child")

    result = import_calendar(database_url, write(tmp_path, "council.csv", COUNCIL_MOVED))
    assert result.deadlines_moved == 1  # the case closed as not CME keeps its met deadline
    after = services.case_details(SqlUnitOfWork(database_url), 1, today=TODAY)
    # 15 school days to 11 December, then 5, 6, 7, 8 and 11 January.
    assert after["deadline"] == "2027-01-11"
    listed = services.list_cases(SqlUnitOfWork(database_url))
    assert [c["deadline"] for c in listed] == ["2027-01-11", None]


def test_a_case_opened_before_any_calendar_moves_when_one_is_imported(
    database_url: str, tmp_path: Path
) -> None:
    open_a_case(database_url, tmp_path, referral_date="2026-11-20")
    assert services.list_cases(SqlUnitOfWork(database_url))[0]["deadline"] == "2026-12-18"
    import_calendar(
        database_url,
        write(tmp_path, "c.csv", COUNCIL + ",2026-11-30,2026-11-30,closure\n"),
    )
    assert services.list_cases(SqlUnitOfWork(database_url))[0]["deadline"] == "2027-01-05"


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        (",2026-12-01,2026-11-30,term", "row 3: calendar period ends 2026-11-30 before it starts"),
        (",2026-02-30,2026-03-01,term", "row 3: start_date and end_date must be real dates"),
        (",2026-12-01,2026-12-01,holiday", "row 3: unknown calendar period kind 'holiday'"),
        ("12AB,2026-12-01,2026-12-01,closure", "row 3: school_urn must be 6 or 7 digits"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_and_keeps_the_old_calendar(
    database_url: str, tmp_path: Path, bad_row: str, problem: str
) -> None:
    import_calendar(database_url, write(tmp_path, "council.csv", COUNCIL))
    refused = "school_urn,start_date,end_date,kind\n,2026-09-01,2026-12-11,term\n" + bad_row + "\n"
    with pytest.raises(services.CalendarFileError) as error:
        import_calendar(database_url, write(tmp_path, "new.csv", refused))
    assert error.value.problems[0].startswith(problem)
    assert len(stored_periods(database_url)) == 4


def test_a_calendar_missing_a_column_is_refused(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(services.CalendarFileError, match="kind"):
        import_calendar(
            database_url,
            write(tmp_path, "c.csv", "school_urn,start_date,end_date\n,2026-09-01,2026-10-23\n"),
        )
    assert stored_periods(database_url) == []


def test_the_command_names_each_bad_row_and_exits_1(database_url: str, tmp_path: Path) -> None:
    text = "school_urn,start_date,end_date,kind\n,2026-09-01,2026-13-01,term\n,x,y,term\n"
    result = CliRunner().invoke(app, ["calendar", "import", str(write(tmp_path, "c.csv", text))])
    assert result.exit_code == 1
    assert "row 2: start_date and end_date must be real dates" in result.stderr
    assert "row 3:" in result.stderr
    assert stored_periods(database_url) == []
