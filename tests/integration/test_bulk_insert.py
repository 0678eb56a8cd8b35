"""Many rows into one table: COPY on PostgreSQL, executemany on SQLite, the same rows either way,
in the caller's transaction, and a clash raised as WriteConflict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from missing_education.persistence.bulk import COPY_FROM, insert_rows
from missing_education.persistence.database import engine_for
from missing_education.ports import WriteConflict

metadata = MetaData()
sample = Table(
    "bulk_insert_sample",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("born", Date, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("flag", Boolean, nullable=False, default=False),
    Column("notes", Text, nullable=False),
    Column("data", LargeBinary, nullable=True),
)
# What a COPY in text format must escape: tabs, new lines, backslashes, \N, and more than ASCII.
AWKWARD = ("tab\there", "line\nbreak\r\n", "back\\slash", "\\N", "Zoë Łukasz 王", "", "a,b;'\"")


@pytest.fixture
def table(database_url: str) -> Iterator[str]:
    engine = engine_for(database_url)
    metadata.create_all(engine)
    yield database_url
    metadata.drop_all(engine)


def _rows(count: int, start: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "name": f"row {n}",
            "born": date(2015, 1, 1 + n % 28) if n % 3 else None,
            "at": datetime(2026, 11, 30, 9, n % 60, tzinfo=UTC),
            "notes": AWKWARD[n % len(AWKWARD)],
            "data": bytes(range(n % 7, n % 7 + 5)) if n % 2 else None,
        }
        for n in range(start, start + count)
    ]


@pytest.mark.parametrize("count", [COPY_FROM - 1, COPY_FROM * 5])
def test_the_rows_read_back_as_they_were_given_with_defaults_filled_in(
    table: str, count: int
) -> None:
    rows = _rows(count)
    with engine_for(table).begin() as connection:
        insert_rows(connection, sample, rows)
    with engine_for(table).connect() as connection:
        stored = [
            dict(r._mapping) for r in connection.execute(select(sample).order_by(sample.c.id))
        ]
    for row in stored:
        row["at"] = row["at"].replace(tzinfo=UTC) if row["at"].tzinfo is None else row["at"]
        row["data"] = bytes(row["data"]) if row["data"] is not None else None
    assert stored == [{**row, "flag": False} for row in rows]


def test_the_rows_are_part_of_the_callers_transaction(table: str) -> None:
    with engine_for(table).connect() as connection:
        insert_rows(connection, sample, _rows(COPY_FROM * 2))
        connection.rollback()
        assert connection.execute(select(sample.c.id)).first() is None


def test_a_row_that_clashes_with_one_stored_raises_write_conflict_without_its_values(
    table: str,
) -> None:
    with engine_for(table).begin() as connection:
        insert_rows(connection, sample, _rows(1, start=7))
    with engine_for(table).connect() as connection:
        with pytest.raises(WriteConflict) as clash:
            insert_rows(connection, sample, _rows(COPY_FROM * 2))
        connection.rollback()
        assert "row 7" not in str(clash.value)
        assert [r.id for r in connection.execute(select(sample.c.id))] == [7]
