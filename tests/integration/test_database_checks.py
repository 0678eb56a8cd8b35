"""Database checks: sources load atomically, each case is searched once per source version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from missing_education import services
from missing_education.domain import NOTIFICATION_COLUMNS, Status
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import checks
from missing_education.services.procedure import Procedure
from missing_education.settings import load_settings
from synthetic.council import write_csv

TODAY = date(2026, 11, 25)
REGISTER = ("ref", "forename", "surname", "date_of_birth", "sex", "upn", "postcode")


def _register(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, rows, REGISTER)


def _case(database_url: str, tmp_path: Path, **child: str) -> int:
    row = dict.fromkeys(NOTIFICATION_COLUMNS, "")
    row.update(referral_date="2026-11-20", referrer_organisation="Admissions Team", **child)
    file = write_csv(tmp_path / "n.csv", [row], NOTIFICATION_COLUMNS)
    report = services.ingest_file(
        SqlUnitOfWork(database_url), file, settings=load_settings(), today=TODAY
    )
    return report.opened_case_ids[0]


def test_a_source_load_replaces_the_old_rows_and_a_failed_load_keeps_them(
    database_url: str, tmp_path: Path
) -> None:
    uow = SqlUnitOfWork(database_url)
    first = _register(tmp_path / "a.csv", [{"ref": "R1", "forename": "A", "surname": "B"}])
    checks.load_source(uow, "school_census", first)
    second = _register(
        tmp_path / "b.csv",
        [{"ref": f"R{i}", "forename": "C", "surname": "D"} for i in range(3)],
    )
    checks.load_source(uow, "school_census", second)
    broken = tmp_path / "broken.csv"
    broken.write_text("ref,surname\nR9,X\n", encoding="utf-8")
    with pytest.raises(checks.SourceFileError, match="forename"):
        checks.load_source(uow, "school_census", broken)
    listed = checks.list_sources(uow)
    assert [(s["name"], s["rows"]) for s in listed] == [("school_census", 3)]


def test_investigation_records_a_check_per_source_with_candidates_and_asks_for_review(
    database_url: str, tmp_path: Path
) -> None:
    uow = SqlUnitOfWork(database_url)
    checks.load_source(
        uow,
        "school_census",
        _register(
            tmp_path / "roll.csv",
            [
                {
                    "ref": "R1",
                    "forename": "Amira",
                    "surname": "Khan",
                    "date_of_birth": "2015-03-04",
                    "sex": "F",
                    "upn": "A123456789012",
                    "postcode": "DE4 3AG",
                },
                {
                    "ref": "R2",
                    "forename": "Other",
                    "surname": "Child",
                    "date_of_birth": "not a date",
                    "sex": "M",
                },
            ],
        ),
    )
    case_id = _case(
        database_url,
        tmp_path,
        forename="Amira",
        surname="Khan",
        date_of_birth="2015-03-04",
        sex="F",
        upn="A123456789012",
        postcode="DE4 3AG",
    )
    with uow:
        Procedure(uow, load_settings(), TODAY).investigate(case_id)
        uow.commit()
        Procedure(uow, load_settings(), TODAY).investigate(case_id)  # a re-run checks nothing twice
        uow.commit()
        made = uow.sources.checks(case_id)
        waiting = uow.decisions.open_for(case_id, "match_review")
    assert len(made) == 1
    assert made[0].decision == "match" and made[0].best_ref == "R1"
    assert made[0].candidates[0]["why"], "each candidate explains which fields agreed"
    assert waiting is not None, "a match is never acted on without a person"


def test_confirming_a_match_on_a_school_roll_closes_the_case_on_roll(
    database_url: str, tmp_path: Path
) -> None:
    uow = SqlUnitOfWork(database_url)
    checks.load_source(
        uow,
        "school_census",
        _register(
            tmp_path / "roll.csv",
            [
                {
                    "ref": "R1",
                    "forename": "Jack",
                    "surname": "Lee",
                    "date_of_birth": "2013-06-01",
                    "sex": "M",
                }
            ],
        ),
    )
    case_id = _case(
        database_url, tmp_path, forename="Jack", surname="Lee", date_of_birth="2013-06-01", sex="M"
    )
    settings = load_settings()
    with uow:
        Procedure(uow, settings, TODAY).investigate(case_id)
        uow.commit()
        Procedure(uow, settings, TODAY).decide(
            case_id, "match_review", "same_child", who="coordinator", details={}
        )
        uow.commit()
        case = uow.cases.get(case_id)
    assert case.status is Status.CLOSED
    assert case.outcome is not None and case.outcome.value == "on_roll_here"


def test_a_child_known_only_to_social_care_stays_open_after_the_match_is_confirmed(
    database_url: str, tmp_path: Path
) -> None:
    uow = SqlUnitOfWork(database_url)
    checks.load_source(
        uow,
        "social_care",
        _register(
            tmp_path / "sc.csv",
            [
                {
                    "ref": "S1",
                    "forename": "Mia",
                    "surname": "Hall",
                    "date_of_birth": "2014-02-02",
                    "sex": "F",
                }
            ],
        ),
    )
    case_id = _case(
        database_url, tmp_path, forename="Mia", surname="Hall", date_of_birth="2014-02-02", sex="F"
    )
    with uow:
        procedure = Procedure(uow, load_settings(), TODAY)
        procedure.investigate(case_id)
        procedure.decide(case_id, "match_review", "same_child", who="coordinator", details={})
        uow.commit()
        case = uow.cases.get(case_id)
    assert case.is_open
    assert "known to social_care" in case.history[-1].why


def test_a_tiny_workbook_that_unpacks_to_a_huge_sheet_is_refused_and_the_old_source_kept(
    database_url: str, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    from missing_education.services.checks import SourceFileError, load_source

    good = tmp_path / "census.csv"
    good.write_text("ref,forename,surname\nR1,Amira,Khan\nR2,Tom,Baker\n", encoding="utf-8")
    uow = SqlUnitOfWork(database_url)
    assert load_source(uow, "school_census", good).info.rows == 2

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ref", "forename", "surname"])
    sheet.append(["R9", "Zofia", "Nowak"])
    sheet["XFD1048576"] = "x"  # the last cell of the sheet: a million rows by 16,384 columns
    bomb = tmp_path / "bomb.xlsx"
    book.save(bomb)
    assert bomb.stat().st_size < 10_000

    with pytest.raises(SourceFileError, match="1,048,576 rows by 16,384 columns"):
        load_source(SqlUnitOfWork(database_url), "school_census", bomb)
    with SqlUnitOfWork(database_url) as uow2:
        assert len(uow2.sources.records("school_census")) == 2


def test_a_loaded_source_reports_bad_rows_by_the_spreadsheet_row_they_are_on(
    database_url: str, tmp_path: Path
) -> None:
    census = tmp_path / "census.csv"
    # Spreadsheet rows: header 1, R1 2, R2 3, the blank ref 4, R1 again 5, R5 6.
    census.write_text(
        "ref,forename,surname\nR1,Amira,Khan\nR2,Tom,Baker\n,Ann,Lee\nR1,Zofia,Nowak\n"
        "R5,Ife,Okafor\n",
        encoding="utf-8",
    )
    loaded = checks.load_source(
        SqlUnitOfWork(database_url), "school_census", census, max_rejected_share=0.5
    )
    assert loaded.rejections == [(4, "ref is blank"), (5, "ref repeats row 2")]
    assert loaded.info.rows == 3


def test_a_source_row_with_a_value_too_long_for_its_field_is_loaded_with_it_missing(
    database_url: str, tmp_path: Path
) -> None:
    # PostgreSQL refuses a postcode over 20 characters; the row is a child, so it is kept.
    census = tmp_path / "census.csv"
    census.write_text(
        'ref,forename,surname,upn,postcode\nR1,Amira,Khan,0,"=HYPERLINK(""http://x.example/"")"\n',
        encoding="utf-8",
    )
    loaded = checks.load_source(SqlUnitOfWork(database_url), "school_census", census)
    assert loaded.rejections == [] and loaded.info.rows == 1
    with SqlUnitOfWork(database_url) as uow:
        assert list(uow.sources.records("school_census")["postcode"]) == [""]


def test_a_load_that_rejects_every_row_or_too_many_keeps_the_old_source(
    database_url: str, tmp_path: Path
) -> None:
    from missing_education.services.checks import SourceFileError, load_source

    good = tmp_path / "census.csv"
    good.write_text("ref,forename,surname\nR1,Amira,Khan\nR2,Tom,Baker\n", encoding="utf-8")
    load_source(SqlUnitOfWork(database_url), "school_census", good)
    every_row_bad = tmp_path / "bad.csv"
    # A blank name is scored as missing; a row without a ref cannot be used.
    every_row_bad.write_text("ref,forename,surname\n,Amira,Khan\n,Tom,Baker\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"no row of bad\.csv could be used") as refused:
        load_source(SqlUnitOfWork(database_url), "school_census", every_row_bad)
    # Spreadsheet row numbers: the header is row 1, so the first data row is row 2.
    assert "row 2: ref is blank" in str(refused.value)
    assert "row 3: ref is blank" in str(refused.value)
    half_bad = tmp_path / "half.csv"
    half_bad.write_text("ref,forename,surname\nR1,Amira,Khan\n,Tom,Baker\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"1 of 2 rows of half\.csv were rejected"):
        load_source(SqlUnitOfWork(database_url), "school_census", half_bad)
    with SqlUnitOfWork(database_url) as uow:
        assert sorted(uow.sources.records("school_census")["ref"]) == ["R1", "R2"]
    allowed = load_source(
        SqlUnitOfWork(database_url), "school_census", half_bad, max_rejected_share=0.5
    )
    assert allowed.rejections == [(3, "ref is blank")]


def test_a_case_without_a_date_of_birth_is_searched_for_with_the_blank_weighing_nothing(
    database_url: str, tmp_path: Path
) -> None:
    uow = SqlUnitOfWork(database_url)
    pupil = {"forename": "Amira", "surname": "Khan", "sex": "F", "postcode": "DE4 3AG"}
    roll = [
        {"ref": "R1", **pupil, "date_of_birth": "2015-03-04"},
        {"ref": "R2", "forename": "Leo", "surname": "Jones", "date_of_birth": "2016-01-01"},
    ]
    checks.load_source(uow, "school_census", _register(tmp_path / "roll.csv", roll))
    case_id = _case(database_url, tmp_path, **pupil)
    with uow:
        Procedure(uow, load_settings(), TODAY).investigate(case_id)
        uow.commit()
        made = uow.sources.checks(case_id)
    assert len(made) == 1
    # Found for a person to confirm (the birthday it would confirm with is not known).
    assert made[0].best_ref == "R1" and made[0].decision in ("match", "possible")
    assert "date_of_birth" not in made[0].fields_searched
