"""Fixtures that give each contract test a fresh, migrated state database: a SQLite file and PostgreSQL.

PostgreSQL comes from MAILBOT_TEST_POSTGRES_URL (default: the local trust-auth `test` database). Each test
gets its own schema, selected through libpq's `options=-csearch_path=<schema>`, so the tables and Alembic's
version table all land in it; the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from mailbot.store import SqlStore, open_store
from mailbot.store.engine import database_url, safe_url

POSTGRES_ENV = "MAILBOT_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("MAILBOT_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_url() -> URL:
    """The PostgreSQL server to test against, checked once per session."""
    return database_url(os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES_URL))


@pytest.fixture(scope="session")
def postgres_admin(postgres_url: URL) -> Iterator[Engine]:
    """An autocommit engine on the test server, or a skip (a failure in CI) when it cannot be reached."""
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        problem = f"PostgreSQL at {safe_url(postgres_url)} is unreachable ({reason})"
        if _postgres_required():
            pytest.fail(f"{problem}, and CI=true or MAILBOT_REQUIRE_POSTGRES=1 requires it.", pytrace=False)
        pytest.skip(f"{problem}; start it or set {POSTGRES_ENV}, and MAILBOT_REQUIRE_POSTGRES=1 to insist.")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_schema_url(postgres_admin: Engine, postgres_url: URL) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema, which is dropped after the test."""
    schema = f"mailbot_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    given = postgres_url.query.get("options", ())
    options = " ".join([*([given] if isinstance(given, str) else given), f"-csearch_path={schema}"])
    yield postgres_url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty state database, once per supported backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'mailbot.sqlite3'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    """An open, migrated store on `store_url`, closed after the test."""
    with open_store(store_url) as opened:
        yield opened
