"""Notification files as councils really send them, taken in on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Table, func, select

from missing_education import services
from missing_education.domain import Notification, Outcome, Status
from missing_education.persistence import SqlUnitOfWork, ensure_schema
from missing_education.persistence.notification_repository import SqlNotificationRepository
from missing_education.persistence.tables import cases, notifications
from missing_education.settings import load_settings

TODAY = date(2026, 11, 25)
HEADER = "forename,surname,date_of_birth,referral_date,referrer_organisation,notes"


def ingest(url: str, path: Path) -> services.IntakeReport:
    return services.ingest_file(SqlUnitOfWork(url), path, settings=load_settings(), today=TODAY)


def count(url: str, table: Table) -> int:
    with ensure_schema(url).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "notifications.csv"
    path.write_bytes(data)
    return path


def test_a_utf8_file_with_a_byte_order_mark_is_read(database_url: str, tmp_path: Path) -> None:
    text = f"{HEADER}\nZoë,Ní Bhriain,2015-03-04,2026-11-20,Matlock Primary,\n"
    report = ingest(database_url, write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert (report.opened, report.rejected) == (1, 0)
    details = services.case_details(SqlUnitOfWork(database_url), 1, today=TODAY)
    assert (details["child"]["forename"], details["child"]["surname"]) == ("Zoë", "Ní Bhriain")


def test_a_windows_1252_file_is_read(database_url: str, tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n"
        "Zoë,Brontë,2015-03-04,2026-11-20,Matlock Primary,\n"
        "Seán,O’Brien,2016-05-06,2026-11-20,Matlock Primary,costs £5\n"
    )
    report = ingest(database_url, write(tmp_path, text.encode("cp1252")))
    assert (report.opened, report.rejected) == (2, 0)
    uow = SqlUnitOfWork(database_url)
    names = [
        (d["child"]["forename"], d["child"]["surname"])
        for d in (services.case_details(uow, i, today=TODAY) for i in (1, 2))
    ]
    assert names == [("Zoë", "Brontë"), ("Seán", "O’Brien")]


def test_nul_bytes_reject_their_row_and_the_rest_proceed(database_url: str, tmp_path: Path) -> None:
    data = (
        f"{HEADER}\n"
        "Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,\n"
        "Tom,Ba\x00ker,2016-05-06,2026-11-20,Matlock Primary,\n"
        "Lily,Evans,2016-05-06,2026-11-20,Matlock Primary,note\x00\x00\n"
        "Ravi,Shah,2014-01-02,2026-11-20,Matlock Primary,\n"
    ).encode()
    report = ingest(database_url, write(tmp_path, data))
    assert (report.opened, report.rejected) == (2, 2)
    assert [(r.row, r.reason) for r in report.rejections] == [
        (3, "surname: contains control characters"),
        (4, "notes: contains control characters"),
    ]


def test_a_row_with_too_many_values_is_rejected(database_url: str, tmp_path: Path) -> None:
    data = (
        f"{HEADER}\n"
        "Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,,surplus\n"
        "Tom,Baker,2016-05-06,2026-11-20,Matlock Primary,\n"
    ).encode()
    report = ingest(database_url, write(tmp_path, data))
    assert report.opened == 1
    assert [(r.row, r.reason) for r in report.rejections] == [
        (2, "has 7 values but the header has 6 columns")
    ]


def test_a_row_with_too_few_values_leaves_the_rest_blank(database_url: str, tmp_path: Path) -> None:
    data = f"{HEADER}\nAmira,Khan,2015-03-04,2026-11-20,Matlock Primary\n".encode()
    assert ingest(database_url, write(tmp_path, data)).opened == 1


def test_blank_lines_are_skipped_but_still_counted_as_rows(
    database_url: str, tmp_path: Path
) -> None:
    data = (
        f"{HEADER}\r\n"
        "Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,\r\n"
        "\r\n"
        ",,,,,\r\n"
        "Tom,Baker,2016-02-30,2026-11-20,Matlock Primary,\r\n"
        "\r\n"
    ).encode()
    report = ingest(database_url, write(tmp_path, data))
    assert (report.received, report.opened, report.rejected) == (2, 1, 1)
    assert report.rejections[0].row == 5


def test_a_file_missing_a_required_column_is_refused_whole_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    data = (
        b"forename,surname,date_of_birth,referral_date,notes\nAmira,Khan,2015-03-04,2026-11-20,\n"
    )
    with pytest.raises(services.IntakeFileError) as refused:
        ingest(database_url, write(tmp_path, data))
    assert "referrer_organisation" in str(refused.value)
    assert count(database_url, cases) == 0
    assert count(database_url, notifications) == 0


def test_an_empty_file_is_refused(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(services.IntakeFileError, match="empty"):
        ingest(database_url, write(tmp_path, b""))


def test_notes_may_run_over_several_quoted_lines(database_url: str, tmp_path: Path) -> None:
    data = (
        f"{HEADER}\n"
        'Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,"Seen in October.\n'
        'Neighbour says ""moved away"".\n'
        'No forwarding address."\n'
        "Tom,Baker,2016-02-30,2026-11-20,Matlock Primary,\n"
    ).encode()
    report = ingest(database_url, write(tmp_path, data))
    assert report.opened == 1
    assert report.rejections[0].row == 3  # a spreadsheet shows the long note in one row
    with ensure_schema(database_url).connect() as connection:
        stored = connection.execute(select(cases.c.notes)).scalar_one()
    assert stored == 'Seen in October.\nNeighbour says "moved away".\nNo forwarding address.'


def test_the_same_file_ingested_twice_opens_no_second_case(
    database_url: str, tmp_path: Path
) -> None:
    data = (
        f"{HEADER}\n"
        "Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,\n"
        "Tom,Baker,2016-05-06,2026-11-20,Matlock Primary,\n"
    ).encode()
    path = write(tmp_path, data)
    first = ingest(database_url, path)
    second = ingest(database_url, path)
    assert (first.opened, second.opened, second.linked, second.duplicates) == (2, 0, 0, 2)
    assert count(database_url, cases) == 2
    assert count(database_url, notifications) == 2


def test_a_new_notification_about_an_open_case_is_linked(database_url: str, tmp_path: Path) -> None:
    ingest(
        database_url,
        write(tmp_path, f"{HEADER}\nAmira,Khan,2015-03-04,2026-11-20,School,\n".encode()),
    )
    again = f"{HEADER}\nAMIRA, khan ,04/03/2015,2026-11-24,Derbyshire Police,\n".encode()
    report = ingest(database_url, write(tmp_path, again))
    assert (report.opened, report.linked, report.linked_case_ids) == (0, 1, [1])
    details = services.case_details(SqlUnitOfWork(database_url), 1, today=TODAY)
    assert [n["disposition"] for n in details["notifications"]] == ["opened", "linked"]


def test_a_crash_part_way_leaves_nothing_a_rerun_would_duplicate(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CME_INTAKE_BATCH_SIZE", "2")
    children = ["Ann", "Ben", "Cal", "Dee", "Eve"]
    rows = [f"{name},Khan,2015-03-04,2026-11-20,Matlock Primary," for name in children]
    path = write(tmp_path, "\n".join([HEADER, *rows, ""]).encode())
    real_add = SqlNotificationRepository.add_many
    calls = 0

    def add_then_crash(
        self: SqlNotificationRepository,
        rows: list[tuple[int, Notification, int, str]],
        **kw: str,
    ) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the second batch's notifications, after its cases were written
            raise RuntimeError("the server went away")
        real_add(self, rows, **kw)

    monkeypatch.setattr(SqlNotificationRepository, "add_many", add_then_crash)
    with pytest.raises(RuntimeError):
        ingest(database_url, path)
    assert count(database_url, cases) == 2  # the first batch is kept, the second rolled back

    monkeypatch.setattr(SqlNotificationRepository, "add_many", real_add)
    report = ingest(database_url, path)
    assert report.opened + report.duplicates == report.received == len(children)
    assert (report.opened, report.duplicates) == (3, 2)
    summaries = services.list_cases(SqlUnitOfWork(database_url))
    assert len(summaries) == len(children)
    assert count(database_url, notifications) == len(children)
    # The cases opened before the crash are triaged too, not left waiting in "received".
    assert {s["status"] for s in summaries} == {"investigating"}
    assert all(s["deadline"] == "2026-12-18" for s in summaries)


def test_names_that_grow_when_folded_still_fit_the_database(
    database_url: str, tmp_path: Path
) -> None:
    # "ß" folds to "ss": a 100-character name is 200 characters when compared.
    name = "ß" * 100
    data = f"{HEADER}\n{name},{name},2015-03-04,2026-11-20,Matlock Primary,\n".encode()
    assert ingest(database_url, write(tmp_path, data)).opened == 1
    again = f"{HEADER}\n{name}, {name} ,2015-03-04,2026-11-21,Police,\n".encode()
    assert ingest(database_url, write(tmp_path, again)).linked == 1


def test_a_cell_too_big_for_the_csv_reader_rejects_only_its_row(
    database_url: str, tmp_path: Path
) -> None:
    data = (
        f"{HEADER}\n"
        f"Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,{'x' * 200_000}\n"
        "Tom,Baker,2016-05-06,2026-11-20,Matlock Primary,\n"
    ).encode()
    report = ingest(database_url, write(tmp_path, data))
    assert report.opened == 1
    assert report.rejections[0].row == 2
    assert "not valid CSV" in report.rejections[0].reason


def test_header_names_are_matched_whatever_their_case_and_padding(
    database_url: str, tmp_path: Path
) -> None:
    header = " Forename ,SURNAME,Date_Of_Birth,referral_date,Referrer_Organisation,Notes"
    data = f"{header}\nAmira,Khan,2015-03-04,2026-11-20,Matlock Primary,\n".encode()
    assert ingest(database_url, write(tmp_path, data)).opened == 1


def test_vulnerability_codes_that_grow_when_lowered_still_fit_the_database(
    database_url: str, tmp_path: Path
) -> None:
    header = f"{HEADER},vulnerabilities"
    row = f"Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,,{'İ' * 2000}"
    report = ingest(database_url, write(tmp_path, f"{header}\n{row}\n".encode()))
    assert (report.opened, report.rejected) == (0, 1)
    assert report.rejections[0].reason.startswith("vulnerabilities: is longer than")


def test_each_new_case_is_written_triaged_with_its_history_outcome_and_met_deadline(
    database_url: str, tmp_path: Path
) -> None:
    # One under school age, one living elsewhere, one to investigate: each is written once,
    # already triaged, with its history from "received" and (if closed) its deadline met.
    settings = load_settings()
    settings = replace(settings, council=replace(settings.council, postcode_districts=("DE",)))
    path = write(
        tmp_path,
        (
            b"forename,surname,date_of_birth,referral_date,referrer_organisation,postcode\n"
            b"Amy,Khan,2024-01-01,2026-11-20,School,DE4 3AG\n"
            b"Ben,Khan,2015-03-04,2026-11-20,School,NG1 1AA\n"
            b"Cal,Khan,2015-03-05,2026-11-20,School,DE4 3AG\n"
        ),
    )
    report = services.ingest_file(SqlUnitOfWork(database_url), path, settings=settings, today=TODAY)
    assert (report.opened, report.not_cme, report.out_of_area_case_ids) == (3, 1, [2])
    assert report.to_investigate == [1, 2, 3]  # the investigation skips the closed ones
    with SqlUnitOfWork(database_url) as uow:
        found = {i: uow.cases.get(i) for i in (1, 2, 3)}
        met = {i: uow.deadlines.for_case(i)[0].met_on for i in (1, 2, 3)}
    assert [(c.status, c.outcome) for c in found.values()] == [
        (Status.CLOSED, Outcome.NOT_CME),
        (Status.CLOSED, Outcome.OUT_OF_AREA),
        (Status.INVESTIGATING, None),
    ]
    assert [[(h.from_status, h.to_status) for h in c.history] for c in found.values()] == [
        [(None, Status.RECEIVED), (Status.RECEIVED, Status.CLOSED)],
        [(None, Status.RECEIVED), (Status.RECEIVED, Status.CLOSED)],
        [(None, Status.RECEIVED), (Status.RECEIVED, Status.INVESTIGATING)],
    ]
    assert found[1].closed_on == TODAY
    assert met == {1: TODAY, 2: TODAY, 3: None}
