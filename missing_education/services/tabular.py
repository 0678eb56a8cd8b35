"""Reading the CSV files councils send: encoding, header and row numbers, never a traceback.

Files are read as a stream, a line at a time, so a file of any size takes little memory; a
line too long to be a real row is skipped and reported as that row's reason. The encoding
(UTF-8 with or without BOM, UTF-16, UTF-32, Windows-1252) and the separator (comma,
semicolon, tab or bar) are detected and said. A quote that is never closed spoils only its
own row: the rows after it are read as rows, each with its own number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from missing_education.domain.errors import InputFileRefused

# Spreadsheet rows: the header is row 1, so the first record is row 2.
FIRST_DATA_ROW = 2
# No real row comes near this (22 columns of at most 2,000 characters); longer lines are skipped
# unread rather than held in memory.
MAX_LINE_CHARACTERS = 1_000_000
_CHUNK = 1 << 20
# Stands in for a skipped line: no comma or quote, so the csv module hands it back whole.
_TOO_LONG = "\x02line-too-long\x02"
TOO_LONG_REASON = "the row is longer than 1,000,000 characters"
# A cell may hold line breaks (a note), but a quote still open after this many lines was
# never meant to be: the row is refused and the lines after it read as rows again.
MAX_RECORD_LINES = 50
UNCLOSED_QUOTE_REASON = 'has a quote (") that is never closed'
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}
# Byte order marks, longest first (a UTF-32 LE mark begins like a UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


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
    encoding: str = "UTF-8"
    delimiter: str = ","

    @property
    def described(self) -> str:
        """How the file was read, for messages: "read as UTF-16, separated by semicolons"."""
        return f"read as {self.encoding}, separated by {DELIMITER_NAMES[self.delimiter]}"

    def bytes_read(self) -> int:
        """How much of the file has been read so far (for progress)."""
        return min(self.size, self._raw.tell())


class CsvFileError(InputFileRefused):
    """The file cannot be read as a CSV file with a header."""


def decode(data: bytes) -> str:
    """Text of a file in UTF-8 (with or without BOM), or Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_encoding(path: Path) -> tuple[str, int, str]:
    """The codec to read a file with, how many bytes of BOM to skip, and its name for people."""
    with path.open("rb") as handle:
        start = handle.read(4096)
        for bom, codec, name in _BOMS:
            if start.startswith(bom):
                return codec, len(bom), name
        # UTF-16 without a mark: text that is mostly ASCII has a NUL in every other byte.
        if len(start) >= 4:
            even, odd = start[0::2], start[1::2]
            if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
                return "utf-16-le", 0, "UTF-16"
            if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
                return "utf-16-be", 0, "UTF-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", 0, "Windows-1252"
    return "utf-8", 0, "UTF-8"


def detect_delimiter(first_line: str) -> str:
    """The separator of a header line: the commonest of comma, semicolon, tab and bar."""
    outside, quoted = [], False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    counts = {d: outside.count(d) for d in DELIMITER_NAMES}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _lines(handle: IO[str]) -> Iterator[str]:
    first = True
    while True:
        line = handle.readline(MAX_LINE_CHARACTERS)
        if not line:
            return
        if first:
            line = line.lstrip("\ufeff")  # a second (or only) byte order mark
            first = False
        if len(line) >= MAX_LINE_CHARACTERS and not line.endswith(("\n", "\r")):
            while (rest := handle.readline(MAX_LINE_CHARACTERS)) and not rest.endswith(
                ("\n", "\r")
            ):
                pass  # skip the rest of an impossibly long line without keeping it
            yield _TOO_LONG + "\n"
            continue
        # The csv module stops at a NUL byte; make it a control character the row checks reject.
        yield line.replace("\x00", "\x01")


