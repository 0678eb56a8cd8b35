"""Read a register or notification extract (CSV or Excel), setting aside rows that cannot be used.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row 2
(a line of the file, when no value spans lines), as `cme ingest` numbers them. A row is
rejected only for a reason that makes it unusable or unsafe (no ref, nothing to match on,
control characters, absurd lengths, a repeated ref). A blank name, date of birth or
postcode is not such a reason: a blank carries no evidence either way, and dropping the
row could hide a child. Such rows are kept and counted as "scored with N fields missing".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from missing_education.domain.errors import InputFileRefused
from missing_education.domain.register import REGISTER_COLUMNS
from missing_education.matching.standardise import normalise_postcode, parse_date_of_birth

REQUIRED_COLUMNS: tuple[str, ...] = ("ref", "forename", "surname")
# The fields a row is matched on; "scored with N fields missing" counts blanks among them
# (sex and UPN are usually blank in extracts, so they are not counted).
IDENTIFYING_FIELDS: tuple[str, ...] = ("forename", "surname", "date_of_birth", "postcode")
# A row with none of these has nothing a match could rest on.
ANY_OF_FIELDS: tuple[str, ...] = ("forename", "surname", "date_of_birth", "upn")
# Limits checked before anything is parsed: a 7 KB .xlsx can unpack to gigabytes (a
# decompression bomb), and no council extract comes near these.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
MAX_BLANK_ROWS = 10_000
MAX_VALUE_LENGTH = 100
# Fields of a known format and width (the case database's columns): a longer value cannot be
# one (a note typed into the postcode column, a formula) and is read as missing, as an
# unreadable date is, never a reason to drop the child's row.
FORMATTED_WIDTHS = {"date_of_birth": 40, "sex": 10, "upn": 20, "postcode": 20, "school_urn": 10}
_CONTROL_CHARACTERS = r"[\x00-\x1f\x7f-\x9f]"
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


class MatchingInputError(InputFileRefused):
    """An extract that cannot be read at all (unknown format, or a required column missing)."""


@dataclass(frozen=True)
class Rejection:
    """A data row left out, with the reason; rows are a spreadsheet's (the header is row 1)."""

    row: int
    reason: str


@dataclass(frozen=True)
class RegisterFile:
    """The usable rows of an extract (indexed by row number), rows left out, and extra columns."""

    records: pd.DataFrame
    rejections: list[Rejection]
    extra_columns: list[str]

    def missing_fields(self) -> pd.Series:
        """Per usable row, how many identifying fields are blank (an unreadable date counts)."""
        blank = pd.DataFrame(
            {
                "forename": self.records["forename"].str.strip() == "",
                "surname": self.records["surname"].str.strip() == "",
                "date_of_birth": self.records["date_of_birth"].map(parse_date_of_birth) == 0,
                "postcode": self.records["postcode"].map(lambda p: normalise_postcode(p)[2] == ""),
            }
        )
        return blank.sum(axis=1).astype(int)

    def scored_with_missing(self) -> dict[int, int]:
        """Number of usable rows by how many identifying fields are missing (1 or more)."""
        missing = self.missing_fields().to_numpy(dtype=int)
        counts = [int((missing == n).sum()) for n in range(1, len(IDENTIFYING_FIELDS) + 1)]
        return {n: rows for n, rows in enumerate(counts, start=1) if rows}


def read_register(path: Path) -> RegisterFile:
    """Read a CSV (UTF-8, BOM or not, else Windows-1252) or .xlsx extract with register columns."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise MatchingInputError(f"cannot read {path.name}: {error.strerror}") from None
    if not path.is_file():
        raise MatchingInputError(f"cannot read {path.name}: it is not a regular file")
    if size > MAX_FILE_BYTES:
        raise MatchingInputError(
            f"{path.name} is {size / 2**20:,.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB"
        )
    rows = _excel_rows(path) if path.suffix.lower() in _EXCEL_SUFFIXES else _csv_rows(path)
    if not rows:
        raise MatchingInputError(f"{path.name} is empty: it has no header row")
    header = [str(cell).strip().lstrip("\ufeff").lower() for cell in rows[0]]
    for column in header:
        if column and header.count(column) > 1:
            raise MatchingInputError(f"{path.name} has the column {column!r} more than once")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise MatchingInputError(f"{path.name} has no {column!r} column")
    return _checked(header, rows[1:])


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets saved as "CSV" on Windows are often in the Windows code page.
        text = data.decode("cp1252", errors="replace")
    rows: list[list[str]] = []
    for row in csv.reader(io.StringIO(text, newline="")):
        _check_shape(path, len(rows) + 1, len(row))
        rows.append(row)
    return rows


def _check_shape(path: Path, rows: int, columns: int) -> None:
    if rows > MAX_ROWS + 1:
        raise MatchingInputError(f"{path.name} has more than {MAX_ROWS:,} rows")
    if columns > MAX_COLUMNS:
        raise MatchingInputError(f"{path.name} has a row of more than {MAX_COLUMNS} columns")


def _check_workbook_size(path: Path) -> None:
    """Refuse a workbook whose parts would unpack too big, before openpyxl unpacks anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise MatchingInputError(f"{path.name} is not a readable .xlsx workbook") from None
    unpacked = sum(part.file_size for part in parts)
    packed = max(1, sum(part.compress_size for part in parts))
    # zipfile never unpacks a part past its declared size, so the declared sizes are a bound.
    if unpacked > MAX_UNCOMPRESSED_BYTES or len(parts) > 10_000:
        raise MatchingInputError(
            f"{path.name} would unpack to {unpacked / 2**20:,.0f} MB; the limit is "
            f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB"
        )
    if unpacked > 10 * 2**20 and unpacked / packed > MAX_COMPRESSION_RATIO:
        raise MatchingInputError(
            f"{path.name} unpacks to {unpacked / packed:,.0f} times its size; refused as a "
            "possible decompression bomb (save it again from the spreadsheet, or as CSV)"
        )


