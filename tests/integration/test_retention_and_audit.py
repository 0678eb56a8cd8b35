"""Retention and the audit trail, on SQLite and PostgreSQL: a case closed longer ago than the
retention period keeps its counts and dates but nothing that names the child; `cme audit` says
who did what and when.
"""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Text, select
from typer.testing import CliRunner

from missing_education.cli import app
from missing_education.domain import NOTIFICATION_COLUMNS, Outcome, Status
from missing_education.persistence import SqlUnitOfWork
from missing_education.persistence.database import ensure_schema
from missing_education.persistence.letter_store import SqlLetterStore
from missing_education.persistence.tables import metadata
from missing_education.services.decisions import answer_decision
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from missing_education.services.outbox import make_print_batch
from missing_education.services.receiving import receive_file
from missing_education.services.retention import apply_retention, retention_cutoff
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Settings, load_settings
from synthetic.council import synthetic_schools, write_csv

REPO = Path(__file__).resolve().parents[2]
OPENED = date(2019, 3, 4)
CHILD = {
    "forename": "Philippa",
    "surname": "Quennell-Ashworth",
    "date_of_birth": "2010-10-17",
    "sex": "F",
    "upn": "K801234567890",
    "address_line1": "14 Thistledown Walk",
    "town": "Matlock",
    "postcode": "DE4 3QQ",
    "parent_name": "Marguerite Quennell-Ashworth",
    "parent_phone": "07700900987",
    "parent_email": "m.quennell@example.org",
    "school_urn": "",
    "reason": "moved_away",
    "vulnerabilities": "young_carer",
    "referrer_name": "Bartholomew Ingleby",
    "referrer_organisation": "Matlock Primary School",
    "referrer_email": "b.ingleby@matlock-primary.example",
    "referral_date": OPENED.isoformat(),
    "notes": "grandmother on Oakapple Lane may know where the family went",
}
PERSONAL = [
    "Philippa",
    "Quennell",
    "K801234567890",
    "Thistledown",
    "DE4 3QQ",
    "Marguerite",
    "07700900987",
    "m.quennell",
    "Bartholomew",
    "b.ingleby",
    "Oakapple",
    "2010-10-17",
]


class Council:
    """Cases opened in 2019 and closed on chosen days, and the retention run years later."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.settings: Settings = load_settings()
        import_schools(self.uow(), write_csv(folder / "s.csv", synthetic_schools(), SCHOOL_COLUMNS))
        self.files = 0

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.url)

    def pdfs(self, letter_ids: list[int]) -> list[bytes | None]:
        """The letters' PDFs in the letter store (None where there is none)."""
        with self.uow() as uow:
            return [uow.documents.read(letter_id) for letter_id in letter_ids]

    def open_case(self, **changes: str) -> int:
        self.files += 1
        row = {**CHILD, **changes}
        path = write_csv(self.folder / f"n{self.files}.csv", [row], NOTIFICATION_COLUMNS)
        report = receive_file(self.uow(), path, settings=self.settings, today=OPENED)
        (case_id,) = report.intake.opened_case_ids
        return int(case_id)

    def close(self, case_id: int, on: date) -> None:
        answer_decision(
            self.uow(),
            case_id,
            "closure",
            "moved_abroad",
            who="Alex Morgan",
            details={"notes": "family emailed from Lisbon; Philippa enrolled there"},
            settings=self.settings,
            today=on,
        )

    def everything_stored(self) -> str:
        """Every text value in every table, as one string to search."""
        engine = ensure_schema(self.url)
        values: list[str] = []
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, String | Text)]
                if not columns:
                    continue
                for row in connection.execute(select(*columns)):
                    values.extend(str(v) for v in row if v)
        return "\n".join(values)


@pytest.fixture
def council(database_url: str, tmp_path: Path) -> Council:
    return Council(database_url, tmp_path)


