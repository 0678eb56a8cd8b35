"""The case database opens, migrates and stores a case on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from missing_education import services
from missing_education.persistence import SqlUnitOfWork
from missing_education.settings import load_settings


def test_a_file_of_notifications_opens_cases_on_either_database(
    database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "n.csv"
    file.write_text(
        "forename,surname,date_of_birth,referral_date,referrer_organisation\n"
        "Amira,Khan,2015-03-04,2026-11-20,Matlock Primary\n",
        encoding="utf-8",
    )
    from datetime import date

    report = services.ingest_file(
        SqlUnitOfWork(database_url), file, settings=load_settings(), today=date(2026, 11, 25)
    )
    assert (report.opened, report.rejected) == (1, 0)
    cases = services.list_cases(SqlUnitOfWork(database_url))
    assert [c["status"] for c in cases] == ["investigating"]
