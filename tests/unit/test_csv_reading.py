"""Reading the files councils send (issue 15): encodings, separators, quotes and headers."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from missing_education.domain.notification import parse_date
from missing_education.services.tabular import (
    UNCLOSED_QUOTE_REASON,
    CsvFileError,
    open_csv,
    read_csv,
)

HEADER = "forename,surname,date_of_birth"


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def good(rows: list[tuple[int, dict[str, str] | str]]) -> dict[int, str]:
    return {n: v["forename"] for n, v in rows if isinstance(v, dict)}


def bad(rows: list[tuple[int, dict[str, str] | str]]) -> dict[int, str]:
    return {n: v for n, v in rows if isinstance(v, str)}


def test_an_unclosed_quote_spoils_only_its_own_row_and_every_row_after_it_is_read(
    tmp_path: Path,
) -> None:
    text = (
        f"{HEADER}\nAmira,Khan,2015-03-04\n"
        '"Tom,Baker,2015-02-01\n'
        "Grace,Jones,2014-01-01\nYusuf,Ali,2013-02-02\nZofia,Nowak,2012-03-03\n"
    )
    rows = read_csv(write(tmp_path, text.encode())).rows
    assert good(rows) == {2: "Amira", 4: "Grace", 5: "Yusuf", 6: "Zofia"}
    assert bad(rows) == {3: UNCLOSED_QUOTE_REASON}


def test_two_stray_quotes_do_not_swallow_the_rows_between_them(tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n"
        '"Amira,Khan,2015-03-04\n'
        "Grace,Jones,2014-01-01\n"
        'Tom,O"Brien",2015-02-01\n'
        "Zofia,Nowak,2012-03-03\n"
    )
    rows = read_csv(write(tmp_path, text.encode())).rows
    assert good(rows)[3] == "Grace" and good(rows)[5] == "Zofia"
    assert 2 in bad(rows)


def test_a_quoted_cell_may_run_over_lines_and_row_numbers_stay_right(tmp_path: Path) -> None:
    text = (
        f"{HEADER},notes\n"
        'Amira,Khan,2015-03-04,"first line\r\nsecond line"\n'
        "Tom,Baker,2015-02-01,\n"
    )
    rows = read_csv(write(tmp_path, text.encode())).rows
    assert good(rows) == {2: "Amira", 3: "Tom"}


def test_a_bare_carriage_return_in_a_quoted_cell_does_not_split_the_row(tmp_path: Path) -> None:
    text = f'{HEADER}\n"Am\rira",Khan,2015-03-04\nTom,Baker,2015-02-01\n'
    rows = read_csv(write(tmp_path, text.encode())).rows
    assert [n for n, _ in rows] == [2, 3]
    assert good(rows)[2] == "Am\rira"
    assert good(rows)[3] == "Tom"


def test_a_duplicated_header_refuses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"forename,surname,Forename\nA,B,C\n")
    with pytest.raises(CsvFileError, match="forename more than once"):
        read_csv(path)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + f"{HEADER}\nZoë,Khan,2015-03-04\n".encode(), "UTF-8"),
        (codecs.BOM_UTF8 * 2 + f"{HEADER}\nZoë,Khan,2015-03-04\n".encode(), "UTF-8"),
        (f"{HEADER}\nZoë,Khan,2015-03-04\n".encode("utf-16"), "UTF-16"),
        (f"{HEADER}\nZoë,Khan,2015-03-04\n".encode("utf-16-le"), "UTF-16"),
        (f"{HEADER}\nZoë,Khan,2015-03-04\n".encode("utf-16-be"), "UTF-16"),
        (f"{HEADER}\nZoë,Khan,2015-03-04\n".encode("utf-32"), "UTF-32"),
        (f"{HEADER}\nZoë,Khan,2015-03-04\n".encode("cp1252"), "Windows-1252"),
    ],
)
def test_the_encoding_is_detected_and_said(tmp_path: Path, data: bytes, encoding: str) -> None:
    with open_csv(write(tmp_path, data)) as stream:
        assert stream.header == ["forename", "surname", "date_of_birth"]
        assert stream.encoding == encoding
        assert f"read as {encoding}" in stream.described
        assert good(list(stream.rows)) == {2: "Zoë"}


@pytest.mark.parametrize(
    ("separator", "name"), [(";", "semicolons"), ("\t", "tabs"), ("|", "bars"), (",", "commas")]
)
def test_the_separator_is_detected_and_said(tmp_path: Path, separator: str, name: str) -> None:
    header = separator.join(("forename", "surname", "date_of_birth"))
    text = f"{header}\n" + separator.join(("Amira", "Khan", "2015-03-04")) + "\n"
    with open_csv(write(tmp_path, text.encode())) as stream:
        assert stream.header == ["forename", "surname", "date_of_birth"]
        assert stream.described.endswith(f"separated by {name}")
        assert good(list(stream.rows)) == {2: "Amira"}


def test_full_width_digits_are_not_a_date() -> None:
    with pytest.raises(ValueError):
        parse_date("２０１５-０３-０４")
    with pytest.raises(ValueError):
        parse_date("０４/０３/２０１５")
    assert parse_date("2015-03-04").isoformat() == "2015-03-04"


def test_a_pipe_or_a_folder_is_refused_not_read(tmp_path: Path) -> None:
    with pytest.raises(CsvFileError, match="not a regular file"):
        read_csv(tmp_path)