def test_a_case_closed_seven_years_ago_keeps_its_statistics_and_loses_everything_personal(
    council: Council,
) -> None:
    due = council.open_case()
    council.close(due, date(2019, 5, 1))
    batch = make_print_batch(council.uow(), settings=council.settings, today=date(2019, 5, 1))
    assert batch is not None
    with council.uow() as uow:
        letters = uow.letters.for_case(due)
        before = uow.cases.get(due)
    assert len(letters) >= 3 and all(council.pdfs([x.id for x in letters]))
    assert all(
        value.casefold() in council.everything_stored().casefold() for value in PERSONAL[:-1]
    )

    report = apply_retention(council.uow(), settings=council.settings, today=date(2026, 5, 1))

    assert report.as_dict() == {
        "closed_on_or_before": "2019-05-01",
        "anonymised": 1,
        "files_deleted": len(letters) + 2,
        "held_files_deleted": 0,
        "failed": {},
        "attention": [],
    }
    with council.uow() as uow:
        case = uow.cases.get(due)
        assert (case.status, case.outcome, case.closed_on) == (
            Status.CLOSED,
            Outcome.MOVED_ABROAD,
            date(2019, 5, 1),
        )
        assert (case.referral_date, case.opened_on, case.reason) == (OPENED, OPENED, "moved_away")
        assert case.vulnerabilities == ("young_carer",)
        assert case.child.forename == case.child.surname == "[removed]"
        assert case.child.date_of_birth == date(2010, 9, 1)  # the school year, not the birthday
        # Who moved the case and when stays on the audit trail; the last entry says why.
        assert [h.who for h in case.history] == [h.who for h in before.history] + ["system"]
        assert case.history[-1].why.startswith("personal data removed")
        for letter in uow.letters.for_case(due):
            assert letter.path == "[removed]"
    assert council.pdfs([x.id for x in letters]) == [None] * len(letters)
    assert not Path(batch.pdf_path).exists() and not Path(batch.manifest_path).exists()
    stored = council.everything_stored()
    for value in PERSONAL:
        assert value.casefold() not in stored.casefold(), f"{value} is still stored"


