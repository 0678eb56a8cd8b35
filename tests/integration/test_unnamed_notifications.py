"""A notification without a name still becomes a case a person can work, and is never merged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from missing_education import services
from missing_education.domain.letter import Channel, Recipient
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.letters import LetterRequest, letter_context
from missing_education.settings import load_settings

TODAY = date(2026, 11, 25)
FILE = """forename,surname,date_of_birth,referral_date,referrer_organisation,notes
,,2015-03-04,2026-11-20,Housing,first child
,,2015-03-04,2026-11-20,Housing,second child
,Jones,2016-01-01,2026-11-20,Housing,
"""


def ingest(url: str, path: Path) -> services.IntakeReport:
    return services.ingest_file(SqlUnitOfWork(url), path, settings=load_settings(), today=TODAY)


def test_children_notified_without_names_each_get_a_case_once(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "notifications.csv"
    path.write_text(FILE, encoding="utf-8")
    first = ingest(database_url, path)
    assert (first.opened, len(first.rejections)) == (3, 0)
    # Two unnamed children born the same day are two cases; the same file again adds none.
    again = ingest(database_url, path)
    assert (again.opened, len(again.rejections)) == (0, 0)


def test_a_letter_says_which_name_was_not_given(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notifications.csv"
    path.write_text(FILE, encoding="utf-8")
    ingest(database_url, path)
    with SqlUnitOfWork(database_url) as uow:
        case = uow.cases.get(3)
    recipient = Recipient("referrer", "Housing", Channel.EMAIL, email="housing@example.org")
    request = LetterRequest(case, "acknowledgement", "acknowledgement:test", recipient)
    child = letter_context(request, load_settings(), TODAY)["child"]
    assert (child["forename"], child["surname"]) == ("(forename not given)", "Jones")
