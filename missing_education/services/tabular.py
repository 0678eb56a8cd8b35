"""Reading the CSV files councils send: encoding, header and row numbers, never a traceback.

Files are read as a stream, a line at a time, so a file of any size takes little memory; a
line too long to be a real row is skipped and reported as that row's reason.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Spreadsheet rows: the header is row 1, so the first record is row 2.
FIRST_DATA_ROW = 2
# No real row comes near this (22 columns of at most 2,000 characters); longer lines are skipped
# unread rather than held in memory.
MAX_LINE_CHARACTERS = 1_000_000
_CHUNK = 1 << 20
# Stands in for a skipped line: no comma or quote, so the csv module hands it back whole.
_TOO_LONG = "\x02line-too-long\x02"
TOO_LONG_REASON = "the row is longer than 1,000,000 characters"


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and its records, each with its spreadsheet row number."""

    header: list[str]
    rows: list[tuple[int, dict[str, str] | str]]  # (row, values) or (row, why it is unreadable)


@dataclass
class CsvStream:
    """A CSV file being read: its header, its records one by one, and how far it has got."""

    header: list[str]
    rows: Iterator[tuple[int, dict[str, str] | str]]
    size: int
    _raw: IO[bytes]

    def bytes_read(self) -> int:
        """How much of the file has been read so far (for progress)."""
        return min(self.size, self._raw.tell())


class CsvFileError(ValueError):
    """The file cannot be read as a CSV file with a header."""


def decode(data: bytes) -> str:
    """Text of a file in UTF-8 (with or without BOM), or Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_encoding(path: Path) -> str:
    """ "utf-8-sig" when the whole file is UTF-8 (a BOM is allowed), otherwise "cp1252"."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _lines(handle: IO[str]) -> Iterator[str]:
    while True:
        line = handle.readline(MAX_LINE_CHARACTERS)
        if not line:
            return
        if len(line) >= MAX_LINE_CHARACTERS and not line.endswith(("\n", "\r")):
            while (rest := handle.readline(MAX_LINE_CHARACTERS)) and not rest.endswith(
                ("\n", "\r")
            ):
                pass  # skip the rest of an impossibly long line without keeping it
            yield _TOO_LONG + "\n"
            continue
        # The csv module stops at a NUL byte; make it a control character the row checks reject.
        yield line.replace("\x00", "\x01")


def _records(
    reader: Iterator[list[str]], header: list[str]
) -> Iterator[tuple[int, dict[str, str] | str]]:
    row_number = FIRST_DATA_ROW - 1
    while True:
        row_number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield row_number, f"the row is not valid CSV ({error})"
            continue
        if values == [_TOO_LONG]:
            yield row_number, TOO_LONG_REASON
            continue
        if not any(v.strip() for v in values):
            continue  # a blank line is no notification; it still counts as a row
        if len(values) > len(header):
            yield row_number, f"has {len(values)} values but the header has {len(header)} columns"
            continue
        padded = values + [""] * (len(header) - len(values))
        yield row_number, dict(zip(header, padded, strict=True))


@contextmanager
def open_csv(path: Path) -> Iterator[CsvStream]:
    """Open a CSV file with a header row; malformed records become reasons, not exceptions."""
    try:
        size = path.stat().st_size
        encoding = detect_encoding(path)
        raw = path.open("rb")
    except OSError as error:
        raise CsvFileError(f"cannot read {path}: {error.strerror}") from None
    with raw, io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(_lines(handle), strict=False)
        try:
            header = next(reader)
        except StopIteration:
            raise CsvFileError(f"{path.name} is empty: it needs a header row") from None
        except csv.Error as error:
            raise CsvFileError(f"{path.name}: the header row is not valid CSV ({error})") from None
        if header == [_TOO_LONG]:
            raise CsvFileError(f"{path.name}: the header row is longer than any real header")
        # A UTF-8 byte order mark in front of a file that is not UTF-8 after all.
        header = [name.strip().lower().removeprefix("ï»¿") for name in header]
        yield CsvStream(header=header, rows=_records(reader, header), size=size, _raw=raw)


def read_csv(path: Path) -> CsvTable:
    """Read a whole CSV file with a header row (for small files: calendars, directories)."""
    with open_csv(path) as stream:
        return CsvTable(header=stream.header, rows=list(stream.rows))