def test_a_case_whose_letters_cannot_be_deleted_is_flagged_and_the_others_are_anonymised(
    council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = council.open_case(forename="Stuck")
    council.close(stuck, date(2019, 5, 1))
    freed = council.open_case(forename="Freed")
    council.close(freed, date(2019, 5, 1))
    typeset_letters(council.uow(), settings=council.settings, today=date(2019, 5, 1))
    real_delete = SqlLetterStore.delete_for_case

    def delete(store: SqlLetterStore, case_id: int) -> int:
        if case_id == stuck:
            raise RuntimeError("the letter store refused")  # fault injected for this case
        return real_delete(store, case_id)

    monkeypatch.setattr(SqlLetterStore, "delete_for_case", delete)
    report = apply_retention(council.uow(), settings=council.settings, today=date(2026, 5, 1))

    assert (report.anonymised, sum(report.failed.values())) == (1, 1)
    assert report.as_dict()["attention"] == [f"CME-{stuck:06d}"]
    with council.uow() as uow:
        assert uow.cases.get(freed).child.forename == "[removed]"
        assert uow.cases.get(stuck).child.forename == "Stuck"  # rolled back whole
        assert uow.attention.get(stuck) is not None
    # The next run, with the letters deletable again, finishes the case and clears its flag.
    monkeypatch.setattr(SqlLetterStore, "delete_for_case", real_delete)
    again = apply_retention(council.uow(), settings=council.settings, today=date(2026, 5, 2))
    assert (again.anonymised, again.failed) == (1, {})
    with council.uow() as uow:
        assert uow.cases.get(stuck).child.forename == "[removed]"
        assert uow.attention.get(stuck) is None


def test_a_case_inside_its_retention_period_and_an_open_case_are_left_alone(
    council: Council,
) -> None:
    kept = council.open_case()
    council.close(kept, date(2019, 5, 2))
    still_open = council.open_case(forename="Tobias", upn="", surname="Wrenfield")
    typeset_letters(council.uow(), settings=council.settings, today=date(2019, 5, 2))
    with council.uow() as uow:
        letters = uow.letters.outbox()

    report = apply_retention(council.uow(), settings=council.settings, today=date(2026, 5, 1))

    assert report.anonymised == 0
    with council.uow() as uow:
        assert uow.cases.get(kept).child.forename == "Philippa"
        assert uow.cases.get(still_open).child.forename == "Tobias"
    assert all(council.pdfs([x.id for x in letters]))
    # The next day, the first is due; running again then changes nothing more.
    assert (
        apply_retention(council.uow(), settings=council.settings, today=date(2026, 5, 2)).anonymised
        == 1
    )
    assert (
        apply_retention(council.uow(), settings=council.settings, today=date(2026, 5, 2)).anonymised
        == 0
    )


def test_the_retention_period_is_a_setting(
    council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = council.open_case()
    council.close(case_id, date(2019, 5, 1))
    monkeypatch.setenv("CME_RETENTION_YEARS", "1")
    settings = load_settings()

    assert retention_cutoff(date(2020, 5, 1), settings.retention_years) == date(2019, 5, 1)
    assert retention_cutoff(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert apply_retention(council.uow(), settings=settings, today=date(2020, 5, 1)).anonymised == 1


def env_file(name: str) -> dict[str, str]:
    lines = (REPO / "deployments" / "production" / name).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_prefect_keeps_its_flow_runs_no_longer_than_the_cases() -> None:
    server = env_file("prefect-server.env.example")
    worker = env_file("cme-worker.env.example")
    years = Settings().retention_years

    assert int(worker["CME_RETENTION_YEARS"]) == years
    assert "flow_runs" in server["PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED"].split(",")
    days = int(server["PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD"]) / 86400
    assert days == round(years * 365.25)


def cme(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    return result


def test_cme_audit_says_who_did_what_and_when_on_a_case(council: Council) -> None:
    case_id = council.open_case()
    other = council.open_case(forename="Tobias", upn="", surname="Wrenfield")
    council.close(case_id, date(2019, 5, 1))

    result = cme("audit", "--case", str(case_id), "--json")

    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert {e["case_id"] for e in entries} == {case_id}
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    decided = [e for e in entries if e["action"] == "decided closure: moved_abroad"]
    assert [e["who"] for e in decided] == ["Alex Morgan"]
    closed = [e for e in entries if e["action"].endswith("-> closed")]
    assert [e["who"] for e in closed] == ["Alex Morgan"]
    assert any(e["action"] == "opened -> received" and e["who"] == "system" for e in entries)
    assert any(e["action"] == "letter acknowledgement issued" for e in entries)

    everything = json.loads(cme("audit", "--json").stdout)
    assert {e["case_id"] for e in everything} == {case_id, other}
    plain = cme("audit", "--case", str(case_id))
    assert plain.exit_code == 0 and "Alex Morgan" in plain.output
    missing = cme("audit", "--case", "999999")
    assert missing.exit_code == 1 and "no case with id 999999" in missing.output


def test_the_sqlite_database_its_journal_files_and_cme_home_are_owner_only(
    isolated_home: Path, tmp_path: Path
) -> None:
    settings = load_settings()
    council = Council(settings.effective_database_url, tmp_path)
    council.open_case()
    council.close(1, date(2019, 5, 1))
    assert make_print_batch(council.uow(), settings=settings, today=date(2019, 5, 1))

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(isolated_home) == 0o700
    database = isolated_home / "cme.sqlite3"
    journals = [p for p in isolated_home.iterdir() if p.name.startswith("cme.sqlite3-")]
    assert {p.name for p in journals} >= {"cme.sqlite3-wal", "cme.sqlite3-shm"}
    assert {mode(p) for p in [database, *journals]} == {0o600}
    folders = [p for p in isolated_home.rglob("*") if p.is_dir()]
    # Letters live in the database; the print room's batch is an export written here.
    assert "print" in {p.name for p in folders}
    assert {mode(p) for p in folders} == {0o700}
    assert {mode(p) for p in isolated_home.rglob("*") if p.is_file()} == {0o600}


def test_an_upload_left_held_past_its_days_is_dropped_and_an_inbox_file_in_flight_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from missing_education.cli_support import open_uow
    from missing_education.services import intake_files

    settings = load_settings()
    source = tmp_path / "refused.csv"
    source.write_text("forename\nAmira\n", encoding="utf-8")
    monkeypatch.setenv("CME_TODAY", "2026-10-01")
    upload = intake_files.hold(open_uow(settings), settings, source).id
    inbox = intake_files.hold(open_uow(settings), settings, source, move=True).id
    intake_files.refuse(open_uow(settings), upload, "refused.csv has no surname column")

    held_days = settings.held_file_days
    kept = apply_retention(open_uow(settings), settings=settings, today=date(2026, 10, 31))
    assert (held_days, kept.held_files_deleted) == (30, 0)  # 30 days: not yet
    dropped = apply_retention(open_uow(settings), settings=settings, today=date(2026, 11, 1))
    assert dropped.as_dict()["held_files_deleted"] == 1
    with pytest.raises(intake_files.HeldFileError):
        intake_files.held(open_uow(settings), settings, upload)
    assert intake_files.held(open_uow(settings), settings, inbox).name == "refused.csv"


def test_a_case_whose_date_of_birth_was_never_known_is_anonymised_after_closure_all_the_same(
    council: Council,
) -> None:
    # No 25th birthday to wait for: the after-closure rule alone applies.
    case_id = council.open_case(date_of_birth="")
    council.close(case_id, date(2019, 5, 1))

    report = apply_retention(council.uow(), settings=council.settings, today=date(2026, 5, 1))

    assert report.anonymised == 1
    with council.uow() as uow:
        case = uow.cases.get(case_id)
        assert case.child.forename == "[removed]" and case.child.date_of_birth is None
        assert uow.attention.get(case_id) is None
