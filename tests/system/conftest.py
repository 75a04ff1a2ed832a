"""Jobs end to end: dependencies wired to a sandbox Exchange through the real EWS backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mailbot.config import Settings, load_settings
from mailbot.exchange.base import SandboxAccess
from mailbot.exchange.ews import EwsBackend, EwsConnection
from mailbot.jobs import Deps
from mailbot.sandbox import SandboxServer
from mailbot.store import open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings() -> Settings:
    return load_settings(ROOT / "service.yaml")


@pytest.fixture
def deps_for(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., Deps]]:
    """Job dependencies for a sandbox: a fresh EWS backend over HTTP and the test's SQLite store.

    Calling it again for the same sandbox is a restart: new connections, the same state database.
    """
    opened: list[Any] = []

    def make(server: SandboxServer, *, dry_run: bool = False, retry_max_wait: int = 5) -> Deps:
        access = SandboxAccess(server.url, server.org.service_account, server.org.service_password)
        connection = EwsConnection(
            access.ews_url, "basic", access.username, access.password, retry_max_wait=retry_max_wait
        )
        backend = EwsBackend(connection)
        store = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
        opened.extend([backend, store])
        return Deps(settings, backend, store, dry_run=dry_run)

    yield make
    for thing in opened:
        thing.close()
