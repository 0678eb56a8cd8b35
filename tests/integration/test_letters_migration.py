"""Upgrading a case database whose letters were PDF files under CME_HOME: the migration copies
each PDF into the database, byte for byte, so every host reads it; a file already gone is left.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text

from missing_education.persistence import SqlUnitOfWork
from missing_education.persistence.database import _alembic_config, engine_for, upgrade

BEFORE = "0010_i16_case_merges"


def test_letters_written_as_files_before_the_upgrade_are_in_the_database_after_it(
    database_url: str, tmp_path: Path
) -> None:
    engine = engine_for(database_url)
    with engine.begin() as connection:
        config = _alembic_config(database_url)
        config.attributes["connection"] = connection
        if database_url.startswith("sqlite"):
            command.upgrade(config, BEFORE)  # a new file: up to the revision before
        else:
            # The session's PostgreSQL database is at the newest revision: back to before.
            command.downgrade(config, BEFORE)
    kept = tmp_path / "letters" / "CME-000001" / "acknowledgement-1.pdf"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"%PDF-1.7\n% a letter typeset before the upgrade\n")
    gone = tmp_path / "letters" / "CME-000001" / "deleted-by-hand.pdf"
    now = datetime(2026, 11, 16, 9, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (id, status, forename, surname, date_of_birth, sex, upn,"
                " address_line1, address_line2, town, postcode, parent_name, parent_phone,"
                " parent_email, school_urn, school_name, reason, vulnerabilities, safeguarding,"
                " referrer_name, referrer_organisation, referrer_email, identity_key,"
                " referral_date, opened_on, csa_starts, csa_ends, csa_needs_review, notes,"
                " created_at) VALUES (1, 'investigating', 'A', 'B', :born, '', '', '', '', '',"
                " '', '', '', '', '', '', '', '', false, '', '', '', 'a|b', :day, :day, :day,"
                " :day, false, '', :now)"
            ),
            {"born": date(2015, 3, 4), "day": date(2026, 11, 16), "now": now},
        )
        for letter_id, path in ((1, kept), (2, gone)):
            connection.execute(
                text(
                    "INSERT INTO letters (id, case_id, step_key, letter_type, recipient_role,"
                    " recipient, recipient_email, channel, template_version, sha256, pages,"
                    " path, created_at, status, attempts, last_error, message_id) VALUES"
                    " (:id, 1, :key, 'acknowledgement', 'referrer', 'School', '', 'post',"
                    " 'v', :sha, 1, :path, :now, 'queued', 0, '', '')"
                ),
                {
                    "id": letter_id,
                    "key": f"acknowledgement:{letter_id}",
                    "sha": "0" * 64,
                    "path": str(path),
                    "now": now,
                },
            )

    try:
        before, after = upgrade(database_url)
    finally:
        upgrade(database_url)  # whatever happened, the next test finds the newest schema

    assert before == BEFORE and after is not None and after != BEFORE
    with SqlUnitOfWork(database_url) as uow:
        copied = uow.documents.read(1)
        missing = uow.documents.read(2)
        letter = uow.letters.get(1)
    assert copied == kept.read_bytes()
    assert hashlib.sha256(copied).digest() == hashlib.sha256(kept.read_bytes()).digest()
    assert missing is None
    assert letter.is_typeset  # a letter typeset before is not queued for the renderer again