def _split(text: str, delimiter: str) -> list[str] | str | None:
    """One record's values; a reason if its quoting is wrong; None if a quote is still open."""
    try:
        rows = list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            return None
        if "quote" in str(error) or '"' in str(error):
            return f'the row is not valid CSV: a misplaced quote (") ({error})'
        return f"the row is not valid CSV ({error})"
    return rows[0] if rows else []


class _Records:
    """Records from lines: a quoted cell may run over lines, an unclosed quote spoils one row."""

    def __init__(self, lines: Iterator[str], delimiter: str) -> None:
        self._lines = lines
        self._pending: deque[str] = deque()
        self.delimiter = delimiter

    def push_back(self, line: str) -> None:
        """Read this line again next."""
        self._pending.appendleft(line)

    def _line(self) -> str | None:
        return self._pending.popleft() if self._pending else next(self._lines, None)

    def next(self, columns: int | None) -> list[str] | str | None:
        """The next record's values, or a reason it is unreadable; None at the end."""
        first = self._line()
        if first is None:
            return None
        if first.startswith(_TOO_LONG):
            return TOO_LONG_REASON
        used, text = [first], first
        values = _split(text, self.delimiter)
        while values is None and len(used) < MAX_RECORD_LINES and len(text) < MAX_LINE_CHARACTERS:
            more = self._line()
            if more is None or more.startswith(_TOO_LONG):
                if more is not None:
                    used.append(more)
                break
            used.append(more)
            text += more
            values = _split(text, self.delimiter)
        joined = len(used) > 1
        if values is None or (
            joined and (isinstance(values, str) or (columns is not None and len(values) > columns))
        ):
            # Only the first line is at fault: the lines after it are read again as rows.
            self._pending.extendleft(reversed(used[1:]))
            return UNCLOSED_QUOTE_REASON if values is None or joined else values
        return values


def _records(records: _Records, header: list[str]) -> Iterator[tuple[int, dict[str, str] | str]]:
    row_number = FIRST_DATA_ROW - 1
    while True:
        values = records.next(len(header))
        if values is None:
            return
        row_number += 1
        if isinstance(values, str):
            yield row_number, values
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
        if path.exists() and not path.is_file():
            # A folder, a device or a pipe: never read (a pipe or /dev/zero may never end).
            raise CsvFileError(f"cannot read {path.name}: it is not a regular file")
        size = path.stat().st_size
        codec, bom, encoding = detect_encoding(path)
        raw = path.open("rb")
        raw.seek(bom)
    except OSError as error:
        raise CsvFileError(f"cannot read {path.name}: {error.strerror}") from None
    with raw, io.TextIOWrapper(raw, encoding=codec, errors="replace", newline="") as handle:
        lines = _lines(handle)
        first = next(lines, None)
        if first is None:
            raise CsvFileError(f"{path.name} is empty: it needs a header row")
        if first.startswith(_TOO_LONG):
            raise CsvFileError(f"{path.name}: the header row is longer than any real header")
        delimiter = detect_delimiter(first)
        records = _Records(lines, delimiter)
        records.push_back(first)
        found = records.next(None)
        if found is None or isinstance(found, str):
            raise CsvFileError(f"{path.name}: the header row is not valid CSV")
        # A UTF-8 byte order mark in front of a file that is not UTF-8 after all.
        header = [name.strip().lower().removeprefix("ï»¿").lstrip("\ufeff") for name in found]
        named = [name for name in header if name]
        twice = sorted({name for name in named if named.count(name) > 1})
        if twice:
            raise CsvFileError(
                f"{path.name}: the header names the column {', '.join(twice)} more than once; "
                "nothing was taken in (remove or rename the copy)"
            )
        yield CsvStream(
            header=header,
            rows=_records(records, header),
            size=size,
            _raw=raw,
            encoding=encoding,
            delimiter=delimiter,
        )


def read_csv(path: Path) -> CsvTable:
    """Read a whole CSV file with a header row (for small files: calendars, directories)."""
    with open_csv(path) as stream:
        return CsvTable(header=stream.header, rows=list(stream.rows))
