"""Migration 0016 keeps a taken-in file's id (without its bytes or name), and going back drops
the rows of files already let go, which would otherwise look held again."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from missing_education.persistence.database import engine_for, upgrade
from tests.integration.test_date_of_birth_migration import _migrate

BEFORE = "0015_held_files"
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_a_held_file_survives_the_upgrade_and_a_let_go_one_is_dropped_going_back(
    database_url: str,
) -> None:
    # A new SQLite file goes up to the revision before; the session's PostgreSQL comes down.
    _migrate(database_url, BEFORE, down=not database_url.startswith("sqlite"))
    engine = engine_for(database_url)
    insert = text(
        "INSERT INTO held_files (id, name, size, content, from_inbox, held_at) "
        "VALUES (:id, 'a.csv', 2, :content, false, :at)"
    )
    try:
        with engine.begin() as connection:
            connection.execute(insert, {"id": "f-0000000000000001", "content": b"a\n", "at": AT})

        upgrade(database_url)

        with engine.begin() as connection:
            connection.execute(insert, {"id": "f-0000000000000002", "content": b"b\n", "at": AT})
            connection.execute(
                text("UPDATE held_files SET released_at = :at WHERE id = 'f-0000000000000002'"),
                {"at": AT},
            )
        _migrate(database_url, BEFORE, down=True)
        with engine.begin() as connection:
            ids = connection.execute(text("SELECT id FROM held_files ORDER BY id")).scalars()
            assert list(ids) == ["f-0000000000000001"]
    finally:
        upgrade(database_url)  # whatever happened, the next test finds the newest schema
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM held_files"))
