"""Many new rows into one table: PostgreSQL's COPY where it is there, executemany elsewhere.

An executemany sends one INSERT per row, and PostgreSQL plans and runs each on its own; COPY
streams every row through one statement, which halves intake's cost of writing cases and
notifications. The rows join the surrounding transaction like any other statement, and an
error is raised as the statement's would be (a unique violation as WriteConflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, exc, insert
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from missing_education.persistence.database import translated_driver_error

# Fewer rows than this go by executemany: COPY's set-up costs more than it saves.
COPY_FROM = 20


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same keys) into `table`, in the current transaction."""
    if not rows:
        return
    names = list(rows[0])
    missing = [c.default for c in table.columns if c.name not in names and c.default is not None]
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in names and isinstance(c.default, ScalarElementColumnDefault)
    }
    if (
        connection.dialect.name != "postgresql"
        or len(rows) < COPY_FROM
        or len(defaults) < len(missing)  # a default computed per row: executemany's job
        or any(row.keys() != rows[0].keys() for row in rows)
    ):
        connection.execute(insert(table), list(rows))
        return
    # Column defaults that executemany would fill in, COPY must be given.
    columns = names + list(defaults)
    fill = list(defaults.values())
    if not connection.in_transaction():
        connection.begin()
    import psycopg  # here, not above: SQLite-only installs never load the PostgreSQL driver

    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names] + fill)
    except psycopg.Error as error:
        translated = translated_driver_error(error)
        if translated is not None:
            raise translated from None
        raise exc.DBAPIError.instance(
            statement, None, error, psycopg.Error, hide_parameters=True
        ) from None
