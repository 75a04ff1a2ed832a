"""Fixtures that give each contract test a fresh, migrated state database: a SQLite file and PostgreSQL (a schema
of its own, from tests/conftest.py's postgres_schema_url)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mailbot.store import SqlStore, open_store


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
