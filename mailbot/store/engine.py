"""Opening the state database: URL handling, engine set-up, Alembic migrations, readable errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from mailbot.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
_HINT = "check `state.url` in service.yaml"
_ADVISORY_LOCK_ID = 0x6D61696C626F74  # "mailbot": serialises concurrent migrations on PostgreSQL
# How long a SQLite writer waits for another process's transaction. A claim and its send share one transaction, so
# a second run claiming the same key waits out the first one's send (a slow server, throttling and retries: minutes,
# not hours) and then finds the key taken, instead of failing with "database is locked".
SQLITE_BUSY_SECONDS = 600
# The execution option that makes SQLite transactions begin IMMEDIATE (see _create_sqlite_engine).
_BEGIN_MODE = "mailbot_sqlite_begin"
WRITE_TRANSACTION = {_BEGIN_MODE: "IMMEDIATE"}


def database_url(url: str) -> URL:
    """Parse a state URL, mapping plain postgresql:// (and postgres://) to the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        masked = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
        raise StoreError(
            f"The state database URL {masked!r} is not a valid URL; use e.g. "
            f"sqlite:///state/mailbot.sqlite3 or postgresql://user@host:5432/db in `state.url`."
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"The state database {safe_url(parsed)} uses {parsed.get_backend_name()!r}, which mailbot "
            f"does not support; use a sqlite:/// or postgresql:// URL in `state.url`."
        )
    return parsed


def sqlite_file(url: URL) -> str | None:
    """The file a SQLite URL names; None for one held in memory and for any other database."""
    database = url.database or ""
    return database if url.get_backend_name() == "sqlite" and database not in ("", ":memory:") else None


def safe_url(url: URL) -> str:
    """The URL as text with any password masked, fit for messages and logs."""
    return url.render_as_string(hide_password=True)


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str | None:
    """The newest migration revision this version of mailbot knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The migration revision recorded in the database (None if never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def open_engine(url: str, *, migrate: bool = True) -> Engine:
    """Create an engine for `url`, check the database answers, and (by default) migrate it to head."""
    parsed = database_url(url)
    engine = _create_engine(parsed)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        where, reason = safe_url(parsed), _reason(exc, parsed)
        raise StoreError(f"Cannot open the state database at {where}: {reason}; {_HINT}.") from None
    if migrate:
        try:
            upgrade(engine, "head")
        except CommandError as exc:
            engine.dispose()
            raise StoreError(
                f"Cannot migrate the state database at {safe_url(parsed)}: {_first_line(str(exc))}; it was "
                f"probably written by a newer mailbot, so upgrade mailbot or point `state.url` elsewhere."
            ) from None
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(
                f"Cannot migrate the state database at {safe_url(parsed)}: {_reason(exc, parsed)}; "
                f"check that its user may create tables."
            ) from None
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic `upgrade` in one transaction; a no-op when the database is already there."""
    if revision == "head":
        with engine.connect() as connection:
            if current_revision(connection) == head_revision():
                return  # read only: opening a database in use never waits for another process's transaction
    config = alembic_config()
    # Two processes opening a new database at once: on SQLite the second waits for the write lock, then finds the
    # schema there (on PostgreSQL the advisory lock does the same).
    with engine.execution_options(**WRITE_TRANSACTION).begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Run Alembic `downgrade` in one transaction (for maintenance and tests)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _create_engine(url: URL) -> Engine:
    """The engine for `url`. Its errors never show the statement's parameters: they hold member data (senders,
    subjects, message ids), and an error may reach the terminal or a log. Text it is given never holds NUL."""
    try:
        if url.get_backend_name() == "sqlite":
            return _without_nul(_create_sqlite_engine(url))
        connect_args: dict[str, Any] = {} if "connect_timeout" in url.query else {"connect_timeout": 10}
        return _without_nul(create_engine(url, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True))
    except ArgumentError as exc:  # e.g. a driver that is not installed
        raise StoreError(f"Cannot open the state database at {safe_url(url)}: {exc}; {_HINT}.") from None


NUL = "\x00"
NUL_STORED = "\ufffd"  # the replacement character


def _without_nul(engine: Engine) -> Engine:
    """Every NUL character in text bound to a statement becomes U+FFFD, on every database alike: PostgreSQL
    refuses NUL in text, and a member's subject (or a sender's Message-ID) may hold one. Lookups are changed the
    same way, so they still find what was stored."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _clean(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> tuple[str, Any]:
        return statement, _clean_parameters(parameters, executemany)

    return engine


def _clean_parameters(parameters: Any, many: bool) -> Any:
    if many and isinstance(parameters, (list, tuple)):
        return type(parameters)(_clean_parameters(one, False) for one in parameters)
    if isinstance(parameters, dict):
        return {key: _clean_value(value) for key, value in parameters.items()}
    if isinstance(parameters, (list, tuple)):
        return type(parameters)(_clean_value(value) for value in parameters)
    return parameters


def _clean_value(value: Any) -> Any:
    return value.replace(NUL, NUL_STORED) if isinstance(value, str) and NUL in value else value


def _create_sqlite_engine(url: URL) -> Engine:
    database = sqlite_file(url)
    in_memory = database is None
    if database is None:
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}, hide_parameters=True
        )
    else:
        parent = Path(database).parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the directory {str(parent)!r} for the state database {safe_url(url)}: "
                f"{exc.strerror}; {_HINT}."
            ) from None
        engine = create_engine(url, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin, so DDL is transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A transaction that writes after reading must hold the write lock from its start (BEGIN IMMEDIATE): a
        # deferred one that finds another process wrote in between fails at once ("database is locked") instead of
        # waiting, as a transaction whose first statement writes does.
        mode = connection.get_execution_options().get(_BEGIN_MODE, "")
        connection.exec_driver_sql(f"BEGIN {mode}".rstrip())

    return engine


def _reason(exc: SQLAlchemyError, url: URL) -> str:
    """The driver's own first line, without the SQL, and never the password."""
    detail = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    reason = _first_line(detail)
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason or type(exc).__name__


def _first_line(detail: str) -> str:
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    return lines[0].rstrip(".") if lines else ""
