"""Pytest plugin: the sandbox Exchange on a real socket, strict: every EWS message checked against Microsoft's
schema (shipped in mailbot/sandbox/ews_xsd), as Exchange checks requests.

Fixtures: `sandbox`, `make_sandbox`; over HTTPS with the token endpoint for OAuth: `sandbox_ca` (session),
`make_tls_sandbox`, `tls_sandbox`. Helpers: `ews_account`, `quiet_scenario`. Commands run in a subprocess get a
strict embedded sandbox through MAILBOT_SANDBOX_STRICT=1 (set for the whole session in conftest.py). Requests to
send by hand: `ENVELOPE`, `CONVERT_ID`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from mailbot.sandbox import Organisation, SandboxCA, SandboxServer, load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SCENARIO = ROOT / "config" / "sandbox.yaml"
# The week the tests pin relative scenario times to: Monday 23 November 2026 (Thanksgiving on Thursday, the
# office closed on Friday), so the example's clock starts at Monday 08:00 New York time.
EXAMPLE_WEEK = date(2026, 11, 23)
# EWS requests for tests that talk to the endpoint without exchangelib: a SOAP envelope for Exchange 2016 around
# `body`, and a schema-valid ConvertId (the operation exchangelib probes the server version with).
ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header>'
    '<t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>{body}</s:Body></s:Envelope>'
)
CONVERT_ID = ENVELOPE.format(
    body='<m:ConvertId DestinationFormat="EwsId"><m:SourceIds><t:AlternateId Format="EwsId" Id="DUMMY" '
    'Mailbox="DUMMY"/></m:SourceIds></m:ConvertId>'
)


def quiet_scenario() -> dict[str, Any]:
    """The example organisation's people and calendars (Li's vacation too) with empty mailboxes, for a story told
    by injected mail alone."""
    scenario = yaml.safe_load(EXAMPLE_SCENARIO.read_text())
    for mailbox in scenario["mailboxes"]:
        mailbox.pop("inbox", None)
        mailbox.pop("sent", None)
    return dict(scenario)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes for custom organisations: `make_sandbox(scenario_dict_or_path)` (relative times in the
    week of EXAMPLE_WEEK) or `make_sandbox(org=...)`; all are strict (every EWS message checked against
    Microsoft's schema, which fails the test on any violation) and all are stopped after the test."""
    import exchangelib

    started: list[SandboxServer] = []

    def make(
        scenario: dict[str, Any] | Path | None = None, *, org: Organisation | None = None, tls: SandboxCA | None = None
    ) -> SandboxServer:
        if org is None:
            org = load_scenario(scenario if scenario is not None else EXAMPLE_SCENARIO, week=EXAMPLE_WEEK)
        server = SandboxServer(org, tls=tls, strict=True).start()
        started.append(server)
        return server

    yield make
    exchangelib.close_connections()  # exchangelib caches sessions per endpoint; none may outlive the server
    for server in started:
        server.stop()
    assert [] == [problem for server in started for problem in server.schema_violations]


@pytest.fixture
def sandbox(make_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    """The example organisation (config/sandbox.yaml) in the week of EXAMPLE_WEEK, served on a free port, its
    clock fixed at the scenario's (Monday 08:00)."""
    return make_sandbox(EXAMPLE_SCENARIO)


# Environment variables that could redirect or weaken TLS trust, or route localhost through a proxy.
_TLS_ENVIRONMENT = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "MSAL_FORCE_REGION", "HTTPS_PROXY", "https_proxy",
                    "ALL_PROXY", "all_proxy")  # fmt: skip


@pytest.fixture(scope="session")
def sandbox_ca(tmp_path_factory: pytest.TempPathFactory) -> SandboxCA:
    """A throwaway certificate authority for this test session, its certificate in `ca_bundle_path`."""
    return SandboxCA(tmp_path_factory.mktemp("sandbox-ca"))


@pytest.fixture
def make_tls_sandbox(
    make_sandbox: Callable[..., SandboxServer], sandbox_ca: SandboxCA, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., SandboxServer]:
    """Like make_sandbox, but over HTTPS signed by `sandbox_ca`, with the token endpoint as OAuth authority.

    Clients must trust that CA themselves (a backend's `verify`, msal's http_client): the environment's CA bundle,
    proxy and msal region variables are removed for the test, so they can neither break nor fake a pass.
    """
    for name in _TLS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    def make(scenario: dict[str, Any] | Path | None = None, *, org: Organisation | None = None) -> SandboxServer:
        return make_sandbox(scenario, org=org, tls=sandbox_ca)

    return make


@pytest.fixture
def tls_sandbox(make_tls_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    """The example organisation over HTTPS (see make_tls_sandbox); msal trusts it through `sandbox_ca`."""
    return make_tls_sandbox(EXAMPLE_SCENARIO)


def ews_account(
    server: SandboxServer,
    email: str,
    *,
    user: str | None = None,
    password: str | None = None,
    fail_fast: bool = False,
    max_wait: float = 10,
    impersonation: bool = True,
) -> Any:
    """An exchangelib Account for `email` through the service account, exactly as mailbot builds one."""
    from exchangelib import (
        BASIC,
        DELEGATE,
        IMPERSONATION,
        Account,
        Configuration,
        Credentials,
        EWSTimeZone,
        FailFast,
        FaultTolerance,
    )
    from exchangelib.protocol import Protocol

    config = Configuration(
        service_endpoint=server.ews_url,
        credentials=Credentials(user or server.org.service_account, password or server.org.service_password),
        auth_type=BASIC,
        retry_policy=FailFast() if fail_fast else FaultTolerance(max_wait=max_wait),
    )
    # exchangelib caches one Protocol (with its retry policy) per endpoint and credentials; drop any
    # earlier one so this account really gets the policy asked for.
    try:
        cached, _ = Protocol[config]
        if isinstance(cached, Protocol):
            cached.close()
        del Protocol[config]
    except KeyError:
        pass
    try:
        zone = EWSTimeZone(server.org.mailbox(email).timezone)
    except KeyError:
        zone = EWSTimeZone("UTC")
    return Account(
        email,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION if impersonation else DELEGATE,
        default_timezone=zone,
    )
