"""Jobs end to end: dependencies wired to a sandbox Exchange through each real backend, EWS and Graph.

Every test that uses `deps_for` (or the sandbox fixtures) runs once per backend kind: EWS over plain HTTP, and
Microsoft Graph over HTTPS signed by the session's test CA, with app-only tokens from the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_fixtures import _TLS_ENVIRONMENT

from mailbot.config import Settings, load_settings
from mailbot.exchange.base import ExchangeBackend, SandboxAccess
from mailbot.exchange.ews import EwsBackend, EwsConnection
from mailbot.exchange.graph import GraphBackend, sandbox_connection
from mailbot.jobs import Deps
from mailbot.runtime import sandbox_access, survey_keys
from mailbot.sandbox import Organisation, SandboxCA, SandboxServer
from mailbot.store import open_store

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("ews", "graph")


@pytest.fixture
def settings(live_since: str) -> Settings:
    """The example organisation, tracking mail from `live_since`: the scenario's mail predates the first sync."""
    return load_settings(ROOT / "service.yaml").with_tracking_since(live_since)


@pytest.fixture(params=KINDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    """The backend the end-to-end test runs through."""
    return str(request.param)


@pytest.fixture
def make_sandbox(
    make_sandbox: Callable[..., SandboxServer], backend_kind: str, request: pytest.FixtureRequest
) -> Callable[..., SandboxServer]:
    """The shared make_sandbox, but over HTTPS (the test CA, the environment's TLS overrides removed) for Graph."""
    if backend_kind != "graph":
        return make_sandbox
    ca: SandboxCA = request.getfixturevalue("sandbox_ca")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    for name in _TLS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    def make(scenario: Any = None, *, org: Organisation | None = None) -> SandboxServer:
        return make_sandbox(scenario, org=org, tls=ca)

    return make


@pytest.fixture
def deps_for(settings: Settings, tmp_path: Path, backend_kind: str) -> Iterator[Callable[..., Deps]]:
    """Job dependencies for a sandbox: a fresh backend of this kind and the test's SQLite store.

    Calling it again for the same sandbox is a restart: new connections, the same state database.
    """
    opened: list[Any] = []

    def make(server: SandboxServer, *, dry_run: bool = False, retry_max_wait: int = 5) -> Deps:
        backend = _backend(backend_kind, server, retry_max_wait)
        store = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
        opened.extend([backend, store])
        return Deps(settings, backend, store, dry_run=dry_run, survey=survey_keys(settings))

    yield make
    for thing in opened:
        thing.close()


def _backend(kind: str, server: SandboxServer, retry_max_wait: int) -> ExchangeBackend:
    if kind == "graph":
        access = sandbox_access(server.org, server.url, server.ca_bundle_path)
        return GraphBackend(sandbox_connection(access, retry_max_wait=retry_max_wait))
    access = SandboxAccess(server.url, server.org.service_account, server.org.service_password)
    return EwsBackend(EwsConnection(access.ews_url, "basic", access.username, access.password,
                                    retry_max_wait=retry_max_wait))  # fmt: skip
