"""Migration 0014 lets a case have no date of birth, on a database whose cases other tables
reference, and refuses to go back while a case still lacks one."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import text

from missing_education.persistence.database import _alembic_config, engine_for, upgrade

BEFORE = "0013_i14a_attendance_order"
INSERT = text(
    "INSERT INTO cases (id, status, forename, surname, date_of_birth, sex, upn,"
    " address_line1, address_line2, town, postcode, parent_name, parent_phone,"
    " parent_email, school_urn, school_name, reason, vulnerabilities, safeguarding,"
    " referrer_name, referrer_organisation, referrer_email, identity_key,"
    " referral_date, opened_on, csa_starts, csa_ends, csa_needs_review, notes,"
    " created_at) VALUES (:id, 'investigating', 'A', 'B', :born, '', '', '', '', '',"
    " '', '', '', '', '', '', '', '', false, '', '', '', :key, :day, :day, :starts,"
    " :starts, false, '', :day)"
)
DAY = date(2026, 11, 16)


def _migrate(url: str, to: str, *, down: bool) -> None:
    with engine_for(url).begin() as connection:
        config = _alembic_config(url)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, to)


def test_a_case_without_a_date_of_birth_can_be_kept_after_the_upgrade_and_not_before(
    database_url: str,
) -> None:
    # A new SQLite file goes up to the revision before; the session's PostgreSQL comes down.
    _migrate(database_url, BEFORE, down=not database_url.startswith("sqlite"))
    engine = engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(INSERT, {"id": 1, "born": DAY.replace(year=2015), "key": "a|b|1",
                                    "day": DAY, "starts": DAY})  # fmt: skip
        connection.execute(
            text(
                "INSERT INTO case_history (case_id, at, who, from_status, to_status, why) "
                "VALUES (1, :day, 'system', NULL, 'received', 'opened')"
            ),
            {"day": DAY},
        )

    upgrade(database_url)

    with engine.begin() as connection:
        connection.execute(INSERT, {"id": 2, "born": None, "key": "x", "day": DAY, "starts": None})
        rows = connection.execute(text("SELECT id, date_of_birth FROM cases ORDER BY id")).all()
        assert [r[0] for r in rows] == [1, 2] and rows[1][1] is None
        assert connection.execute(text("SELECT count(*) FROM case_history")).scalar_one() == 1
    with pytest.raises(RuntimeError, match="have no date of birth"):
        _migrate(database_url, BEFORE, down=True)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM cases WHERE id = 2"))
    _migrate(database_url, BEFORE, down=True)
    with engine.begin() as connection, pytest.raises(Exception) as refused:
        connection.execute(INSERT, {"id": 3, "born": None, "key": "y", "day": DAY, "starts": None})
    assert "null" in str(refused.value).lower() or "NOT NULL" in repr(refused.value.__cause__)
    upgrade(database_url)