def _excel_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_workbook_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several types for a file that is not a workbook
        raise MatchingInputError(f"{path.name} is not a readable .xlsx workbook") from error
    try:
        sheet = workbook.worksheets[0]
        # The sheet's own stated size (a 7 KB file can state a million rows by 16,384 columns).
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > MAX_ROWS + 1 or declared_columns > MAX_COLUMNS:
            raise MatchingInputError(
                f"{path.name} says its sheet is {declared_rows:,} rows by {declared_columns:,} "
                f"columns; the limits are {MAX_ROWS:,} rows and {MAX_COLUMNS} columns"
            )
        rows: list[list[str]] = []
        blank = 0
        # Rows stream in one at a time: the limits stop a huge sheet before it fills memory.
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            used = len(row)
            while used and row[used - 1] is None:
                used -= 1  # openpyxl pads every row to the widest asked for
            blank = blank + 1 if used == 0 else 0
            if blank > MAX_BLANK_ROWS:
                break  # a cell placed far below the data: what is under it is not an extract
            _check_shape(path, len(rows) + 1, used)
            rows.append([_excel_cell(cell) for cell in row[:used]])
        return rows
    finally:
        workbook.close()


def _checked(header: list[str], rows: list[list[str]]) -> RegisterFile:
    width = len(header)
    reasons: dict[int, list[str]] = {}
    cells: list[list[str]] = []
    numbers: list[int] = []
    # Spreadsheet numbering: the header is row 1, so the first data row is row 2.
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line is not a record
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            reasons.setdefault(number, []).append(
                f"has {len(row)} values but the header has {width} columns"
            )
        cells.append([cell.strip() for cell in (row + [""] * width)[:width]])
        numbers.append(number)
    named = [(i, column) for i, column in enumerate(header) if column]
    frame = pd.DataFrame(
        {column: [row[i] for row in cells] for i, column in named},
        index=pd.Index(numbers, name="row"),
        dtype=object,
    )
    for column in REGISTER_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    for column, width in FORMATTED_WIDTHS.items():
        frame.loc[frame[column].str.len() > width, column] = ""
    _find_bad_values(frame, reasons)
    rejected = sorted(reasons)
    extra_columns = [column for _, column in named if column not in REGISTER_COLUMNS]
    records = frame.drop(index=rejected)[[*REGISTER_COLUMNS, *extra_columns]]
    return RegisterFile(
        records=records,
        rejections=[Rejection(row, "; ".join(reasons[row])) for row in rejected],
        extra_columns=extra_columns,
    )


def _find_bad_values(frame: pd.DataFrame, reasons: dict[int, list[str]]) -> None:
    # Reasons name the column, never the value: the value may be a child's name.
    def reject(mask: pd.Series, reason: str) -> None:
        for number in frame.index[mask.to_numpy(dtype=bool)]:
            reasons.setdefault(int(number), []).append(reason)

    reject(frame["ref"] == "", "ref is blank")
    nothing = pd.concat([frame[column] == "" for column in ANY_OF_FIELDS], axis=1).all(axis=1)
    reject(nothing, "forename, surname, date_of_birth and upn are all blank: nothing to match on")
    for column in REGISTER_COLUMNS:
        values = frame[column].astype(str)
        reject(
            values.str.contains(_CONTROL_CHARACTERS, regex=True), f"control character in {column}"
        )
        reject(
            values.str.len() > MAX_VALUE_LENGTH,
            f"{column} is longer than {MAX_VALUE_LENGTH} characters",
        )
    # A repeated ref is reported against the later row; rows already rejected do not count.
    usable = ~frame.index.isin(list(reasons))
    refs = frame["ref"][usable]
    first_row: dict[str, int] = {}
    for number, ref in zip(refs.index, refs, strict=True):
        if ref in first_row:
            reasons.setdefault(int(number), []).append(f"ref repeats row {first_row[ref]}")
        else:
            first_row[ref] = int(number)
