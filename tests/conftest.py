"""Shared fixtures: the repository root, a private copy of the example configuration, and PostgreSQL schemas.

PostgreSQL comes from MAILBOT_TEST_POSTGRES_URL (default: the local trust-auth `test` database). Each test
gets its own schema, selected through libpq's `options=-csearch_path=<schema>`, so the tables and Alembic's
version table all land in it; the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import URL, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from mailbot.store.engine import database_url, safe_url

pytest_plugins = ["sandbox_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
# The sandbox scenario's mail arrives before the tests' first sync: they track as if mailbot went live that day.
LIVE_SINCE = "2026-11-01"
SURVEY_SECRET = "MAILBOT_SURVEY_SECRET"


@pytest.fixture
def live_since() -> str:
    """The `tracking.since` date the tests' copies of the example organisation use (LIVE_SINCE)."""
    return LIVE_SINCE


@pytest.fixture(scope="session", autouse=True)
def strict_sandbox() -> Iterator[None]:
    """Commands the tests run (in-process or as subprocesses) check every EWS message against the schema."""
    previous = os.environ.get("MAILBOT_SANDBOX_STRICT")
    os.environ["MAILBOT_SANDBOX_STRICT"] = "1"
    yield
    if previous is None:
        del os.environ["MAILBOT_SANDBOX_STRICT"]
    else:
        os.environ["MAILBOT_SANDBOX_STRICT"] = previous


@pytest.fixture(scope="session", autouse=True)
def survey_secret() -> Iterator[None]:
    """The key that signs member survey links, which the example's survey needs once it points at a real server."""
    previous = os.environ.get(SURVEY_SECRET)
    os.environ[SURVEY_SECRET] = "the tests' survey key"
    yield
    if previous is None:
        del os.environ[SURVEY_SECRET]
    else:
        os.environ[SURVEY_SECRET] = previous


@pytest.fixture
def example_config(tmp_path: Path) -> Path:
    """A copy of service.yaml, config/ and message_templates/ that a test may break; returns the service.yaml.

    Its policy.yaml tracks mail from LIVE_SINCE (the shipped one says `first run`).
    """
    shutil.copy(ROOT / "service.yaml", tmp_path / "service.yaml")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "message_templates", tmp_path / "message_templates")
    policy = tmp_path / "config/policy.yaml"
    shipped = policy.read_text()
    assert "  since: first run " in shipped, "config/policy.yaml no longer says `since: first run`"
    policy.write_text(shipped.replace("  since: first run ", f"  since: {LIVE_SINCE} ", 1))
    return tmp_path / "service.yaml"


@pytest.fixture
def two_offices(example_config: Path) -> Path:
    """The example copy as an organisation with offices in Berlin (everyone, under Maria Reyes) and Sydney (Anna
    Brandt, who supervises James Okafor there), German and Australian holidays; returns the service.yaml."""
    policy_file, people_file = (example_config.parent / "config" / name for name in ("policy.yaml", "people.yaml"))
    policy = yaml.safe_load(policy_file.read_text())
    hours = {"mon-fri": "08:00-17:00"}
    policy["offices"] = {
        "berlin": {"timezone": "Europe/Berlin", "hours": hours, "holidays": {"country": "DE", "subdivision": "BE"}},
        "sydney": {"timezone": "Australia/Sydney", "hours": hours, "holidays": {"country": "AU", "subdivision": "NSW"}},
    }
    policy_file.write_text(yaml.safe_dump(policy))
    people = yaml.safe_load(people_file.read_text())
    for entry in [*people["people"], *people["shared_mailboxes"]]:
        entry["office"] = "sydney" if entry.get("id") in ("abrandt", "jokafor") else "berlin"
        if entry.get("id") == "jokafor":
            entry["supervisor"] = "abrandt"
    people_file.write_text(yaml.safe_dump(people))
    return example_config


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
