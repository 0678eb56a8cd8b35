"""Reading the CSV files councils send: encoding, header and row numbers, never a traceback."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Spreadsheet rows: the header is row 1, so the first record is row 2.
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and its records, each with its spreadsheet row number."""

    header: list[str]
    rows: list[tuple[int, dict[str, str] | str]]  # (row, values) or (row, why it is unreadable)


class CsvFileError(ValueError):
    """The file cannot be read as a CSV file with a header."""


def decode(data: bytes) -> str:
    """Text of a file in UTF-8 (with or without BOM), or Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(path: Path) -> CsvTable:
    """Read a CSV file with a header row; malformed records become reasons, not exceptions."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CsvFileError(f"cannot read {path}: {error.strerror}") from None
    # The csv module stops at a NUL byte; make it a control character the row checks reject.
    text = decode(data).replace("\x00", "\x01")
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    records: Iterator[list[str]] = iter(reader)
    try:
        header = next(records)
    except StopIteration:
        raise CsvFileError(f"{path.name} is empty: it needs a header row") from None
    except csv.Error as error:
        raise CsvFileError(f"{path.name}: the header row is not valid CSV ({error})") from None
    header = [name.strip().lower() for name in header]
    rows: list[tuple[int, dict[str, str] | str]] = []
    row_number = FIRST_DATA_ROW - 1
    while True:
        row_number += 1
        try:
            values = next(records)
        except StopIteration:
            break
        except csv.Error as error:
            rows.append((row_number, f"the row is not valid CSV ({error})"))
            continue
        if not any(v.strip() for v in values):
            continue  # a blank line is no notification; it still counts as a row
        if len(values) > len(header):
            rows.append(
                (row_number, f"has {len(values)} values but the header has {len(header)} columns")
            )
            continue
        padded = values + [""] * (len(header) - len(values))
        rows.append((row_number, dict(zip(header, padded, strict=True))))
    return CsvTable(header=header, rows=rows)
