"""Connecting to the case database and bringing its schema up to date with Alembic."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import ExceptionContext, make_url

from missing_education.ports import DatabaseUnavailable, WriteConflict
from missing_education.private_files import PRIVATE_FILE, make_private_dir

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        path = Path(database)
        # Children's data: readable by its owner only. SQLite gives the -wal and -shm files it
        # makes beside the database the database file's own mode.
        make_private_dir(path.parent)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
            os.chmod(path, PRIVATE_FILE)


# SQLSTATEs of PostgreSQL errors that mean "another transaction got there first".
_CONFLICT_STATES = ("23505", "40001", "40P01")  # unique violation, serialisation, deadlock
# ... and those that mean the server is not there to ask: connection exceptions, shutting down,
# out of resources.
_UNAVAILABLE_STATES = ("08", "57P", "53")
_SQLITE_UNAVAILABLE = (
    "unable to open database file",
    "disk I/O error",
    "database or disk is full",
    "readonly database",
)


def _first_line(error: BaseException) -> str:
    # Drivers put the values of a failed row in later lines (PostgreSQL's DETAIL): never those.
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


def _unavailable(original: BaseException) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"the case database is unavailable ({_first_line(original)}); nothing after the "
        "last commit was kept: run it again when the database is back"
    )


def _translated(context: ExceptionContext) -> Exception | None:
    if context.is_pre_ping:
        return None  # the pool's own check of an idle connection: it reconnects by itself
    original = context.original_exception
    message = str(original)
    state = getattr(original, "sqlstate", None) or ""
    sqlite = type(original).__module__.startswith("sqlite3")
    if context.is_disconnect or isinstance(context.sqlalchemy_exception, exc.InterfaceError):
        return _unavailable(original)
    if state in _CONFLICT_STATES or (
        sqlite
        and isinstance(context.sqlalchemy_exception, exc.IntegrityError)
        and "UNIQUE constraint failed" in message
    ):
        return WriteConflict(_first_line(original))
    if sqlite and "database is locked" in message:
        return WriteConflict("the SQLite case database is locked by another process")
    if state.startswith(_UNAVAILABLE_STATES):
        return _unavailable(original)
    if isinstance(context.sqlalchemy_exception, exc.OperationalError) and (
        (not sqlite and not state) or (sqlite and any(m in message for m in _SQLITE_UNAVAILABLE))
    ):
        return _unavailable(original)  # refused, timed out, no such file: not our statement
    return None


def translated_driver_error(original: BaseException) -> Exception | None:
    """What a PostgreSQL driver error raised outside SQLAlchemy (a COPY) stands for, as
    `_translated` would say: WriteConflict, DatabaseUnavailable, or None for anything else."""
    state = getattr(original, "sqlstate", None) or ""
    if state in _CONFLICT_STATES:
        return WriteConflict(_first_line(original))
    if state.startswith(_UNAVAILABLE_STATES):
        return _unavailable(original)
    import psycopg

    if isinstance(original, psycopg.OperationalError | psycopg.InterfaceError) and not state:
        return _unavailable(original)  # the connection went: not our statement
    return None


def _translate_errors(engine: Engine) -> None:
    """Raise WriteConflict and DatabaseUnavailable in place of the driver's errors for them."""
    event.listen(engine, "handle_error", _translated, retval=True)


@cache
def engine_for(url: str) -> Engine:
    """One engine per database URL for the life of the process."""
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        _prepare_sqlite_file(url)
        # Parameters are children's details: never in an error message or a log line.
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets the sweep read while an intake writes; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # pysqlite commits before DDL on its own; take over so a migration is all or nothing.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN")

        _translate_errors(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    _translate_errors(engine)
    return engine


def head_revision() -> str | None:
    """The newest migration in the repository."""
    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None when it is empty)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str) -> tuple[str | None, str | None]:
    """Apply every migration the database lacks; return (before, after) revisions."""
    engine = engine_for(url)
    before = current_revision(engine)
    with engine.begin() as connection:
        config = _alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, current_revision(engine)


@cache
def ensure_schema(url: str) -> Engine:
    """The engine, after upgrading the database if it is behind (first use creates it)."""
    engine = engine_for(url)
    if current_revision(engine) != head_revision():
        upgrade(url)
    return engine
